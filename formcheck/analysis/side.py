"""Which side is working: chosen by what the exercise needs to see, overridable."""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from formcheck.analysis.measures import Points
from formcheck.analysis.state import SIDES, Side
from formcheck.pose.landmarks import PoseFrame

# Degrees between the legs' `working_leg` measure (RepSpec.working_leg) for one leg to be the
# working one and the other free: a knee straight against a bent one, a shin held up against
# one sloping down to its foot.
SINGLE_LEG_GAP = 30.0


def working_leg(left: float, right: float) -> Side | None:
    """The leg whose `working_leg` measure reads lower by more than SINGLE_LEG_GAP (one foot
    down, the other lifted); None when the legs read alike (both feet down) or one is unseen."""
    if not (math.isfinite(left) and math.isfinite(right)) or abs(left - right) <= SINGLE_LEG_GAP:
        return None
    return "left" if left < right else "right"


class SideSelector:
    """Follows the side whose required landmarks are better seen (the near side in a side
    view), averaged over time; switches only on a clear, lasting difference and never while
    a rep is under way (`locked`)."""

    def __init__(self, required: tuple[str, ...], fixed: Side | None = None,
                 margin: float = 0.1, tau_s: float = 1.0):
        self.required, self.fixed, self.margin, self.tau = required, fixed, margin, tau_s
        self.side: Side | None = fixed
        self._score: dict[Side, float] = {"left": 0.0, "right": 0.0}
        self._last_t: float | None = None

    def _visibility(self, pose: PoseFrame, side: str) -> float:
        pts = Points(pose.pixels, pose.visibility, side, min_visibility=0.0)
        idx = [pts.index(n) for n in self.required]
        vis = pose.visibility if pose.visibility is not None else np.zeros(len(pts.px))
        vals = [vis[i] for i in idx if i is not None]
        return float(np.mean(vals)) if vals else 0.0

    def switch(self) -> Side | None:
        """Move to the other side (the chosen one can no longer be measured); it keeps the
        better score, so only a clear, lasting difference in sight moves back."""
        if self.side is not None and not self.fixed:
            self.side = "left" if self.side == "right" else "right"
            self._score[self.side] = max(self._score.values())
        return self.side

    def update(self, pose: PoseFrame, locked: bool = False) -> Side | None:
        if self.fixed or not pose.detected:
            return self.side
        dt = 0.0 if self._last_t is None else max(0.0, pose.t_s - self._last_t)
        self._last_t = pose.t_s
        a = 1.0 if self.side is None else min(1.0, dt / self.tau)
        for s in SIDES:
            self._score[s] += a * (self._visibility(pose, s) - self._score[s])
        best = max(SIDES, key=lambda s: self._score[s])
        other: Side = "left" if best == "right" else "right"
        if self.side is None:
            self.side = best
        elif (not locked and best != self.side
              and self._score[best] - self._score[other] > self.margin):
            self.side = best
        return self.side


class MeasureSideSelector(SideSelector):
    """For unilateral work the working limb is the one doing the movement, whatever its
    visibility: the side whose `choose_by` measure reads highest ("max"), lowest ("min") or
    moves most ("range") over the last few seconds, once clearly so (by `floor` in the
    measure's unit and a relative margin); until then, the better-seen side. Not locked
    during a rep: the movement itself is the evidence, so the choice sharpens as it starts."""

    def __init__(self, required: tuple[str, ...], fixed: Side | None = None,
                 choose: str = "range", floor: float = 5.0, window_s: float = 3.0,
                 margin: float = 0.15):
        super().__init__(required, fixed)
        self.choose, self.floor, self.window_s, self.rel_margin = choose, floor, window_s, margin
        self._hist: deque[tuple[float, float, float]] = deque()
        self._by_measure = False

    def _rank(self, vals: np.ndarray) -> float:
        v = vals[np.isfinite(vals)]
        if len(v) < 3:
            return math.nan
        if self.choose == "max":
            return float(np.percentile(v, 90))
        if self.choose == "min":
            return -float(np.percentile(v, 10))
        return float(np.percentile(v, 90) - np.percentile(v, 10))

    def update(self, pose: PoseFrame, locked: bool = False,
               values: tuple[float, float] = (math.nan, math.nan)) -> Side | None:
        if self.fixed or not pose.detected:
            return self.side
        current = self.side
        seen = super().update(pose, locked=locked or self._by_measure)
        t = pose.t_s
        self._hist.append((t, *values))
        while self._hist and t - self._hist[0][0] > self.window_s:
            self._hist.popleft()
        arr = np.array([h[1:] for h in self._hist])
        score: dict[Side, float] = {"left": self._rank(arr[:, 0]),
                                    "right": self._rank(arr[:, 1])}
        finite = [s for s in SIDES if not math.isnan(score[s])]
        if len(finite) == 1:
            best = finite[0]
        elif len(finite) == 2:
            best = max(finite, key=lambda s: score[s])
            other: Side = "left" if best == "right" else "right"
            margin = max(self.floor, self.rel_margin * max(abs(score[s]) for s in finite))
            if score[best] - score[other] <= margin:  # no clear mover: keep, or follow sight
                self.side = current if self._by_measure and current else seen
                return self.side
        else:
            return self.side
        self.side, self._by_measure = best, True
        return self.side
