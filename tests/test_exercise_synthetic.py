"""Every exercise on synthetic tracks with known truth (tests/kinematics.py): clean reps count
exactly, each fault rule fires on the rep that breaks it (time and value) and stays quiet on
clean ones, a wrong view stops counting with a cue, sides are told apart, holds run on frame
time."""

from __future__ import annotations

import math
from dataclasses import replace

import kinematics as k
import numpy as np
import pytest
from test_exercises import analyse
from views import camera_view, rotation

from formcheck.analysis.exercise import get_exercise
from formcheck.analysis.view import ViewCheck, judge
from formcheck.pose.landmarks import LM, PoseFrame, PoseTrack
from formcheck.report.build import build_report

pytestmark = pytest.mark.slow  # every exercise on synthetic motion: minutes; the full suite

# exercise id -> (posture, variant, extra reps() kwargs)
REP_EXERCISES = {
    "glute_bridge": (k.supine_bridge, None, {}),
    "chair_bridge": (k.chair_bridge, None, {}),
    "chair_bridge[single-leg]": (k.chair_bridge, "single-leg", {"common": {"single_leg": True}}),
    "ball_hamstring_curl": (k.ball_curl, None, {}),
    "plank_hip_extension": (k.forearm_plank, None, {}),
    "clamshell": (k.side_lying_clamshell, None, {}),
    "single_leg_rdl": (k.single_leg_rdl, None, {}),
    "leg_swing": (k.leg_swing, None, {}),
    "forward_fold": (k.forward_fold, None, {}),
    "squat": (k.squat, None, {}),
    "push_up": (k.push_up, None, {}),
}


def _ex(name: str) -> tuple[str, str | None]:
    return name.split("[")[0], REP_EXERCISES[name][1]


def shifted(track: PoseTrack, landmarks, dx: float, dy: float, t0: float, t1: float
            ) -> PoseTrack:
    """The same track with some landmarks moved by (dx, dy) pixels in [t0, t1]."""
    image = track.image.copy()
    win = (track.t_s >= t0) & (track.t_s <= t1)
    rows = np.ix_(np.flatnonzero(win), [int(i) for i in landmarks])
    image[rows + (np.array([0]),)] += dx / track.width
    image[rows + (np.array([1]),)] += dy / track.height
    return replace(track, image=image)


# --------------------------------------------------------------------------- clean reps

@pytest.mark.parametrize("name", sorted(REP_EXERCISES))
def test_clean_reps_count_exactly_and_are_good(name):
    posture, _, kw = REP_EXERCISES[name]
    track, truth = k.reps(posture, 4, **kw).render()
    res, states = analyse(track, *_ex(name))
    assert len(res.reps) == truth.n_reps == 4
    assert [r.faults for r in res.reps] == [[]] * 4
    for rep, true in zip(res.reps, truth.reps, strict=True):
        assert rep.start_s <= true.top and true.top_end <= rep.end_s <= true.end + 0.3
    assert all(s.view_ok for s in states if s.t_s > 1.0)


@pytest.mark.parametrize("name", sorted(REP_EXERCISES))
def test_clean_reps_survive_jitter_and_dropped_frames(name):
    posture, _, kw = REP_EXERCISES[name]
    track, truth = k.reps(posture, 4, **kw).render()
    noisy = k.drop_frames(k.add_jitter(track, 1.5, rng=3), 0.15, rng=4)
    res, _ = analyse(noisy, *_ex(name))
    assert len(res.reps) == 4


def test_a_leg_held_back_is_a_stretch_not_a_swing():
    # Swings turn at once; the same range with the leg held 1.2 s at the far end (a standing
    # quad stretch) counts none, while 0.2 s at the end is still a swing.
    swings, _ = k.reps(k.leg_swing, 3, t_hold=0.2).render()
    held, _ = k.reps(k.leg_swing, 3, t_hold=1.2).render()
    assert len(analyse(swings, "leg_swing")[0].reps) == 3
    assert analyse(held, "leg_swing")[0].reps == []


def test_side_to_side_swings_seen_from_behind_count_one_per_swing():
    # Lateral swings filmed from behind: the swing lies in the image plane, so the thigh's
    # signed turn from the torso line counts it (front-back flexion cannot be read there).
    track, truth = k.reps(k.lateral_swing, 4).render()
    assert truth.view == "back"
    res, _ = analyse(track, "leg_swing")
    assert len(res.reps) == 4
    assert {r.side for r in res.reps} == {"right"}
    for rep, true in zip(res.reps, truth.reps, strict=True):
        assert rep.start_s <= true.top <= rep.end_s


def test_a_pose_folded_back_on_itself_is_not_a_swing_reading():
    # MediaPipe turns a person seen from behind upside down mid-swing: the thigh then reads
    # ~180 degrees from the torso line, which no hip can do. Such frames are not measured.
    from formcheck.analysis.measures import MAX_TURN, MeasureSpec, Points, evaluate

    px = np.zeros((33, 2))
    vis = np.ones(33)
    spec = MeasureSpec("hip", "swing_angle", ("shoulder", "hip", "knee"))
    px[LM.RIGHT_SHOULDER], px[LM.RIGHT_HIP] = (100, 100), (100, 200)
    for knee, want in (((100, 300), 0.0), ((170, 270), 45.0), ((30, 270), -45.0)):
        px[LM.RIGHT_KNEE] = knee
        assert abs(evaluate(spec, Points(px, vis, "right"))) == pytest.approx(abs(want))
    px[LM.RIGHT_SHOULDER] = (100, 300)  # shoulders below the hips: folded back
    px[LM.RIGHT_KNEE] = (105, 300)
    assert MAX_TURN < 180 and np.isnan(evaluate(spec, Points(px, vis, "right")))


def test_the_clamshell_opening_is_the_knee_rising_along_the_hips_line():
    # Side-lying, hips stacked 0.2 m apart (left on top), thighs 0.45 m forward, knees
    # together. Opening the top knee rises along the hips' line; drawing it toward the chest
    # (getting up) turns the thighs apart as much, but not along that line.
    from formcheck.analysis.measures import MeasureSpec, Points, evaluate

    spec = MeasureSpec("opening", "spread_along", ("hip", "knee", "other_hip", "other_knee"))
    pts = np.zeros((33, 3))
    pts[LM.LEFT_HIP], pts[LM.RIGHT_HIP] = (0, -0.1, 0), (0, 0.1, 0)
    pts[LM.RIGHT_KNEE] = (0.45, 0.0, 0)

    def opening(knee) -> float:
        pts[LM.LEFT_KNEE] = knee
        return evaluate(spec, Points(pts, np.ones(33), "left"))

    converge = np.degrees(np.arctan(0.1 / 0.45))  # each thigh toward the other knee
    together = opening((0.45, 0.0, 0))
    assert together == pytest.approx(-2 * converge, abs=0.1)
    tilt = np.radians(30)  # the top thigh turned 30 degrees up from square to the hips
    opened = opening((0.45 * np.cos(tilt), -0.1 - 0.45 * np.sin(tilt), 0))
    assert opened == pytest.approx(30 - converge, abs=0.1)
    # Knees still together, the top one 30 degrees toward the chest: no rise at all.
    toward_chest = opening((0.45 * np.cos(tilt), 0.0, 0.45 * np.sin(tilt)))
    assert toward_chest == pytest.approx(together, abs=1.0)
    assert np.isnan(opening((np.nan, np.nan, np.nan)))


def test_a_rep_begun_as_the_person_comes_into_view_counts():
    # Nobody in view for the first 1.15 s of 3 squats (the first starts at 1.0 s): the view
    # check's settling time must not lose the start of that first squat.
    track, truth = k.reps(k.squat, 3).render()
    late = k.occlude(track, 0.0, 1.15)
    assert len(analyse(late, "squat")[0].reps) == truth.n_reps == 3


def test_a_frame_lost_while_the_view_check_settles_does_not_restart_it():
    # Standing, then lying down, with one frame in every six lost once lying (a dim room):
    # placement still settles as it does with every frame seen, instead of restarting its
    # 0.5 s at every lost frame (which never let it settle).
    track, _ = k.still(k.standing, 1.0).then(k.still(k.supine_bridge, 3.0)).render()
    lost = [t for t in track.t_s[3::6] if t > 1.0]
    lossy = track
    for t in lost:
        lossy = k.occlude(lossy, t - 0.01, t + 0.01)
    assert (~lossy.detected).sum() == len(lost) >= 10

    def placed_at(tr):
        view = ViewCheck(get_exercise("glute_bridge").camera)
        return next((f.t_s for f in tr.frames() if view.update(f, "right")), None)

    clean = placed_at(track)
    assert clean is not None and 1.0 < clean < 3.0
    assert placed_at(lossy) == pytest.approx(clean, abs=0.05)


def test_getting_into_position_is_not_replayed_as_a_rep():
    # Seen standing, then lying down: the settling time after lying down is the arrival,
    # which the view check does not hand back to the counter (only a person just come into
    # view gets the settling time counted).
    motion = k.still(k.standing, 1.5).then(k.reps(k.supine_bridge, 2), gap=0.5)
    track, truth = motion.render()
    view = ViewCheck(get_exercise("glute_bridge").camera)
    placed_at = None
    for f in track.frames():
        if view.update(f, "right") and placed_at is None:
            placed_at = f.t_s
            assert view.in_position_since is None
    assert placed_at is not None and len(analyse(track, "glute_bridge")[0].reps) == 2
    fresh = ViewCheck(get_exercise("glute_bridge").camera)
    for f in k.occlude(track, 0.0, 2.5).frames():
        if fresh.update(f, "right"):
            assert fresh.in_position_since is not None and fresh.in_position_since < f.t_s
            break


# --------------------------------------------------------------------------- fault rules

def _heels(): return [LM.LEFT_HEEL, LM.RIGHT_HEEL]
def _hips(): return [LM.LEFT_HIP, LM.RIGHT_HIP]
def _knees(): return [LM.LEFT_KNEE, LM.RIGHT_KNEE]


# (exercise, per_rep override for the faulty rep, rule code, landmark edit during that rep,
#  index of the rep the fault lands on)
FAULTS = [
    ("glute_bridge", "hips_low", "hips_low", None, 1),
    ("glute_bridge", {"top": {"hip_lift": 1.6}}, "over_arch", None, 1),
    ("glute_bridge", "knees_bent", "knees_too_bent", None, 1),
    ("glute_bridge", "knees_straight", "knees_too_straight", None, 1),
    ("glute_bridge", "fast_lower", "lowering_fast", None, 1),
    ("glute_bridge", {}, "feet_lifting", (_heels, 0, -50), 1),  # heels 0.35 shin up
    ("chair_bridge", {"top": {"hip_lift": 0.83}}, "hips_low", None, 1),  # peaks at 160
    ("chair_bridge", "short_hold", "hold_short", None, 1),
    ("chair_bridge", "knees_bent", "knees_too_bent", None, 1),
    ("chair_bridge", "knees_straight", "knees_too_straight", None, 1),
    ("chair_bridge[single-leg]", "free_leg_drop", "free_leg_dropping", None, 1),
    ("chair_bridge[single-leg]", "short_hold", "hold_short", None, 1),
    ("ball_hamstring_curl", "hips_sag", "hips_sagging", None, 1),
    ("ball_hamstring_curl", "knees_bent", "knees_bent", None, 1),
    ("plank_hip_extension", "hip_sag", "hips_sagging", None, 1),
    ("plank_hip_extension", "pike", "hips_piking", None, 1),
    ("plank_hip_extension", "elbows_forward", "elbows_forward", None, 1),
    ("plank_hip_extension", "knee_straight", "knee_straight", None, 1),
    ("plank_hip_extension", {"rest": {"leg_lift": -15.0}, "top": {"leg_lift": 5.0}},
     "leg_low", None, 1),
    ("plank_hip_extension", "short_hold", "hold_short", None, 1),
    ("plank_hip_extension", "short_rest", "rest_short", None, 2),  # the rest before rep 3
    ("clamshell", "feet_apart", "feet_apart", None, 1),
    ("clamshell", {"top": {"pelvis_roll": 15.0, "opening": 60.0}}, "pelvis_rolling", None, 1),
    ("clamshell", {"all": {"knee": 128.0}, "top": {"opening": 90.0}}, "knees_straight", None, 1),
    ("clamshell", {"all": {"knee": 45.0}}, "knees_too_bent", None, 1),
    ("clamshell", "short_hold", "hold_short", None, 1),
    ("single_leg_rdl", "bent_hip", "bent_at_hip", None, 1),
    ("single_leg_rdl", "knee_locked", "knee_locked", None, 1),
    ("single_leg_rdl", {"all": {"knee": 65.0}}, "knee_deep", None, 1),
    ("single_leg_rdl", {"t_hold": 2.0}, "hold_short", None, 1),
    ("leg_swing", "short", "small_swing", None, 1),
    ("forward_fold", {"top": {"depth": 55.0}}, "shallow", None, 1),
    ("squat", {"top": {"depth": 0.65}}, "shallow", None, 1),
    ("squat", {"top": {"depth": 1.35}}, "chest_down", None, 1),
    ("squat", {}, "knees_past_toes", (_knees, 90, 0), 1),  # facing +x: knees forward
    ("squat", {}, "heels_lifting", (_heels, 0, -50), 1),
    ("push_up", {"top": {"depth": 0.75}}, "shallow", None, 1),
    ("push_up", {}, "hips_sag", (_hips, 0, 60), 1),
    ("push_up", {}, "hips_pike", (_hips, 0, -60), 1),
]


def _rule(ex: str, variant: str | None, code: str):
    return next(f for f in get_exercise(ex, variant=variant).faults if f.code == code)


@pytest.mark.parametrize(("name", "override", "code", "edit", "bad"), FAULTS,
                         ids=[f"{n}-{c}" for n, _, c, *_ in FAULTS])
def test_fault_fires_on_the_rep_that_breaks_it_only(name, override, code, edit, bad):
    posture, _, kw = REP_EXERCISES[name]
    ex, variant = _ex(name)
    track, truth = k.reps(posture, 3, per_rep={1: override} if override else None,
                          **kw).render()
    if edit:
        lms, dx, dy = edit
        r = truth.reps[1]
        track = shifted(track, lms(), dx, dy, r.start, r.end)
    res, _ = analyse(track, ex, variant)
    assert len(res.reps) == 3
    found = {r.index - 1: [f for f in r.faults if f.code == code] for r in res.reps}
    assert [i for i, f in found.items() if f] == [bad], found
    (ev,) = found[bad]
    rep = res.reps[bad]
    assert rep.start_s - 1e-6 <= ev.t_s <= rep.end_s + 1e-6 and not rep.good
    rule = _rule(ex, variant, code)
    limit = rule.below if rule.below is not None else rule.above
    if isinstance(limit, str):  # a limit taken from the rep itself (rest vs hold)
        limit = {"hold_s": rep.hold_s}[limit] * rule.factor
    assert ev.value < limit if rule.below is not None else ev.value > limit


def test_live_cue_shows_the_fault_while_the_rep_is_under_way():
    track, truth = k.reps(k.forearm_plank, 3, per_rep={1: "elbows_forward"}).render()
    _, states = analyse(track, "plank_hip_extension")
    r = truth.reps[1]
    during = {s.cue.code for s in states if s.cue and r.start <= s.t_s <= r.top_end}
    before = {s.cue.code for s in states if s.cue and s.t_s <= truth.reps[0].end}
    assert "elbows_forward" in during and "elbows_forward" not in before


def test_a_rep_with_a_short_hold_is_counted_but_not_good():
    track, _ = k.reps(k.chair_bridge, 3, per_rep={1: "short_hold"}).render()
    res, states = analyse(track, "chair_bridge")
    assert [r.good for r in res.reps] == [True, False, True]
    assert res.reps[1].hold_s < 3.0 <= min(res.reps[0].hold_s, res.reps[2].hold_s)
    assert states[-1].rep_count == 3 and states[-1].good_rep_count == 2


# --------------------------------------------------------------------------- hold exercises

MOVE_S = 0.6  # quick synthetic transitions: the position is met part-way through them


def _in_and_out(posture, params: dict, seconds: float, via=()):
    """Stand, get into the position, hold it, stand up again."""
    return (k.still(k.standing, 1.0)
            .then(k.transition(k.standing, (posture, params), MOVE_S, via=via), gap=0.0)
            .then(k.hold(posture, seconds, params), gap=0.0)
            .then(k.transition((posture, params), k.standing, MOVE_S, via=via), gap=0.0)
            .then(k.still(k.standing, 1.5), gap=0.0))


def _kneel_hold(params: dict, seconds: float = 25.0, side: str = "right"):
    return _in_and_out(k.half_kneeling, {"hip_forward": 1.0, "side": side, **params}, seconds)


def _timed_like(hold, true) -> bool:
    return (abs(hold.start_s - true.start) <= MOVE_S
            and abs(hold.end_s - true.top_end) <= MOVE_S)


def test_hip_flexor_hold_is_timed_from_frame_time_and_clean():
    track, truth = _kneel_hold({}).render()
    res, _ = analyse(track, "kneeling_hip_flexor")
    (hold,) = res.holds
    assert _timed_like(hold, truth.reps[0]) and hold.good and not hold.faults
    assert hold.side == "left"  # the right leg is in front: the left one kneels
    slow, _ = analyse(k.variable_fps(track, 8, 30, rng=2), "kneeling_hip_flexor")
    assert abs(slow.holds[0].hold_s - hold.hold_s) < 0.5  # the same hold at 8-30 fps


@pytest.mark.parametrize(("params", "code"), [
    ({"front_foot": -60.0}, "knee_past_toes"),
    ({"back_knee_lift": 50.0}, "back_knee_up"),
    ({"hip_forward": 0.1}, "hips_back"),
    ({"torso_lean": 30.0}, "torso_lean"),
])
def test_hip_flexor_faults(params, code):
    track, _ = _kneel_hold(params).render()
    res, _ = analyse(track, "kneeling_hip_flexor")
    (hold,) = res.holds
    assert [f.code for f in hold.faults] == [code]
    assert hold.start_s <= hold.faults[0].t_s <= hold.end_s


def test_hip_flexor_short_hold_counts_but_is_not_good():
    track, _ = _kneel_hold({}, seconds=10.0).render()
    res, _ = analyse(track, "kneeling_hip_flexor")
    (hold,) = res.holds
    assert [f.code for f in hold.faults] == ["hold_short"] and not hold.good


def _squeezes(*holds: tuple[float, dict]):
    """For each (seconds, params): lie down, hold the squeeze position, stand up again."""
    via = [(k.squat, {"depth": 1.0}), k.seated]
    m = k.still(k.standing, 0.5)
    for secs, params in holds:
        m = m.then(_in_and_out(k.supine_bridge, {"hip_lift": 0.0, **params}, secs, via), 0.0)
    return m


def test_glute_squeeze_holds_are_timed_and_told_apart():
    track, truth = _squeezes((45.0, {}), (45.0, {})).render()
    res, _ = analyse(track, "glute_squeeze")
    assert len(res.holds) == 2
    for hold, true in zip(res.holds, truth.reps, strict=True):
        assert _timed_like(hold, true) and hold.good


@pytest.mark.parametrize(("params", "secs", "code"), [
    ({"hip_lift": 0.6}, 45.0, "hips_lifting"),
    ({}, 20.0, "hold_short"),
])
def test_glute_squeeze_faults(params, secs, code):
    track, _ = _squeezes((secs, params)).render()
    res, _ = analyse(track, "glute_squeeze")
    (hold,) = res.holds
    assert [f.code for f in hold.faults] == [code] and not hold.good


def test_glute_squeeze_feet_lifting():
    track, truth = _squeezes((45.0, {})).render()
    r = truth.reps[0]
    res, _ = analyse(shifted(track, _heels(), 0, -50, r.start, r.end), "glute_squeeze")
    assert [f.code for f in res.holds[0].faults] == ["feet_lifting"]


def test_plank_hold_variant_times_a_clean_plank_and_flags_sagging():
    via = [(k.squat, {"depth": 1.0}), k.seated]
    clean, truth = _in_and_out(k.forearm_plank, {}, 20.0, via).render()
    res, _ = analyse(clean, "plank_hip_extension", variant="plank-hold")
    (hold,) = res.holds
    assert _timed_like(hold, truth.reps[0]) and hold.good
    sag, _ = _in_and_out(k.forearm_plank, {"hip_sag": 20.0}, 20.0, via).render()
    res, _ = analyse(sag, "plank_hip_extension", variant="plank-hold")
    assert [f.code for f in res.holds[0].faults] == ["hips_sagging"]


# --------------------------------------------------------------------------- camera view

SIDE_VIEW = sorted(n for n in REP_EXERCISES if n.split("[")[0] != "clamshell")


@pytest.mark.parametrize("yaw", [30, 45, 60])
@pytest.mark.parametrize("name", SIDE_VIEW)
def test_filmed_at_an_angle_counts_exactly_and_the_view_is_advice(name, yaw):
    posture, _, kw = REP_EXERCISES[name]
    track, truth = k.reps(posture, 3, **kw).render()
    res, states = analyse(camera_view(track, yaw), *_ex(name))
    assert len(res.reps) == truth.n_reps == 3
    if yaw >= 60:  # the cue still asks for a side view, as advice
        assert res.view_cue_seconds.get("turn_side", 0) > 0.5 * track.t_s[-1]
        assert any("counted wherever" in w for w in res.warnings)


# A raised camera tilts the image of the body line that the plank's leg lift is measured from.
@pytest.mark.parametrize("name", [n for n in SIDE_VIEW if n != "plank_hip_extension"])
def test_a_raised_camera_at_an_angle_counts_exactly(name):
    posture, _, kw = REP_EXERCISES[name]
    track, _ = k.reps(posture, 3, **kw).render()
    assert len(analyse(camera_view(track, 45, 20), *_ex(name))[0].reps) == 3


# A phone on a table looking down at someone standing: the torso's elevation reads 90 minus
# the camera's pitch, and must still read as upright.
@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in SIDE_VIEW
                                  if get_exercise(_ex(n)[0]).camera.posture == "upright"])
def test_standing_work_filmed_from_above_counts_exactly(name):
    posture, _, kw = REP_EXERCISES[name]
    track, _ = k.reps(posture, 3, **kw).render()
    for yaw in (0, 30):
        assert len(analyse(camera_view(track, yaw, 40), *_ex(name))[0].reps) == 3, yaw


@pytest.mark.parametrize("name", SIDE_VIEW)
def test_end_on_never_invents_a_rep_and_says_what_it_could_not_measure(name):
    posture, _, kw = REP_EXERCISES[name]
    track, _ = k.reps(posture, 3, **kw).render()
    res, _ = analyse(k.rotate_view(track, 90), *_ex(name))
    assert len(res.reps) <= 3
    if len(res.reps) < 3:
        # A swing is read in the image plane (swing_angle): filmed end-on, a front-back swing
        # is there but shows no movement, so the note is the view's (turn side-on).
        why = "turn side-on" if name == "leg_swing" else "could not be measured"
        assert any(why in w for w in res.warnings)


@pytest.mark.parametrize("ex", ["kneeling_hip_flexor", "glute_squeeze"])
def test_holds_filmed_from_the_front_are_timed_and_the_view_is_advice(ex):
    track, truth = (_kneel_hold({}) if ex == "kneeling_hip_flexor" else _squeezes((45.0, {}))
                    ).render()
    side, _ = analyse(track, ex)
    res, states = analyse(k.rotate_view(track, 90), ex)
    assert [round(h.hold_s) for h in res.holds] == [round(h.hold_s) for h in side.holds]
    assert res.view_cue_seconds.get("turn_side", 0) > 10.0


def test_clamshell_filmed_side_on_to_a_person_on_their_back_is_refused():
    track, _ = k.reps(k.supine_bridge, 3).render()  # lying on the back, side view
    res, states = analyse(track, "clamshell")
    assert res.reps == [] and states[-1].cue.code == "lie_on_side"  # facing up, not sideways


def test_wrong_posture_asks_to_lie_down_or_stand_up():
    standing, _ = k.reps(k.squat, 3).render()
    res, states = analyse(standing, "glute_bridge")
    assert res.reps == [] and states[-1].cue.code == "lie_down"
    lying, _ = k.reps(k.supine_bridge, 3).render()
    res, states = analyse(lying, "single_leg_rdl")
    assert res.reps == [] and states[-1].cue.code == "stand_up"


def _torso_pose(elevation: float, hips_stacked: bool, pitch: float = 0.0) -> PoseFrame:
    """World landmarks of a torso raised `elevation` degrees from the floor, the pelvis on its
    side (one hip over the other) or level (kneeling, sitting back), seen by a camera
    `pitch` degrees above; the image is their front view."""
    e = math.radians(elevation)
    half = np.array([0.0, -0.12, 0.0]) if hips_stacked else np.array([0.0, 0.0, 0.12])
    spine = 0.5 * np.array([-math.cos(e), -math.sin(e), 0.0])
    world = np.zeros((33, 3))
    world[[LM.LEFT_HIP, LM.RIGHT_HIP]] = half, -half
    world[[LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]] = spine + 1.4 * half, spine - 1.4 * half
    world = world @ rotation(0.0, pitch).T
    image = np.column_stack([0.5 + world[:, 0] / 4, 0.5 + world[:, 1] / 4, world[:, 2]])
    return PoseFrame(0.0, 0, 1280, 720, image=image, world=world, visibility=np.ones(33),
                     presence=np.ones(33), n_people=1)


@pytest.mark.parametrize("pitch", [0.0, 20.0])
def test_lying_on_the_side_propped_on_an_arm_is_lying(pitch):
    """The clamshell propped on a forearm lifts the torso to 50-60 degrees: still lying while
    the pelvis is on its side; the same torso over a level pelvis (kneeling up, sitting back)
    is not, nor is a torso upright."""
    camera = get_exercise("clamshell").camera
    assert judge(_torso_pose(20.0, True, pitch), camera, "left").in_position
    assert judge(_torso_pose(55.0, True, pitch), camera, "left").in_position
    level = judge(_torso_pose(55.0, False, pitch), camera, "left")
    assert not level.in_position and level.cue is not None and level.cue.code == "lie_down"
    assert not judge(_torso_pose(80.0, True, pitch), camera, "left").in_position


def test_feet_out_of_frame_stops_counting_with_a_whole_body_cue():
    track, truth = k.reps(k.squat, 3).render()
    cut = k.crop_out(track, [LM.LEFT_ANKLE, LM.RIGHT_ANKLE, LM.LEFT_HEEL, LM.RIGHT_HEEL,
                             LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX],
                     t0=truth.reps[1].start - 0.8, t1=truth.reps[1].end + 0.5)
    res, states = analyse(cut, "squat")
    assert len(res.reps) == 2  # the rep filmed without feet is not counted
    assert "whole_body" in {s.cue.code for s in states if s.cue}


# --------------------------------------------------------------------------- sides

@pytest.mark.parametrize(("name", "side"), [
    ("single_leg_rdl", "left"), ("single_leg_rdl", "right"), ("leg_swing", "left"),
    ("leg_swing", "right"), ("plank_hip_extension", "left"), ("clamshell", "left"),
    ("chair_bridge[single-leg]", "left"),
])
def test_unilateral_working_side_is_detected(name, side):
    posture, _, kw = REP_EXERCISES[name]
    common = {**kw.get("common", {}), "side": side}
    track, truth = k.reps(posture, 3, common=common).render()
    assert truth.side == side
    res, _ = analyse(track, *_ex(name))
    assert [r.side for r in res.reps] == [side] * 3


def test_working_leg_is_found_when_it_is_the_far_one_and_mirrored():
    # The standing leg on the far side of the camera, then the same clip mirrored.
    far, _ = k.reps(k.single_leg_rdl, 3, common={"side": "left"}).render()
    for track, side in ((far, "left"), (k.mirror(far), "right")):
        res, _ = analyse(track, "single_leg_rdl")
        assert [r.side for r in res.reps] == [side] * 3


def test_side_override_and_both_legs_kept_apart_in_the_report():
    right = k.reps(k.single_leg_rdl, 2, common={"side": "right"})
    left = k.reps(k.single_leg_rdl, 2, common={"side": "left"})
    track, _ = right.then(left, gap=2.0).render()
    spec = get_exercise("single_leg_rdl")
    res, _ = analyse(track, "single_leg_rdl")
    assert [r.side for r in res.reps] == ["right", "right", "left", "left"]
    report = build_report(spec, res, source="synthetic", started_at="2026-01-01T00:00:00",
                          duration_s=float(track.t_s[-1]), fps=track.fps, model="none")
    assert report.side == "both"
    assert {s: d["reps"] for s, d in report.summary.per_side.items()} == {"right": 2, "left": 2}
    forced, _ = analyse(track, "single_leg_rdl", side="left")
    assert {r.side for r in forced.reps} == {"left"}


def test_hip_sway_during_the_hold_is_a_fault():
    track, truth = k.reps(k.single_leg_rdl, 3).render()
    r = truth.reps[1]
    swaying = k.jitter_around(track, None, 20.0, 1.0, t0=r.top, t1=r.top_end,
                              direction=(1.0, 0.0))
    res, _ = analyse(swaying, "single_leg_rdl")
    codes = [[f.code for f in rep.faults] for rep in res.reps]
    assert codes == [[], ["hip_sway"], []]


@pytest.mark.parametrize("name,leg", [("chair_bridge", "both"),
                                      ("chair_bridge[single-leg]", "right")])
def test_each_rep_records_its_working_leg(name, leg):
    posture, _, kw = REP_EXERCISES[name]
    track, _ = k.reps(posture, 3, **kw).render()  # the single leg works on the right
    res, _ = analyse(track, *_ex(name))
    assert [r.leg for r in res.reps] == [leg] * 3


def test_alternating_single_leg_bridges_count_each_rep_with_its_leg():
    # A single-leg bridge under glute_bridge, legs taking turns: every rep counts, whichever
    # leg works, and records that leg, from the side and from 45-60 degrees round.
    sides = ["right", "left", "right", "left"]
    track, _ = k.reps(k.supine_bridge, 4, common={"single_leg": True},
                      per_rep={i: {"all": {"side": s}} for i, s in enumerate(sides)}).render()
    for view, want in ((track, sides), (k.mirror(track), [_OTHER[s] for s in sides]),
                       (camera_view(track, 45), sides), (camera_view(track, 60), sides)):
        res, _ = analyse(view, "glute_bridge")
        assert [r.leg for r in res.reps] == want


def _rest_knee_bend() -> float:
    """The knee's bend of a bridge at rest, as `_bridge` takes it (free_knee): a free leg
    bent this much at rest lies exactly on the working one, both feet on the floor."""
    px = next(iter(k.reps(k.supine_bridge, 1).render()[0].frames())).pixels
    thigh = px[LM.RIGHT_KNEE] - px[LM.RIGHT_HIP]
    shin = px[LM.RIGHT_ANKLE] - px[LM.RIGHT_KNEE]
    return math.degrees(math.atan2(shin[1], shin[0]) - math.atan2(thigh[1], thigh[0]))


def test_alternating_single_leg_bridges_with_both_feet_down_between_reps():
    # Legs taking turns as people do them: both feet down between reps, the free leg raised
    # high for each rep (its hip bent, no bridge on it). The key follows the working leg and is
    # released at rest: when the better-seen leg is the free one, the other leg's rep counts,
    # and the free leg coming down is no rep. From the side, mirrored, turned and looking down.
    sides = ["right", "left", "right", "left"]
    track, truth = k.reps(k.supine_bridge, 4, rest={"free_knee": _rest_knee_bend()},
                          top={"free_drop": -60.0, "free_knee": 40.0},
                          common={"single_leg": True},
                          per_rep={i: {"all": {"side": s}} for i, s in enumerate(sides)}).render()
    for view, want in ((track, sides), (k.mirror(track), [_OTHER[s] for s in sides]),
                       (camera_view(track, 45), sides), (camera_view(track, 60), sides),
                       (camera_view(track, 30, 20), sides)):
        res, _ = analyse(view, "glute_bridge")
        assert [r.leg for r in res.reps] == want
        assert [r.side for r in res.reps] == want  # the key was read on the working leg
        assert all(r.start_s <= t.top <= r.end_s for r, t in zip(res.reps, truth.reps,
                                                                 strict=True))


def test_a_free_leg_drawn_up_is_told_from_the_working_one():
    # Heel bridges with the free leg drawn up, its knee bent about as much as the working
    # one: the working shin slopes down to the floor, the free one does not.
    track, _ = k.reps(k.supine_bridge, 3, common={"single_leg": True, "side": "right",
                                                   "free_drop": -50.0,
                                                   "free_knee": 70.0}).render()
    res, _ = analyse(track, "glute_bridge")
    assert [r.leg for r in res.reps] == ["right"] * 3
    res, _ = analyse(k.mirror(track), "glute_bridge")
    assert [r.leg for r in res.reps] == ["left"] * 3
    double, _ = k.reps(k.supine_bridge, 2).render()
    assert [r.leg for r in analyse(double, "glute_bridge")[0].reps] == ["both"] * 2


_OTHER = {"left": "right", "right": "left"}


def test_the_plain_plank_is_timed_from_the_side_and_the_front_alike():
    via = [(k.squat, {"depth": 1.0}), k.seated]
    clean, truth = _in_and_out(k.forearm_plank, {}, 20.0, via).render()
    side, _ = analyse(clean, "plank")
    front, _ = analyse(camera_view(clean, 60), "plank")
    assert len(side.holds) == len(front.holds) == 1
    assert _timed_like(side.holds[0], truth.reps[0]) and side.holds[0].good
    assert front.holds[0].hold_s == pytest.approx(side.holds[0].hold_s, abs=0.5)
    sag, _ = _in_and_out(k.forearm_plank, {"hip_sag": 20.0}, 20.0, via).render()
    assert [f.code for f in analyse(sag, "plank")[0].holds[0].faults] == ["hips_sagging"]


@pytest.mark.parametrize("name", ["single_leg_rdl", "squat", "glute_bridge", "push_up"])
def test_slow_reps_with_a_long_hold_at_either_end_count_once_each(name):
    posture, _, kw = REP_EXERCISES[name]
    motion = k.reps(posture, 2, t_hold=6.0, **kw)
    track, truth = motion.render()
    res, _ = analyse(k.add_jitter(track, 2.0, rng=3), *_ex(name))
    assert len(res.reps) == truth.n_reps == 2
    assert all(r.hold_s > 4.0 for r in res.reps)


def test_a_single_leg_rdl_swaying_through_a_5_s_hold_counts_once():
    motion = k.reps(k.single_leg_rdl, 1, t_hold=5.0)
    top = motion.render()[1].reps[0]
    track, _ = motion.wiggle(top.top + 0.5, top.top_end - 0.5, "hinge", 0.08, 0.7).render()
    assert len(analyse(track, "single_leg_rdl")[0].reps) == 1


def _guessed(track: PoseTrack, landmarks, t0: float, t1: float, dy: float) -> PoseTrack:
    """Some landmarks misplaced by dy pixels in [t0, t1] and seen poorly there (visibility 0.4,
    over MediaPipe's 0.3 floor for a measure but under its usual 0.5): a guessed limb."""
    out = shifted(track, landmarks, 0.0, dy, t0, t1)
    vis = out.visibility.copy()
    win = (out.t_s >= t0) & (out.t_s <= t1)
    vis[np.ix_(np.flatnonzero(win), [int(i) for i in landmarks])] = 0.4
    return replace(out, visibility=vis)


@pytest.mark.parametrize("where", ["start", "middle"])
def test_a_plank_with_guessed_knees_keeps_its_timing(where):
    """Knees read bent (the far leg end-on, a backlit silhouette) but seen under 0.5 for 2 s,
    longer than the plank's exit_s, at the hold's start or in its middle: the body line still
    shows the plank, so the hold is neither started late nor split."""
    clean, truth = _in_and_out(k.forearm_plank, {}, 20.0).render()
    true = truth.reps[0]
    t0 = true.start + MOVE_S if where == "start" else true.start + 8.0
    track = _guessed(clean, _knees(), t0, t0 + 2.0, dy=-60.0)
    clear, _ = analyse(shifted(clean, _knees(), 0.0, -60.0, t0, t0 + 2.0), "plank")
    assert sum(h.hold_s for h in clear.holds) < true.top_end - true.start - 1.5  # seen: no plank
    res, _ = analyse(track, "plank")
    assert len(res.holds) == 1
    assert _timed_like(res.holds[0], true)


def test_a_plank_appearing_at_once_is_timed_from_its_first_frame():
    """The clip cuts from standing straight to the plank (an edited clip, or the pose found
    only once they are down): the posture gate's half-second debounce must not be taken off
    the hold, whose own enter_s already ignores a flicker."""
    motion = (k.still(k.standing, 2.0).then(k.hold(k.forearm_plank, 10.0), gap=0.0)
              .then(k.still(k.standing, 2.0), gap=0.0))
    track, truth = motion.render()
    true = truth.reps[0]
    (hold,) = analyse(track, "plank")[0].holds
    assert hold.start_s == pytest.approx(true.start, abs=0.1)
    assert hold.end_s == pytest.approx(true.top_end, abs=0.1)


def _dropped(track: PoseTrack, t0: float, t1: float) -> PoseTrack:
    """No pose found in [t0, t1] (the model losing a backlit or occluded person)."""
    win = (track.t_s >= t0) & (track.t_s <= t1)
    image, world = track.image.copy(), track.world.copy()
    vis, pres = track.visibility.copy(), track.presence.copy()
    image[win], world[win], vis[win], pres[win] = np.nan, np.nan, 0.0, 0.0
    return replace(track, image=image, world=world, visibility=vis, presence=pres)


@pytest.mark.parametrize(("name", "posture", "params"), [
    ("plank", k.forearm_plank, {}),
    ("kneeling_hip_flexor", k.half_kneeling, {"hip_forward": 1.0, "side": "right"}),
])
def test_a_hold_bridges_frames_with_no_pose(name, posture, params):
    """2 s without a pose (longer than either exit_s) inside a hold: one hold, timed in
    full; a pose lost for good near the end ends the hold at its last frame in position."""
    clean, truth = _in_and_out(posture, params, 25.0).render()
    true = truth.reps[0]
    res, _ = analyse(_dropped(clean, true.start + 8.0, true.start + 10.0), name)
    assert len(res.holds) == 1 and _timed_like(res.holds[0], true)
    assert any("a hold was timed through 1 of them" in w for w in res.warnings)
    lost = true.top_end - 4.0
    res, _ = analyse(_dropped(clean, lost, clean.t_s[-1]), name)
    assert len(res.holds) == 1
    assert res.holds[0].end_s == pytest.approx(lost, abs=0.1)


@pytest.mark.parametrize("yaw", [60, 90])
def test_a_plank_seen_by_a_camera_looking_down_is_timed(yaw):
    """A camera pitched 30 degrees down (a phone on a table), toward the head, tilts the torso
    of a body lying along its line of sight by up to that pitch: with the hips a little high
    (a 10 degree pike, still a plank) the torso reads ~30 degrees head-down. The plank's torso
    check ("near horizontal", i.e. not standing) allows that tilt either way."""
    via = [(k.squat, {"depth": 1.0}), k.seated]
    clean, truth = _in_and_out(k.forearm_plank, {"hip_sag": -10.0}, 15.0, via).render()
    side = analyse(clean, "plank")[0].holds
    seen = analyse(camera_view(clean, yaw, 30.0), "plank")[0].holds
    assert len(side) == len(seen) == 1
    assert seen[0].hold_s == pytest.approx(side[0].hold_s, abs=0.5)


def test_the_bridge_hip_angle_in_the_side_plane_ignores_the_shoulders_width():
    # Lying on the back along x (head at -x, up is -y), the shoulders 0.4 m apart, the hips
    # 0.24 and the knees 0.2: left shoulder, hip and knee in a straight line seen from the side,
    # but not in 3-D, where the straight body's angle reads 173.5 and "above the line"
    # is left to the shoulders' width seen at a slant. The bridge's hip, in the body's side
    # plane, reads 180 from every camera; 12 degrees of extension read 192, flexion 150.
    from formcheck.analysis.measures import Points, evaluate, sagittal_points

    spec = get_exercise("glute_bridge").measures["hip"]
    assert spec.space == "sagittal" and spec.reflex_above

    def body(hip_deg: float) -> np.ndarray:
        pts = np.zeros((33, 3))
        a = np.radians(180 - hip_deg)  # the thighs' rise from the torso line (up: -y)
        for side, z in (("LEFT", -1), ("RIGHT", 1)):
            pts[LM[f"{side}_SHOULDER"]] = (-0.5, 0, 0.2 * z)
            pts[LM[f"{side}_HIP"]] = (0, 0, 0.12 * z)
            pts[LM[f"{side}_KNEE"]] = (0.45 * np.cos(a), -0.45 * np.sin(a), 0.1 * z)
        return pts

    def hip(pts: np.ndarray) -> float:
        return evaluate(spec, Points(sagittal_points(pts), np.ones(33), "left"))

    straight = body(180)
    a, b, c = straight[LM.LEFT_SHOULDER], straight[LM.LEFT_HIP], straight[LM.LEFT_KNEE]
    cos = np.dot(a - b, c - b) / np.linalg.norm(a - b) / np.linalg.norm(c - b)
    assert np.degrees(np.arccos(cos)) == pytest.approx(173.5, abs=0.5)  # in 3-D
    for yaw in (0, 30, 60, 90):
        for pitch in (0, 20, 40):
            turn = rotation(yaw, pitch)
            for want in (180, 192, 150):
                got = hip(body(want) @ turn.T)
                assert got == pytest.approx(want, abs=0.5), (yaw, pitch, want)
