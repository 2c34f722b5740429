"""Evidence frames a reviewer can read: the moment of the fault, the skeleton, and the measured
value drawn at the joint it was measured on.

The moment: a fault on a rep's time (hold too short, lowering too fast) is stamped with the
rep's end by the engine, when the knees are long closed; its picture is taken in the middle of
the phase it judges instead (the hold at the top, the way down). The skeleton: the pose model
run once more on that frame, only when the model is already on this machine (a report never
downloads one); without it the frame still gets the measured value written on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from formcheck.report.terminal import num

PHASE_TIME = {"up_s": ("up", 0.5), "hold_s": ("hold", 0.5), "down_s": ("down", 0.5),
              "duration_s": ("hold", 0.5), "range": ("hold", 0.5), "rest_s": ("rest", 0.5)}
SKELETON = (230, 230, 230)
HIGHLIGHT = (0, 200, 255)  # BGR amber: the measured joint
TEXT_BG = (30, 30, 30)


@dataclass(frozen=True)
class Mark:
    """What to draw on one fault's frame."""

    points: tuple[str, ...]  # point names of the fault's measure ("shoulder", "hip", "knee")
    text: str  # "hip 150° (fault below 165°)"
    side: str


def evidence_time(rep: Any, measure: str, t_s: float) -> float:
    """When to take the picture of a fault on `measure` in `rep` (a RepRecord)."""
    if measure not in PHASE_TIME or rep is None:
        return t_s
    start = num(getattr(rep, "start_s", None))
    up, hold, down = (num(getattr(rep, k, None)) or 0.0 for k in ("up_s", "hold_s", "down_s"))
    if start is None:
        return t_s
    phase, share = PHASE_TIME[measure]
    if phase == "up":
        return start + share * up
    if phase == "hold":
        return start + up + share * hold
    if phase == "down":
        return start + up + hold + share * down
    return max(start - 0.5, 0.0)


def pose_annotator(model_name: str) -> Callable[[np.ndarray, float, Mark], np.ndarray] | None:
    """A function drawing the skeleton and the mark on a BGR frame, or None when the pose
    model is not on this machine."""
    try:
        from formcheck.pose.models.cache import cached_model
        from formcheck.pose.models.variants import VARIANTS

        variant = next((v for v in VARIANTS if str(model_name).endswith(v)), "full")
        path = cached_model(variant)
        if not path.is_file():
            return None
        from formcheck.pose.estimator import PoseEstimator

        estimator = PoseEstimator(path, census=False)
    except Exception:  # noqa: BLE001 - no skeleton is no reason to lose the report
        return None
    index = [0]

    def annotate(frame: np.ndarray, t_s: float, mark: Mark) -> np.ndarray:
        pose = None
        with contextlib.suppress(Exception):
            index[0] += 1
            pose = estimator.detect(frame, t_s, index[0])
        return draw(frame, pose, mark)

    annotate.close = estimator.close  # type: ignore[attr-defined]
    return annotate


def draw(frame: np.ndarray, pose: Any, mark: Mark) -> np.ndarray:
    """The skeleton (when a person was found), the fault's measure highlighted, its text."""
    import cv2

    from formcheck.analysis.measures import Points
    from formcheck.pose.landmarks import POSE_CONNECTIONS

    out = frame.copy()
    h, w = out.shape[:2]
    thick = max(2, round(min(h, w) / 240))
    anchor = (10, 10)
    if pose is not None and getattr(pose, "detected", False):
        px, vis = pose.pixels, pose.visibility
        for a, b in POSE_CONNECTIONS:
            if vis is None or (vis[a] > 0.3 and vis[b] > 0.3):
                cv2.line(out, _pt(px[a]), _pt(px[b]), SKELETON, thick, cv2.LINE_AA)
        pts = Points(px, vis if vis is not None else np.ones(len(px)), mark.side
                     if mark.side in ("left", "right") else "left")
        chain = [pts.get(name) for name in mark.points]
        chain = [p for p in chain if np.all(np.isfinite(p))]
        for p, q in zip(chain, chain[1:], strict=False):
            cv2.line(out, _pt(p), _pt(q), HIGHLIGHT, thick * 2, cv2.LINE_AA)
        for p in chain:
            cv2.circle(out, _pt(p), thick * 3, HIGHLIGHT, -1, cv2.LINE_AA)
        if chain:
            vertex = chain[1] if len(chain) >= 3 else chain[0]
            anchor = (int(vertex[0]) + 4 * thick, int(vertex[1]) - 4 * thick)
    _label(out, mark.text, anchor, thick)
    return out


def _pt(p: np.ndarray) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def _label(img: np.ndarray, text: str, at: tuple[int, int], thick: int) -> None:
    import cv2

    if not text:
        return
    scale = max(0.5, min(img.shape[:2]) / 700)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    x = min(max(at[0], 4), max(img.shape[1] - tw - 8, 4))
    y = min(max(at[1], th + 8), img.shape[0] - base - 4)
    cv2.rectangle(img, (x - 4, y - th - 6), (x + tw + 4, y + base + 2), TEXT_BG, -1)
    cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, HIGHLIGHT, thick,
                cv2.LINE_AA)
