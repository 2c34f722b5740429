"""One-euro filter on landmark arrays: steady when still, responsive when moving.

Casiez et al., CHI 2012. Vectorised over all landmarks; time comes from frame timestamps.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from formcheck.pose.landmarks import PoseFrame


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuro:
    def __init__(self, min_cutoff: float = 1.5, beta: float = 0.3, d_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    def reset(self) -> None:
        self._x = self._dx = self._t = None

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        if self._x is None or self._dx is None or self._t is None or t <= self._t:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), t
            return x
        dt = t - self._t
        dx = (x - self._x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        a = _alpha(cutoff, dt)
        self._x = a * x + (1 - a) * self._x
        self._t = t
        return self._x


# The image filter's unit: a pixel of the frame scaled so its shorter side is this long. Equal
# units on both axes keep the filter the same on portrait and landscape frames; the frame's own
# size as unit (not its pixels) keeps it the same at any resolution (beta is per unit/s).
REF_SHORT_SIDE = 1080


class PoseSmoother:
    """Smooths a stream of PoseFrames, the image landmarks in REF_SHORT_SIDE units; a gap
    longer than `reset_after_s` restarts the filter (the person moved while unseen)."""

    def __init__(self, min_cutoff: float = 1.5, beta: float = 0.05, reset_after_s: float = 0.5):
        self._image = OneEuro(min_cutoff, beta)
        self._world = OneEuro(min_cutoff, beta * 100)  # world is in metres, not pixels
        self._reset_after = reset_after_s
        self._last_t: float | None = None

    def __call__(self, frame: PoseFrame) -> PoseFrame:
        if not frame.detected:
            return frame
        if self._last_t is not None and frame.t_s - self._last_t > self._reset_after:
            self._image.reset()
            self._world.reset()
        self._last_t = frame.t_s
        assert frame.image is not None and frame.world is not None  # detected
        unit = REF_SHORT_SIDE / min(frame.width, frame.height)
        scale = unit * np.array([frame.width, frame.height, frame.width], dtype=np.float64)
        image = self._image(frame.image * scale, frame.t_s) / scale
        world = self._world(frame.world, frame.t_s)
        return replace(frame, image=image, world=world)
