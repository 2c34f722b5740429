"""Shared drawing pieces: size-relative scaling, palette, text, translucent panels, and the
dark canvas used to replay a pose track without its video.

Everything draws in place with cv2 primitives because the overlay runs per frame in the
live loop; the only temporary arrays are the size of a panel, never of the frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

Color = tuple[int, int, int]  # BGR

FONT = cv2.FONT_HERSHEY_DUPLEX
AA = cv2.LINE_AA

CANVAS_BG: Color = (28, 24, 22)
BLACK: Color = (0, 0, 0)
WHITE: Color = (245, 245, 245)
DIM: Color = (170, 170, 170)
ACCENT: Color = (0, 200, 255)  # amber: the key angle, the filling hold bar
GOOD: Color = (80, 200, 60)
BAD: Color = (60, 60, 235)
FAULT: Color = (40, 110, 255)  # orange-red, readable on dark panels
SETUP_BG: Color = (0, 190, 255)


@dataclass(frozen=True)
class Scale:
    """Sizes relative to the frame's short side, so a 346 px clip and a 1080p portrait
    frame both get legible text and proportionate strokes (1.0 at a 720 px short side)."""

    unit: float
    width: int
    height: int

    def px(self, v: float) -> int:
        return max(1, round(v * self.unit))

    def font(self, size: float) -> float:
        return size * self.unit


@lru_cache(maxsize=16)
def _scale(width: int, height: int) -> Scale:
    unit = min(max(min(width, height) / 720.0, 0.6), 3.0)  # floor keeps 346 px legible
    unit = min(unit, width / 380.0)  # but the counters panel must fit a narrow frame
    return Scale(unit, width, height)


def scale_of(scene: np.ndarray) -> Scale:
    h, w = scene.shape[:2]
    return _scale(int(w), int(h))


def text_size(text: str, font_scale: float, thickness: int) -> tuple[int, int, int]:
    """(width, height above baseline, baseline depth) in pixels."""
    (w, h), base = cv2.getTextSize(text, FONT, font_scale, thickness)
    return w, h, base


def put_text(scene: np.ndarray, text: str, org: tuple[int, int], font_scale: float,
             color: Color, thickness: int, outline: int = 0) -> None:
    """Text at baseline-left `org`; `outline` > 0 adds a dark rim for use over video."""
    if outline:
        cv2.putText(scene, text, org, FONT, font_scale, BLACK, thickness + 2 * outline, AA)
    cv2.putText(scene, text, org, FONT, font_scale, color, thickness, AA)


def shade(scene: np.ndarray, x0: int, y0: int, x1: int, y1: int,
          alpha: float = 0.6, color: Color = BLACK) -> None:
    """Blend `color` over one rectangle (clipped to the frame); only that ROI is copied."""
    h, w = scene.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = scene[y0:y1, x0:x1]
    # cv2 scalar ops, not numpy broadcasting of a tuple (that alone costs ~0.7 ms here).
    blended = cv2.convertScaleAbs(roi, alpha=1.0 - alpha)
    if any(color):
        blended = cv2.add(blended, tuple(float(alpha * c) for c in color) + (0.0,))
    roi[:] = blended


def wrap(text: str, max_width: int, font_scale: float, thickness: int) -> list[str]:
    """Greedy word wrap so long cues stay inside narrow (portrait) frames."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and text_size(trial, font_scale, thickness)[0] > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]


def fit_font(lines: list[str], max_width: int, font_scale: float, thickness: int) -> float:
    """Shrink the font if a single unbreakable line is still too wide."""
    widest = max(text_size(line, font_scale, thickness)[0] for line in lines)
    return font_scale * min(1.0, max_width / widest) if widest > 0 else font_scale


def progress_bar(scene: np.ndarray, x: int, y: int, w: int, h: int, fraction: float,
                 fill: Color, back: Color = (70, 70, 70)) -> int:
    """Bar whose filled length is `fraction` (clamped 0..1) of `w`; returns that length."""
    frac = min(max(float(fraction), 0.0), 1.0)
    cv2.rectangle(scene, (x, y), (x + w - 1, y + h - 1), back, -1)
    filled = round(frac * w)
    if filled > 0:
        cv2.rectangle(scene, (x, y), (x + filled - 1, y + h - 1), fill, -1)
    return filled


def blank_canvas(width: int, height: int, out: np.ndarray | None = None) -> np.ndarray:
    """Dark BGR frame to draw a saved pose track on when there is no video; pass `out`
    to refill a buffer instead of allocating one per frame."""
    if out is not None and out.shape == (height, width, 3) and out.dtype == np.uint8:
        out[:] = CANVAS_BG
        return out
    return np.full((height, width, 3), CANVAS_BG, np.uint8)
