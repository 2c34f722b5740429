"""Spoken feedback from the commands (issue 14): `live --audio-out` on a dev clip played in
real time has each count in its WAV track within 0.3 s of the rep being counted; the speech
outputs are checked like every other output."""

from __future__ import annotations

import shutil
import subprocess
import sys
import wave
from pathlib import Path

import pytest
from test_safety import refused_untouched
from test_voice import assert_counts_heard, count_times

from formcheck.analysis.exercise import get_exercise
from formcheck.pose.landmarks import PoseTrack
from formcheck.report.schema import load_report

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "tracks" / "glute_bridge_ndn_1.npz"
CLIP = "glute_bridge_ndn_1.mp4"  # 3 bridges, side view, 13.5 s


@pytest.mark.clips
@pytest.mark.slow
def test_live_on_a_clip_speaks_each_count_within_0_3_s(videos, model_path, tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "formcheck", "live", "--source", str(videos / CLIP),
         "--exercise", "glute_bridge", "--no-window", "--audio-out", "s.wav",
         "--report", "r.json", "--save-pose", "p.npz", "--no-history",
         "--model-path", str(model_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    report = load_report(tmp_path / "r.json")
    spec = get_exercise("glute_bridge")
    # The poses the session analysed, replayed: when each rep was counted (the replay is the
    # live session: the same reps, ending at the same times).
    counted = count_times(PoseTrack.load(tmp_path / "p.npz"), spec)
    assert report.summary.rep_count == len(counted) == 3
    delays = assert_counts_heard(tmp_path / "s.wav", counted)
    print(f"count -> speech: {[round(d * 1000) for d in delays]} ms")
    with wave.open(str(tmp_path / "s.wav")) as w:  # the track spans the session
        assert w.getnframes() / w.getframerate() >= report.duration_s - 0.2


@pytest.mark.slow
@pytest.mark.parametrize("args,message", [
    (["analyze", "t.npz", "-e", "glute_bridge", "--audio-out", "x.wav", "--report", "x.wav"],
     "--report x.wav and --audio-out x.wav are the same file"),
    (["analyze", "t.npz", "-e", "glute_bridge", "--audio-out", "a.json"],
     "--audio-out a.json: formcheck writes WAV audio; use a .wav file name"),
    (["live", "-e", "glute_bridge", "--source", "t.wav", "--no-window", "--audio-out",
      "./t.wav"], "--audio-out t.wav would overwrite --source t.wav"),
])
def test_the_audio_track_never_replaces_an_input_or_another_output(tmp_path, args, message):
    shutil.copy(SAMPLE, tmp_path / "t.npz")
    (tmp_path / "a.json").write_text("{}\n")
    (tmp_path / "t.wav").write_bytes(b"RIFF an earlier recording")
    refused_untouched(tmp_path, args, message)


@pytest.mark.clips
@pytest.mark.slow
def test_pause_and_restart_keys_are_said_when_pressed(videos, model_path, tmp_path):
    """Live in lock-step with a voice writing a WAV (a fake engine: phrase lengths known):
    space at frame 100 says "paused" at that frame's time and, pressed again, "go" once it
    is over (the session's clock stood still meanwhile); r at frame 240 (between reps 2
    and 3) says "set restarted" then; the sound is in the file where it was said."""
    from lockstep import LockStep
    from test_live import ScriptedDisplay, _live
    from test_voice import FakeEngine, speech_starts

    from formcheck.voice import open_voice

    wav = tmp_path / "s.wav"
    voice = open_voice(get_exercise("glute_bridge"), device=False, wav=wav,
                       make_engine=FakeEngine, blocking=True)
    assert voice is not None
    display = ScriptedDisplay({100: " ", 240: "r"}, LockStep(), still_keys={3: " "})
    try:
        result = _live(videos, model_path, tmp_path, display, voice=voice)
    finally:
        voice.close()
    assert [(e.kind, round(e.t_s, 3)) for e in result.events] == [
        ("paused", round(99 / 30, 3)), ("resumed", round(99 / 30, 3)),
        ("reset", round(239 / 30, 3))]
    said = {s.text: s for s in voice.spoken if s.say.kind == "event"}
    assert said["paused"].start_s == pytest.approx(99 / 30, abs=1e-6)
    # the next frame once "paused" is over (the clock stood still: it is said on resuming)
    assert said["paused"].end_s <= said["go"].start_s <= said["paused"].end_s + 1 / 30
    assert 239 / 30 - 1e-6 <= said["set restarted"].start_s <= 239 / 30 + 0.5
    assert not any(said[k].cut for k in ("paused", "go", "set restarted"))
    starts, _ = speech_starts(wav, gap_s=0.02)
    for text in ("paused", "set restarted"):
        assert any(abs(s - said[text].start_s) <= 0.01 for s in starts), (text, starts)
    # the count goes on from 1 after the restart; every rep stays in the report
    assert [r.set_index for r in result.report.reps] == [1, 1, 2]
    assert [s.text for s in voice.spoken if s.say.kind == "count"] == ["1", "2", "1"]
