"""scripts/trace_track.py: the per-frame trace ends with the records `formcheck analyze` reports
for the same track, and names why the key could not be read in a frame."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.analysis.exercise import get_exercise
from formcheck.pipeline.analyze import analyze_track
from formcheck.pipeline.session import SessionOutputs
from formcheck.pose.landmarks import LM, PoseTrack

REPO = Path(__file__).resolve().parents[1]
TRACKS = REPO / "samples" / "tracks"


@pytest.fixture(scope="module")
def tracer():
    spec = importlib.util.spec_from_file_location("trace_track", REPO / "scripts" /
                                                  "trace_track.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["trace_track"] = mod
    spec.loader.exec_module(mod)
    return mod


def _frame_at(track: PoseTrack, t: float):
    return track.frame(int(np.argmin(np.abs(track.t_s - t))))


@pytest.mark.parametrize("clip, exercise", [("clamshell_vkg_1", "clamshell"),
                                            ("plank_kun_1", "plank")])
def test_trace_ends_with_the_reported_records(tracer, tmp_path, clip, exercise):
    path = TRACKS / f"{clip}.npz"
    report = tmp_path / "report.json"
    analyze_track(path, get_exercise(exercise), side=None,
                  outputs=SessionOutputs(report=report, history=False))
    data = json.loads(report.read_text(encoding="utf-8"))
    lines = tracer.trace(PoseTrack.load(path), get_exercise(exercise), step_s=0.5)
    records = [ln for ln in lines if ln.startswith(("rep ", "hold "))]
    want = [f"{r['start_s']:.2f}-{r['end_s']:.2f}" for r in data["reps"] + data["holds"]]
    assert want and [ln.split(": ")[1].split(" s")[0] for ln in records] == want
    # one line per half second in between, each with the time first
    times = [float(ln.split()[0]) for ln in lines[:-len(records)]]
    assert np.all(np.diff(times) >= 0.5 - 1e-9) and times[-1] > 12.0


def test_why_unmeasured_names_the_cause(tracer):
    clam, swing = get_exercise("clamshell"), get_exercise("leg_swing")
    clam_track = PoseTrack.load(TRACKS / "clamshell_vkg_1.npz")
    swing_track = PoseTrack.load(TRACKS / "leg_swing_seb_2.npz")
    # the handheld camera looks along the top thigh during the second opening: an angle
    # between the thighs taken in the image (with depth) cannot be judged there (the built-in
    # opening, from the world landmarks, can)
    opening = dataclasses.replace(clam.measures["opening"], fn="segment_angle", space="hybrid")
    in_image = dataclasses.replace(clam, measures={**clam.measures, "opening": opening})
    assert tracer.why_unmeasured(clam, _frame_at(clam_track, 3.6), "left") == ""
    assert tracer.why_unmeasured(in_image, _frame_at(clam_track, 3.6), "left").startswith(
        "end-on")
    # a clear frame: nothing to explain
    seen = _frame_at(clam_track, 12.8)
    assert tracer.why_unmeasured(clam, seen, "left") == ""
    # the knee seen too poorly to use
    vis = seen.visibility.copy()
    vis[LM.LEFT_KNEE] = 0.05
    hidden = dataclasses.replace(seen, visibility=vis)
    assert tracer.why_unmeasured(clam, hidden, "left") == "seen too poorly: knee"
    # an upside-down pose (shoulders below the hips) turns the thigh past the swing's range
    assert (tracer.why_unmeasured(swing, _frame_at(swing_track, 4.4), "left")
            == "past the measure's range")
    nobody = dataclasses.replace(seen, image=None, world=None, visibility=None, presence=None)
    assert tracer.why_unmeasured(clam, nobody, "left") == "no person"
