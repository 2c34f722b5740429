"""Cameras as a frame source. The capture device is injectable so tests can use a fake one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

import cv2
import numpy as np

from formcheck.source.brightness import LowLightGuard
from formcheck.source.frame import Frame, SourceInfo
from formcheck.source.video import SourceError


class Capture(Protocol):
    """The subset of cv2.VideoCapture a camera source needs."""

    def isOpened(self) -> bool: ...  # noqa: N802
    def read(self) -> tuple[bool, np.ndarray | None]: ...
    def get(self, prop: int) -> float: ...
    def release(self) -> None: ...


class CameraSource:
    """Frames from a camera, stamped with a monotonic capture clock (seconds since start).

    A camera that stops delivering (read fails `max_failures` times in a row) ends the
    stream and sets `read_error`, so the session still gets its report.
    """

    def __init__(self, index: int = 0, capture_factory: Callable[[int], Capture] | None = None,
                 clock: Callable[[], float] = time.monotonic, max_failures: int = 30):
        factory = capture_factory or (lambda i: cv2.VideoCapture(i))
        self._cap = factory(index)
        if not self._cap.isOpened():
            raise SourceError(f"camera {index} cannot be opened (is it connected and free?)")
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise SourceError(f"camera {index} opened but delivers no frames")
        self._clock = clock
        self._t0 = clock()
        self._first = first
        self._max_failures = max_failures
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.info = SourceInfo(name=f"camera:{index}", width=first.shape[1],
                               height=first.shape[0], fps=fps if fps and fps > 0 else 30.0,
                               frame_count=None, live=True)
        self.read_error: str | None = None
        self.light = LowLightGuard()

    @property
    def warnings(self) -> list[str]:
        w = self.light.warning()
        return [w] if w else []

    def __iter__(self) -> Iterator[Frame]:
        yield Frame(self.light(self._first), 0.0, 0)
        index, failures = 1, 0
        while True:
            ok, image = self._cap.read()
            if not ok or image is None:
                failures += 1
                if failures >= self._max_failures:
                    self.read_error = f"{self.info.name} stopped delivering frames"
                    return
                continue
            failures = 0
            yield Frame(self.light(image), self._clock() - self._t0, index)
            index += 1

    def close(self) -> None:
        self._cap.release()
