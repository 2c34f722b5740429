"""Live mode on a video paced by a fake clock in lock-step with the model (tests/lockstep.py:
every frame analysed, the same on a busy machine): keys (pause, restart the set), the
getting-ready and paused screens, a recording that keeps time, interruption; and the command
itself on a real-time video: Ctrl+C, a real window (Xvfb)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import av
import numpy as np
import pytest
from lockstep import LockStep
from xvfb import virtual_screen

from formcheck.analysis.exercise import get_exercise
from formcheck.pipeline.live import run_live
from formcheck.pipeline.session import SessionOutputs
from formcheck.report.schema import load_report
from formcheck.source.paced import RealtimeSource
from formcheck.source.video import VideoFileSource

pytestmark = [pytest.mark.clips]
CLIP = "glute_bridge_ndn_1.mp4"


class ScriptedDisplay:
    """Presses keys at given frame numbers (and on the n-th still screen after a frame:
    paused), records what was shown; shows at `screen` size (None: the frame's)."""

    def __init__(self, keys: dict[int, str], clock: LockStep, still_keys=None, screen=None):
        self.keys = {n: ord(k) for n, k in keys.items()}
        self.still_keys = {n: ord(k) for n, k in (still_keys or {}).items()}
        self.clock = clock
        self.screen = screen
        self.shown = 0
        self.stills: list[tuple[int, object]] = []  # (frames shown before, image)
        self._since_show = 0
        self.toggles = 0
        self.shape = None
        self.closed_called = False

    def show(self, image):
        self.shown += 1
        self._since_show = 0
        self.shape = image.shape
        return self._key(self.keys.get(self.shown, -1))

    def refresh(self, image):
        self.stills.append((self.shown, image.copy()))
        self._since_show += 1
        return self.still_keys.get(self._since_show, -1) if self.shown else -1

    def size(self):
        return self.screen

    def toggle_fullscreen(self):
        self.toggles += 1

    def _key(self, key: int) -> int:
        """Pass the key on; the frame is shown, so the clock lets the next one come."""
        if key == ord("q"):
            self.clock.release()
        self.clock.shown()
        return key

    def closed(self):
        return False

    def close(self):
        self.closed_called = True


class ResetAfterFirstRep(ScriptedDisplay):
    """Presses r on the frame after the overlay first shows one counted rep."""

    def __init__(self, clock: LockStep):
        super().__init__({}, clock)
        self.reps_seen = 0
        self.reset_sent = False

    def show(self, image):
        self.shown += 1
        if self.reps_seen >= 1 and not self.reset_sent:
            self.reset_sent = True
            return self._key(ord("r"))
        return self._key(-1)


class InterruptAt(ScriptedDisplay):
    """Ctrl+C (KeyboardInterrupt in the main thread) while showing frame `n`."""

    def __init__(self, n: int, clock: LockStep):
        super().__init__({}, clock)
        self.n = n

    def show(self, image):
        self.shown += 1
        if self.shown == self.n:
            self.clock.release()
            raise KeyboardInterrupt
        return self._key(-1)


class SpyOverlay:
    """The overlay, noting the rep counts it draws (after the display's reset)."""

    def __init__(self, display):
        from formcheck.overlay import Overlay

        self.inner, self.display = Overlay(), display
        self.counts_after_reset: list[int] = []

    def draw(self, image, pose, state, fps=None, mirrored=False, **kw):
        if state is not None:
            self.display.reps_seen = max(self.display.reps_seen, state.rep_count)
            if self.display.reset_sent:
                self.counts_after_reset.append(state.rep_count)
        return self.inner.draw(image, pose, state, fps, mirrored, **kw)

    def waiting(self, message, size):
        return self.inner.waiting(message, size)


def _live(videos, model_path, tmp_path, display, overlay=None, workers=None, out=None,
          voice=None):
    clock = display.clock
    src = RealtimeSource(VideoFileSource(videos / CLIP), clock=clock, sleep=clock.sleep)
    return run_live(src, get_exercise("glute_bridge"), model_path, "full", side=None,
                    outputs=SessionOutputs(report=tmp_path / "r.json", video=out,
                                           history=False),
                    display=display, overlay=overlay, workers=workers, clock=clock,
                    voice=voice)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])  # the model on a thread here, and in a process
def test_quit_key_ends_session_and_writes_report(videos, model_path, tmp_path, workers):
    display = ScriptedDisplay({30: "q"}, LockStep())
    result = _live(videos, model_path, tmp_path, display, workers=workers)
    assert result.reason == "quit"
    assert display.shown == 30 and display.closed_called
    assert result.stats.analysed == 30 and result.stats.skipped == 0
    report = load_report(tmp_path / "r.json")
    assert report.mode == "live"
    assert report.duration_s == pytest.approx(30 / 30, abs=0.01)  # frames 0-29 of a 30 fps clip
    assert report.reps == [] and not report.partial


def notice_pixels(image) -> int:
    """Pixels in the notices' colour (getting ready, paused): amber."""
    return int(np.all(image == (0, 200, 255), axis=2).sum())


@pytest.mark.slow
def test_pause_holds_everything_and_the_recording_keeps_the_sessions_time(
        videos, model_path, tmp_path):
    """Space at frame 100 (3.3 s, before the first top), space again on the 5th paused
    screen: the source waits meanwhile (no frame skipped, the session's time stops), all 3
    reps are counted, and the --out video lasts as long as the session."""
    display = ScriptedDisplay({50: "f", 100: " "}, LockStep(), still_keys={5: " "},
                              screen=(640, 360))
    result = _live(videos, model_path, tmp_path, display, out=tmp_path / "s.mp4")
    ready = display.stills[0]
    assert ready[0] == 0 and notice_pixels(ready[1]) > 500  # "Getting ready" came first
    paused = [img for n, img in display.stills if n >= 100]
    assert 5 <= len(paused) <= 6  # the 5th resumes; one frame in flight may come between
    assert all(notice_pixels(img) > 500 for img in paused)
    assert all(img.shape == (360, 640, 3) for img in paused)
    assert [e.kind for e in result.events] == ["paused", "resumed"] and display.toggles == 1
    assert result.reason == "end of source"
    assert display.shown == 404 == result.stats.captured and result.stats.skipped == 0
    assert result.report.summary.rep_count == 3
    assert result.report.duration_s == pytest.approx(404 / 30, abs=0.01)
    with av.open(str(tmp_path / "s.mp4")) as c:
        s = c.streams.video[0]
        duration, frames = float(s.duration * s.time_base), s.frames
        size = (s.codec_context.width, s.codec_context.height)
    assert frames == 404 and size == (640, 360)
    assert duration == pytest.approx(result.report.duration_s, rel=0.02)


@pytest.mark.slow
def test_r_restarts_the_count_and_keeps_the_reps_in_the_report(videos, model_path, tmp_path):
    display = ResetAfterFirstRep(LockStep())
    spy = SpyOverlay(display)
    result = _live(videos, model_path, tmp_path, display, spy)
    assert display.reset_sent and [e.kind for e in result.events] == ["reset"]
    assert spy.counts_after_reset[0] == 0 and max(spy.counts_after_reset) == 2
    assert result.report.summary.rep_count == 3
    assert [r.set_index for r in result.report.reps] == [1, 2, 2]


@pytest.mark.slow
def test_interrupting_a_session_keeps_a_partial_report(videos, model_path, tmp_path):
    """Ctrl+C at frame 90 (3 s in): the session ends there, its report partial up to then."""
    display = InterruptAt(90, LockStep())
    result = _live(videos, model_path, tmp_path, display)
    assert result.reason == "interrupted" and display.closed_called
    report = load_report(tmp_path / "r.json")
    assert report.partial
    assert report.warnings == ["interrupted: the report covers the session up to 3.0 s"]
    assert report.duration_s == pytest.approx(90 / 30, abs=0.01)  # frames 0-89 analysed


@pytest.mark.slow
def test_ctrl_c_writes_a_partial_report(videos, model_path, tmp_path):
    """The command on a real-time video: Ctrl+C once frames are being recorded."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "live", "--source", str(videos / CLIP),
         "--exercise", "glute_bridge", "--no-window", "--report", str(tmp_path / "r.json"),
         "--out", str(tmp_path / "s.mp4"), "--model-path", str(model_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The annotated video's temporary file grows as frames are shown: wait for a few.
    for _ in range(1200):
        if any(p.name.startswith(".") and p.stat().st_size > 300_000
               for p in tmp_path.iterdir()) or proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    report = load_report(tmp_path / "r.json")
    assert report.partial and any("interrupted" in w for w in report.warnings)
    import cv2

    cap = cv2.VideoCapture(str(tmp_path / "s.mp4"))
    assert cap.isOpened() and cap.get(cv2.CAP_PROP_FRAME_COUNT) > 0  # playable, so far


@pytest.fixture
def xvfb():
    with virtual_screen(1280, 1024) as env:
        yield env


@pytest.mark.slow
def test_window_opens_and_q_closes_it(videos, model_path, tmp_path, xvfb):
    proc = subprocess.Popen(
        [sys.executable, "-m", "formcheck", "live", "--source", str(videos / CLIP),
         "--exercise", "glute_bridge", "--report", str(tmp_path / "r.json"),
         "--model-path", str(model_path)], env=xvfb,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    window = None
    for _ in range(40):
        time.sleep(0.25)
        found = subprocess.run(["xdotool", "search", "--name", "formcheck"], env=xvfb,
                               capture_output=True, text=True)
        if found.stdout.strip():
            window = found.stdout.split()[0]
            break
    assert window, "no formcheck window appeared"
    time.sleep(1.0)
    # No window manager under Xvfb: focus the window directly, then type.
    subprocess.run(["xdotool", "windowfocus", "--sync", window], env=xvfb, capture_output=True)
    subprocess.run(["xdotool", "key", "q"], env=xvfb, capture_output=True)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Session over." in out
    assert load_report(tmp_path / "r.json").duration_s < 12.0


@pytest.mark.slow
def test_a_real_time_recording_plays_as_long_as_the_session(videos, model_path, tmp_path):
    """At real-time pace the model shows fewer frames than the clip has; each is written at
    its time, so the video lasts as long as the session (it played at 1.25-2x before)."""
    run = subprocess.run(
        [sys.executable, "-m", "formcheck", "live", "--source", str(videos / CLIP),
         "--exercise", "glute_bridge", "--no-window", "--no-history", "--report",
         str(tmp_path / "r.json"), "--out", str(tmp_path / "s.mp4"),
         "--model-path", str(model_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    report = load_report(tmp_path / "r.json")
    with av.open(str(tmp_path / "s.mp4")) as c:
        s = c.streams.video[0]
        duration, frames = float(s.duration * s.time_base), s.frames
    print(f"session {report.duration_s:.2f} s, video {duration:.2f} s, {frames} frames")
    assert report.duration_s == pytest.approx(13.47, rel=0.02)
    assert duration == pytest.approx(report.duration_s, rel=0.02)
    # the end-of-session text is for people: what was done, no timings
    assert "Session over: the video ended." in run.stdout
    assert "glute bridge: 3 reps, 3 good." in run.stdout and "Pose model" not in run.stdout
