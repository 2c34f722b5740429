"""One frame's measures: every measure of an exercise on both sides, each in its own space
(image, world, hybrid, sagittal) and only where it can be observed."""

from __future__ import annotations

import math

import numpy as np

from formcheck.analysis.body_up import BodyUp
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.analysis.measures import (
    Points,
    evaluate,
    hybrid_points,
    observable,
    sagittal_points,
)
from formcheck.analysis.state import SIDES, Side
from formcheck.pose.landmarks import PoseFrame


class FrameMeasurer:
    def __init__(self, spec: ExerciseSpec, fixed_side: Side | None = None):
        self.spec = spec
        # per_side exercises read the key where it went furthest, unless the side is fixed
        self.per_side = spec.side.mode == "per_side" and fixed_side is None
        self.names = list(spec.measures)
        self.key_index = self.names.index(spec.key)
        self._spaces = {m.space for m in spec.measures.values()}
        # the person's own vertical, learnt per space its measures are taken in
        self._ups = {m.space: BodyUp() for m in spec.measures.values() if m.up == "standing"}
        # depth is needed for 3-D spaces and to judge whether an angle can be seen at all
        self._depth = bool(self._spaces & {"hybrid", "sagittal"}) or any(
            m.space != "world" and m.unit == "deg" for m in spec.measures.values())

    def index(self, name: str) -> int:
        return self.names.index(name)

    def measure(self, pose: PoseFrame) -> np.ndarray:
        """(2, n_measures): left and right rows, NaN where not measurable."""
        out = np.full((2, len(self.names)), np.nan)
        if not pose.detected:
            return out
        px = pose.pixels
        # 3-D points only where this exercise needs them (hybrid also judges observability)
        hybrid = hybrid_points(px, pose.world) if self._depth else None
        coords = {"image": px, "world": pose.world, "hybrid": hybrid,
                  "sagittal": sagittal_points(hybrid) if "sagittal" in self._spaces else None}
        ups = {space: up.update(pose.t_s, coords.get(space), pose.visibility)
               for space, up in self._ups.items()}
        for si, s in enumerate(SIDES):
            pts = {space: Points(c, pose.visibility, s, world=pose.world, up=ups.get(space))
                   for space, c in coords.items() if c is not None}
            for mi, name in enumerate(self.names):
                m = self.spec.measures[name]
                if m.space in pts and observable(m, pts.get("hybrid")):
                    out[si, mi] = evaluate(m, pts[m.space])
        return out

    def key(self, values: np.ndarray, side: Side | None, sign: float
            ) -> tuple[float, Side | None]:
        """The key measure and the side it is read on: per_side exercises read it on the side
        where it went furthest into a rep (`sign`), others on the chosen side."""
        col = values[:, self.key_index]
        if self.per_side:
            if np.isnan(col).all():
                return math.nan, side
            i = int(np.nanargmax(sign * col))
            return float(col[i]), SIDES[i]
        if side is None:
            return math.nan, None
        return float(col[SIDES.index(side)]), side
