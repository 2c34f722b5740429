"""Counts that change under a change of the clip that should not matter reveal a rule fitted to
the dev clips: a committed track replayed mirrored, at half the frame rate, at a lower
resolution, or with a little noise must report the same (tests/invariance.py makes the
changed tracks; scripts/bench_invariance.py runs all of them over every labelled clip)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from invariance import half_rate, jitter, rescale

from formcheck.analysis.exercise import get_exercise
from formcheck.pipeline.analyze import analyze_track
from formcheck.pipeline.session import SessionOutputs
from formcheck.pose.landmarks import PoseTrack

TRACKS = Path(__file__).resolve().parent.parent / "samples" / "tracks"


def _report(track: PoseTrack, exercise: str, tmp: Path) -> dict:
    path, out = tmp / "t.npz", tmp / "r.json"
    track.save(path)
    analyze_track(path, get_exercise(exercise), side=None,
                  outputs=SessionOutputs(report=out, history=False))
    return json.loads(out.read_text())


def _outcome(report: dict) -> tuple:
    """What a user is told: each rep and hold (times, side, faults) and the totals."""
    return report["summary"], report["reps"], report["holds"]


def test_lower_resolution_reports_the_same(tmp_path):
    """The landmark smoother works in units of the frame, not of its pixels: the same 1080p
    clip at 540p is the same movement (glute_bridge_ndn_1's top holds changed by 0.1-0.3 s
    with a smoother tuned in pixels)."""
    track = PoseTrack.load(TRACKS / "glute_bridge_ndn_1.npz")
    assert min(track.width, track.height) == 1080
    base = _report(track, "glute_bridge", tmp_path)
    low = _report(rescale(track, 540), "glute_bridge", tmp_path)  # same aspect, exactly
    assert base["summary"]["rep_count"] == 3
    assert _outcome(low) == _outcome(base)


@pytest.mark.slow
def test_half_frame_rate_counts_the_same(tmp_path):
    """An edited clip (front, then side, then front) at 12 fps instead of 24: after the cut the
    near arm is hidden and counting moves to the other arm once it has been seen still for
    0.5 s, however few frames that is (a window of frames strictly within 0.5 s never spanned
    0.45 s at 12 fps, and the side moved a rep too late: 9 of 10)."""
    track = PoseTrack.load(TRACKS / "pushup_mrp_2.npz")
    full = _report(track, "push_up", tmp_path)
    half = _report(half_rate(track), "push_up", tmp_path)
    assert full["summary"]["rep_count"] == half["summary"]["rep_count"] == 10


def test_landmark_noise_and_lost_frames_keep_the_count(tmp_path):
    """Heel bridges with a small range (glute_bridge_ndn_2, 3 reps): landmark noise of 0.75% of
    the torso and 3% of frames without a person count the same (the noise once took a rep 0.3
    degrees short of min_range, and the counter, waiting for a return to a rest the person had
    left, lost all three)."""
    track = PoseTrack.load(TRACKS / "glute_bridge_ndn_2.npz")
    assert _report(jitter(track), "glute_bridge", tmp_path)["summary"]["rep_count"] == 3


@pytest.mark.slow
def test_lost_frames_do_not_delay_a_hold(tmp_path):
    """3% of frames without a person, at random: the plank is timed from when it was taken,
    as without them (a lost frame during the entry restarted it: 1 s late)."""
    track = PoseTrack.load(TRACKS / "plank_gym_2.npz")
    base = _report(track, "plank", tmp_path)["holds"]
    lost = _report(jitter(track, share=0.0), "plank", tmp_path)["holds"]
    assert len(base) == len(lost) == 1
    assert abs(lost[0]["start_s"] - base[0]["start_s"]) <= 0.1
    assert abs(lost[0]["hold_s"] - base[0]["hold_s"]) <= 0.1
