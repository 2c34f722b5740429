"""Counts that change under a change of the clip that should not matter reveal a rule fitted to
the dev clips: a committed track replayed mirrored, at half the frame rate, at a lower
resolution, or with a little noise must report the same (tests/invariance.py makes the
changed tracks; scripts/bench_invariance.py runs all of them over every labelled clip)."""

from __future__ import annotations

import json
from pathlib import Path

from invariance import half_rate, rescale

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


def test_half_frame_rate_counts_the_same(tmp_path):
    """An edited clip (front, then side, then front) at 12 fps instead of 24: after the cut the
    near arm is hidden and counting moves to the other arm once it has been seen still for
    0.5 s, however few frames that is (a window of frames strictly within 0.5 s never spanned
    0.45 s at 12 fps, and the side moved a rep too late: 9 of 10)."""
    track = PoseTrack.load(TRACKS / "pushup_mrp_2.npz")
    full = _report(track, "push_up", tmp_path)
    half = _report(half_rate(track), "push_up", tmp_path)
    assert full["summary"]["rep_count"] == half["summary"]["rep_count"] == 10
