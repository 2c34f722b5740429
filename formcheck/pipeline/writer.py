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

import contextlib
import os
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.atomic import refuse_special, temp_beside
from formcheck.pipeline.stages import Sink

# Test hook: seconds the encoder waits after each frame, so that a test can signal a session
# while its video is still being finished; it then also says when the first frame is in.
ENCODE_DELAY_ENV = "FORMCHECK_TEST_ENCODE_DELAY_S"
ENCODING_MARK = "test hook: encoding"

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

    def close(self, dest: Path | None = None) -> Path:
        """Finish the file and move it into place (also after an interruption): over `path`
        if that is absent or a regular file, or to `dest` if given and absent (never
        replacing anything there); with no frame written, leave no file. Closing again does
        nothing."""
        if self._closed:
            return dest or self.path
        self._closed = True
        try:
            if self.frames:
                self._mux(self._stream.encode())  # flush the encoder
        finally:
            self._out.close()
        if not self.frames:
            self._tmp.unlink(missing_ok=True)
        elif dest is not None:
            os.link(self._tmp, dest)  # FileExistsError rather than replace anything
            self._tmp.unlink()
            return dest
        else:
            try:
                refuse_special(self.path)  # made a link or FIFO since the start: kept
            except OSError:
                self._tmp.unlink()
                raise
            os.replace(self._tmp, self.path)
        return self.path

    def discard(self, close: bool = True) -> None:
        """Leave no file: the temporary one removed (`close`: its container closed first,
        errors and all; not while another thread may still be writing it)."""
        if close and not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):
                self._out.close()
        self._closed = True
        self._tmp.unlink(missing_ok=True)


def partial_name(path: Path) -> Path:
    """Where a video cut short by a failure goes: `x.partial.mp4` beside `x.mp4`."""
    return path.with_name(f"{path.stem}.partial{path.suffix}")


class VideoOutput:
    """A session's annotated video: scenes go to an encoder thread (a failing disk then only
    stops the video, never the analysis); finish() is the one way it ends, after an
    interruption too. `ending` (pipeline.ending.Ending) says when to hurry (later scenes are
    left out) or abandon it. After finish, `notes` are for the report and `error` says what
    was not written."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int], maxsize: int,
                 ending, timed: bool = False) -> None:
        self.writer = AnnotatedVideoWriter(path, fps, size, timed=timed)
        self._ending = ending
        self._delay = float(os.environ.get(ENCODE_DELAY_ENV) or 0)
        self._left_out = 0
        self._finished = False
        self.notes: list[str] = []
        self.error: str | None = None
        self._sink = Sink(self._write, maxsize=maxsize, name="encode")

    def _write(self, item: tuple[np.ndarray, float | None]) -> None:
        if self._ending.hurry.is_set():
            self._left_out += 1
            return
        self.writer.write(*item)
        if self._delay:
            time.sleep(self._delay)
            if self.writer.frames == 1:  # said after the first delay: scenes are queued by then
                print(f"formcheck: {ENCODING_MARK}", file=sys.stderr, flush=True)

    def put(self, scene: np.ndarray | None, t_s: float | None = None) -> None:
        """`t_s`: the scene's capture time (needed when `timed`: see AnnotatedVideoWriter)."""
        if scene is not None and self._sink.error is None:  # a failed video keeps no scene
            with contextlib.suppress(Exception):  # the encoder's failure, said by finish
                self._sink.put((scene, t_s))

    def finish(self, complete: bool = True) -> Path | None:
        """Drain the encoder and move the file into place; `complete` False (the analysis
        stopped early): under partial_name instead. The path written, or None."""
        self._finished = True
        path = self.writer.path
        try:
            if not self._sink.close(self._ending.abandon):
                self.writer.discard(close=False)  # the encoder thread may still hold it
                self.error = f"the annotated video was not written to {path}: abandoned " \
                             "on the third Ctrl+C"
                return None
            written = self.writer.close(None if complete else partial_name(path))
        except FileExistsError:  # only the partial name is never replaced
            self.writer.discard()
            self.error = (f"the annotated video of the part analysed was not kept: "
                          f"{partial_name(path)} already exists")
            return None
        except Exception as exc:  # a full or failing disk, mostly
            self.writer.discard()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.error = f"the annotated video was not written to {path}: {reason}"
            return None
        if self._left_out:
            self.notes.append(f"the annotated video leaves out the last {self._left_out} "
                              "frames (Ctrl+C while it was being finished)")
        if not complete and self.writer.frames:
            self.notes.append(f"the annotated video of the part analysed is {written.name} "
                              f"(not {path.name}: it is incomplete)")
        return written if self.writer.frames else None

    def close(self) -> None:
        """Leave no file if finish() never ran (the session failed before it)."""
        if not self._finished:  # no scene was given to it either
            self._finished = True
            with contextlib.suppress(Exception):
                self._sink.close()
            self.writer.discard()
