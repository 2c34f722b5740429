"""Options and checks shared by `analyze` and `live`."""

from __future__ import annotations

import sys
from pathlib import Path

from formcheck.analysis.exercise import ExerciseSpec, get_exercise
from formcheck.errors import UserError


def load_spec(exercise: str | None, exercise_file: Path | None,
              variant: str | None) -> ExerciseSpec:
    return get_exercise(exercise, str(exercise_file) if exercise_file else None, variant)


def check_side(side: str | None) -> str | None:
    if side in (None, "auto"):
        return None
    if side not in ("left", "right"):
        raise UserError(f"--side must be left, right or auto, not '{side}'")
    return side


def check_workers(workers: int) -> int:
    """`workers`, capped at what this machine can hold (said on stderr when it is)."""
    import os
    import sys

    from formcheck.pipeline.pose_process import POSE_PROCESS_BYTES, free_memory, max_workers

    if workers < 0:
        raise UserError(f"--workers must be 0 (auto), 1 or more, not {workers}")
    cores, free = os.cpu_count() or 1, free_memory()
    most = max_workers(cores, free)
    if workers > most:
        room = "" if free is None else (f", {free / 2**30:.1f} GB of memory free for pose "
                                        f"processes of about {POSE_PROCESS_BYTES >> 20} MB")
        print(f"formcheck: --workers {workers} is more than this machine can hold ({cores} "
              f"cores{room}): using {most}", file=sys.stderr)
        return most
    return workers


def check_video_suffix(path: Path | None) -> None:
    # The writer makes MP4 (H.264); .m4v and .mov name that container too, .avi does not.
    if path is not None and path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise UserError(f"--out {path}: formcheck writes MP4 video; use a .mp4 file name")


def check_model(model: str) -> None:
    if model not in ("lite", "full", "heavy"):
        raise UserError(f"--model must be lite, full or heavy, not '{model}'")


def resolve_model_path(model: str, model_path: Path | None) -> tuple[Path, str]:
    from formcheck.pose.models import resolve_model

    check_model(model)
    path = resolve_model(model, str(model_path) if model_path else None, progress=True)
    return path, (path.name if model_path else f"pose_landmarker_{model}")


SECOND_LOOK_HELP = ("Look again with the heavy model at the frames where the pose model is "
                    "unsure of the body (a few percent of frames; `formcheck models fetch "
                    "heavy` prepares it).")


def second_look_model(model: str, model_path: Path | None, wanted: bool) -> Path | None:
    """The heavy model for a second look at the frames the pose model is unsure of
    (pose/second_look.py): when wanted, prepared, and not the pose model itself. An analysis
    never fetches it (no surprise download): missing, it is skipped with a note."""
    if not wanted or (model == "heavy" and model_path is None):
        return None
    from formcheck.pose.models.resolve import READY, model_status

    status, path = model_status("heavy")
    if status != READY:
        print(f"formcheck: note: no second look at unsure frames: the heavy model is "
              f"{status} (`formcheck models fetch heavy` prepares it)", file=sys.stderr)
        return None
    return path


def start_pose_processes(n: int, model: str, model_path: Path | None,
                         second_look: Path | None = None):
    """`n` pose processes started now (pose_process.WarmPool: a backend takes them later),
    or None for none. Called once the command line has been checked, so that a mistake
    starts nothing. They are told the likely model at once (--model-path as given, or the
    cached --model), so that they load it while this process checks it; the command names
    the checked model again (the same one is not loaded twice)."""
    if n <= 0:
        return None
    from formcheck.pipeline.pose_process import WarmPool
    from formcheck.pose.models.cache import cached_model

    pool = WarmPool(n)
    guess = model_path.expanduser() if model_path else cached_model(model)
    if guess.is_file():
        pool.load(guess, second_look)
    return pool


def written(path: Path | None, errors: list[str]) -> Path | None:
    """`path` unless an error says it was not written (Session: "... not written to PATH:")."""
    return None if path is None or any(f" to {path}: " in e for e in errors) else path


def fail_on(errors: list[str], code: int = 1) -> None:
    """After the summary: what a session could not do (the report says so too), one line
    each, and exit `code` (an interrupted run keeps 130)."""
    import sys

    import typer

    for error in errors:
        print(f"formcheck: error: {error}", file=sys.stderr)
    if errors:
        raise typer.Exit(code)
