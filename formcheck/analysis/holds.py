"""Hold timer on frame timestamps (never the wall clock), debounced both ways."""

from __future__ import annotations

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
    last frame in position), so a brief glitch or occlusion neither starts nor stops a hold."""

    def __init__(self, enter_s: float = 0.5, exit_s: float = 0.7):
        self.enter_s, self.exit_s = enter_s, exit_s
        self.reset()

    def reset(self) -> None:
        self.running = False
        self._enter_t: float | None = None
        self._last_in_t: float | None = None
        self.start_s: float | None = None

    def current(self, t: float) -> float:
        return t - self.start_s if self.running and self.start_s is not None else 0.0

    def update(self, t: float, in_enter: bool, in_stay: bool) -> HoldEvent | None:
        """`in_enter`: the position is met strictly; `in_stay`: met within the exit margin."""
        if not self.running:
            if in_enter:
                if self._enter_t is None:
                    self._enter_t = t
                if t - self._enter_t >= self.enter_s:
                    self.running, self.start_s, self._last_in_t = True, self._enter_t, t
            else:
                self._enter_t = None
            return None
        if in_stay:
            self._last_in_t = t
            return None
        assert self._last_in_t is not None and self.start_s is not None
        if t - self._last_in_t >= self.exit_s:
            event = HoldEvent(self.start_s, self._last_in_t)
            self.running, self.start_s, self._enter_t = False, None, None
            return event
        return None

    def finish(self) -> HoldEvent | None:
        """End of stream: a running hold ends at its last frame in position."""
        if self.running and self.start_s is not None and self._last_in_t is not None:
            event = HoldEvent(self.start_s, self._last_in_t)
            self.reset()
            return event
        return None
