"""Hold timer on frame timestamps (never the wall clock), debounced both ways."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class HoldEvent:
    start_s: float
    end_s: float

    @property
    def hold_s(self) -> float:
        return self.end_s - self.start_s


class HoldTimer:
    """Running while the position holds. Starts after `enter_s` of the position (the start is
    back-dated to when it began); ends after `exit_s` out of it (the end is back-dated to the
    last frame in position), so a brief glitch or occlusion neither starts nor stops a hold.

    With `settle`, the start is back-dated only as far as the position had settled: the first
    frame from which every measure it is judged on stays within `settle` of the value it is
    held at (the median of the second half of the entry). A limb still swinging into place (a
    foot stepping forward, knees still straightening) meets the limits before the position is
    taken.

    Frames where the position cannot be judged at all (no pose found) are unknown, not out: a
    running hold, or one entering, bridges up to `bridge_s` of them (default `exit_s`) and goes
    on if the position is seen again (a lost frame neither ends a hold nor delays its start);
    out of it after the gap, it ends at its last frame in position."""

    def __init__(self, enter_s: float = 0.5, exit_s: float = 0.7, settle: float | None = None,
                 bridge_s: float | None = None):
        self.enter_s, self.exit_s, self.settle = enter_s, exit_s, settle
        self.bridge_s = max(bridge_s, exit_s) if bridge_s is not None else exit_s
        self.reset()

    def reset(self) -> None:
        self.running = False
        self._enter_t: float | None = None
        self._entry: list[tuple[float, tuple[float, ...]]] = []  # (t, measures) since met
        self._last_in_t: float | None = None
        self.start_s: float | None = None

    def current(self, t: float) -> float:
        return t - self.start_s if self.running and self.start_s is not None else 0.0

    def update(self, t: float, in_enter: bool, in_stay: bool,
               measures: float | Sequence[float] = math.nan, seen: bool = True
               ) -> HoldEvent | None:
        """`in_enter`: the position is met strictly; `in_stay`: met within the exit margin;
        `measures`: the key (and the other measures the position is judged on), for `settle`;
        `seen`: False when nothing could be judged."""
        if not self.running:
            if in_enter and seen:
                if self._enter_t is None:
                    self._enter_t, self._entry = t, []
                self._entry.append((t, tuple(measures) if isinstance(measures, Sequence)
                                    else (measures,)))
                if t - self._enter_t >= self.enter_s:
                    self.running, self.start_s, self._last_in_t = True, self._settled(), t
            elif seen or self._enter_t is None or t - self._entry[-1][0] > self.bridge_s:
                self._enter_t = None  # out of position: the entry starts again
            return None
        if in_stay:
            self._last_in_t = t
            return None
        assert self._last_in_t is not None and self.start_s is not None
        if t - self._last_in_t >= (self.exit_s if seen else self.bridge_s):
            event = HoldEvent(self.start_s, self._last_in_t)
            self.running, self.start_s, self._enter_t = False, None, None
            return event
        return None

    def _settled(self) -> float:
        """When the entry settled (see the class): the frame after the last one where a
        measure was further than `settle` from its held value."""
        assert self._enter_t is not None
        if self.settle is None or not self._entry:
            return self._enter_t
        half = self._entry[-1][0] - self.enter_s / 2
        held = []
        for j in range(len(self._entry[0][1])):
            late = [v[j] for t, v in self._entry if t >= half and math.isfinite(v[j])]
            held.append(statistics.median(late) if late else math.nan)
        start = self._enter_t
        for i, (_, v) in enumerate(self._entry[:-1]):
            if any(abs(x - h) > self.settle for x, h in zip(v, held, strict=True)):
                start = self._entry[i + 1][0]  # NaN compares False: an unmeasured value
        return start                            # is no sign of movement

    def finish(self) -> HoldEvent | None:
        """End of stream: a running hold ends at its last frame in position."""
        if self.running and self.start_s is not None and self._last_in_t is not None:
            event = HoldEvent(self.start_s, self._last_in_t)
            self.reset()
            return event
        return None
