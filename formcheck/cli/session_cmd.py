"""`formcheck session`: a day's programme, guided set by set (pipeline/guided.py)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import typer

from formcheck.cli.app import app
from formcheck.cli.common import check_model, check_workers, resolve_model_path
from formcheck.cli.voice_opts import (
    AUDIO_OUT_HELP,
    VOICE_HELP,
    check_audio_suffix,
    session_voice,
)
from formcheck.errors import UserError
from formcheck.safe_paths import check_input, check_paths

DEFAULT_OUT = Path("formcheck-sessions")


def parse_sources(pairs: list[str], ids: set[str]) -> dict[str, Path]:
    """`--source ID=FILE` options: a video per exercise of the plan."""
    out: dict[str, Path] = {}
    for pair in pairs:
        ex_id, sep, file = pair.partition("=")
        if not sep or not ex_id or not file:
            raise UserError(f"--source {pair}: give EXERCISE=FILE, e.g. "
                            "--source glute_bridge=bridge.mp4")
        if ex_id not in ids:
            raise UserError(f"--source {pair}: '{ex_id}' is not in the plan (its exercises: "
                            f"{', '.join(sorted(ids))})")
        out[ex_id] = Path(file)
    return out


@app.command("session")
def session(
    plan_file: Path = typer.Argument(None, metavar="[PLAN.toml]", help="The day's plan "
                                     "(TOML); default: the prescribed exercises due today."),
    camera: int = typer.Option(0, "--camera", help="Camera index."),
    source: list[str] = typer.Option([], "--source", help="EXERCISE=VIDEO: play this video "
                                     "in real time instead of the camera (repeatable)."),
    no_window: bool = typer.Option(False, "--no-window", help="Don't open a window."),
    out_dir: Path = typer.Option(DEFAULT_OUT, "--out-dir", help="Where the reports and the "
                                 "session summary go."),
    time_scale: float = typer.Option(1.0, "--time-scale", help="Rests and side switches "
                                     "last 1/this as long (demos, tests)."),
    model: str = typer.Option("full", "--model", help="Pose model: lite, full or heavy."),
    model_path: Path = typer.Option(None, "--model-path", help="Use this .task file."),
    no_history: bool = typer.Option(False, "--no-history", help="Don't file the reports in "
                                    "the history folder."),
    workers: int = typer.Option(0, "--workers", help="As for live: 1 = pose inference in "
                                "this process; 0 = auto."),
    voice: bool = typer.Option(None, "--voice/--no-voice", help=VOICE_HELP),
    audio_out: Path = typer.Option(None, "--audio-out", help=AUDIO_OUT_HELP),
) -> None:
    """Guided session: each exercise's camera set-up, sets, rests and side switches, shown
    and announced. Keys: n next set (or end the rest), r redo the set, s skip the exercise,
    space pause, f full screen, q/Esc quit (what was done is saved). A report per exercise
    and a summary are written."""
    from formcheck.pipeline.display import open_display
    from formcheck.pipeline.guided import run_session, voice_options
    from formcheck.source.camera import CameraSource
    from formcheck.source.clock import PauseClock
    from formcheck.source.paced import RealtimeSource
    from formcheck.source.video import SourceError, VideoFileSource

    check_workers(workers)
    check_model(model)
    check_audio_suffix(audio_out)
    if not time_scale > 0 or time_scale == float("inf"):
        raise UserError(f"--time-scale must be a number more than 0, not {time_scale:g}")
    plan = _plan(plan_file)
    if not plan.items:
        print("Nothing is due today. Give a plan file to run one anyway.")
        return
    paths = _source_paths(plan, source)
    check_paths({"--audio-out": audio_out},
                {"the plan": plan_file, "--model-path": model_path,
                 **{f"--source for {ex_id}": p for ex_id, p in paths.items()}})
    if not no_window and not os.environ.get("DISPLAY") and os.name != "nt":
        raise UserError("no display to open a window on; use --no-window")
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out-dir {out_dir}: not a folder")
    clock = PauseClock()  # the whole session's: stops while paused (space)
    cameras = []  # the camera opened now, so that a missing one fails before any model work
    if any(p is None for p in paths.values()):
        try:
            cameras.append(CameraSource(camera, clock=clock))
        except SourceError as exc:
            raise UserError(str(exc)) from None
    model_file, model_name = resolve_model_path(model, model_path)

    def open_source(item):
        path = paths[item.id]
        if path is not None:
            return RealtimeSource(VideoFileSource(path), clock=clock)
        # each run closes its own
        return cameras.pop() if cameras else CameraSource(camera, clock=clock)

    def echo(event) -> None:
        print(f"» {event.text}", flush=True)

    # One voice for the whole session (one WAV track on the session's clock); the session
    # says when a set is done and bids farewell itself.
    with session_voice(plan.items[0].spec, speak=voice is not False, audio_out=audio_out,
                       auto_sets=False, farewell=None) as speech:
        summary = run_session(plan, open_source, model_file, model_name, out_dir=out_dir,
                              display=open_display(not no_window, "formcheck - session"),
                              on_event=echo, time_scale=time_scale, history=not no_history,
                              workers=workers or None, clock=clock,
                              mirror=lambda item: paths[item.id] is None,
                              **(voice_options(speech) if speech is not None else {}))
    print()
    for line in summary.lines():
        print(line)
    print(f"Summary: {summary.path}")
    if summary.ended == "interrupted":
        raise typer.Exit(130)
    _ask_pain(summary, enabled=not no_history)


def _plan(plan_file: Path | None):
    """The plan file's plan, else today's prescriptions (saying what is left out and why)."""
    from formcheck.analysis.exercise import builtin_exercises
    from formcheck.analysis.plan import load_plan
    from formcheck.report.due import due_plan

    catalogue = builtin_exercises()
    if plan_file is not None:
        return load_plan(plan_file, catalogue)
    plan, why = due_plan(catalogue, date.today())
    for line in why:
        print(line)
    return plan


def _source_paths(plan, pairs: list[str]) -> dict[str, Path | None]:
    """Each exercise's video (--source over the plan's own), None for the camera; checked."""
    given = parse_sources(pairs, {i.id for i in plan.items})
    paths = {i.id: given.get(i.id, i.source) for i in plan.items}
    for ex_id, path in paths.items():
        if path is not None:
            check_input(path, f"--source for {ex_id}")
    return paths


def _ask_pain(summary, enabled: bool) -> None:
    """Pain during each exercise done, as after `live` (only with a person at the terminal)."""
    import sys

    from formcheck.cli.pain_cmd import pain_after_session
    from formcheck.report.schema import ReportError, load_report

    if not enabled or not all(s is not None and s.isatty() for s in (sys.stdin, sys.stdout)):
        return
    for outcome in summary.exercises:
        if outcome.report and (outcome.reps or outcome.holds):
            try:
                report = load_report(outcome.report)
            except ReportError:
                continue  # written by this run: only a disk gone bad would fail here
            print(f"{outcome.name}:")
            pain_after_session(report, interactive=True)
