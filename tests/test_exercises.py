"""The exercises as data: catalogue, fault rules vs the spec, and the real clips' tracks.

Real-track tests replay samples/tracks (landmarks extracted from ../shared/videos) through the
engine exactly as `formcheck analyze` does (PoseSmoother first) and assert MANIFEST.tsv's hand
counts and timings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import SAMPLES

from formcheck.analysis.engine import Engine, EngineResult
from formcheck.analysis.exercise import (
    REP_ATTRS,
    ExerciseFileError,
    builtin_dir,
    builtin_exercises,
    get_exercise,
    load_exercise_file,
)
from formcheck.analysis.state import AnalysisState
from formcheck.pose.landmarks import PoseTrack
from formcheck.pose.smoothing import PoseSmoother

CATALOGUE = {"glute_bridge", "chair_bridge", "ball_hamstring_curl", "plank_hip_extension", "plank",
          "glute_squeeze", "clamshell", "kneeling_hip_flexor", "single_leg_rdl", "leg_swing",
          "forward_fold", "squat", "push_up"}

# Every fault the rehab programme lists for these exercises, by the rule code that implements it.
SPEC_FAULTS = {
    "glute_bridge": {"hips_low", "over_arch", "knees_too_bent", "knees_too_straight",
                     "lowering_fast", "feet_lifting"},
    "chair_bridge": {"hips_low", "hold_short", "knees_too_bent", "knees_too_straight"},
    "ball_hamstring_curl": {"hips_sagging", "knees_bent"},
    "plank_hip_extension": {"hips_sagging", "hips_piking", "elbows_forward", "knee_straight",
                            "leg_low", "hold_short", "rest_short"},
    "clamshell": {"feet_apart", "pelvis_rolling", "knees_straight", "knees_too_bent",
                  "hold_short"},
    "kneeling_hip_flexor": {"knee_past_toes", "back_knee_up", "hips_back", "torso_lean"},
    "single_leg_rdl": {"bent_at_hip", "knee_locked", "knee_deep", "hip_sway"},
}


def analyse(track: PoseTrack, ex: str, variant: str | None = None, side: str | None = None,
            spec=None) -> tuple[EngineResult, list[AnalysisState]]:
    """What `formcheck analyze` does with a track: smooth, then the engine."""
    engine = Engine(spec or get_exercise(ex, variant=variant), side)
    smoother = PoseSmoother()
    states = [engine.update(smoother(f)) for f in track.frames()]
    return engine.finish(), states


def sample(name: str) -> PoseTrack:
    return PoseTrack.load(SAMPLES / f"{name}.npz")


def formcheck(*args) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}  # the catalogue table unabridged
    return subprocess.run([sys.executable, "-m", "formcheck", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env)


# --------------------------------------------------------------------------- catalogue

def test_catalogue_has_every_exercise_and_the_cli_lists_them():
    assert set(builtin_exercises()) == CATALOGUE
    out = formcheck("exercises")
    assert out.returncode == 0
    for ex in CATALOGUE:
        assert f" {ex} " in out.stdout


@pytest.mark.parametrize("ex", sorted(SPEC_FAULTS))
def test_every_fault_in_the_spec_is_a_rule_with_a_short_cue(ex):
    spec = get_exercise(ex)
    codes = {f.code for f in spec.faults}
    assert SPEC_FAULTS[ex] <= codes, SPEC_FAULTS[ex] - codes
    for f in spec.faults:
        assert 0 < len(f.cue) <= 50, f.cue  # readable mid-exercise
        assert f.measure in spec.measures or f.measure in REP_ATTRS


def test_single_leg_variant_adds_the_free_leg_rule_and_chooses_the_chair_leg():
    base, single = get_exercise("chair_bridge"), get_exercise("chair_bridge", variant="single-leg")
    assert "free_leg_dropping" not in {f.code for f in base.faults}
    assert "free_leg_dropping" in {f.code for f in single.faults}
    assert {f.code for f in base.faults} < {f.code for f in single.faults}
    assert single.side.choose_by == "free_knee" and base.side.choose_by == "visibility"
    assert single.measures["hip"] == base.measures["hip"]  # tables merge, not replace


def test_every_prescription_and_camera_is_filled_in():
    for spec in builtin_exercises().values():
        p = spec.prescription
        assert p.reps or p.hold_s, spec.id
        assert spec.camera.view in ("side", "front") and spec.camera.hint, spec.id
        assert spec.setup and spec.movement, spec.id


# --------------------------------------------------------------------------- own exercise files

def test_own_exercise_file_runs_through_analyze(tmp_path):
    mine = tmp_path / "my_squat.toml"
    text = (builtin_dir() / "squat.toml").read_text(encoding="utf-8")
    mine.write_text(text.replace('id = "squat"', 'id = "my_squat"'), encoding="utf-8")
    report = tmp_path / "r.json"
    out = formcheck("analyze", SAMPLES / "squat_yuy_1.npz", "--exercise-file", mine,
                    "--report", report, "--no-history", "-q")
    assert out.returncode == 0, out.stderr
    data = json.loads(report.read_text())
    assert data["exercise"] == "my_squat" and data["summary"]["rep_count"] == 3


@pytest.mark.slow
def test_variant_through_the_cli_keeps_sides_apart(tmp_path):
    import kinematics as k

    right = k.reps(k.chair_bridge, 2, common={"single_leg": True, "side": "right"})
    left = k.reps(k.chair_bridge, 2, common={"single_leg": True, "side": "left"})
    track, _ = right.then(left, gap=2.0).render()
    track.save(tmp_path / "t.npz")
    out = formcheck("analyze", tmp_path / "t.npz", "-e", "chair_bridge", "--variant",
                    "single-leg", "--report", tmp_path / "r.json", "--no-history", "-q")
    assert out.returncode == 0, out.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["exercise_name"].startswith("Single-leg")
    assert [r["side"] for r in data["reps"]] == ["right", "right", "left", "left"]
    assert {s: d["reps"] for s, d in data["summary"]["per_side"].items()} == {"right": 2,
                                                                           "left": 2}


def test_bad_variant_is_reported_at_load_with_its_field_and_line(tmp_path):
    bad = tmp_path / "bad.toml"
    text = (builtin_dir() / "chair_bridge.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace('stat = "median"\nbelow = -20', 'stat = "middle"\nbelow = -20'),
                   encoding="utf-8")
    with pytest.raises(ExerciseFileError) as err:
        load_exercise_file(bad)
    msg = str(err.value)
    line = next(i for i, ln in enumerate(bad.read_text().splitlines(), 1) if "middle" in ln)
    assert "variant single-leg" in msg and "stat" in msg and "middle" in msg
    assert f"line {line}" in msg


def test_bad_side_choice_names_the_field(tmp_path):
    bad = tmp_path / "bad.toml"
    text = (builtin_dir() / "leg_swing.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace('choose = "range"', 'choose = "most"'), encoding="utf-8")
    with pytest.raises(ExerciseFileError, match=r"line \d+: field 'side.choose'"):
        load_exercise_file(bad)


def test_every_builtin_file_and_variant_loads_as_an_own_exercise_file(tmp_path):
    """A copy of any built-in file works with --exercise-file, variants included."""
    for f in builtin_dir().glob("*.toml"):
        copy = tmp_path / f.name
        shutil.copy(f, copy)
        assert load_exercise_file(copy).id == f.stem
        for v in load_exercise_file(copy).variants:
            assert get_exercise(exercise_file=str(copy), variant=v).id == f.stem


# --------------------------------------------------------------------------- real clips

COUNTS = [  # MANIFEST.tsv true_rep_count
    ("clamshell_ndn_1", "clamshell", 5),  # getting up at ~15.2 s is not a 6th: see below
    ("clamshell_vkg_1", "clamshell", 5),  # handheld, the thighs end-on for 1.6 s
    ("forward_fold_ndn_1", "forward_fold", 2),
    ("glute_bridge_ndn_1", "glute_bridge", 3),
    ("hamstring_curl_anv_1", "ball_hamstring_curl", 1),
    ("leg_swing_tbf_1", "leg_swing", 1),
    ("pushup_cal_1", "push_up", 30),
    ("pushup_tbf_1", "push_up", 1),
    ("single_leg_rdl_tbf_1", "single_leg_rdl", 1),
    ("squat_yuy_1", "squat", 3),
]


@pytest.mark.parametrize(("clip", "ex", "n"), COUNTS)
def test_real_clip_counts_match_the_manifest(clip, ex, n):
    res, _ = analyse(sample(clip), ex)
    assert len(res.reps) == n


@pytest.mark.parametrize(("clip", "ex", "times"), [
    ("clamshell_ndn_1", "clamshell", [4.8, 7.1, 9.6, 11.9, 14.1]),  # full openings
    ("glute_bridge_ndn_1", "glute_bridge", [3.7, 6.7, 9.5]),  # tops
    ("squat_yuy_1", "squat", [2.6, 5.6, 8.4]),  # bottoms
])
def test_real_clip_reps_contain_the_hand_timed_tops(clip, ex, times):
    res, _ = analyse(sample(clip), ex)
    for t in times:  # each inside a counted rep (the count is the test above's business)
        assert any(rep.start_s < t < rep.end_s for rep in res.reps), t


def test_clamshell_partial_opening_and_getting_up_are_not_reps():
    """The manifest's ~1/3-range opening at 3.3 s (the knee straightens, the thighs barely
    part) is not counted, nor getting up at ~15.2 s: the top knee drawn toward the chest
    turns the thighs 20-25 degrees apart, but not along the line of the hips."""
    res, _ = analyse(sample("clamshell_ndn_1"), "clamshell")
    assert res.reps[0].start_s > 3.6
    assert res.reps[-1].end_s < 15.0
    assert all(r.side == "left" for r in res.reps)  # the top leg


def test_push_up_bursts_between_downward_dog_rests():
    res, _ = analyse(sample("pushup_cal_1"), "push_up")
    mids = [(r.start_s + r.end_s) / 2 for r in res.reps]
    bursts = [(0.0, 21.0, 18), (23.5, 29.5, 4), (32.5, 37.5, 3), (40.0, 43.5, 2),
              (46.5, 50.5, 2), (52.5, 55.0, 1)]
    for a, b, n in bursts:
        assert sum(a <= m <= b for m in mids) == n, (a, b)


def test_forward_fold_holds_about_four_and_a_half_seconds_each():
    res, _ = analyse(sample("forward_fold_ndn_1"), "forward_fold")
    assert [abs(r.hold_s - 4.5) <= 0.6 for r in res.reps] == [True, True]


def test_hip_flexor_stretch_is_one_hold_of_the_back_leg():
    res, _ = analyse(sample("hip_flexor_stretch_ndn_1"), "kneeling_hip_flexor")
    (hold,) = res.holds
    assert abs(hold.hold_s - 12.5) <= 1.0  # held ~4.5-17.0 s, boundaries +-0.5 s
    assert 4.0 <= hold.start_s <= 5.0 and 16.5 <= hold.end_s <= 17.5
    assert hold.side == "left"  # the kneeling leg
    assert "hold_short" in {f.code for f in hold.faults}  # 12.5 s of a prescribed 20


def test_forearm_plank_clip_is_timed_by_the_plank_hold_variant():
    res, _ = analyse(sample("plank_mrp_2"), "plank_hip_extension", variant="plank-hold")
    (hold,) = res.holds
    assert abs(hold.hold_s - 6.9) <= 0.5 and hold.good
    res_reps, _ = analyse(sample("plank_mrp_2"), "plank_hip_extension")
    assert res_reps.reps == []  # no leg was lifted


def test_single_leg_rdl_works_the_standing_leg_and_flags_the_short_hold():
    res, _ = analyse(sample("single_leg_rdl_tbf_1"), "single_leg_rdl")
    (rep,) = res.reps
    assert rep.side == "right"  # standing on the right, the left leg rises behind
    assert rep.trough_angle < 20  # torso close to horizontal at the bottom
    assert [f.code for f in rep.faults] == ["hold_short"] and not rep.good


def test_leg_swing_counts_a_loop_that_starts_at_the_front():
    res, _ = analyse(sample("leg_swing_tbf_1"), "leg_swing")
    (rep,) = res.reps
    assert rep.side == "right" and rep.range_of_motion > 120  # +103 front to -34 behind


def test_glute_bridge_reference_is_unchanged():
    res, _ = analyse(sample("glute_bridge_ndn_1"), "glute_bridge")
    assert [r.good for r in res.reps] == [True, True, True]
