"""Options and checks shared by `analyze` and `live`."""

from __future__ import annotations

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
    if workers < 0:
        raise UserError(f"--workers must be 0 (auto), 1 or more, not {workers}")
    return workers


def check_video_suffix(path: Path | None) -> None:
    # The writer makes MP4 (H.264); .m4v and .mov name that container too, .avi does not.
    if path is not None and path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise UserError(f"--out {path}: formcheck writes MP4 video; use a .mp4 file name")


def resolve_model_path(model: str, model_path: Path | None) -> tuple[Path, str]:
    from formcheck.pose.models import resolve_model

    if model not in ("lite", "full", "heavy"):
        raise UserError(f"--model must be lite, full or heavy, not '{model}'")
    path = resolve_model(model, str(model_path) if model_path else None, progress=True)
    return path, (path.name if model_path else f"pose_landmarker_{model}")
