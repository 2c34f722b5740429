"""The speech track as a WAV file: mono 16-bit, sample 0 at session time 0, silence between
phrases, so it lines up with the session's video and report times. Written as it goes into
a temporary file beside the target, renamed over it only when complete."""

from __future__ import annotations

import contextlib
import wave
from pathlib import Path

import numpy as np

from formcheck.atomic import atomic_path


class WavTrack:
    def __init__(self, path: Path, rate: int):
        self.rate = rate
        self._atomic = contextlib.ExitStack()
        tmp = self._atomic.enter_context(atomic_path(path, ".wav"))
        self._wav = wave.open(str(tmp), "wb")  # closed by close()
        self._wav.setnchannels(1)
        self._wav.setsampwidth(2)
        self._wav.setframerate(rate)
        self._written = 0  # samples
        self._held: tuple[int, np.ndarray] | None = None  # the phrase still playing (may be cut)

    def play(self, start_s: float, pcm: np.ndarray) -> None:
        self._flush()
        self._held = (max(int(round(start_s * self.rate)), self._written), pcm)

    def cut(self, at_s: float) -> None:
        if self._held is not None:
            start, pcm = self._held
            self._held = (start, pcm[: max(int(round(at_s * self.rate)) - start, 0)])

    def _flush(self) -> None:
        if self._held is None:
            return
        start, pcm = self._held
        self._held = None
        self._silence(start)
        self._wav.writeframes(pcm.astype("<i2").tobytes())
        self._written += len(pcm)

    def _silence(self, until: int) -> None:
        gap = until - self._written
        if gap > 0:
            self._wav.writeframes(bytes(2 * gap))
            self._written = until

    def close(self, end_s: float) -> None:
        """Finish the file: the last phrase, then silence to the session's end."""
        self._flush()
        self._silence(int(round(end_s * self.rate)))
        self._wav.close()
        self._atomic.close()  # renames the complete file over the target
