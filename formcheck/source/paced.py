"""Plays a recorded source at real-time pace, dropping frames when the consumer is behind,
as a real camera would. Lets a video file stand in for a webcam."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from formcheck.source.frame import Frame, FrameSource, SourceInfo


class RealtimeSource:
    """Wraps a file source; a frame is delivered only if it is not yet stale.

    The consumer pulls; on each pull we wait until the next frame's due time, or skip
    frames whose due time has passed (keeping the newest due one): latest frame wins.
    Frame timestamps keep the file's own times so analysis timing stays true.
    """

    def __init__(self, inner: FrameSource, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, speed: float = 1.0):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._inner = inner
        self._speed = speed  # >1 plays faster than recorded (benchmarks: make the model the limit)
        self._clock = clock
        self._sleep = sleep
        i = inner.info
        self.info = SourceInfo(i.name, i.width, i.height, i.fps * speed, None, live=True)
        self.dropped = 0

    @property
    def read_error(self) -> str | None:
        return getattr(self._inner, "read_error", None)

    @property
    def warnings(self) -> list[str]:
        return list(getattr(self._inner, "warnings", []))

    def __iter__(self) -> Iterator[Frame]:
        start: float | None = None
        t_first = 0.0
        late: Frame | None = None  # a frame already due, kept in case nothing newer is due
        given = asked = 0.0  # when the last frame went out, and when the next was asked for
        for frame in self._inner:
            if start is None:
                start, t_first = self._clock(), frame.t_s
                given = asked = start
            due = start + (frame.t_s - t_first) / self._speed
            if late is not None:
                # Stale if a newer frame fell due while the consumer was away; a decoder
                # slower than real time (a busy machine) still delivers its newest frame.
                if given < due <= asked:
                    self.dropped += 1
                else:
                    given = self._clock()
                    yield late
                    asked = self._clock()
                late = None
            now = self._clock()
            if now < due:
                self._sleep(due - now)
                given = self._clock()
                yield frame
                asked = self._clock()
            else:
                late = frame
        if late is not None:
            yield late

    def close(self) -> None:
        self._inner.close()
