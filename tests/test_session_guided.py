"""`formcheck session` end to end on dev clips: a two-exercise plan (a glute bridge in two
sets with a rest, a clamshell one side then the other), rests and switches compressed by
--time-scale. The run through run_session keeps each clip in lock-step with the model
(tests/lockstep.py: every frame analysed, the same on a busy machine), so the sequence of
events and the counts are exact; the command itself is run once more as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave

import numpy as np
import pytest
from lockstep import LockStep

from formcheck.analysis.exercise import builtin_exercises
from formcheck.analysis.plan import parse_plan
from formcheck.pipeline.guided import run_session
from formcheck.report.schema import load_report
from formcheck.source.paced import RealtimeSource
from formcheck.source.video import VideoFileSource

pytestmark = [pytest.mark.clips, pytest.mark.slow]

# glute_bridge_ndn_1: reps end at ~4.7, ~7.6 and ~10.8 s (rep 2 starts at ~5.3 s);
# clamshell_ndn_1: openings at ~4.8, 7.1, 9.6, 11.9, 14.1 s (the 3rd starts at ~8.8 s).
# A 15 s rest at time scale 50 lasts 0.3 s of clip and a 10 s switch 0.2 s: set 2 of the
# bridge sees its rep 2 whole, the clamshell's right-side set its 3rd and 4th openings.
PLAN = """\
rest = 15
[[exercise]]
id = "glute_bridge"
sets = 2
reps = 1
source = "{videos}/glute_bridge_ndn_1.mp4"

[[exercise]]
id = "clamshell"
sets = 1
reps = 2
side = "both"
source = "{videos}/clamshell_ndn_1.mp4"
"""
SCALE = 50.0


class LockStepDisplay:
    """Shows each frame to the current exercise's clock (the next frame may then come) and
    records the keys it would send: none here."""

    def __init__(self):
        self.clock: LockStep | None = None
        self.shown = 0
        self.closed_called = False

    def show(self, image):
        self.shown += 1
        self.clock.shown()
        return -1

    def closed(self):
        return False

    def close(self):
        self.closed_called = True


def test_guided_session_runs_sets_rests_and_a_side_switch(videos, model_path, tmp_path):
    plan = parse_plan(PLAN.format(videos=videos), "plan.toml", builtin_exercises())
    display, events, said = LockStepDisplay(), [], []

    def open_source(item):
        display.clock = LockStep()  # a fresh clock per clip
        return RealtimeSource(VideoFileSource(item.source), clock=display.clock,
                              sleep=display.clock.sleep)

    def on_event(event):
        events.append(event)
        if event.kind in ("exercise_done", "skip", "stopped"):
            display.clock.release()  # the run ends: the clip need not wait for the display

    started = []
    summary = run_session(plan, open_source, model_path, "full", out_dir=tmp_path / "out",
                          display=display, say=said.append, on_event=on_event,
                          time_scale=SCALE, history=False, workers=1,
                          before_exercise=lambda item, offset: started.append((item.id, offset)))
    bridge_end = next(e.t for e in events if e.kind == "exercise_done")
    assert started == [("glute_bridge", 0.0), ("clamshell", pytest.approx(bridge_end, abs=0.05))]
    assert said == events  # everything shown is also said
    # 3, 2, 1 before a set, only inside a rest or switch: at 50 times speed a frame passes
    # more than one second of it, and only the latest number passed is said
    waits = []
    for e in events:
        if e.kind in ("rest", "switch"):
            waits.append([])
        elif e.kind == "countdown":
            waits[-1].append(int(e.text))
    assert len(waits) == 2 and all(w and w == sorted(set(w), reverse=True) for w in waits)
    every = [e.kind for e in events]
    events = [e for e in events if e.kind != "countdown"]
    said = [e.text for e in events]
    got = [(e.exercise, e.kind, e.set, e.side) for e in events]
    assert got == [
        ("glute_bridge", "exercise", None, None), ("glute_bridge", "set", 1, None),
        ("glute_bridge", "set_done", 1, None), ("glute_bridge", "rest", 2, None),
        ("glute_bridge", "set", 2, None), ("glute_bridge", "set_done", 2, None),
        ("glute_bridge", "exercise_done", None, None),
        ("clamshell", "exercise", None, None), ("clamshell", "set", 1, "left"),
        ("clamshell", "set_done", 1, "left"), ("clamshell", "switch", 1, "right"),
        ("clamshell", "set", 1, "right"), ("clamshell", "set_done", 1, "right"),
        ("clamshell", "exercise_done", None, None), ("", "session_done", None, None)]
    assert said[3] == "Rest 15 seconds." and said[10] == "Switch sides: right side next."
    t = {(e.exercise, e.kind, e.set, e.side): e.t for e in events}
    # the bridge's rest lasts 15 s / 50 of clip time; its first set ends with rep 1
    assert t[("glute_bridge", "set", 2, None)] - t[("glute_bridge", "rest", 2, None)] == \
        pytest.approx(15 / SCALE, abs=0.04)
    assert 4.5 < t[("glute_bridge", "set_done", 1, None)] < 5.3
    assert t[("clamshell", "set", 1, "right")] - t[("clamshell", "switch", 1, "right")] == \
        pytest.approx(10 / SCALE, abs=0.04)
    assert display.closed_called  # once, at the end of the session

    bridge, clam = summary.exercises
    assert (bridge.status, bridge.reps, [(s.set, s.done) for s in bridge.sets]) == (
        "done", 2, [(1, 1), (2, 1)])
    assert (clam.status, clam.reps, [(s.side, s.done) for s in clam.sets]) == (
        "done", 4, [("left", 2), ("right", 2)])
    # the reports: one per exercise, the sets as the session ran them
    rb, rc = load_report(bridge.report), load_report(clam.report)
    assert (rb.exercise, rb.mode, rb.summary.rep_count) == ("glute_bridge", "live", 2)
    assert [r.set_index for r in rb.reps] == [1, 2] and rb.summary.set_count == 2
    assert rb.prescription["sets"] == 2 and rb.prescription["reps"] == 1
    assert (rc.exercise, rc.summary.rep_count) == ("clamshell", 4)
    assert [r.set_index for r in rc.reps] == [1, 1, 1, 1]
    # the summary file: what the session did, with every event
    written = json.loads(summary.path.read_text())
    assert written["ended"] == "done" and written["plan"] == "plan.toml"
    assert [(e["exercise"], e["status"], e["reps"]) for e in written["exercises"]] == [
        ("glute_bridge", "done", 2), ("clamshell", "done", 4)]
    assert written["exercises"][1]["sets"] == [
        {"set": 1, "side": "left", "target": 2, "done": 2, "ended": "done"},
        {"set": 1, "side": "right", "target": 2, "done": 2, "ended": "done"}]
    assert [e["kind"] for e in written["events"]] == every
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [summary.path.name, os.path.basename(bridge.report), os.path.basename(clam.report)])


def test_session_command_writes_reports_and_summary(videos, model_path, tmp_path):
    """The command on the same plan, clips at their own pace (counts are the test above's
    business: a busy machine may drop frames here), no window, the speech to a WAV."""
    from test_voice import speech_starts

    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.format(videos=videos))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "formcheck", "session", str(plan), "--no-window",
         "--out-dir", str(out), "--time-scale", str(SCALE), "--model-path", str(model_path),
         "--no-history", "--audio-out", str(tmp_path / "s.wav")], capture_output=True,
        text=True, timeout=600, env={**os.environ, "FORMCHECK_TEST_VIDEOS": str(videos)})
    assert proc.returncode == 0, proc.stderr
    summaries = list(out.glob("session-*.json"))
    assert len(summaries) == 1
    written = json.loads(summaries[0].read_text())
    assert [e["exercise"] for e in written["exercises"]] == ["glute_bridge", "clamshell"]
    for e in written["exercises"]:
        assert load_report(e["report"]).exercise == e["exercise"]
    kinds = [e["kind"] for e in written["events"]]
    assert kinds[:2] == ["exercise", "set"] and kinds[-1] == "session_done"
    assert "switch" in kinds and "rest" in kinds
    assert "Session done: 2 exercises" in proc.stdout
    assert "Set 1 of 2: 1 rep." in proc.stdout  # the announcements, as they happen
    # and spoken, on one track for the whole session (the voiced test above has the times)
    starts, n = speech_starts(tmp_path / "s.wav")
    with wave.open(str(tmp_path / "s.wav")) as w:
        assert n / w.getframerate() > 10.0  # both clips' worth of session
    # the exercise announced before its first rep is done (when exactly depends on how soon
    # the busy machine's speech thread has it: CI heard it at 0.17 s)
    bridge = load_report(written["exercises"][0]["report"])
    first_rep = bridge.reps[0].end_s if bridge.reps else bridge.duration_s
    assert len(starts) >= 5 and starts[0] < first_rep


class KeyedDisplay(LockStepDisplay):
    """Presses keys at given frames of given exercises (counted per exercise)."""

    def __init__(self, keys: dict[tuple[int, int], str]):
        super().__init__()
        self.keys = keys
        self.exercise = 0
        self.frame = 0

    def show(self, image):
        self.frame += 1
        key = self.keys.get((self.exercise, self.frame))
        if key == "q":
            self.clock.release()
        self.clock.shown()
        return ord(key) if key else -1


def test_session_keys_next_skip_and_quit(videos, model_path, tmp_path):
    """Real time (scale 1): the bridge's 15 s rest is cut short by n at 5.5 s, the set that
    follows skipped by s at 6.0 s (its rep 2 under way: not counted); q in the clamshell
    ends the session there, its report written, the summary saying so."""
    plan = parse_plan(PLAN.format(videos=videos), "plan.toml", builtin_exercises())
    display, events = KeyedDisplay({(1, 165): "n", (1, 180): "s", (2, 30): "q"}), []

    def open_source(item):
        display.clock, display.frame = LockStep(), 0
        display.exercise += 1
        return RealtimeSource(VideoFileSource(item.source), clock=display.clock,
                              sleep=display.clock.sleep)

    def on_event(event):
        events.append(event)
        if event.kind in ("exercise_done", "skip"):
            display.clock.release()

    summary = run_session(plan, open_source, model_path, "full", out_dir=tmp_path,
                          display=display, on_event=on_event, history=False, workers=1)
    assert [(e.exercise, e.kind, e.set) for e in events] == [
        ("glute_bridge", "exercise", None), ("glute_bridge", "set", 1),
        ("glute_bridge", "set_done", 1), ("glute_bridge", "rest", 2),
        ("glute_bridge", "set", 2), ("glute_bridge", "skip", None),
        ("clamshell", "exercise", None), ("clamshell", "set", 1), ("", "stopped", None)]
    t = {(e.kind, e.set): e.t for e in events if e.exercise == "glute_bridge"}
    assert t[("set", 2)] == pytest.approx(164 / 30, abs=0.01)  # n on frame 165: no wait
    bridge, clam = summary.exercises
    assert (bridge.status, bridge.reps, [(s.done, s.ended) for s in bridge.sets]) == (
        "skipped", 1, [(1, "done"), (0, "skipped")])
    assert (clam.status, [(s.side, s.done, s.ended) for s in clam.sets]) == (
        "quit", [("left", 0, "quit")])
    assert load_report(clam.report).duration_s == pytest.approx(1.0, abs=0.05)
    written = json.loads(summary.path.read_text())
    assert written["ended"] == "quit"
    assert [e["status"] for e in written["exercises"]] == ["skipped", "quit"]


def test_a_voiced_session_writes_one_speech_track_with_its_events_on_time(videos, model_path,
                                                                          tmp_path):
    """The lock-step session with one voice writing a WAV (as `session --audio-out` wires
    it; real eSpeak NG speech, each phrase made when asked: nothing real-time here): the
    clamshell's frame times come after the bridge's on the track; every announcement is
    said, in order; the rest and the side switch as soon as the phrases asked before them
    (at 50 times speed the announcements queue: events wait their turn, never dropped) with
    no silence in between; the sound in the file is where the voice placed it."""
    from test_voice import speech_starts

    from formcheck.pipeline.guided import voice_options
    from formcheck.voice import open_voice

    plan = parse_plan(PLAN.format(videos=videos), "plan.toml", builtin_exercises())
    display, events = LockStepDisplay(), []
    wav = tmp_path / "session.wav"
    voice = open_voice(plan.items[0].spec, device=False, wav=wav, blocking=True,
                       auto_sets=False)
    assert voice is not None
    offsets: dict[str, float] = {}

    def open_source(item):
        display.clock = LockStep()
        return RealtimeSource(VideoFileSource(item.source), clock=display.clock,
                              sleep=display.clock.sleep)

    def on_event(event):
        events.append(event)
        offsets.setdefault(event.exercise, voice.offset_s)
        if event.kind in ("exercise_done", "skip", "stopped"):
            display.clock.release()

    try:
        summary = run_session(plan, open_source, model_path, "full", out_dir=tmp_path / "out",
                              display=display, on_event=on_event, time_scale=SCALE,
                              history=False, workers=1, **voice_options(voice))
    finally:
        voice.close(farewell=None)
    assert summary.ended == "done"
    bridge_end = next(e.t for e in events if e.kind == "exercise_done")
    assert offsets["glute_bridge"] == 0.0
    assert offsets["clamshell"] == pytest.approx(bridge_end, abs=0.05)
    spoken = voice.spoken
    for s in spoken:
        print(f"{s.start_s:6.2f}-{s.end_s:6.2f} {s.say.kind:9} {'cut' if s.cut else '':3} "
              f"{s.text}")
    # every announcement said (a count or hold word may cut one: its start was heard), in
    # order; the counts: 1 a bridge set, 2 a side of the clamshell (from 1 again)
    events_said = [s.text for s in spoken if s.say.kind == "event" and not s.text.isdigit()
                   and not (s.cut and s.end_s == s.start_s)]  # a cut at once is said again
    assert events_said == [e.text for e in events if e.kind != "countdown"]
    counts = [s.text for s in spoken if s.say.kind == "count"]
    assert counts == ["1", "1", "1", "2", "1", "2"]
    frame = 1 / 30 + 1e-6
    for kind in ("rest", "switch"):
        e = next(e for e in events if e.kind == kind)
        at = offsets[e.exercise] + e.t  # the event on the session's clock
        said = next(s for s in spoken if s.text == e.text)
        assert said.start_s >= at - 1e-6
        if said.cut:  # only a count or hold word pre-empts it (the other side's first rep)
            nxt = spoken[spoken.index(said) + 1]
            assert nxt.say.kind in ("count", "countdown") and nxt.start_s == said.end_s
        # from the event to its phrase the voice never stopped talking
        run = [s for s in spoken if s.start_s < said.start_s and s.end_s > at - frame]
        assert run[0].start_s <= at + frame
        assert all(b.start_s - a.end_s <= frame for a, b in zip(run, [*run[1:], said], strict=True))
        print(f"{kind}: event at {at:.2f} s, said at {said.start_s:.2f} s after "
              f"{[s.text for s in run]}")
    # the file: sound where each phrase was placed, silence before each run of speech
    with wave.open(str(wav)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    whole = [s for s in spoken if not s.cut]
    for s in whole:
        i = int(round(s.start_s * rate))
        assert np.array_equal(pcm[i:i + len(s.pcm)], s.pcm), s.text
    assert len(pcm) / rate >= max(s.end_s for s in spoken) - 0.01
    starts, _ = speech_starts(wav)
    after_silence = [b for a, b in zip(spoken, spoken[1:], strict=False)
                     if b.start_s - a.end_s > 0.2]
    assert after_silence  # the session has its quiet moments
    for s in [spoken[0], *after_silence]:  # found by their energy where the voice began them
        assert any(abs(st - s.start_s) <= 0.05 for st in starts), (s.text, s.start_s, starts)
