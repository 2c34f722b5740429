"""The annotated-video writer: H.264 a browser can play, every frame kept, the file appears only
when finished, odd frame sizes and an encoder-less PyAV build handled."""

from __future__ import annotations

import os

import av
import cv2
import numpy as np
import pytest

from formcheck.pipeline import writer as writer_module
from formcheck.pipeline.writer import AnnotatedVideoWriter, VideoWriterError


def _frames(n: int, w: int = 320, h: int = 240) -> list[np.ndarray]:
    """A bright square moving over a grey background, one position per frame."""
    out = []
    for i in range(n):
        img = np.full((h, w, 3), (60, 90, 120), np.uint8)
        x = 10 + 7 * i
        cv2.rectangle(img, (x, 50), (x + 40, 90), (255, 255, 255), -1)
        out.append(img)
    return out


def _read_back(path) -> tuple[list[np.ndarray], str, float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(stream)]
        return frames, stream.codec_context.name, float(stream.average_rate)


def test_every_frame_is_written_as_h264_and_looks_like_the_input(tmp_path):
    frames = _frames(30)
    w = AnnotatedVideoWriter(tmp_path / "out" / "a.mp4", 29.97, (320, 240))
    for f in frames:
        w.write(f)
    assert not (tmp_path / "out" / "a.mp4").exists()  # only once finished
    assert w.close() == tmp_path / "out" / "a.mp4"
    got, codec, rate = _read_back(tmp_path / "out" / "a.mp4")
    assert codec == "h264" and abs(rate - 29.97) < 0.01
    assert len(got) == 30
    for src, back in zip(frames, got, strict=True):
        assert back.shape == src.shape
        assert cv2.PSNR(src, back) > 32
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.mp4"]  # no temporary left
    assert os.stat(tmp_path / "out" / "a.mp4").st_mode & 0o044  # readable like any new file


def test_frames_of_another_size_are_scaled_and_odd_sizes_lose_one_line(tmp_path):
    w = AnnotatedVideoWriter(tmp_path / "odd.mp4", 30, (161, 121))
    for f in _frames(5):  # 320x240 frames into a 161x121 video
        w.write(f)
    w.close()
    got, _, _ = _read_back(tmp_path / "odd.mp4")
    assert len(got) == 5 and got[0].shape == (120, 160, 3)


def test_no_frames_leaves_no_file(tmp_path):
    AnnotatedVideoWriter(tmp_path / "none.mp4", 30, (320, 240)).close()
    assert list(tmp_path.iterdir()) == []


def _through(w: AnnotatedVideoWriter, n: int) -> tuple[list[np.ndarray], list[np.ndarray], str]:
    """Write n frames with `w`; (frames written, frames read back, codec)."""
    frames = _frames(n)
    for f in frames:
        w.write(f)
    w.close()
    got, codec, _ = _read_back(w.path)
    return frames, got, codec


def test_without_libx264_it_falls_back_to_mpeg4(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_module, "_has_encoder", lambda av, name: False)
    frames, got, codec = _through(AnnotatedVideoWriter(tmp_path / "m.mp4", 25, (320, 240)), 10)
    assert codec == "mpeg4" and len(got) == 10
    assert cv2.PSNR(frames[3], got[3]) > 30


def test_a_pyav_that_cannot_wrap_yuv_arrays_copies_them(tmp_path):
    class NoWrap:  # as a PyAV whose from_numpy_buffer does not know yuv420p
        from_ndarray = staticmethod(av.VideoFrame.from_ndarray)

        @staticmethod
        def from_numpy_buffer(array, format):
            raise ValueError(f"Conversion from numpy array with format `{format}` is not yet "
                             "supported")

    w = AnnotatedVideoWriter(tmp_path / "c.mp4", 30, (320, 240))
    w._av = type("AvWithoutWrap", (), {"VideoFrame": NoWrap})
    frames, got, codec = _through(w, 5)
    assert codec == "h264" and len(got) == 5
    assert all(cv2.PSNR(a, b) > 30 for a, b in zip(frames, got, strict=True))


def test_unwritable_or_degenerate_target_is_a_clear_error(tmp_path):
    with pytest.raises(VideoWriterError, match="too small"):
        AnnotatedVideoWriter(tmp_path / "tiny.mp4", 30, (1, 1))
    assert list(tmp_path.iterdir()) == []
