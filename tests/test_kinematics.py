"""The synthetic pose generator must itself be right before engine tests can trust it."""

from __future__ import annotations

import numpy as np
import pytest
from kinematics import (
    POSTURES,
    Scene,
    add_jitter,
    angle_deg,
    ball_curl,
    chair_bridge,
    crop_out,
    drop_frames,
    forearm_plank,
    get_into,
    half_kneeling,
    hold,
    jitter_around,
    joint_angle,
    leg_swing,
    measure,
    mirror,
    occlude,
    pixels,
    pose_measures,
    push_up,
    reps,
    rotate_view,
    side_lying_clamshell,
    single_leg_rdl,
    skeleton,
    solve_param,
    squat,
    standing,
    still,
    supine_bridge,
    variable_fps,
)

from formcheck.pose.landmarks import LM, N_LANDMARKS, PoseTrack

LEFT = [i for i in LM if "LEFT" in i.name]
RIGHT = [i for i in LM if "RIGHT" in i.name]


def frame_at(track: PoseTrack, t: float) -> int:
    return int(np.argmin(np.abs(track.t_s - t)))


@pytest.fixture(scope="module")
def bridge_set():
    """Five bridges: rep 1 short of the line, rep 3 lowered too fast and over-arched."""
    m = reps(supine_bridge, 5, per_rep={1: "hips_low", 3: ["fast_lower", "over_arch"]})
    return m, *m.render()


# --------------------------------------------------------------------------- geometry

@pytest.mark.parametrize("scene", [Scene(), Scene.portrait()], ids=["landscape", "portrait"])
def test_every_posture_is_complete_in_frame_and_above_the_floor(scene):
    for name, posture in POSTURES.items():
        for params in (posture.rest, posture.top):
            track, _ = still(posture, 0.1, params).render(scene)
            assert track.image.shape == (len(track), N_LANDMARKS, 3), name
            assert np.isfinite(track.image).all() and np.isfinite(track.world).all(), name
            assert 0.0 < track.image[..., :2].min() and track.image[..., :2].max() < 1.0, name
            assert pixels(track)[..., 1].max() <= scene.floor_px + 1e-6, name
            hips = track.world[:, [LM.LEFT_HIP, LM.RIGHT_HIP]].mean(axis=1)
            np.testing.assert_allclose(hips, 0.0, atol=1e-9)


def test_world_is_metres_and_segment_lengths_hold_in_every_pose():
    track, _ = get_into(forearm_plank).then(reps(forearm_plank, 1)).render()
    thigh = np.linalg.norm(track.world[:, LM.RIGHT_KNEE] - track.world[:, LM.RIGHT_HIP], axis=1)
    shin = np.linalg.norm(track.world[:, LM.LEFT_ANKLE] - track.world[:, LM.LEFT_KNEE], axis=1)
    np.testing.assert_allclose(thigh, 145 / 340, rtol=1e-6)  # ~0.43 m
    np.testing.assert_allclose(shin, 140 / 340, rtol=1e-6)


def test_bridge_angles_in_pixel_units_and_why_normalised_coords_are_wrong():
    rest, top = pose_measures(supine_bridge, hip_lift=0), pose_measures(supine_bridge, hip_lift=1)
    assert 120 <= rest["hip_right"] <= 140 and 170 <= top["hip_right"] <= 180
    assert abs(top["knee_right"] - 90) < 1 and rest["knee_right"] < 85
    assert top["line_right"] < 150 < rest["line_right"]  # feet are not on the body line
    portrait = pose_measures(supine_bridge, Scene.portrait(), hip_lift=1)
    assert abs(portrait["hip_right"] - top["hip_right"]) < 1e-6  # scale-free in pixels
    sc = Scene()
    img = still(supine_bridge, 0, {"hip_lift": 0}).render(sc)[0].image[0]
    norm = angle_deg(img[LM.RIGHT_SHOULDER], img[LM.RIGHT_HIP], img[LM.RIGHT_KNEE])
    assert abs(norm - rest["hip_right"]) > 5


def test_over_arch_puts_hips_above_the_shoulder_knee_line():
    line = pose_measures(supine_bridge, hip_lift=1.0)
    arched = pose_measures(supine_bridge, hip_lift=1.4)
    assert line["hip_offset_right"] < 0 < arched["hip_offset_right"]
    assert arched["hip_reflex_right"] > 185 and line["hip_reflex_right"] < 180


def test_chair_bridge_and_single_leg_variant():
    top = pose_measures(chair_bridge, hip_lift=1)
    assert abs(top["knee_right"] - 90) < 1 and top["hip_right"] > 175
    assert pose_measures(chair_bridge, hip_lift=0)["hip_right"] < 120
    one = pose_measures(chair_bridge, hip_lift=1, single_leg=True, side="right")
    assert one["knee_left"] > 175  # free leg extended
    sc = Scene()
    free = [pixels(still(chair_bridge, 0, {"hip_lift": 1, "single_leg": True,
                                           "free_drop": d}).render(sc)[0])[0, LM.LEFT_ANKLE, 1]
            for d in (0, 45)]
    assert free[1] - free[0] > 50  # the free foot drops (image y grows)


def test_ball_curl_line_and_knees():
    rest, top = pose_measures(ball_curl, hip_lift=0), pose_measures(ball_curl, hip_lift=1)
    assert rest["line_right"] < 145 and rest["knee_right"] < 110
    assert top["line_right"] > 178 and top["knee_right"] > 175
    assert pose_measures(ball_curl, hip_lift=0.6)["line_right"] < 170
    assert pose_measures(ball_curl, hip_lift=1, knee_bend=40)["knee_right"] < 145


def test_forearm_plank_leg_lift_sag_and_elbows():
    sc = Scene()
    rest = pose_measures(forearm_plank)
    assert rest["line_left"] > 179 and rest["line_right"] > 179
    px = pixels(still(forearm_plank, 0, forearm_plank.top).render(sc)[0])[0]
    top = measure(px)
    assert abs(top["knee_right"] - 90) < 1 and top["line_left"] > 179
    assert px[LM.RIGHT_KNEE, 1] < px[LM.LEFT_KNEE, 1] - 40  # working thigh above the body
    assert px[LM.RIGHT_HEEL, 1] < px[LM.RIGHT_KNEE, 1]  # heel pushed up
    assert abs(pose_measures(forearm_plank, hip_sag=20)["line_left"] - 160) < 1
    assert pose_measures(forearm_plank, hip_sag=20)["hip_offset_left"] < 0  # sag: below line
    assert pose_measures(forearm_plank, hip_sag=-20)["hip_offset_left"] > 0  # pike
    for off in (0, 30):
        p = pixels(still(forearm_plank, 0, {"elbow_offset": off}).render(sc)[0])[0]
        upper = p[LM.RIGHT_SHOULDER] - p[LM.RIGHT_ELBOW]
        assert abs(np.degrees(np.arctan2(abs(upper[0]), abs(upper[1]))) - off) < 1e-6
        assert abs(p[LM.RIGHT_ELBOW, 1] - (sc.floor_px - sc.body.pad)) < 1e-6


def test_clamshell_front_view_opening_is_measured_as_intended():
    sc = Scene()
    tracks = {o: still(side_lying_clamshell, 0, {"opening": o}).render(sc)[0] for o in (0, 45)}
    rest, top = tracks[0], tracks[45]
    assert rest.visibility[0].min() > 0.9  # front view: both sides visible
    w = top.world[0]
    hip, ankle = w[LM.RIGHT_HIP], w[LM.RIGHT_ANKLE]
    axis = (ankle - hip) / np.linalg.norm(ankle - hip)

    def radial(k):  # knee offset from the hip-ankle axis
        v = k - hip
        return v - (v @ axis) * axis
    a, b = radial(rest.world[0, LM.RIGHT_KNEE]), radial(w[LM.RIGHT_KNEE])
    turned = np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b)))
    assert abs(turned - 45) < 1e-6
    np.testing.assert_allclose(rest.world[0, LM.RIGHT_ANKLE], ankle)  # feet stay together
    m0, m1 = measure(pixels(rest))["knee_open"][0], measure(pixels(top))["knee_open"][0]
    assert m1 - m0 > 20
    px = pixels(top)[0]
    assert px[LM.RIGHT_KNEE, 1] < px[LM.LEFT_KNEE, 1] - 100  # the top knee rises in the image
    gap = [np.linalg.norm(np.subtract(*pixels(still(side_lying_clamshell, 0, {
        "feet_apart": f}).render(sc)[0])[0, [LM.LEFT_ANKLE, LM.RIGHT_ANKLE]])) for f in (0, 15)]
    assert gap[0] < 40 < gap[1]
    truth = get_into(side_lying_clamshell).then(reps(side_lying_clamshell, 1)).render(sc)[1]
    assert truth.view == "front" and truth.reps[0].hold == pytest.approx(2.5)
    roll = still(side_lying_clamshell, 0, {"pelvis_roll": 30}).render(sc)[0].world[0]
    assert roll[LM.RIGHT_HIP, 2] > w[LM.RIGHT_HIP, 2] + 0.03  # top hip rolls away


def test_half_kneeling_rdl_and_others():
    sc = Scene()
    for foot, past in ((0.0, False), (-60.0, True)):
        p = pixels(still(half_kneeling, 0, {"hip_forward": 1, "front_foot": foot})
                   .render(sc)[0])[0]
        assert (p[LM.RIGHT_KNEE, 0] - p[LM.RIGHT_FOOT_INDEX, 0] > 30) == past
    kneel = pose_measures(half_kneeling)
    assert abs(kneel["knee_right"] - 90) < 1 and abs(kneel["knee_left"] - 90) < 1
    assert pose_measures(half_kneeling, hip_forward=1)["hip_left"] < 160  # thigh behind
    rdl = pixels(still(single_leg_rdl, 0, {"hinge": 80}).render(sc)[0])[0]
    torso = rdl[LM.RIGHT_SHOULDER] - rdl[LM.RIGHT_HIP]
    assert abs(np.degrees(np.arctan2(-torso[1], torso[0]))) < 15  # near horizontal
    assert measure(rdl)["line_left"] > 170
    assert pose_measures(single_leg_rdl, hinge=80, line_break=35)["line_left"] < 155
    assert abs(pose_measures(push_up, depth=1)["elbow_right"] - 80) < 1
    assert pose_measures(squat, depth=1)["knee_right"] < 75
    assert abs(pose_measures(leg_swing, angle=50)["hip_right"] - 130) < 1


# --------------------------------------------------------------------------- motion and truth

def test_truth_rep_times_match_keyframes(bridge_set):
    m, track, truth = bridge_set
    assert truth.n_reps == 5 and truth.n_good == 3
    assert truth.faults == {1: ("hips_low",), 3: ("fast_lower", "over_arch")}
    assert truth.fault_reps("over_arch") == [3] and truth.segments[0][0] == "supine_bridge"
    t = 1.0
    for r in truth.reps:
        down = 0.4 if r.index == 3 else 1.5
        assert (r.start, r.top, r.top_end, r.end) == pytest.approx(
            (t, t + 1.0, t + 1.5, t + 1.5 + down))
        assert r.up == pytest.approx(1.0) and r.hold == pytest.approx(0.5)
        t = r.end + 1.0
    assert m.duration == pytest.approx(truth.reps[-1].end + 1.0)
    assert track.t_s[-1] == pytest.approx(m.duration)
    hip = joint_angle(track, "hip", "right")
    for r in truth.reps:
        i = frame_at(track, r.top)
        assert hip[i] == pytest.approx(r.at_top["hip_right"], abs=1e-6)
        assert r.at_rest["hip_right"] == pytest.approx(hip[0], abs=1e-6)
        held = hip[(track.t_s >= r.top) & (track.t_s <= r.top_end)]
        assert np.ptp(held) < 1e-6  # still during the hold
    assert truth.reps[1].at_top["hip_right"] < 165 < truth.reps[0].at_top["hip_right"]
    assert truth.reps[3].at_top["hip_reflex_right"] > 185


def test_hysteresis_count_on_the_clean_series(bridge_set):
    _, track, truth = bridge_set
    hip = joint_angle(track, "hip", "right")
    count, up = 0, False
    for v in hip:
        if not up and v > 150:
            up = True
        elif up and v < 140:
            up, count = False, count + 1
    assert count == truth.n_reps


@pytest.mark.slow
def test_hold_still_transition_and_then():
    m = (get_into(supine_bridge, duration=4).then(hold(supine_bridge, 45), gap=1)
         .then(reps(chair_bridge, 2, common={"knee_top": 95}), gap=3))
    track, truth = m.render()
    assert [s[0] for s in truth.segments] == ["transition", "supine_bridge", "chair_bridge"]
    assert truth.holds[0] == pytest.approx(45) and truth.reps[0].kind == "hold"
    assert truth.reps[0].start == pytest.approx(5.0)
    assert [r.index for r in truth.reps] == [0, 1, 2] and truth.reps[1].hold == 4.0
    assert truth.reps[1].at_top["knee_right"] == pytest.approx(95, abs=1)
    step = np.linalg.norm(np.diff(pixels(track), axis=0), axis=-1).max()
    assert step < 60  # no teleporting between segments (px per frame at 30 fps)
    assert pixels(track)[..., 1].max() <= Scene().floor_px + 1e-6


def test_per_rep_overrides_and_timings():
    m = reps(forearm_plank, 3, common={"side": "left"},
             per_rep={0: "short_hold", 2: {"top": {"leg_lift": 10.0}, "faults": ["leg_low"]}})
    _, truth = m.render()
    assert truth.side == "left" and truth.near_side == "right"
    assert truth.reps[0].hold == pytest.approx(1.5) and truth.reps[1].hold == pytest.approx(3.5)
    assert truth.reps[2].top_params["leg_lift"] == 10.0 and truth.faults[2] == ("leg_low",)
    assert truth.reps[2].at_top["knee_left"] == pytest.approx(90, abs=1)
    with pytest.raises(TypeError):
        reps(forearm_plank, 1, top={"no_such": 1})


def test_solve_param_and_wiggle_hover_around_a_threshold():
    lift = solve_param(supine_bridge, "hip_lift", "hip_right", 160.0, 0.0, 1.0)
    assert pose_measures(supine_bridge, hip_lift=lift)["hip_right"] == pytest.approx(160, abs=0.01)
    m = hold(supine_bridge, 6, {"hip_lift": lift}).wiggle(0, 6, "hip_lift", 0.05, 2.0)
    hip = joint_angle(m.render()[0], "hip", "right")
    crossings = np.count_nonzero(np.diff(np.sign(hip - 160)) != 0)
    assert 20 <= crossings <= 25 and np.ptp(hip) < 8


# --------------------------------------------------------------------------- views

def test_side_view_far_side_is_dim_and_mirror_swaps_it():
    track, truth = still(standing, 1).render()
    vis = track.visibility[0]
    assert truth.near_side == "right"
    assert vis[RIGHT].min() >= 0.95 and 0.3 <= vis[LEFT].min() and vis[LEFT].max() <= 0.6
    flipped = mirror(track)
    assert flipped.visibility[0][LEFT].min() >= 0.95 and flipped.visibility[0][RIGHT].max() <= 0.6
    facing = still(standing, 1).render(Scene(facing=-1))[0]
    np.testing.assert_allclose(facing.image, flipped.image, atol=1e-9)
    np.testing.assert_allclose(facing.visibility, flipped.visibility, atol=1e-9)
    nose = pixels(track)[0, LM.NOSE, 0] - pixels(track)[0, LM.LEFT_EAR, 0]
    assert nose > 0 > pixels(facing)[0, LM.NOSE, 0] - pixels(facing)[0, LM.LEFT_EAR, 0]


def test_rotate_view_turns_a_side_view_into_a_front_view():
    track, _ = still(standing, 0.5).render()
    np.testing.assert_allclose(rotate_view(track, 0).image, track.image, atol=1e-9)
    front = rotate_view(track, 90)
    assert front.visibility[0].min() > 0.9
    px = pixels(front)[0]
    width = abs(px[LM.LEFT_SHOULDER, 0] - px[LM.RIGHT_SHOULDER, 0])
    assert width == pytest.approx(120, abs=1e-6)
    np.testing.assert_allclose(px[:, 1], pixels(track)[0, :, 1])
    direct = still(standing, 0.5, {"yaw": -90}).render()[0]
    assert direct.visibility[0].min() > 0.9
    oblique = still(supine_bridge, 0.1).render(Scene(yaw=20))[0]
    assert 0.3 < oblique.visibility[0][LEFT].min() < 0.95


# --------------------------------------------------------------------------- corruptions

def test_jitter_sigma_is_what_was_asked():
    track, _ = still(supine_bridge, 20).render()
    noisy = add_jitter(track, 3.0, rng=1)
    d = pixels(noisy) - pixels(track)
    assert d.std() == pytest.approx(3.0, rel=0.05) and abs(d.mean()) < 0.1
    dw = (noisy.world - track.world)[..., :2] / track.meta["m_per_px"]
    np.testing.assert_allclose(dw, d, atol=1e-6)
    assert np.array_equal(add_jitter(track, 3.0, rng=1).image, noisy.image)  # seeded
    only = add_jitter(track, 3.0, landmarks=[LM.NOSE], rng=1)
    assert np.count_nonzero(np.any(only.image != track.image, axis=(0, 2))) == 1


def test_jitter_around_oscillates_landmarks():
    track, _ = still(supine_bridge, 4).render()
    hips = [LM.LEFT_HIP, LM.RIGHT_HIP]
    out = jitter_around(track, hips, 10.0, 1.0, t0=1, t1=3)
    dy = pixels(out)[:, LM.RIGHT_HIP, 1] - pixels(track)[:, LM.RIGHT_HIP, 1]
    inside = (track.t_s >= 1) & (track.t_s < 3)
    assert np.abs(dy[~inside]).max() == 0 and np.abs(dy[inside]).max() == pytest.approx(10, 0.01)
    assert dy[frame_at(track, 1.25)] == pytest.approx(-10, abs=0.1)  # up first (direction (0, -1))


def test_occlusion_whole_and_partial():
    track, _ = still(supine_bridge, 3).render()
    gone = occlude(track, 1.0, 2.0)
    win = (track.t_s >= 1) & (track.t_s < 2)
    assert not gone.detected[win].any() and gone.detected[~win].all()
    assert (gone.n_people[win] == 0).all() and (gone.visibility[win] == 0).all()
    assert gone.frame(frame_at(track, 1.5)).image is None
    knees = [LM.LEFT_KNEE, LM.RIGHT_KNEE]
    part = occlude(track, 1.0, 2.0, knees, shift_px=(0, 30))
    assert part.detected.all() and (part.visibility[win][:, knees] < 0.05).all()
    dy = pixels(part)[win][:, knees, 1] - pixels(track)[win][:, knees, 1]
    np.testing.assert_allclose(dy, 30)
    assert np.isnan(occlude(track, 1.0, 2.0, knees, nan=True).image[win][:, knees]).all()


def test_dropped_frames_leave_timestamp_gaps():
    track, _ = still(supine_bridge, 10).render()
    out = drop_frames(track, spans=[(2.0, 3.0)], times=[5.0])
    gaps = np.diff(out.t_s)
    big = np.flatnonzero(gaps > 1.5 / track.fps)
    assert len(big) == 2
    assert out.t_s[big[0]] == pytest.approx(2 - 1 / 30) and gaps[big[0]] == pytest.approx(31 / 30)
    assert gaps[big[1]] == pytest.approx(2 / 30) and out.meta["dropped"] == 31
    rnd = drop_frames(track, 0.25, rng=3)
    assert len(rnd) == len(track) - round(0.25 * len(track))
    assert np.all(np.diff(rnd.t_s) > 0)


def test_variable_fps_intervals():
    track, _ = still(supine_bridge, 10).render(Scene(fps=60))
    out = variable_fps(track, fps_min=12, fps_max=30, rng=2)
    dt = np.diff(out.t_s)
    assert dt.min() >= 1 / 30 - 1e-9 and dt.max() <= 1 / 12 + 1e-9 and np.ptp(dt) > 0.03
    assert 12 < out.fps < 30
    jittered = variable_fps(track, 20, t_jitter_s=0.004, rng=2)
    assert np.all(np.diff(jittered.t_s) > 0)


def test_crop_out_pans_the_camera():
    track, _ = still(standing, 1).render()
    feet = [LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX, LM.LEFT_HEEL, LM.RIGHT_HEEL]
    out = crop_out(track, feet)
    assert (out.image[:, feet, 1] > 1.0).all() and (out.visibility[:, feet] <= 0.05).all()
    assert (out.visibility[:, LM.RIGHT_SHOULDER] > 0.9).all()
    rel = [pixels(t) - pixels(t)[:, :1] for t in (out, track)]
    np.testing.assert_allclose(*rel, atol=1e-9)
    np.testing.assert_allclose(out.world, track.world)
    head = crop_out(track, [LM.NOSE], edge="top", beyond=0.1)
    assert (head.image[:, LM.NOSE, 1] == pytest.approx(-0.1))


def test_synthetic_tracks_round_trip_through_save(tmp_path):
    track, _ = reps(squat, 1).render()
    track = occlude(track, 0.5, 1.0)
    track.save(tmp_path / "t.npz")
    back = PoseTrack.load(tmp_path / "t.npz")
    assert len(back) == len(track) and back.meta["source"] == "synthetic"
    np.testing.assert_allclose(back.image, track.image, atol=1e-6)
    assert (back.detected == track.detected).all()


def test_skeleton_is_deterministic_numpy():
    p = supine_bridge(hip_lift=0.5)
    a, b = skeleton(p, Scene().body), skeleton(p, Scene().body)
    assert a.shape == (N_LANDMARKS, 3) and np.array_equal(a, b)
