"""The live screen, keys and recording without a window (issue 14): the count's size measured
from pixels at screen sizes, the hold timer, short-lived verdicts, what the keys do to a set,
the session clock's pause, and a recording that keeps its frames' times."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.analysis.cues import CueChooser
from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import get_exercise
from formcheck.analysis.records import FaultEvent
from formcheck.analysis.samples import SampleWindow
from formcheck.analysis.state import AnalysisState
from formcheck.overlay import HudAnnotator, Overlay
from formcheck.overlay.hud import hud_rows
from formcheck.overlay.screen import layout
from formcheck.pipeline.keys import Action, SetControls, action_of
from formcheck.pipeline.writer import AnnotatedVideoWriter
from formcheck.pose.landmarks import PoseTrack
from formcheck.source.clock import PauseClock

COUNT = (255, 0, 255)  # the count drawn in a colour nothing else uses, to measure it
TRACK = Path(__file__).resolve().parents[1] / "samples" / "tracks" / "glute_bridge_ndn_1.npz"


def state(**kw) -> AnalysisState:
    base = dict(t_s=0.0, exercise_id="glute_bridge", exercise_name="Glute bridge",
                side="left", key_name="hip_angle", key_value=150.0, key_joint=None,
                phase="rest", rep_count=7, good_rep_count=6, set_count=1, target_reps=10,
                hold_s=0.0, hold_target_s=2.0, total_hold_s=0.0, person_visible=True,
                view_ok=True, cue=None, last_rep_good=True)
    base.update(kw)
    return AnalysisState(**base)


def count_height(scene: np.ndarray, color=COUNT) -> int:
    """Height of the tallest blob drawn exactly in `color` (a digit of the count)."""
    mask = np.all(scene == color, axis=2).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    return int(stats[1:, cv2.CC_STAT_HEIGHT].max()) if n > 1 else 0


@pytest.mark.parametrize("screen", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("frame", [(1080, 1920), (1920, 1080), (640, 480)])
def test_count_is_an_eighth_of_the_screen_at_least(screen, frame):
    image = np.full((frame[1], frame[0], 3), 90, np.uint8)
    overlay = Overlay(hud=HudAnnotator(count_color=COUNT))
    scene = overlay.draw(image, None, state(), size=screen)
    assert scene.shape == (screen[1], screen[0], 3)
    h = count_height(scene)
    assert h >= screen[1] / 8, f"count {h} px tall on a {screen} screen"
    # the picture keeps its aspect: a portrait frame fills the height, with the panel beside
    lay = layout(frame, screen)
    assert abs(lay.video.w / lay.video.h - frame[0] / frame[1]) < 0.01
    assert lay.beside == (frame == (1080, 1920))


def test_hold_exercise_shows_the_hold_time_never_reps():
    plank = state(exercise_name="Plank", holds_exercise=True, hold_s=12.4, hold_target_s=30.0,
                  phase="hold", rep_count=1, target_reps=3)
    texts = [r.text + r.suffix for r in hud_rows(plank)]
    assert texts[1] == "12/30 s" and "Holds 1/3" in texts
    assert not any(t.startswith("Reps") or t == "1/3" for t in texts)
    assert any(r.bar == pytest.approx(12.4 / 30) for r in hud_rows(plank))


def test_the_top_of_a_bridge_shows_a_hold_timer_and_bar():
    top = [r for r in hud_rows(state(phase="top", hold_s=1.2)) if r.bar is not None]
    assert [r.text for r in top] == ["Hold 1.2 / 2 s"] and top[0].bar == pytest.approx(0.6)
    assert not [r for r in hud_rows(state(phase="rest")) if r.text.startswith("Hold")]
    # a bridge without a hold target: the timer still runs at the top
    plain = hud_rows(state(phase="down", hold_s=0.8, hold_target_s=None))
    assert [r.text for r in plain if r.text.startswith("Hold")] == ["Hold 0.8 s"]
    # pixels: the bar's filled part, in the accent colour, is 60% of the empty one
    scene = Overlay().draw(np.zeros((720, 1280, 3), np.uint8), None,
                           state(phase="top", hold_s=1.2), size=(1280, 720))
    filled = np.all(scene == (0, 200, 255), axis=2).sum(axis=1).max()
    empty = np.all(scene == (70, 70, 70), axis=2).sum(axis=1).max()
    assert filled / (filled + empty) == pytest.approx(0.6, abs=0.02)


def test_good_rep_shows_for_a_second_and_a_verdict_goes_when_the_next_rep_starts():
    cues = CueChooser(get_exercise("glute_bridge"), [])
    window = SampleWindow(10.0)
    cues.recorded([], 5.0)
    assert cues.live(5.9, "rest", 5.0, "left", window, None).message == "Good rep"
    assert cues.live(6.1, "rest", 5.0, "left", window, None) is None
    cues.recorded([FaultEvent("hold_short", "Hold the top for 2 seconds", 9.0)], 10.0)
    assert cues.live(11.0, "rest", 10.0, "left", window, None).code == "hold_short"
    assert cues.live(11.2, "up", 11.1, "left", window, None) is None  # the next rep began


def test_keys_map_to_actions():
    assert [action_of(ord(k)) for k in "q rnfQ"] == [
        Action.QUIT, Action.PAUSE, Action.RESET, Action.NEXT, Action.FULLSCREEN, Action.QUIT]
    assert action_of(27) is Action.QUIT and action_of(-1) is None and action_of(ord("x")) is None


def _replay(engine: Engine, track: PoseTrack, keys: dict[int, Action], controls: SetControls):
    """Frames through the engine; a key's action after frame i. The states seen."""
    seen = []
    for i, pose in enumerate(track.frames()):
        seen.append(engine.update(pose))
        if i in keys:
            controls.apply(keys[i], pose.t_s)
    return seen


def test_r_restarts_the_set_and_n_goes_to_the_next_keeping_every_rep():
    track = PoseTrack.load(TRACK)
    engine = Engine(get_exercise("glute_bridge"))
    controls = SetControls(engine)
    heard = []
    controls.listeners.append(heard.append)
    # rep ends ~4.6 s, ~7.5 s, ~10.8 s (30 fps): r after the first, n after the second
    seen = _replay(engine, track, {150: Action.RESET, 250: Action.NEXT}, controls)
    counts = [s.rep_count for s in seen]
    tops = [s for s in seen if s.phase == "top"]  # the hold timer has a time to show there
    assert tops and max(s.hold_s for s in tops) > 0.5
    assert counts[149] == 1 and counts[151] == 0  # the screen counts the set from 0 again
    assert counts[249] == 1 and counts[251] == 0 and counts[-1] == 1
    result = engine.finish()
    assert len(result.reps) == 3  # nothing done is lost: the report keeps every rep
    assert [r.set_index for r in result.reps] == [1, 2, 3]
    assert [(e.kind, e.text) for e in heard] == [("reset", "Set 1 restarted"),
                                                 ("next_set", "Set 2")]
    assert controls.notice(heard[1].t_s + 1.0) == "Set 2"
    assert controls.notice(heard[1].t_s + 2.0) is None


def test_pause_stops_the_session_clock_and_the_capture():
    now = [100.0]
    clock = PauseClock(lambda: now[0])
    controls = SetControls(Engine(get_exercise("glute_bridge")), clock)
    now[0] = 103.0
    controls.apply(Action.PAUSE, 3.0)
    assert controls.paused and not controls.running.is_set()
    now[0] = 160.0
    assert clock() == pytest.approx(103.0) and controls.notice(3.0).startswith("Paused")
    controls.apply(Action.PAUSE, 3.0)
    now[0] = 161.0
    assert clock() == pytest.approx(104.0) and controls.running.is_set()
    assert [e.kind for e in controls.events] == ["paused", "resumed"]
    assert controls.apply(Action.QUIT, 4.0) is True


def test_a_timed_recording_keeps_its_frames_times(tmp_path):
    import av

    rng = np.random.default_rng(1)
    # uneven gaps, like a model taking 40-120 ms a frame; a 7 s session
    times = np.concatenate([[0.0], np.cumsum(rng.uniform(0.04, 0.12, 86))])
    times = times[times <= 7.0 - 1 / 30]
    w = AnnotatedVideoWriter(tmp_path / "s.mp4", 30, (320, 240), timed=True)
    for t in times:
        w.write(np.full((240, 320, 3), 100, np.uint8), 50.0 + t)
    w.close()
    with av.open(str(tmp_path / "s.mp4")) as c:
        s = c.streams.video[0]
        shown = [float(f.pts * f.time_base) for f in c.decode(s)]
        duration = float(s.duration * s.time_base)
    assert shown == pytest.approx(list(times), abs=0.002)
    session = times[-1] + 1 / 30
    assert duration == pytest.approx(session, rel=0.02)


def test_the_session_ends_in_words_for_people():
    from formcheck.cli.summary import session_end_lines
    from formcheck.report.build import build_report

    spec = get_exercise("glute_bridge")
    engine = Engine(spec)
    for pose in PoseTrack.load(TRACK).frames():
        engine.update(pose)
    result = engine.finish()
    report = build_report(spec, result, source="x", started_at="2026-11-27T10:00:00",
                          duration_s=13.5, fps=30.0, model="full", mode="live", partial=False,
                          warnings=[], side_requested=None)
    lines = session_end_lines(report)
    assert lines[0].startswith("Double-leg glute bridge: 3 reps, 3 good. Held the top ")
    assert lines[1] == "Good form throughout: keep it up."
    for r in report.reps[:2]:
        r.faults = [FaultEvent("hips_low", "Lift your hips higher", r.end_s)]
    assert session_end_lines(report)[1] == "To work on: Lift your hips higher (2 of 3)"
