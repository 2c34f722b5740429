"""A fake clock that keeps a live session in lock-step with its model, for tests.

RealtimeSource (or a fake camera) sleeps on it before each frame after the first; the sleep
returns once every frame given before has been shown (the test's display calls `shown`), and
moves the clock on by exactly the frame gap. So the model always keeps up: no frame is
dropped, every frame is analysed once, in order, and a run is the same on an idle machine and
a busy one, at the model's speed rather than the clip's.
"""

from __future__ import annotations

import threading

STALL_S = 60.0  # real seconds a sleep waits for the display before giving up (a broken test)


class LockStep:
    def __init__(self) -> None:
        self.now = 1000.0
        self._given = 1  # the first frame goes out without a sleep
        self._shown = 0
        self._released = False
        self._cv = threading.Condition()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._cv:
            self._cv.wait_for(lambda: self._shown >= self._given or self._released, STALL_S)
            self._given += 1
            self.now += seconds

    def shown(self) -> None:
        with self._cv:
            self._shown += 1
            self._cv.notify_all()

    def release(self) -> None:
        """No more frames will be shown (the session is ending): stop holding the source."""
        with self._cv:
            self._released = True
            self._cv.notify_all()
