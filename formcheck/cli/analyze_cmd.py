"""`formcheck analyze`: a recorded video (or a saved pose track) in, counts and a report out."""

from __future__ import annotations

import contextlib
import sys
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from formcheck.cli.app import app
from formcheck.cli.common import (
    SECOND_LOOK_HELP,
    check_model,
    check_side,
    check_video_suffix,
    check_workers,
    fail_on,
    load_spec,
    resolve_model_path,
    second_look_model,
    start_pose_processes,
    written,
)
from formcheck.cli.summary import print_summary
from formcheck.cli.voice_opts import AUDIO_OUT_HELP, check_audio_suffix, session_voice
from formcheck.errors import UserError
from formcheck.pipeline.pose_process import WarmPool, analyze_pose_processes
from formcheck.pipeline.session import SessionOutputs
from formcheck.pose.landmarks import is_track_file
from formcheck.safe_paths import check_input, check_paths, is_stdout
from formcheck.source.video import SourceError


@app.command("analyze")
def analyze(
    video: Path = typer.Argument(..., help="Video file, or a pose track (.npz) saved by "
                                 "--save-pose to replay without the model."),
    exercise: str = typer.Option(None, "--exercise", "-e", help="Exercise id (see "
                                 "`formcheck exercises`)."),
    exercise_file: Path = typer.Option(None, "--exercise-file", help="Your own exercise "
                                       "definition (TOML)."),
    variant: str = typer.Option(None, "--variant", help="Exercise variant, e.g. single-leg."),
    side: str = typer.Option("auto", "--side", help="Working side: left, right or auto."),
    model: str = typer.Option("full", "--model", help="Pose model: lite, full or heavy."),
    model_path: Path = typer.Option(None, "--model-path", help="Use this .task file."),
    out: Path = typer.Option(None, "--out", "-o", help="Write an annotated video (.mp4)."),
    report: Path = typer.Option(None, "--report", "-r", help="Write the report JSON here."),
    save_pose: Path = typer.Option(None, "--save-pose", help="Save the landmark track (.npz)."),
    no_history: bool = typer.Option(False, "--no-history", help="Don't file the report in "
                                    "the history folder."),
    audio_out: Path = typer.Option(None, "--audio-out", help=AUDIO_OUT_HELP),
    second_look: bool = typer.Option(True, "--second-look/--no-second-look",
                                     help=SECOND_LOOK_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    workers: int = typer.Option(0, "--workers", help="Processes in all: 1 = everything in "
                                "this one; N = N-1 pose-inference processes beside it; "
                                "0 = auto (one pose process on 2+ cores)."),
) -> None:
    """Analyse a recorded video: count reps, time holds, check form."""
    spec = load_spec(exercise, exercise_file, variant)
    side_ = check_side(side)
    workers = check_workers(workers)
    check_video_suffix(out)
    check_audio_suffix(audio_out)
    if save_pose is not None and save_pose.suffix.lower() != ".npz":
        raise UserError(f"--save-pose {save_pose}: use a .npz file name")
    check_paths({"--out": out, "--report": report, "--save-pose": save_pose,
                 "--audio-out": audio_out},
                {"the input": video, "--exercise-file": exercise_file,
                 "--model-path": model_path}, stdout_ok={"--report"})
    check_input(video)
    look = None
    if not is_track_file(video):
        check_model(model)
        look = second_look_model(model, model_path, second_look)
    outputs = SessionOutputs(report=report, video=out, pose=save_pose, history=not no_history)
    # The pose processes start now, once the command line is known to be good: they load
    # the model while this process prepares it and opens the video.
    warm = None if is_track_file(video) else start_pose_processes(
        analyze_pose_processes(workers or None), model, model_path, look)
    try:
        with session_voice(spec, speak=False, audio_out=audio_out, offline=True) as voice:
            result = _analyze(video, spec, side_, model, model_path, outputs, quiet, workers,
                              warm, voice, look)
    finally:
        if warm is not None:
            warm.close()
    with contextlib.redirect_stdout(sys.stderr) if is_stdout(report) else nullcontext():
        print_summary(result.report, video=result.video,  # stdout holds the report JSON
                      report_path=None if is_stdout(report) else written(report, result.errors))
    fail_on(result.errors, 130 if result.interrupted else 1)
    if result.interrupted:
        raise typer.Exit(130)


def _analyze(video: Path, spec, side: str | None, model: str, model_path: Path | None,
             outputs: SessionOutputs, quiet: bool, workers: int, warm: WarmPool | None,
             voice=None, second_look: Path | None = None):
    from formcheck.pipeline.analyze import analyze_track, analyze_video

    console = Console(stderr=True)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} frames"), TimeRemainingColumn(),
                  console=console, disable=quiet, transient=True) as bar:
        task = bar.add_task(f"{video.name}", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        try:
            if is_track_file(video):
                try:
                    return analyze_track(video, spec, side=side, outputs=outputs,
                                         progress=progress, voice=voice)
                except ValueError as exc:
                    raise UserError(str(exc)) from None
            else:
                model_file, model_name = resolve_model_path(model, model_path)
                if warm is not None:
                    warm.load(model_file, second_look)  # the pose processes load it meanwhile
                return analyze_video(video, spec, model_file, model_name, side=side,
                                     outputs=outputs, progress=progress,
                                     workers=workers or None, warm=warm, voice=voice,
                                     second_look=second_look)
        except SourceError as exc:
            raise UserError(str(exc)) from None
