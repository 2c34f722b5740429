"""`formcheck live`: exercise in front of a camera (or a video played in real time)."""

from __future__ import annotations

import contextlib
import os
import sys
from contextlib import nullcontext
from pathlib import Path

import typer

from formcheck.cli.app import app
from formcheck.cli.common import (
    check_model,
    check_side,
    check_video_suffix,
    check_workers,
    fail_on,
    load_spec,
    resolve_model_path,
    start_pose_processes,
    written,
)
from formcheck.cli.summary import PAIN_NOTE, print_summary, session_end_lines
from formcheck.cli.voice_opts import (
    AUDIO_OUT_HELP,
    VOICE_HELP,
    check_audio_suffix,
    session_voice,
)
from formcheck.errors import UserError
from formcheck.pipeline.pose_process import live_pose_processes
from formcheck.pipeline.session import SessionOutputs
from formcheck.safe_paths import check_paths, is_stdout
from formcheck.source.video import SourceError

_ENDED = {"end of source": "over: the video ended", "quit": "over",
          "interrupted": "interrupted", "source failed": "ended: the camera or video failed"}


@app.command("live")
def live(
    exercise: str = typer.Option(None, "--exercise", "-e", help="Exercise id."),
    exercise_file: Path = typer.Option(None, "--exercise-file", help="Your own exercise "
                                       "definition (TOML)."),
    variant: str = typer.Option(None, "--variant", help="Exercise variant, e.g. single-leg."),
    camera: int = typer.Option(0, "--camera", help="Camera index."),
    source: Path = typer.Option(None, "--source", help="Play this video file in real time "
                                "instead of a camera."),
    side: str = typer.Option("auto", "--side", help="Working side: left, right or auto."),
    model: str = typer.Option("full", "--model", help="Pose model: lite, full or heavy."),
    model_path: Path = typer.Option(None, "--model-path", help="Use this .task file."),
    no_window: bool = typer.Option(False, "--no-window", help="Don't open a window."),
    out: Path = typer.Option(None, "--out", "-o", help="Record the annotated session (.mp4)."),
    report: Path = typer.Option(None, "--report", "-r", help="Write the report JSON here."),
    save_pose: Path = typer.Option(None, "--save-pose", help="Save the landmark track (.npz)."),
    no_history: bool = typer.Option(False, "--no-history", help="Don't file the report in "
                                    "the history folder."),
    workers: int = typer.Option(0, "--workers", help="Processes in all: 1 = pose inference "
                                "in this process; N = N-1 pose processes taking "
                                "turns; 0 = auto (one pose process on 2+ cores)."),
    voice: bool = typer.Option(None, "--voice/--no-voice", help=VOICE_HELP),
    audio_out: Path = typer.Option(None, "--audio-out", help=AUDIO_OUT_HELP),
    source_speed: float = typer.Option(1.0, "--source-speed", hidden=True,
                                       help="Play --source this much faster (benchmarks)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also print each rep and "
                                 "the timings (frames analysed, latency, model speed)."),
) -> None:
    """Live feedback: space pause, r restart the set, n next set, f full screen, q/Esc quit.
    The report is written on any exit."""
    from formcheck.cli.pain_cmd import pain_after_session
    from formcheck.pipeline.display import open_display
    from formcheck.pipeline.live import run_live
    from formcheck.source.camera import CameraSource
    from formcheck.source.clock import PauseClock
    from formcheck.source.paced import RealtimeSource
    from formcheck.source.video import VideoFileSource

    spec = load_spec(exercise, exercise_file, variant)
    side_ = check_side(side)
    workers = check_workers(workers)
    if source_speed <= 0:
        raise UserError(f"--source-speed must be more than 0, not {source_speed:g}")
    check_video_suffix(out)
    check_audio_suffix(audio_out)
    check_paths({"--out": out, "--report": report, "--save-pose": save_pose,
                 "--audio-out": audio_out},
                {"--source": source, "--exercise-file": exercise_file,
                 "--model-path": model_path}, stdout_ok={"--report"})
    if not no_window and not os.environ.get("DISPLAY") and os.name != "nt":
        raise UserError("no display to open a window on; use --no-window (and --out to "
                        "record the overlay)")
    clock = PauseClock()  # the session's: stops while paused (space)
    try:  # the source first: a missing camera should fail before any model work
        src = (RealtimeSource(VideoFileSource(source), clock=clock, speed=source_speed)
               if source is not None
               else CameraSource(camera, clock=clock))
    except SourceError as exc:
        raise UserError(str(exc)) from None
    warm = None
    try:
        check_model(model)
        # The pose processes start once the command line and the source are known to be
        # good: they load the model while this process checks it and opens the display.
        warm = start_pose_processes(live_pose_processes(workers or None), model, model_path)
        model_file, model_name = resolve_model_path(model, model_path)
        if warm is not None:
            warm.load(model_file)  # the pose processes load it meanwhile
        outputs = SessionOutputs(report=report, video=out, pose=save_pose,
                                 history=not no_history)
        with session_voice(spec, speak=voice is not False, audio_out=audio_out) as speech:
            result = run_live(src, spec, model_file, model_name, side=side_, outputs=outputs,
                              display=open_display(not no_window, f"formcheck - {spec.name}"),
                              mirror=source is None, workers=workers or None, warm=warm,
                              clock=clock, voice=speech)
    except BaseException:
        src.close()
        raise
    finally:
        if warm is not None:
            warm.close()
    s = result.stats
    with contextlib.redirect_stdout(sys.stderr) if is_stdout(report) else nullcontext():
        report_path = None if is_stdout(report) else written(report, result.errors)
        if verbose:
            print(f"Live: {s.analysed} frames analysed of {s.captured} captured, "
                  f"{s.fps:.1f} fps, median capture-to-overlay latency "
                  f"{s.median_latency_ms:.0f} ms ({result.reason})")
            if s.model_ms:
                print(f"Pose model: {s.model_ms:.1f} ms a frame here, waiting "
                      f"{s.model_idle_ms:.1f} ms between frames")
            print_summary(result.report, video=result.video,  # stdout holds the report JSON
                          report_path=report_path)
        else:
            print(f"Session {_ENDED.get(result.reason, 'over')}.")
            for line in session_end_lines(result.report):
                print(line)
            for w in result.report.warnings:
                print(f"  note: {w}")
            if result.video:
                print(f"Recording: {result.video}")
            if report_path:
                print(f"Report: {report_path}")
            print(PAIN_NOTE)
    fail_on(result.errors, 130 if result.reason == "interrupted" else 1)
    pain_after_session(result.report, enabled=not no_history and result.reason != "interrupted")
    if result.reason == "interrupted":
        raise typer.Exit(130)
