"""The one cue to act on now, and the "no person" notice.

Setup cues ("Turn side-on to the camera") get a full-width solid banner because nothing
else on screen is meaningful until they are fixed; form faults get a quieter box.
"""

from __future__ import annotations

import cv2
import numpy as np

from formcheck.analysis.state import Cue
from formcheck.overlay.canvas import (
    BLACK,
    FAULT,
    SETUP_BG,
    WHITE,
    Color,
    fit_font,
    put_text,
    scale_of,
    shade,
    text_size,
    wrap,
)


def _text_block(scene: np.ndarray, message: str, size: float, bold: bool,
                max_width: int) -> tuple[list[str], float, int, int, int]:
    """Wrapped lines, font scale, thickness, line height and block width."""
    s = scale_of(scene)
    fs, th = s.font(size), s.px(2 if bold else 1.5)
    lines = wrap(message, max_width, fs, th)
    fs = fit_font(lines, max_width, fs, th)
    sizes = [text_size(line, fs, th) for line in lines]
    line_h = max(h + b for _, h, b in sizes) + s.px(8)
    return lines, fs, th, line_h, max(w for w, _, _ in sizes)


def _draw_lines(scene: np.ndarray, lines: list[str], fs: float, th: int, line_h: int,
                top: int, color: Color) -> None:
    """Lines centred horizontally, the first line's box starting at `top`."""
    w = scene.shape[1]
    for i, line in enumerate(lines):
        tw, h, _ = text_size(line, fs, th)
        put_text(scene, line, ((w - tw) // 2, top + i * line_h + h), fs, color, th)


class CueAnnotator:
    """Bottom of the frame: a solid banner for setup cues, a translucent box otherwise."""

    def __init__(self, fault_color: Color = FAULT, info_color: Color = WHITE,
                 setup_bg: Color = SETUP_BG, setup_text: Color = BLACK) -> None:
        self.fault_color = fault_color
        self.info_color = info_color
        self.setup_bg = setup_bg
        self.setup_text = setup_text

    def annotate(self, scene: np.ndarray, cue: Cue | None) -> np.ndarray:
        if cue is None or not cue.message:
            return scene
        s = scale_of(scene)
        h, w = scene.shape[:2]
        margin, pad = s.px(16), s.px(14)
        setup = cue.kind == "setup"
        lines, fs, th, line_h, block_w = _text_block(
            scene, cue.message, 1.6 if setup else 1.5, True, w - 2 * (margin + pad))
        block_h = line_h * len(lines) - s.px(8)
        y1 = h - margin
        y0 = y1 - block_h - 2 * pad
        if setup:
            cv2.rectangle(scene, (0, y0), (w - 1, y1), self.setup_bg, -1)
            color = self.setup_text
        else:
            x0 = (w - block_w) // 2 - pad
            shade(scene, x0, y0, x0 + block_w + 2 * pad, y1, alpha=0.6)
            color = self.fault_color if cue.kind == "fault" else self.info_color
        _draw_lines(scene, lines, fs, th, line_h, y0 + pad, color)
        return scene


class NoticeAnnotator:
    """A centred notice: "Paused", "Getting ready", "Set 2", or nobody in view (so an empty
    overlay is not mistaken for a frozen one)."""

    def __init__(self, size: float = 1.2, color: Color = WHITE) -> None:
        self.size, self.color = size, color

    def annotate(self, scene: np.ndarray, message: str | None) -> np.ndarray:
        if not message:
            return scene
        s = scale_of(scene)
        h, w = scene.shape[:2]
        pad = s.px(18)
        lines, fs, th, line_h, block_w = _text_block(
            scene, message, self.size, True, w - 2 * (s.px(16) + pad))
        block_h = line_h * len(lines) - s.px(8)
        x0, y0 = (w - block_w) // 2 - pad, (h - block_h) // 2 - pad
        shade(scene, x0, y0, x0 + block_w + 2 * pad, y0 + block_h + 2 * pad, alpha=0.6)
        _draw_lines(scene, lines, fs, th, line_h, y0 + pad, self.color)
        return scene


class NoPersonAnnotator(NoticeAnnotator):
    def __init__(self, message: str = "No person in view") -> None:
        super().__init__()
        self.message = message

    def annotate(self, scene: np.ndarray, message: str | None = None) -> np.ndarray:
        return super().annotate(scene, message or self.message)
