"""Annotated video output, written to a temporary file and renamed when complete, so an
interrupted session still leaves a playable video and a crash never a half-written one.

H.264 (libx264, `ultrafast`) through PyAV: it plays in browsers, where OpenCV's `mp4v`
(MPEG-4 Part 2) does not, and costs less CPU a frame than OpenCV's writer, which converts
colour with a slow generic path and fixes the bitrate at ~60 Mbit/s for 1080p (it ignores
encoder options). The colour conversion is OpenCV's (SIMD) one. Builds of PyAV without
libx264 fall back to its MPEG-4 Part 2 encoder.

A live session's frames come when the model lets them (10-30 a second, unevenly): written
`timed`, each frame keeps its capture time (millisecond timestamps, variable frame rate), so
the recording plays at the session's real speed."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.atomic import temp_beside

# ultrafast + zerolatency: no look-ahead or B-frames, the least CPU a frame. CRF 26: ~4 Mbit/s
# for a 1080x1920 clip, half what OpenCV's mp4v made, with the overlay's text still crisp.
H264_OPTIONS = {"preset": "ultrafast", "tune": "zerolatency", "crf": "26"}


class VideoWriterError(Exception):
    pass


def _has_encoder(av, name: str) -> bool:
    try:
        av.codec.Codec(name, "w")
        return True
    except Exception:  # e.g. a PyAV build without the GPL encoder
        return False


TIMED_BASE = Fraction(1, 1000)  # timed writers' time base: milliseconds


class AnnotatedVideoWriter:
    def __init__(self, path: str | Path, fps: float, size: tuple[int, int],
                 timed: bool = False):
        import av

        self.path = Path(path)
        self._tmp = temp_beside(self.path, ".mp4")
        self._out: Any = None  # PyAV's containers and streams are typed as unions of kinds
        self._closed = False
        self.size = size
        # 4:2:0 chroma needs even sides: an odd last row or column is left out.
        self._even = (size[0] // 2 * 2, size[1] // 2 * 2)
        try:
            if min(self._even) < 2:
                raise ValueError(f"frame size {size[0]}x{size[1]} is too small")
            self._out = av.open(str(self._tmp), "w", format="mp4")
            self.codec = "libx264" if _has_encoder(av, "libx264") else "mpeg4"
            stream: Any = self._out.add_stream(
                self.codec, rate=Fraction(max(fps, 1.0)).limit_denominator(1001))
            stream.width, stream.height = self._even
            stream.pix_fmt = "yuv420p"
            if self.codec == "libx264":
                stream.options = H264_OPTIONS
            else:  # constant quantiser 4 (FF_QP2LAMBDA = 118): near what x264 gives above
                stream.codec_context.qscale = True
                stream.codec_context.global_quality = 4 * 118
            # One thread: the other cores are busy with pose inference, and a second
            # encoder thread would only take time from it.
            stream.codec_context.thread_count = 1
            if timed:
                stream.codec_context.time_base = stream.time_base = TIMED_BASE
            self._stream = stream
        except Exception as exc:
            if self._out is not None:
                self._out.close()
            self._tmp.unlink(missing_ok=True)
            raise VideoWriterError(f"{self.path}: cannot open a video writer: {exc}") from exc
        self._av = av
        self._wraps = True  # see _frame_of
        self.frames = 0
        self.timed = timed
        self._t0: float | None = None
        self._last_pts = -1
        # the last frame lasts one frame gap (the mp4 takes its length from the packet)
        self._frame_ticks = max(1, round(1000 / max(fps, 1.0)))

    def _frame_of(self, yuv: np.ndarray):
        """Wrap the I420 array as a frame without copying it (half the writer's own cost
        a frame at 1080p: PyAV's from_ndarray copies row by row); the frame holds the
        array, which is new each frame. A PyAV build that cannot wrap yuv420p copies,
        found out on the first frame."""
        if self._wraps:
            try:
                return self._av.VideoFrame.from_numpy_buffer(yuv, format="yuv420p")
            except (AttributeError, ValueError, TypeError):
                self._wraps = False
        return self._av.VideoFrame.from_ndarray(yuv, format="yuv420p")

    def write(self, image: np.ndarray, t_s: float | None = None) -> None:
        """Add a frame: the next at the constant rate, or (timed) shown from `t_s` seconds
        (any clock, the first frame's time is the start) until the next frame's."""
        if (image.shape[1], image.shape[0]) != self.size:
            image = cv2.resize(image, self.size)
        w, h = self._even
        yuv = cv2.cvtColor(image[:h, :w], cv2.COLOR_BGR2YUV_I420)
        frame = self._frame_of(yuv)
        if self.timed:
            if t_s is None:
                raise ValueError("a timed writer needs each frame's time")
            if self._t0 is None:
                self._t0 = t_s
            # strictly increasing: two frames stamped alike keep their order, 1 ms apart
            frame.pts = self._last_pts = max(round((t_s - self._t0) * 1000), self._last_pts + 1)
            frame.time_base = TIMED_BASE
        else:
            frame.pts = self.frames
        self._mux(self._stream.encode(frame))
        self.frames += 1

    def _mux(self, packets) -> None:
        for packet in packets:
            if self.timed:
                packet.duration = self._frame_ticks
            self._out.mux(packet)

    def close(self) -> Path:
        """Finish the file and move it into place (also after an interruption); with no
        frame written, leave no file. Closing again does nothing."""
        if self._closed:
            return self.path
        self._closed = True
        try:
            if self.frames:
                self._mux(self._stream.encode())  # flush the encoder
        finally:
            self._out.close()
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
