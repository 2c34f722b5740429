"""A session clock that stops while the session is paused: sources stamp and pace frames by
it, so a pause leaves no gap in the session's time (nor a burst of skipped frames after)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class PauseClock:
    def __init__(self, base: Callable[[], float] = time.monotonic):
        self._base = base
        self._lock = threading.Lock()
        self._paused_at: float | None = None
        self._offset = 0.0  # time spent paused so far

    def __call__(self) -> float:
        with self._lock:
            now = self._paused_at if self._paused_at is not None else self._base()
            return now - self._offset

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def pause(self) -> None:
        with self._lock:
            if self._paused_at is None:
                self._paused_at = self._base()

    def resume(self) -> None:
        with self._lock:
            if self._paused_at is not None:
                self._offset += self._base() - self._paused_at
                self._paused_at = None
