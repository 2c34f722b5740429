"""Which side is working: chosen by what the exercise needs to see, overridable."""

from __future__ import annotations

import numpy as np

from formcheck.analysis.measures import Points
from formcheck.pose.landmarks import PoseFrame


class SideSelector:
    """Follows the side whose required landmarks are better seen (the near side in a side
    view), averaged over time; switches only on a clear, lasting difference and never while
    a rep is under way (`locked`)."""

    def __init__(self, required: tuple[str, ...], fixed: str | None = None,
                 margin: float = 0.1, tau_s: float = 1.0):
        self.required, self.fixed, self.margin, self.tau = required, fixed, margin, tau_s
        self.side: str | None = fixed
        self._score = {"left": 0.0, "right": 0.0}
        self._last_t: float | None = None

    def _visibility(self, pose: PoseFrame, side: str) -> float:
        pts = Points(pose.pixels, pose.visibility, side, min_visibility=0.0)
        idx = [pts.index(n) for n in self.required]
        vals = [pose.visibility[i] for i in idx if i is not None]
        return float(np.mean(vals)) if vals else 0.0

    def update(self, pose: PoseFrame, locked: bool = False) -> str | None:
        if self.fixed or not pose.detected:
            return self.side
        dt = 0.0 if self._last_t is None else max(0.0, pose.t_s - self._last_t)
        self._last_t = pose.t_s
        a = 1.0 if self.side is None else min(1.0, dt / self.tau)
        for s in ("left", "right"):
            self._score[s] += a * (self._visibility(pose, s) - self._score[s])
        best = max(self._score, key=self._score.get)
        other = "left" if best == "right" else "right"
        if self.side is None:
            self.side = best
        elif (not locked and best != self.side
              and self._score[best] - self._score[other] > self.margin):
            self.side = best
        return self.side
