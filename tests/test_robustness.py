"""Bad input gets a clear one-line error; damaged input, empty rooms, crowds, darkness and
interruptions still give a valid report. Inputs are made by the tests in tmp dirs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from lockstep import LockStep

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import get_exercise
from formcheck.atomic import atomic_path
from formcheck.pipeline.live import run_live
from formcheck.pipeline.session import SessionOutputs
from formcheck.pose.landmarks import PoseTrack
from formcheck.pose.smoothing import PoseSmoother
from formcheck.report.schema import load_report, validate
from formcheck.source.camera import CameraSource

REPO = Path(__file__).resolve().parent.parent


class ShownDisplay:
    """No window: tells the lock-step clock each frame was shown."""

    def __init__(self, clock: LockStep):
        self.clock = clock

    def show(self, image):
        self.clock.shown()
        return -1

    def closed(self):
        return False

    def close(self):
        self.clock.release()
SAMPLE = REPO / "samples" / "tracks" / "glute_bridge_ndn_1.npz"
CLIP = "glute_bridge_ndn_1.mp4"


def _formcheck(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env)


def _two_people_clip(videos: Path, tmp_path: Path, frames: int) -> Path:
    """The clip beside a mirrored copy of itself delayed by 1.5 s: two people bridging."""
    cap = cv2.VideoCapture(str(videos / CLIP))
    images = []
    while len(images) < frames:
        ok, f = cap.read()
        if not ok:
            break
        images.append(cv2.resize(f, (270, 480)))
    two = tmp_path / "two.mp4"
    w = cv2.VideoWriter(str(two), cv2.VideoWriter_fourcc(*"mp4v"), 30, (540, 480))
    for i, f in enumerate(images):
        w.write(np.hstack([f, cv2.flip(images[max(i - 45, 0)], 1)]))
    w.release()
    return two


def _one_line_error(run, message, code=2):
    assert run.returncode == code, run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr


def _transcode(src: Path, dst: Path, fn=None, seconds: float | None = None, size=None):
    """Re-encode (a part of) a clip into tmp, optionally changing each frame."""
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    writer = None
    n = 0
    while True:
        ok, frame = cap.read()
        if not ok or (seconds and n >= seconds * fps):
            break
        if fn:
            frame = fn(frame, n)
        if size:
            frame = cv2.resize(frame, size)
        if writer is None:
            writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps,
                                     (frame.shape[1], frame.shape[0]))
        writer.write(frame)
        n += 1
    writer.release()
    return dst


# ----------------------------------------------------------------------------- clear errors

@pytest.mark.slow
def test_not_a_video_and_empty_file(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("shopping list\n" * 100)
    _one_line_error(_formcheck("analyze", text, "-e", "glute_bridge"),
                    f"{text}: not a video formcheck can open")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    _one_line_error(_formcheck("analyze", empty, "-e", "glute_bridge"),
                    f"{empty}: file is empty")


def test_exercise_file_with_a_bad_field(tmp_path):
    bad = tmp_path / "mine.toml"
    text = (REPO / "formcheck/exercises/glute_bridge.toml").read_text()
    bad.write_text(text.replace("top = 155", "top = \"high\""))
    run = _formcheck("analyze", SAMPLE, "--exercise-file", bad)
    _one_line_error(run, "field 'rep.top'")
    assert f"{bad}, line " in run.stderr


def test_camera_that_cannot_be_opened():
    _one_line_error(_formcheck("live", "-e", "glute_bridge", "--camera", "9", "--no-window"),
                    "camera 9 cannot be opened")


def test_model_that_cannot_be_prepared(tmp_path):
    bogus = tmp_path / "model.task"
    bogus.write_bytes(b"not a model")
    run = _formcheck("analyze", REPO / "samples" / "README.md", "-e", "glute_bridge",
                     "--model-path", bogus)
    assert run.returncode == 2 and "Traceback" not in run.stderr


def test_debug_shows_the_traceback():
    run = _formcheck("--debug", "analyze", "nope.mp4", "-e", "glute_bridge")
    assert run.returncode != 0 and "Traceback" in run.stderr


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


# ----------------------------------------------------------------------------- track level

def _analyse_track(track: PoseTrack, exercise="glute_bridge"):
    spec = get_exercise(exercise)
    engine, smooth = Engine(spec), PoseSmoother()
    for f in track.frames():
        engine.update(smooth(f))
    return engine.finish()


def test_person_leaving_and_returning_is_reported_and_counted_around():
    track = PoseTrack.load(SAMPLE)
    gone = (track.t_s > 5.0) & (track.t_s < 7.9)  # away during the second rep (5.4-7.6 s)
    track.image[gone] = np.nan
    track.visibility[gone] = 0
    result = _analyse_track(track)
    assert len(result.reps) == 2  # the rep done out of view is not invented
    assert any("left the view 1 time" in w for w in result.warnings)


def test_no_person_at_all_gives_zero_reps_and_says_so():
    track = PoseTrack.load(SAMPLE)
    track.image[:] = np.nan
    track.visibility[:] = 0
    result = _analyse_track(track)
    assert result.reps == [] and "no person was seen in the video" in result.warnings


# ----------------------------------------------------------------------------- real clips



@pytest.mark.clips
@pytest.mark.slow
def test_truncated_video_is_analysed_as_far_as_it_goes(videos, model_path, tmp_path):
    data = (videos / "squat_yuy_1.mp4").read_bytes()  # its index is at the front
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    run = _formcheck("analyze", cut, "-e", "glute_bridge", "--report", tmp_path / "r.json",
                     "--model-path", model_path, "-q")
    assert run.returncode == 0, run.stderr
    report = load_report(tmp_path / "r.json")
    assert report.partial
    assert any("decoding stopped after" in w for w in report.warnings)
    assert 4.0 < report.duration_s < 7.0  # about half of the 10.7 s clip


@pytest.mark.clips
@pytest.mark.slow
def test_truncated_mp4_without_index_explains(videos, tmp_path):
    data = (videos / CLIP).read_bytes()  # index at the end: a cut file has none
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    _one_line_error(_formcheck("analyze", cut, "-e", "glute_bridge"), "probably truncated")


@pytest.mark.clips
@pytest.mark.slow
def test_partly_corrupt_video_skips_damage_and_still_counts(videos, model_path, tmp_path):
    data = bytearray((videos / CLIP).read_bytes())
    mid = len(data) // 2
    data[mid: mid + 20000] = np.random.default_rng(0).integers(0, 256, 20000, np.uint8).tobytes()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(bytes(data))
    run = _formcheck("analyze", bad, "-e", "glute_bridge", "--report", tmp_path / "r.json",
                     "--out", tmp_path / "a.mp4", "--model-path", model_path, "-q")
    assert run.returncode == 0, run.stderr
    report = load_report(tmp_path / "r.json")
    assert report.partial and any("damaged frames" in w for w in report.warnings)
    assert report.summary.rep_count == 3
    assert cv2.VideoCapture(str(tmp_path / "a.mp4")).get(cv2.CAP_PROP_FRAME_COUNT) >= 390


@pytest.mark.clips
@pytest.mark.slow
def test_video_with_no_person(model_path, tmp_path):
    room = tmp_path / "room.mp4"
    w = cv2.VideoWriter(str(room), cv2.VideoWriter_fourcc(*"mp4v"), 30, (320, 240))
    rng = np.random.default_rng(1)
    base = rng.integers(60, 200, (240, 320, 3), np.uint8)
    for _ in range(60):
        w.write(base)
    w.release()
    run = _formcheck("analyze", room, "-e", "glute_bridge", "--report", tmp_path / "r.json",
                     "--model-path", model_path, "-q")
    assert run.returncode == 0, run.stderr
    report = load_report(tmp_path / "r.json")
    assert report.summary.rep_count == 0 and report.frames == 60
    assert "no person was seen in the video" in report.warnings
    assert "no person was seen" in run.stdout


@pytest.mark.clips
@pytest.mark.slow
def test_two_people_follows_the_one_who_started(videos, model_path, tmp_path):
    two = _two_people_clip(videos, tmp_path, 300)
    run = _formcheck("analyze", two, "-e", "glute_bridge", "--report", tmp_path / "r.json",
                     "--model-path", model_path, "-q")
    assert run.returncode == 0, run.stderr
    report = load_report(tmp_path / "r.json")
    assert any("more than one person" in w for w in report.warnings)
    assert report.summary.rep_count >= 2  # 300 frames hold two full reps


@pytest.mark.clips
@pytest.mark.slow
def test_dark_clip_is_brightened_and_said_to_be_dark(videos, model_path, tmp_path):
    dark = _transcode(videos / CLIP, tmp_path / "dark.mp4",
                      fn=lambda f, i: (f * 0.2).astype(np.uint8), size=(540, 960))
    run = _formcheck("analyze", dark, "-e", "glute_bridge", "--report", tmp_path / "r.json",
                     "--model-path", model_path, "-q")
    assert run.returncode == 0, run.stderr
    report = load_report(tmp_path / "r.json")
    assert any("very dark" in w for w in report.warnings)
    assert report.summary.rep_count == 3


@pytest.mark.clips
@pytest.mark.slow
def test_camera_that_dies_mid_session_keeps_the_session(videos, model_path, tmp_path):
    cap = cv2.VideoCapture(str(videos / CLIP))
    frames = []
    while len(frames) < 240:  # 8 s: two reps, then the camera dies
        ok, f = cap.read()
        frames.append(cv2.resize(f, (540, 960)))

    clock = LockStep()

    class Camera:
        def __init__(self):
            self.i = 0

        def isOpened(self):  # noqa: N802
            return True

        def read(self):
            if self.i >= len(frames):
                return False, None
            if self.i:
                clock.sleep(1 / 30)  # a camera delivers at 30 fps, the model keeps up
            self.i += 1
            return True, frames[self.i - 1]

        def get(self, prop):
            return 30.0

        def release(self):
            pass

    source = CameraSource(0, capture_factory=lambda i: Camera(), clock=clock, max_failures=10)
    result = run_live(source, get_exercise("glute_bridge"), model_path, "full", side=None,
                      outputs=SessionOutputs(report=tmp_path / "r.json", history=False),
                      display=ShownDisplay(clock), clock=clock)
    assert result.reason == "source failed"
    report = load_report(tmp_path / "r.json")
    assert report.partial and any("stopped delivering frames" in w for w in report.warnings)
    assert report.summary.rep_count == 2


@pytest.mark.clips
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_analyze_keeps_report_and_video(videos, model_path, tmp_path, sig):
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "analyze", str(videos / CLIP), "-e", "glute_bridge",
         "--report", str(tmp_path / "r.json"), "--out", str(tmp_path / "a.mp4"),
         "--model-path", str(model_path), "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    # Interrupted once the annotated video's temporary file shows frames being written: some
    # 20 of them (about 30 kB each), so a busy machine's slow writer still leaves over 10.
    for _ in range(1200):
        if any(p.name.startswith(".") and p.stat().st_size > 600_000
               for p in tmp_path.iterdir()) or proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    data = json.loads((tmp_path / "r.json").read_text())
    validate(data)
    assert data["partial"] and any("interrupted" in w for w in data["warnings"])
    n = cv2.VideoCapture(str(tmp_path / "a.mp4")).get(cv2.CAP_PROP_FRAME_COUNT)
    assert 10 < n < 404  # playable, and covers the video so far
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


@pytest.mark.clips
@pytest.mark.slow
def test_two_people_in_live_mode_are_mentioned(videos, model_path, tmp_path):
    two = _two_people_clip(videos, tmp_path, 200)
    from formcheck.source.paced import RealtimeSource
    from formcheck.source.video import VideoFileSource

    clock = LockStep()
    result = run_live(RealtimeSource(VideoFileSource(two), clock=clock, sleep=clock.sleep),
                      get_exercise("glute_bridge"), model_path, "full", side=None,
                      outputs=SessionOutputs(report=tmp_path / "r.json", history=False),
                      display=ShownDisplay(clock), clock=clock)
    report = load_report(tmp_path / "r.json")
    assert result.reason == "end of source"
    assert any("more than one person" in w for w in report.warnings)
