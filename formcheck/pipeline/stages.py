"""Threads joined by bounded queues: the decoder ahead of the pose backend (Stage) and the
encoder behind the overlay (Sink), so that decoding, inference and encoding overlap. OpenCV
and PyAV release the GIL while they work; bounded queues keep memory flat however long the
video is.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_END = object()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


class Stage:
    """Runs `fn` over items from `inputs` in a thread; iterate the stage to get results."""

    def __init__(self, inputs: Iterable[Any], fn: Callable[[Any], Any] | None = None,
                 maxsize: int = 4, name: str = "stage"):
        self._q: queue.Queue = queue.Queue(maxsize)
        self._stop = threading.Event()
        self._inputs, self._fn = inputs, fn
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for item in self._inputs:
                if self._stop.is_set():
                    break
                if not self._put(self._fn(item) if self._fn else item):
                    break
        except BaseException as exc:  # handed to the consumer, re-raised there
            self._put(_Failure(exc))
        self._put(_END)

    def __iter__(self) -> Iterator[Any]:
        while True:
            item = self._q.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class Sink:
    """Consumes items in a thread (e.g. the video encoder)."""

    def __init__(self, fn: Callable[[Any], None], maxsize: int = 4, name: str = "sink"):
        self._q: queue.Queue = queue.Queue(maxsize)
        self._fn = fn
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._q.get()
            if item is _END:
                return
            if self.error is None:
                try:
                    self._fn(item)
                except BaseException as exc:
                    self.error = exc

    def put(self, item: Any) -> None:
        if self.error is not None:
            raise self.error
        self._q.put(item)

    def close(self, abandon: threading.Event | None = None) -> bool:
        """Finish the queued items and end the thread (re-raising its failure); False, at
        once, if `abandon` is set meanwhile (the thread is then left to end by itself)."""
        while True:
            try:
                self._q.put(_END, timeout=0.1)
                break
            except queue.Full:
                if abandon is not None and abandon.is_set():
                    return False
        while self._thread.is_alive():
            self._thread.join(0.1)
            if abandon is not None and abandon.is_set() and self._thread.is_alive():
                return False
        if self.error is not None:
            raise self.error
        return True
