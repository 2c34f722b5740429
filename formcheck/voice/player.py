"""Phrases out of a real sound device, through sounddevice (PortAudio): a stream kept open
for the session, fed by its own audio thread from a queue, so playing a phrase costs the
frame loop only an append and a count starts within the device's latency."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

import numpy as np


class NoDevice(Exception):
    """No sound output here (the message says why)."""


def open_stream(rate: int, callback: Callable) -> object:
    """A started low-latency mono int16 output stream on the default device."""
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library is missing
        raise NoDevice(f"no sound output ({exc})") from None
    try:
        sd.query_devices(kind="output")
        stream = sd.OutputStream(samplerate=rate, channels=1, dtype="int16",
                                 latency="low", callback=callback)
        stream.start()
    except Exception as exc:  # PortAudioError, ValueError: no usable output device
        raise NoDevice(f"no sound output device ({exc})") from None
    return stream


class DevicePlayer:
    """`stream_factory(rate, callback)` opens the stream (tests pass a fake one)."""

    def __init__(self, rate: int, stream_factory: Callable = open_stream):
        self._queue: deque[np.ndarray] = deque()
        self._current = np.zeros(0, np.int16)
        self._lock = threading.Lock()
        self._stream = stream_factory(rate, self._fill)

    def play(self, start_s: float, pcm: np.ndarray) -> None:  # noqa: ARG002 (now, in order)
        with self._lock:
            self._queue.append(pcm)

    def cut(self, at_s: float) -> None:  # noqa: ARG002
        with self._lock:
            self._queue.clear()
            self._current = self._current[:0]

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(len(self._current) or self._queue)

    def _fill(self, out: np.ndarray, frames: int, time_info, status) -> None:  # noqa: ARG002
        """The audio thread: the next `frames` samples of the queued phrases, or silence."""
        done = 0
        with self._lock:
            while done < frames:
                if not len(self._current):
                    if not self._queue:
                        break
                    self._current = self._queue.popleft()
                n = min(frames - done, len(self._current))
                out[done:done + n, 0] = self._current[:n]
                self._current = self._current[n:]
                done += n
        out[done:, 0] = 0

    def close(self, end_s: float, drain_s: float = 3.0) -> None:  # noqa: ARG002
        """Let the last phrase finish (up to drain_s), then close the device."""
        wait = threading.Event()
        for _ in range(int(drain_s / 0.02)):
            if not self.busy:
                break
            wait.wait(0.02)
        self._stream.stop()  # type: ignore[attr-defined]
        self._stream.close()  # type: ignore[attr-defined]
