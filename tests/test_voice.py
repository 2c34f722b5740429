"""Spoken feedback (issue 14): what is said when, on the session clock. The announcer on
scripted engine states, the voice line's rules (counts on time, one cue, stale cues dropped),
the engine and voice on synthetic tracks, the WAV track of a replayed session (real eSpeak NG
speech, found again by its energy) and the sound-device player on a fake stream."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from kinematics import reps, supine_bridge

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import get_exercise
from formcheck.analysis.state import AnalysisState, Cue
from formcheck.pipeline.session import Session, SessionOutputs
from formcheck.pipeline.step import FrameStep
from formcheck.pose.landmarks import PoseTrack
from formcheck.voice import open_voice
from formcheck.voice.announcer import Announcer, Say, fixed_phrases
from formcheck.voice.engine import EngineUnavailable, EspeakEngine
from formcheck.voice.line import Cut, Spoken, VoiceLine
from formcheck.voice.phrases import Phrases
from formcheck.voice.player import DevicePlayer
from formcheck.voice.voice import Voice
from formcheck.voice.wav_track import WavTrack

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "tracks" / "glute_bridge_ndn_1.npz"
RATE = 1000


class FakeEngine:
    """Each character lasts `char_s` of a steady tone: phrase lengths the test controls."""

    rate = RATE

    def __init__(self, char_s: float = 0.06):
        self.char_s = char_s

    def synth(self, text: str) -> np.ndarray:
        return np.full(int(len(text) * self.char_s * RATE), 8000, np.int16)


def state(t: float, **kw) -> AnalysisState:
    base = dict(t_s=t, exercise_id="x", exercise_name="X", side="left", key_name="hip",
                key_value=150.0, key_joint=None, phase="rest", rep_count=0, good_rep_count=0,
                set_count=0, target_reps=None, hold_s=0.0, hold_target_s=None,
                total_hold_s=0.0, person_visible=True, view_ok=True, cue=None)
    return AnalysisState(**{**base, **kw})


def said(announcer: Announcer, states) -> list[tuple[float, str]]:
    return [(round(s.t_s, 2), s.text) for st in states for s in announcer.update(st)]


def frames(t0: float, t1: float, fps: float = 30.0):
    return [round(t0 + i / fps, 4) for i in range(int(round((t1 - t0) * fps)))]


# ----------------------------------------------------------------------------- announcer

def test_top_hold_of_a_bridge_counts_down_then_the_rep_is_counted():
    """chair_bridge holds its top 3 s: hold at the top, 2 and 1, down at 3 s, then the count."""
    ann = Announcer(get_exercise("chair_bridge"))
    states = [state(t, phase="up") for t in frames(0, 1)]
    states += [state(t, phase="top", hold_s=t - 1.0, hold_target_s=3.0) for t in frames(1, 4.5)]
    states += [state(t, phase="down", hold_s=3.5, hold_target_s=3.0) for t in frames(4.5, 5)]
    states += [state(t, phase="rest", rep_count=1, set_count=1, hold_target_s=3.0)
               for t in frames(5, 5.5)]
    # 3 s left falls at the very start (with "hold"): not said over it
    assert said(ann, states) == [(1.03, "hold"), (2.0, "2"), (3.0, "1"), (4.0, "down"),
                                 (5.0, "1")]


def test_a_hold_exercise_counts_down_its_target_and_a_hold_cut_short_stops_it():
    ann = Announcer(get_exercise("plank"))
    long = [state(t, phase="hold", hold_s=t, hold_target_s=30.0) for t in frames(0, 31)]
    long += [state(31.0, phase="rest", rep_count=1, set_count=1, hold_target_s=30.0)]
    assert said(ann, long) == [(0.0, "hold"), (20.0, "10 seconds"), (27.0, "3"), (28.0, "2"),
                               (29.0, "1"), (30.0, "down"), (31.0, "1"),
                               (31.0, "set done")]  # plank: one 30 s hold a set
    short = [state(40 + t, phase="hold", hold_s=t, hold_target_s=30.0, rep_count=1,
                   set_count=1) for t in frames(0, 5)]
    short += [state(45.0, phase="rest", rep_count=2, set_count=1, hold_target_s=30.0)]
    # not held to the end: no countdown (the hold is still counted: the next set's)
    assert said(ann, short) == [(40.0, "hold"), (45.0, "1"), (45.0, "set done")]


def test_counts_run_per_set_and_set_done_at_the_target():
    ann = Announcer(replace(get_exercise("glute_bridge"),
                            prescription=replace(get_exercise("glute_bridge").prescription,
                                                 reps=3)))
    seq = [state(float(i), rep_count=i, set_count=1) for i in range(4)]
    # the engine starts set 2 with the 5th rep (after a long pause); then a reset ('r')
    seq += [state(60.0, rep_count=4, set_count=2), state(62.0, rep_count=5, set_count=2),
            state(63.0, rep_count=0, set_count=0), state(64.0, rep_count=1, set_count=1)]
    assert said(ann, seq) == [(1.0, "1"), (2.0, "2"), (3.0, "3"), (3.0, "set done"),
                              (60.0, "1"), (62.0, "2"), (64.0, "1")]
    quiet = Announcer(get_exercise("glute_bridge"), auto_sets=False)  # a guided session's
    assert ("set done" not in [t for _, t in said(quiet, [state(float(i), rep_count=i,
                                                                set_count=1)
                                                          for i in range(11)])])


def test_a_cue_is_said_once_settled_not_repeated_and_good_rep_is_not_spoken():
    ann = Announcer(get_exercise("glute_bridge"))
    low = Cue("hips_low", "Lift your hips higher")
    seq = [state(0.0, cue=Cue("good", "Good rep", "info")), state(0.1, cue=low),
           state(0.2, cue=None), state(0.3, cue=low)]  # a flicker: not yet
    seq += [state(t, cue=low) for t in frames(0.4, 4.0)]  # settled at 0.6: said once
    seq += [state(4.0), state(4.5, cue=low), state(5.0, cue=low)]  # back within 8 s: not again
    seq += [state(10.0, cue=low), state(10.5, cue=low)]  # 8 s on, still up: again
    assert said(ann, seq) == [(0.6, "Lift your hips higher"), (10.0, "Lift your hips higher")]


def test_a_guided_session_keeps_one_track_across_exercises_and_says_its_own_events(tmp_path):
    """Sets announced by the session (auto_sets off), a rest said between two exercises, the
    second exercise's frame times (from 0 again) placed after the first's on one WAV track;
    a confirmed pair of reps counted at once says only the last number."""
    bridge, clam = get_exercise("glute_bridge"), get_exercise("clamshell")
    wav = tmp_path / "session.wav"
    voice = open_voice(bridge, device=False, wav=wav, make_engine=FakeEngine, blocking=True,
                       auto_sets=False)
    for t, n in ((1.0, 1), (2.0, 3)):
        voice.update(state(t, rep_count=n, set_count=1))
    voice.say("rest 60 seconds", 3.0)
    voice.tick(70.0)
    voice.exercise(clam, offset_s=70.0)
    voice.update(state(1.5, rep_count=1, set_count=1))
    voice.close(farewell="session done")
    assert [(s.text, s.start_s) for s in voice.spoken] == [
        ("1", 1.0), ("3", 2.0), ("rest 60 seconds", 3.0), ("1", 71.5),
        ("session done", 71.5 + 0.06)]
    starts, n = speech_starts(wav, gap_s=0.01)
    assert [round(s, 2) for s in starts] == [1.0, 2.0, 3.0, 71.5]  # the last two abut
    assert n / RATE == pytest.approx(71.5 + 0.06 + 12 * 0.06, abs=0.01)


# ----------------------------------------------------------------------------- voice line

def line_run(events, pcm_s: dict[str, float], until: float, fps: float = 30.0):
    """Ask `events` {t: [(Say, topics...)]} of a line; tick every frame with the topics in
    force (each event's topics replace the set). Returns what was spoken and dropped."""
    line = VoiceLine(lambda text: np.zeros(int(pcm_s[text] * RATE), np.int16), RATE)
    topics: set[str] = set()
    out: list[Spoken | Cut] = []
    for t in frames(0, until, fps):
        for say in events.get(t, []):
            if isinstance(say, set):
                topics = say
            else:
                line.ask(say)
        out += line.tick(t, topics)
    return [o for o in out if isinstance(o, Spoken)], line.dropped


def test_a_count_cuts_a_cue_and_starts_at_once():
    cue = Say("Lift your hips higher", "cue", 1.0, "cue:hips_low")
    spoken, _ = line_run({1.0: [{"cue:hips_low"}, cue], 2.0: [Say("3", "count", 2.0)]},
                         {cue.text: 2.0, "3": 0.3}, 4.0)
    assert [(s.text, s.start_s, round(s.end_s, 2), s.cut) for s in spoken] == [
        (cue.text, 1.0, 2.0, True), ("3", 2.0, 2.3, False)]


def test_a_waiting_cue_no_longer_true_is_dropped_and_one_still_true_is_said():
    long_event = Say("rest 60 seconds", "event", 0.0)
    stale = Say("Lift your hips higher", "cue", 0.5, "cue:hips_low")
    spoken, dropped = line_run({0.0: [long_event], 0.5: [{"cue:hips_low"}, stale],
                                1.5: [set()]},  # the hips came up while the event went on
                               {long_event.text: 2.0, stale.text: 1.0}, 4.0)
    assert [s.text for s in spoken] == [long_event.text] and dropped == [stale]
    still = Say("Don't arch", "cue", 0.5, "cue:over_arch")
    spoken, dropped = line_run({0.0: [long_event], 0.5: [{"cue:over_arch"}, still]},
                               {long_event.text: 2.0, still.text: 1.0}, 4.0)
    assert [(s.text, s.start_s) for s in spoken] == [(long_event.text, 0.0), (still.text, 2.0)]
    assert dropped == []


def test_one_cue_waits_at_most_and_a_later_count_replaces_an_earlier_waiting_one():
    a, b = Say("A cue", "cue", 0.2, "cue:a"), Say("B cue", "cue", 0.3, "cue:b")
    c1, c2, c3 = (Say(n, "count", t) for n, t in (("1", 1.0), ("2", 1.1), ("3", 1.2)))
    spoken, dropped = line_run(
        {0.0: [{"cue:a", "cue:b"}, Say("set done", "event", 0.0)], 0.2: [a], 0.3: [b],
         1.0: [c1], 1.1: [c2], 1.2: [c3]},
        {"set done": 1.0, "A cue": 1.0, "B cue": 1.0, "1": 0.5, "2": 0.5, "3": 0.5}, 3.0)
    assert [(s.text, round(s.start_s, 2)) for s in spoken] == [
        ("set done", 0.0), ("1", 1.0), ("3", 1.5), ("B cue", 2.0)]
    assert dropped == [a, c2]


# ----------------------------------------------------------------------------- synthetic track

def run_voice(track: PoseTrack, spec, voice, events=None):
    """Engine and voice over a track; returns each frame's state."""
    session = Session(spec, Engine(spec), "synthetic", "m", "analyze", None, track.fps,
                      track.width, track.height)
    step = FrameStep(session)
    states = []
    for pose in track.frames():
        st, _ = step(None, pose)
        for t, text in (events or {}).items():
            if abs(pose.t_s - t) < 0.5 / track.fps:
                voice.say(text, pose.t_s)
        voice.update(st)
        states.append(st)
    voice.close(session.last_t)
    return states


def cue_at(states, t: float) -> str | None:
    st = max((s for s in states if s.t_s <= t + 1e-9), key=lambda s: s.t_s)
    return st.cue.code if st.cue else None


def test_on_a_scripted_track_no_cue_is_spoken_once_untrue_and_a_stale_one_is_dropped():
    """Three bridges, reps 2 and 3 with the hips low (a live cue at the top, the verdict after
    the rep); a long scripted announcement at 9.4 s keeps the line busy while the first
    hips-low cue shows (9.3-13.1 s): it waits, is no longer true when its turn comes, and is
    dropped; later ones are said only while shown."""
    spec = get_exercise("glute_bridge")
    track, _ = reps(supine_bridge, 3, per_rep={1: "hips_low", 2: "hips_low"},
                    t_hold=3.5).render()
    voice = Voice(Announcer(spec), Phrases(lambda: FakeEngine(0.15), fixed_phrases(spec)), [],
                  blocking=True)
    states = run_voice(track, spec, voice, {9.4: "rest sixty seconds now please"})
    cues = [s for s in voice.spoken if s.say.kind == "cue"]
    assert cues, "no cue spoken at all"
    for s in cues:  # true on every frame it is heard
        code = s.say.topic.removeprefix("cue:")
        heard = [st for st in states if s.start_s <= st.t_s < s.end_s]
        assert heard and all(st.cue is not None and st.cue.code == code for st in heard), (
            s.text, s.start_s, s.end_s)
    stale = [d for d in voice.dropped if d.kind == "cue"]
    shown = next(st.t_s for st in states if st.cue is not None and st.cue.code == "hips_low")
    assert 9.0 < shown < 9.6  # at the top of rep 2 (its truth: 9.0 s)
    assert [round(d.t_s, 1) for d in stale] == [round(shown + 0.3, 1)]  # settled 0.3 s later
    assert not [s for s in voice.spoken if 9.6 <= s.start_s < 13.7 and s.say.kind == "cue"]
    # the verdict on rep 2 (13.7 s, shown for 2.5 s) is said, after the count
    counts = [(s.text, round(s.start_s, 2)) for s in voice.spoken if s.say.kind == "count"]
    assert [c for c, _ in counts] == ["1", "2", "3"]
    assert any(s.say.kind == "cue" and 13.7 <= s.start_s < 16.2 for s in voice.spoken)
    assert voice.spoken[-1].text == "session done"


# ----------------------------------------------------------------------------- WAV, real speech

def speech_starts(path: Path, floor: int = 300, gap_s: float = 0.05) -> tuple[list[float], int]:
    """Where sound begins after at least `gap_s` of silence, by 5 ms frames' peak level."""
    with wave.open(str(path)) as w:
        rate, pcm = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), "<i2")
    hop = rate // 200
    n = len(pcm) // hop
    loud = np.abs(pcm[: n * hop].reshape(n, hop).astype(np.int32)).max(axis=1) > floor
    starts, quiet = [], gap_s
    for i, on in enumerate(loud):
        if on and quiet >= gap_s:
            starts.append(i * hop / rate)
        quiet = 0.0 if on else quiet + hop / rate
    return starts, len(pcm)


def count_times(track: PoseTrack, spec) -> list[float]:
    """When each rep is counted: the frame whose state first shows it."""
    session = Session(spec, Engine(spec), "x", "m", "analyze", None, track.fps, track.width,
                      track.height)
    step, times, n = FrameStep(session), [], 0
    for pose in track.frames():
        st, _ = step(None, pose)
        if st.rep_count > n:
            times.append(st.t_s)
            n = st.rep_count
    return times


def assert_counts_heard(wav: Path, counted: list[float], within_s: float = 0.3) -> list[float]:
    starts, _ = speech_starts(wav)
    delays = []
    for c in counted:
        near = [s - c for s in starts if -0.01 <= s - c <= within_s]
        assert near, f"nothing heard within {within_s} s of the count at {c:.2f} s: {starts}"
        delays.append(min(near))
    return delays


def test_the_wav_track_of_a_replayed_session_has_each_count_on_time(tmp_path):
    """analyze on a pose track with --audio-out (as the command runs it): real eSpeak NG
    speech; each rep's count starts when the rep is counted; the file spans the session."""
    from formcheck.cli.voice_opts import session_voice
    from formcheck.pipeline.analyze import analyze_track

    spec = get_exercise("glute_bridge")
    wav = tmp_path / "s.wav"
    with session_voice(spec, speak=False, audio_out=wav, offline=True) as voice:
        result = analyze_track(SAMPLE, spec, side=None,
                               outputs=SessionOutputs(report=tmp_path / "r.json",
                                                      history=False), voice=voice)
    counted = count_times(PoseTrack.load(SAMPLE), spec)
    assert len(counted) == result.report.summary.rep_count == 3
    for c, rep in zip(counted, result.report.reps, strict=True):
        assert rep.end_s <= c <= rep.end_s + 0.3  # counted as the rep ends
    delays = assert_counts_heard(wav, counted)
    assert max(delays) <= 0.02  # nothing else was talking: at once
    with wave.open(str(wav)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        assert w.getnframes() / w.getframerate() >= result.report.duration_s - 0.1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_the_wav_track_places_and_cuts_phrases_at_their_times(tmp_path):
    track = WavTrack(tmp_path / "t.wav", RATE)
    track.play(0.5, np.full(300, 1000, np.int16))
    track.play(1.0, np.full(500, 2000, np.int16))
    track.cut(1.2)  # the second cut after 0.2 s
    track.play(1.2, np.full(100, 3000, np.int16))
    track.close(2.0)
    with wave.open(str(tmp_path / "t.wav")) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    expect = np.zeros(2000, np.int16)
    expect[500:800], expect[1000:1200], expect[1200:1300] = 1000, 2000, 3000
    assert np.array_equal(pcm, expect)


def test_espeak_says_a_count_in_a_short_phrase_that_starts_with_its_sound():
    engine = EspeakEngine()
    pcm = engine.synth("7")
    assert 0.15 < len(pcm) / engine.rate < 0.6  # "seven", trimmed
    assert np.abs(pcm[: engine.rate // 50].astype(int)).max() > 200  # sound within 20 ms
    assert len(engine.synth("Lift your hips higher")) > 2 * len(pcm)


ENGINES_ON_THREADS = """
import threading
from formcheck.voice.engine import EspeakEngine
silent = []
def session():  # what each session's speech thread does: make an engine, say the phrases
    engine = EspeakEngine()
    silent.extend(w for w in ("7", "set done", "go") if len(engine.synth(w)) == 0)
for _ in range(10):
    threads = [threading.Thread(target=session) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
print(len(silent))
"""


def test_engines_made_and_used_on_many_threads_at_once_all_speak():
    """eSpeak crashed (or said nothing) when a second engine initialised it again while the
    speech thread of an earlier session was speaking; in a child so a crash fails the test."""
    done = subprocess.run([sys.executable, "-c", ENGINES_ON_THREADS], capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0"]


def test_no_engine_means_one_note_and_no_voice(capsys, tmp_path):
    def broken():
        raise EngineUnavailable("no speech engine: install espeakng-loader")

    assert open_voice(get_exercise("glute_bridge"), device=True, wav=tmp_path / "a.wav",
                      make_engine=broken) is None
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["formcheck: note: voice off: no speech engine: install espeakng-loader"]
    assert not (tmp_path / "a.wav").exists()


# ----------------------------------------------------------------------------- player

class FakeStream:
    def __init__(self, rate, callback):
        self.rate, self.callback, self.closed = rate, callback, False

    def pull(self, frames: int) -> np.ndarray:
        out = np.full((frames, 1), -1, np.int16)
        self.callback(out, frames, None, None)
        return out[:, 0].copy()

    def stop(self):
        pass

    def close(self):
        self.closed = True


def test_the_player_feeds_the_device_phrases_in_turn_then_silence_and_cuts_at_once():
    streams = []
    player = DevicePlayer(RATE, lambda r, cb: streams.append(FakeStream(r, cb)) or streams[-1])
    stream = streams[0]
    player.play(0.0, np.arange(1, 6, dtype=np.int16))
    player.play(0.1, np.arange(10, 13, dtype=np.int16))
    assert stream.pull(4).tolist() == [1, 2, 3, 4]
    assert stream.pull(6).tolist() == [5, 10, 11, 12, 0, 0]
    player.play(0.2, np.full(100, 7, np.int16))
    assert stream.pull(3).tolist() == [7, 7, 7]
    player.cut(0.3)
    assert stream.pull(3).tolist() == [0, 0, 0] and not player.busy
    player.close(1.0)
    assert stream.closed


PLAY_ON_DEVICE = """
import threading, numpy as np
from formcheck.voice.engine import EspeakEngine
from formcheck.voice.player import DevicePlayer, open_stream
delivered = []
def through(rate, fill):  # the real stream, noting what its callback hands the device
    def noted(out, frames, time_info, status):
        fill(out, frames, time_info, status)
        delivered.append(out[:, 0].copy())
    return open_stream(rate, noted)
engine = EspeakEngine()
player = DevicePlayer(engine.rate, through)
pcm = engine.synth("3")
player.play(0.0, pcm)
wait = threading.Event()
for _ in range(500):
    if not player.busy:
        break
    wait.wait(0.01)
player.close(1.0)
out = np.concatenate(delivered)
start = int(np.flatnonzero(out)[0] - np.flatnonzero(pcm)[0])
print(len(pcm), int(np.array_equal(out[start:start + len(pcm)], pcm)))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the ALSA null device is Linux's")
def test_the_player_plays_a_phrase_through_portaudio(tmp_path):
    """The real sound path (sounddevice, PortAudio, ALSA) on ALSA's null device: the device's
    callback is handed the phrase's samples, exactly."""
    if ctypes.util.find_library("portaudio") is None:
        pytest.skip("PortAudio is not installed (scripts/quickstart.sh installs libportaudio2)")
    (tmp_path / ".asoundrc").write_text("pcm.!default {\n  type null\n}\n")
    run = subprocess.run([sys.executable, "-c", PLAY_ON_DEVICE], capture_output=True,
                         text=True, timeout=60, env={**os.environ, "HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    n, same = map(int, run.stdout.split())
    assert n > 2000 and same == 1


def test_an_event_cut_by_a_count_as_it_starts_is_said_whole_after_it():
    """The frame that counts a set's last rep also ends the set: 'set done' (asked first, by
    the session) gives way to the count and follows it; one cut later stays cut."""
    done, rest = Say("set done", "event", 1.0), Say("rest 60 seconds", "event", 1.0)
    line = VoiceLine(lambda text: np.zeros(int({"set done": 0.5, "rest 60 seconds": 1.0,
                                                "10": 0.3, "3": 0.3}[text] * RATE),
                                           np.int16), RATE)
    line.ask(done)
    line.ask(rest)
    out = line.tick(1.0, set())
    line.ask(Say("10", "count", 1.0))
    out += line.tick(1.0, set())
    for t in frames(1.0, 4.0)[1:]:
        if t == 2.5:
            line.ask(Say("3", "count", t))
        out += line.tick(t, set())
    assert [(s.text, s.start_s, round(s.end_s, 2)) for s in out if isinstance(s, Spoken)] == [
        ("set done", 1.0, 1.0), ("10", 1.0, 1.3), ("set done", 1.3, 1.8),
        ("rest 60 seconds", 1.8, 2.5), ("3", 2.5, 2.8)]
    assert line.dropped == []
