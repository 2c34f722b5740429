"""Frame sources: file timing and errors, real-time pacing with drops, a camera that dies."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from formcheck.source.camera import CameraSource
from formcheck.source.frame import Frame, SourceInfo
from formcheck.source.paced import RealtimeSource
from formcheck.source.video import SourceError, VideoFileSource


def _write_clip(path, n=20, fps=25.0, size=(64, 48)):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(n):
        img = np.full((size[1], size[0], 3), i * 10 % 255, np.uint8)
        w.write(img)
    w.release()
    return path


def test_video_file_frames_and_times(tmp_path):
    clip = _write_clip(tmp_path / "c.mp4", n=20, fps=25.0)
    with VideoFileSource(clip) as src:
        frames = list(src)
    assert src.info.width == 64 and src.info.height == 48
    assert len(frames) == 20
    times = np.array([f.t_s for f in frames])
    assert np.all(np.diff(times) > 0)
    assert np.allclose(np.diff(times), 0.04, atol=1e-3)
    assert src.read_error is None


@pytest.mark.parametrize("content,expected", [
    (None, "no such file"),
    (b"", "file is empty"),
    (b"this is not a video at all" * 50, "not a video"),
])
def test_video_file_errors(tmp_path, content, expected):
    path = tmp_path / "x.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=expected) as err:
        VideoFileSource(path)
    assert str(path) in str(err.value)


def test_video_directory_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="directory"):
        VideoFileSource(tmp_path)


class _ListSource:
    def __init__(self, n, fps=30.0):
        self.info = SourceInfo("list", 8, 8, fps, n, False)
        self._n, self._fps = n, fps

    def __iter__(self):
        for i in range(self._n):
            yield Frame(np.zeros((8, 8, 3), np.uint8), i / self._fps, i)

    def close(self):
        pass


class _FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, s):
        self.now += s


def test_realtime_source_paces_and_keeps_file_times():
    clock = _FakeClock()
    src = RealtimeSource(_ListSource(30), clock=clock, sleep=clock.sleep)
    frames = list(src)
    assert [f.index for f in frames] == list(range(30))
    assert src.dropped == 0
    assert clock.now == pytest.approx(100.0 + 29 / 30, abs=1e-6)  # real-time pace
    assert frames[10].t_s == pytest.approx(10 / 30)


def test_realtime_source_drops_stale_frames_when_consumer_is_slow():
    clock = _FakeClock()
    src = RealtimeSource(_ListSource(60), clock=clock, sleep=clock.sleep)
    got = []
    for f in src:
        got.append(f.index)
        clock.now += 0.1  # the consumer needs 100 ms a frame: 3 frame periods
    assert src.dropped > 30
    assert len(got) + src.dropped == 60
    assert got == sorted(got)
    # latest frame wins: delivered frames are never far behind the real-time position
    assert got[-1] >= 55


class _SlowDecode(_ListSource):
    """Each frame takes `cost` seconds of the fake clock to decode."""

    def __init__(self, n, clock, cost):
        super().__init__(n)
        self._clock, self._cost = clock, cost

    def __iter__(self):
        for frame in super().__iter__():
            self._clock.now += self._cost
            yield frame


def test_realtime_source_behind_by_its_decoder_still_delivers_frames():
    """A decoder slower than real time (a busy machine) is not a slow consumer: every frame
    is delivered as soon as the next is decoded, none dropped as stale."""
    clock = _FakeClock()
    src = RealtimeSource(_SlowDecode(40, clock, 0.05), clock=clock, sleep=clock.sleep)
    assert [f.index for f in src] == list(range(40))
    assert src.dropped == 0


class _DyingCapture:
    def __init__(self, good):
        self.good = good

    def isOpened(self):  # noqa: N802
        return True

    def read(self):
        if self.good > 0:
            self.good -= 1
            return True, np.zeros((4, 4, 3), np.uint8)
        return False, None

    def get(self, prop):
        return 30.0

    def release(self):
        pass


def test_camera_that_stops_delivering_ends_stream_with_error():
    clock = _FakeClock()
    cam = CameraSource(0, capture_factory=lambda i: _DyingCapture(10), clock=clock,
                       max_failures=5)
    frames = list(cam)
    assert len(frames) == 10
    assert cam.read_error == "camera:0 stopped delivering frames"


def test_camera_that_cannot_open():
    class Closed(_DyingCapture):
        def isOpened(self):  # noqa: N802
            return False

    with pytest.raises(SourceError, match="camera 3 cannot be opened"):
        CameraSource(3, capture_factory=lambda i: Closed(0))


def test_rotation_metadata_gives_upright_frames(tmp_path):
    # A landscape-encoded clip whose track header says "rotate 90", as phones write them.
    import struct

    clip = _write_clip(tmp_path / "r.mp4", n=10, size=(160, 96))
    data = bytearray(clip.read_bytes())
    i = data.find(b"tkhd") - 4
    off = i + (48 if data[i + 8] == 0 else 60)  # the 3x3 matrix inside tkhd
    data[off:off + 36] = struct.pack(">9I", 0, 1 << 16, 0, (-(1 << 16)) & 0xFFFFFFFF, 0, 0, 0,
                                     0, 1 << 30)
    rotated = tmp_path / "rotated.mp4"
    rotated.write_bytes(bytes(data))
    with VideoFileSource(rotated) as src:
        frames = list(src)
    assert (src.info.width, src.info.height) == (96, 160)
    assert frames[0].image.shape[:2] == (160, 96)


def test_variable_frame_rate_uses_container_timestamps(tmp_path):
    from fractions import Fraction

    av = pytest.importorskip("av", reason="PyAV (dev extra) writes the VFR test clip")
    path = tmp_path / "vfr.mp4"
    times_ms = [0, 20, 80, 100, 160, 180, 240, 400, 420, 440]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for t in times_ms:
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 100, np.uint8),
                                               format="rgb24")
            frame.pts, frame.time_base = t, Fraction(1, 1000)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with VideoFileSource(path) as src:
        got = [round(f.t_s * 1000) for f in src]
    assert got == times_ms
