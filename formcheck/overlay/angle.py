"""The key measurement drawn where it is taken: an arc at the joint and its value."""

from __future__ import annotations

import math

import cv2
import numpy as np

from formcheck.analysis.measures import angle_text
from formcheck.analysis.state import AnalysisState
from formcheck.overlay.canvas import AA, ACCENT, Color, put_text, scale_of, text_size
from formcheck.overlay.skeleton import Keypoints
from formcheck.pose.landmarks import side_index

# Joint -> the two landmarks whose bones form the angle at it (same side).
_ARMS_BY_NAME = {
    "shoulder": ("elbow", "hip"),
    "elbow": ("shoulder", "wrist"),
    "wrist": ("elbow", "index"),
    "hip": ("shoulder", "knee"),
    "knee": ("hip", "ankle"),
    "ankle": ("knee", "foot_index"),
}
ANGLE_ARMS: dict[int, tuple[int, int]] = {
    side_index(joint, side): (side_index(a, side), side_index(b, side))
    for joint, (a, b) in _ARMS_BY_NAME.items()
    for side in ("left", "right")
}


def format_value(name: str, value: float, unit: str = "") -> tuple[str, bool]:
    """Display text, and whether a degree mark follows (Hershey fonts have no '°')."""
    if unit == "deg" or "angle" in name or "deg" in name:
        return angle_text(value), True
    return f"{value:.3g}", False


class AngleAnnotator:
    """Arc between the two bones at `state.key_joint`, labelled with `state.key_value`.

    The arc shows the 2D geometry on screen; the label is the analysis' own number,
    which may be measured differently (e.g. in 3D), so the two can differ slightly.
    """

    def __init__(self, color: Color = ACCENT, radius: float = 34.0) -> None:
        self.color = color
        self.radius = radius

    def annotate(self, scene: np.ndarray, keypoints: Keypoints | None,
                 state: AnalysisState | None) -> np.ndarray:
        if keypoints is None or state is None or state.key_joint is None:
            return scene
        j = int(state.key_joint)
        if not (0 <= j < len(keypoints.visible)) or not keypoints.visible[j]:
            return scene
        s = scale_of(scene)
        centre = keypoints.point(j)
        r = s.px(self.radius)
        thick = s.px(3)
        out_dir = (0.70, -0.70)  # label up-right unless the bones say otherwise
        arms = ANGLE_ARMS.get(j)
        if arms and keypoints.visible[arms[0]] and keypoints.visible[arms[1]]:
            a1 = self._bearing(keypoints, j, arms[0])
            a2 = self._bearing(keypoints, j, arms[1])
            if a1 is not None and a2 is not None:
                start, sweep = self._inner(a1, a2)
                cv2.ellipse(scene, centre, (r, r), 0.0, start, start + sweep,
                            self.color, thick, AA)
                mid = math.radians(start + sweep / 2)
                out_dir = (-math.cos(mid), -math.sin(mid))  # outside the angle
            else:
                cv2.circle(scene, centre, r, self.color, thick, AA)
        else:
            cv2.circle(scene, centre, r, self.color, thick, AA)
        cv2.circle(scene, centre, s.px(7), self.color, -1, AA)
        if state.key_value is not None and math.isfinite(state.key_value):
            self._label(scene, centre, out_dir, r, state.key_name, state.key_value,
                        state.key_unit)
        return scene

    @staticmethod
    def _bearing(kp: Keypoints, j: int, k: int) -> float | None:
        dx, dy = (kp.xy[k] - kp.xy[j]).tolist()
        if dx == 0 and dy == 0:
            return None
        return math.degrees(math.atan2(dy, dx))  # image coords: clockwise, like cv2.ellipse

    @staticmethod
    def _inner(a1: float, a2: float) -> tuple[float, float]:
        """Start and sweep (<= 180) of the smaller arc between two bearings."""
        diff = (a2 - a1) % 360.0
        return (a1, diff) if diff <= 180.0 else (a2, 360.0 - diff)

    def _label(self, scene: np.ndarray, centre: tuple[int, int], direction: tuple[float, float],
               r: int, name: str, value: float, unit: str = "") -> None:
        s = scale_of(scene)
        text, degrees = format_value(name, value, unit)
        fs, th = s.font(0.9), s.px(2)
        tw, tht, base = text_size(text, fs, th)
        ring = s.px(4) if degrees else 0
        box_w = tw + (2 * ring + s.px(4) if degrees else 0)
        pad = s.px(6)
        dist = r + s.px(10) + max(box_w, tht) // 2
        cx = centre[0] + direction[0] * dist
        cy = centre[1] + direction[1] * dist
        x0 = int(cx - box_w / 2)
        y0 = int(cy - tht / 2)
        h, w = scene.shape[:2]
        x0 = min(max(x0, pad), w - box_w - pad)
        y0 = min(max(y0, pad), h - tht - base - pad)
        cv2.rectangle(scene, (x0 - pad, y0 - pad), (x0 + box_w + pad, y0 + tht + base + pad),
                      (25, 25, 25), -1)
        put_text(scene, text, (x0, y0 + tht), fs, self.color, th)
        if degrees:
            cv2.circle(scene, (x0 + tw + s.px(3) + ring, y0 + ring), ring, self.color,
                       max(1, th // 2 + 1), AA)
