"""The accuracy benchmark's pure parts: reading the manifest's truths, views and checks."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench_accuracy.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_accuracy", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_accuracy"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("text, reps, hold, each, zero_all", [
    ("5", 5, None, False, False),
    ("0", 0, None, False, False),
    (" 30 ", 30, None, False, False),
    ("3 reps", 3, None, False, False),
    ("hold 9.3 s", None, 9.3, False, False),
    ("hold ~12.5 s", None, 12.5, False, False),
    ("hold 6.9 s (whole clip)", None, 6.9, False, False),
    ("Hold 18 s", None, 18.0, False, False),
    ("2 holds ~4.5 s each", 2, 4.5, True, False),
    ("3 holds of 10 s each", 3, 10.0, True, False),
    ("0 for every exercise", 0, None, False, True),
])
def test_parse_truth(bench, text, reps, hold, each, zero_all):
    exp = bench.parse_truth(text)
    assert exp == bench.Expected(reps=reps, hold_s=hold, each=each, zero_all=zero_all)


@pytest.mark.parametrize("text", ["unknown", "", "about five", "hold s"])
def test_parse_truth_unknown(bench, text):
    assert bench.parse_truth(text) is None


@pytest.mark.parametrize("camera, group", [
    ("side", "side"),
    ("side (slightly elevated)", "side"),
    ("side (starts front-on kneeling)", "side"),
    ("side-oblique", "oblique"),
    ("front-oblique (camera near her head, in front of a laptop)", "oblique"),
    ("other (oblique front-side)", "oblique"),
    ("other (handheld camera pans; oblique)", "oblique"),
    ("front (person side-lying facing camera)", "front"),
    ("front", "front"),
    ("back (camera behind him)", "back"),
    ("overhead-oblique (above and beyond her head, handheld phone)", "overhead"),
    ("side-oblique (from the feet side)", "feet end"),
    ("other (diagonal, camera at feet end)", "feet end"),
    ("split-screen (two side-view panels)", "edited"),
    ("front + side (edited, crossfades)", "edited"),
    ("other (edited: side wide shots + close-ups)", "edited"),
])
def test_view_group(bench, camera, group):
    assert bench.view_group(camera) == group


@pytest.mark.parametrize("clip, exercise", [
    ("single_leg_bridge_ndn_1", "glute_bridge"),
    ("single_leg_rdl_kin_1", "single_leg_rdl"),
    ("glute_bridge_amn_1", "glute_bridge"),
    ("glute_squeeze_lgm_1", "glute_squeeze"),
    ("hamstring_curl_anv_1", "ball_hamstring_curl"),
    ("hip_flexor_stretch_par_1", "kneeling_hip_flexor"),
    ("plank_kun_1", "plank"),
    ("pushup_cal_1", "push_up"),
    ("unheard_of_1", None),
])
def test_exercise_rule(bench, clip, exercise):
    assert bench.exercise_rule(clip) == exercise


def test_hamstring_stretch_is_skipped(bench):
    assert bench.exercise_rule("hamstring_stretch_tbf_1").startswith("skip")


def _catalogue(with_plank: bool = True) -> dict:
    kinds = {"glute_bridge": "reps", "squat": "reps", "plank_hip_extension": "reps",
             "glute_squeeze": "hold", "kneeling_hip_flexor": "hold"}
    if with_plank:
        kinds["plank"] = "hold"
    return {k: SimpleNamespace(kind=v) for k, v in kinds.items()}


def _row(file: str, truth: str, exercise: str = "", notes: str = "", view: str = "side",
         duration: str = "10") -> dict[str, str]:
    return {"file": file, "exercise": exercise, "true_rep_count": truth, "notes": notes,
            "camera_view": view, "duration_s": duration}


def test_plank_clip_checks_hold_and_zero_leg_lifts(bench):
    row = _row("plank_x_1.mp4", "hold 5.1 s", "forearm_plank (hold; no leg lifts: "
               "plank_hip_extension must count 0)", "SYNTHETIC render", duration="4.0")
    plan = bench.plan_clip(row, _catalogue())
    assert [(c.exercise, c.variant, c.kind) for c in plan.checks] == [
        ("plank", None, "hold"), ("plank_hip_extension", None, "zero_reps")]
    assert plan.checks[0].hold_s == 5.1
    assert plan.notes == ["short loop", "SYNTHETIC"]


def test_plank_falls_back_to_the_plank_hold_variant(bench):
    plan = bench.plan_clip(_row("plank_x_1.mp4", "hold 4.0 s", "plank (no leg lifts)"),
                           _catalogue(with_plank=False))
    assert (plan.checks[0].exercise, plan.checks[0].variant, plan.checks[0].kind) == (
        "plank_hip_extension", "plank-hold", "hold")
    assert len(plan.checks) == 1  # the zero check would be the same exercise


def test_no_hip_lift_note_adds_a_glute_bridge_zero_check(bench):
    plan = bench.plan_clip(_row("glute_squeeze_x_1.mp4", "hold 9.3 s", "glute_squeeze",
                                "hips stay down; no hip lift should be counted."), _catalogue())
    assert [(c.exercise, c.kind) for c in plan.checks] == [
        ("glute_squeeze", "hold"), ("glute_bridge", "zero_reps")]


def test_zero_clip_checks_every_rep_exercise_and_the_holds(bench):
    plan = bench.plan_clip(_row("no_exercise_x_1.mp4", "0 for every exercise"), _catalogue())
    assert plan.zero_all
    got = {(c.exercise, c.kind) for c in plan.checks}
    assert got == {("glute_bridge", "zero_reps"), ("squat", "zero_reps"),
                   ("plank_hip_extension", "zero_reps"), ("glute_squeeze", "zero_hold"),
                   ("plank", "zero_hold"), ("kneeling_hip_flexor", "zero_hold")}
    assert all(c.zero for c in plan.checks)


def test_true_zero_is_a_rep_check_in_the_zero_tally(bench):
    plan = bench.plan_clip(_row("squat_x_1.mp4", "0"), _catalogue())
    (check,) = plan.checks
    assert (check.kind, check.reps, check.zero) == ("reps", 0, True)


def test_unknown_truth_is_skipped(bench):
    plan = bench.plan_clip(_row("glute_bridge_x_1.mp4", "unknown"), _catalogue())
    assert plan.skip and not plan.checks


def _report(reps=(), holds=(), rep_count=None, hold_seconds=0.0) -> dict:
    return {"reps": [{"hold_s": h} for h in reps], "holds": [{"hold_s": h} for h in holds],
            "summary": {"rep_count": len(reps) if rep_count is None else rep_count,
                        "hold_seconds": hold_seconds}}


def test_measure_and_pass(bench):
    c = bench.Check
    each = bench.measure(_report(reps=[4.0, 4.6], hold_seconds=8.6),
                         c("f", "forward_fold", None, "holds_each", 2, 4.5))
    assert each.diff == 0 and each.hold_got == pytest.approx(4.3) and each.passed
    hold = bench.measure(_report(holds=[3.0, 2.5], hold_seconds=5.5),
                         c("p", "plank", None, "hold", None, 5.1))
    assert hold.count == 2 and hold.hold_err == pytest.approx(0.4) and hold.passed
    assert hold.diff is None
    miss = bench.measure(_report(holds=[3.0], hold_seconds=3.0),
                         c("p", "plank", None, "hold", None, 5.1))
    assert not miss.passed
    flicker = bench.measure(_report(holds=[0.6], hold_seconds=0.6),
                            c("n", "plank", None, "zero_hold", 0))
    assert flicker.passed
    reps = bench.measure(_report(reps=[0, 0, 0]), c("s", "squat", None, "reps", 2))
    assert reps.diff == 1 and not reps.passed and reps.hold_got is None


def test_rep_and_hold_stats(bench):
    c = bench.Check
    results = [bench.Result(c("a", "squat", None, "reps", 3), count=3),
               bench.Result(c("b", "squat", None, "reps", 3), count=4),
               bench.Result(c("c", "squat", None, "reps", 3), count=0),
               bench.Result(c("d", "plank", None, "hold", None, 5.0), count=1, hold_total=5.3)]
    reps = bench.rep_stats(results)
    assert reps["n"] == 3 and reps["exact"] == pytest.approx(1 / 3)
    assert reps["within_one"] == pytest.approx(2 / 3) and reps["mae"] == pytest.approx(4 / 3)
    holds = bench.hold_stats(results)
    assert holds["n"] == 1 and holds["within_tol"] == 1
    assert holds["mae_s"] == pytest.approx(0.3)


def test_exact_to(bench):
    yaws = bench.YAWS
    grid = {p: {y: 2 for y in yaws} for p in bench.PITCHES}
    assert bench.exact_to(grid, 2) == yaws[-1]
    grid[40][15] = 1  # from high above: shown, and counted apart from the bar
    assert bench.exact_to(grid, 2) == yaws[-1] and bench.exact_to(grid, 2, (40,)) == 0
    grid[20][45] = 1
    assert bench.exact_to(grid, 2) == 30
    grid[0][0] = 0
    assert bench.exact_to(grid, 2) is None


@pytest.mark.slow
def test_holds_and_zero_checks_seen_from_other_views(bench):
    # A committed plank track: its hold timed at every view, its no-leg-lift zero check at
    # the zero views, and the tallies made of those cells.
    c = bench.Check
    plan = bench.ClipPlan("plank_kai_1", "plank_kai_1.mp4", "side", "side", [],
                          [c("plank_kai_1", "plank", None, "hold", None, 3.9),
                           c("plank_kai_1", "plank_hip_extension", None, "zero_reps", 0)])
    tracks = Path(__file__).resolve().parents[1] / "samples" / "tracks"
    hv = bench.run_hold_views([plan], tracks)
    (row,) = hv["clips"]
    assert hv["cells_per_pitch"] == len(bench.YAWS)
    got, ok = row["grid"][0][0]
    assert ok and got == pytest.approx(3.9, abs=0.5)
    assert hv["within_per_pitch"][0] == sum(row["grid"][0][y][1] for y in bench.YAWS)
    zv = bench.run_zero_views([plan], tracks)
    assert zv["n"] == 1 and zv["cells"] == len(bench.ZERO_YAWS) * len(bench.PITCHES)
    assert zv["cells_failed"] == len(zv["checks"][0]["failed"])


@pytest.mark.slow
def test_each_clip_as_every_other_exercise(bench):
    # A committed push-up track through every other rep exercise: no bridge, squat or swing
    # counted, and the tally made of those cells.
    from formcheck.analysis.exercise import builtin_exercises

    catalogue = builtin_exercises()
    c = bench.Check
    plan = bench.ClipPlan("pushup_hwo_1", "pushup_hwo_1.mp4", "side", "side", [],
                          [c("pushup_hwo_1", "push_up", None, "reps", 4)])
    tracks = Path(__file__).resolve().parents[1] / "samples" / "tracks"
    cross = bench.run_cross([plan], tracks, catalogue)
    (row,) = cross["clips"]
    assert "push_up" not in row["counts"] and "plank" not in row["counts"]  # own; a hold
    assert cross["cells"] == len(cross["exercises"]) - 1 == len(row["counts"])
    for ex in ("glute_bridge", "chair_bridge", "squat", "leg_swing", "single_leg_rdl"):
        assert row["counts"][ex] == 0, ex
    assert cross["cells_counting"] == sum(n != 0 for n in row["counts"].values())
