"""Evidence frames: the video frame at each fault, as small base64 JPEGs for the HTML report.

A reviewer trusts a fault more when they can see it. The frame comes from the report's
`source` video when that file is still there; a pose track (`.npz`), a webcam or a missing
file just means no pictures, never an error.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

MAX_WIDTH = 360
MAX_FRAMES = 24
JPEG_QUALITY = 70
NOT_VIDEO = {".npz", ".json", ".npy"}


def find_source(source: str, base_dirs: Sequence[Path] = ()) -> Path | None:
    """The source video as a readable file: as written, or relative to one of `base_dirs`."""
    if not isinstance(source, str) or not source:
        return None
    path = Path(source)
    candidates = [path] + ([Path(d) / path for d in base_dirs] if not path.is_absolute() else [])
    for candidate in candidates:
        try:
            if candidate.suffix.lower() not in NOT_VIDEO and candidate.is_file():
                return candidate
        except OSError:
            continue
    return None


def frames_at(video: Path, times_s: Sequence[float], max_width: int = MAX_WIDTH,
              max_frames: int = MAX_FRAMES, marks: Sequence[Any] | None = None,
              annotate: Callable[[Any, float, Any], Any] | None = None) -> dict[int, str]:
    """Data URIs of the frames at `times_s` (index -> URI); the first `max_frames` only.
    With `annotate`, each frame is drawn on with its mark first (evidence_draw.py)."""
    import cv2  # imported here: only reports with a video need it

    out: dict[int, str] = {}
    cap = cv2.VideoCapture(str(video))
    try:
        if not cap.isOpened():
            return out
        for i, t in enumerate(times_s[:max_frames]):
            cap.set(cv2.CAP_PROP_POS_MSEC, max(float(t), 0.0) * 1000.0)
            ok, frame = cap.read()
            if not ok or frame is None:
                continue
            if annotate is not None and marks is not None and i < len(marks):
                frame = annotate(frame, float(t), marks[i])
            h, w = frame.shape[:2]
            if w > max_width:
                frame = cv2.resize(frame, (max_width, max(1, round(h * max_width / w))),
                                   interpolation=cv2.INTER_AREA)
            ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
            if ok:
                out[i] = "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")
    finally:
        cap.release()
    return out


def evidence_frames(source: str, times_s: Sequence[float], base_dirs: Sequence[Path] = (),
                    max_frames: int = MAX_FRAMES, marks: Sequence[Any] | None = None,
                    model: str = "") -> dict[int, str]:
    """Frames for the faults at `times_s`, or {} when the session's video is not available;
    with `marks`, each with the skeleton and its measured value drawn (evidence_draw.py)."""
    video = find_source(source, base_dirs)
    if video is None or not times_s:
        return {}
    annotate = None
    try:
        if marks is not None:
            from formcheck.report.evidence_draw import draw, pose_annotator

            annotate = pose_annotator(model) or (lambda frame, t, mark: draw(frame, None, mark))
        return frames_at(video, times_s, max_frames=max_frames, marks=marks, annotate=annotate)
    except Exception:  # noqa: BLE001 - a broken video must not stop the report
        return {}
    finally:
        close = getattr(annotate, "close", None)
        if close is not None:
            close()
