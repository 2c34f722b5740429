"""The engine's recent frames: every measure on both sides, kept for rep and hold records and
for live cues."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from formcheck.analysis.state import SIDES, Side


@dataclass(frozen=True)
class Sample:
    t: float
    values: np.ndarray  # (2, n_measures): left, right
    side: Side | None  # the side the key was read on
    key: float  # the key as counted (NaN when not in position or not measurable)


class SampleWindow:
    """The last `keep_s` seconds of samples."""

    def __init__(self, keep_s: float):
        self.keep_s = keep_s
        self._buf: deque[Sample] = deque()

    def append(self, sample: Sample) -> None:
        self._buf.append(sample)
        while self._buf and sample.t - self._buf[0].t > self.keep_s:
            self._buf.popleft()

    def between(self, start: float, end: float) -> list[Sample]:
        # Walk back from the newest sample: called every frame for live cues, so it must
        # cost the window's length, not the whole buffer's.
        out = []
        for s in reversed(self._buf):
            if s.t < start - 1e-9:
                break
            if s.t <= end + 1e-9:
                out.append(s)
        out.reverse()
        return out

    def recount(self, start: float, end: float, key: Callable[[Sample], float]
                ) -> Iterator[Sample]:
        """The samples in [start, end) with their key read anew (and so stored)."""
        for i, s in enumerate(self._buf):
            if start <= s.t < end:
                self._buf[i] = replace(s, key=key(s))
                yield self._buf[i]


def side_arrays(frames: list[Sample], side: Side) -> tuple[np.ndarray, np.ndarray]:
    """Times (n,) and one side's measure values (n, n_measures) of these samples."""
    si = SIDES.index(side)
    times = np.array([f.t for f in frames])
    values = np.array([f.values[si] for f in frames]) if frames else np.empty((0, 0))
    return times, values
