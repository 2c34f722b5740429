"""The screen's layout: the camera frame letterboxed into a canvas of the window's size, and
where the counters panel goes: beside the picture when the bars left over are wide enough
(a portrait camera on a landscape screen), over its top-left corner otherwise. Drawing at the
window's size, not the frame's, is what lets the numbers be read from across a room."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MIN_SIDE_PANEL = 0.28  # of the canvas width: narrower bars than this get the panel over the video
PANEL_OVER = 0.36  # the panel's width over the video, of the canvas width


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    def of(self, image: np.ndarray) -> np.ndarray:
        return image[self.y:self.y + self.h, self.x:self.x + self.w]


@dataclass(frozen=True)
class Layout:
    canvas: tuple[int, int]  # (width, height)
    video: Rect
    panel: Rect
    beside: bool  # the panel has its own space (else it is drawn over the video)


def layout(frame_size: tuple[int, int], canvas: tuple[int, int] | None) -> Layout:
    """Where the frame (w, h) and the panel go on a canvas (w, h); None: the frame's size."""
    fw, fh = frame_size
    cw, ch = canvas or frame_size
    scale = min(cw / fw, ch / fh)
    vw, vh = max(1, round(fw * scale)), max(1, round(fh * scale))
    if cw - vw >= MIN_SIDE_PANEL * cw:  # room beside: video left, panel in the rest
        return Layout((cw, ch), Rect(0, (ch - vh) // 2, vw, vh), Rect(vw, 0, cw - vw, ch), True)
    video = Rect((cw - vw) // 2, (ch - vh) // 2, vw, vh)
    return Layout((cw, ch), video, Rect(0, 0, round(cw * PANEL_OVER), ch), False)


def letterbox(frame: np.ndarray, lay: Layout) -> np.ndarray:
    """The frame on a new canvas of the layout's size (new each frame: the recording's
    encoder thread may still hold the last one); at its own size, the frame itself."""
    cw, ch = lay.canvas
    fh, fw = frame.shape[:2]
    v = lay.video
    if (v.w, v.h, cw, ch) == (fw, fh, fw, fh):
        return frame if frame.flags.c_contiguous and frame.flags.writeable else frame.copy()
    canvas = np.zeros((ch, cw, 3), np.uint8)
    # Linear, also when shrinking: INTER_AREA costs ~6x more at these sizes (30 ms a 1080p
    # frame), and the picture is only a backdrop for the overlay.
    v.of(canvas)[:] = cv2.resize(frame, (v.w, v.h), interpolation=cv2.INTER_LINEAR)
    return canvas
