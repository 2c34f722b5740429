"""Annotated video output, written to a temporary file and renamed when complete, so an
interrupted session still leaves a playable video and a crash never a half-written one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import cv2
import numpy as np


class VideoWriterError(Exception):
    pass


class AnnotatedVideoWriter:
    def __init__(self, path: str | Path, fps: float, size: tuple[int, int]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".mp4",
                                   dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self.size = size
        self._w = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*"mp4v"),
                                  max(fps, 1.0), size)
        if not self._w.isOpened():
            self._tmp.unlink(missing_ok=True)
            raise VideoWriterError(f"{self.path}: cannot open a video writer (mp4v)")
        self.frames = 0

    def write(self, image: np.ndarray) -> None:
        if (image.shape[1], image.shape[0]) != self.size:
            image = cv2.resize(image, self.size)
        self._w.write(image)
        self.frames += 1

    def close(self) -> Path:
        """Finish the file and move it into place (also after an interruption)."""
        self._w.release()
        if self.frames:
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)
        return self.path


def finish_video(sink, writer: AnnotatedVideoWriter | None) -> Path | None:
    """Drain the encoder thread, then close the file into place: the one way a session's
    annotated video is finished, also after an interruption."""
    if sink is None or writer is None:
        return None
    try:
        sink.close()
    finally:
        path = writer.close()
    return path
