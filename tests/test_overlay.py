"""Overlay: drawn pixels land where the landmarks are, respect visibility and mirroring."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.analysis.state import AnalysisState, Cue
from formcheck.overlay import (
    AngleAnnotator,
    HudAnnotator,
    Keypoints,
    NoPersonAnnotator,
    Overlay,
    SkeletonAnnotator,
    blank_canvas,
)
from formcheck.overlay.canvas import ACCENT, GOOD
from formcheck.pose.landmarks import LM, PoseFrame

W, H = 640, 480

# A side-on figure on the left half of the frame, clear of the HUD, cue and centre.
_POINTS = {
    LM.NOSE: (0.30, 0.30),
    LM.LEFT_SHOULDER: (0.25, 0.40), LM.RIGHT_SHOULDER: (0.27, 0.40),
    LM.LEFT_ELBOW: (0.18, 0.52), LM.RIGHT_ELBOW: (0.20, 0.52),
    LM.LEFT_WRIST: (0.12, 0.62), LM.RIGHT_WRIST: (0.14, 0.62),
    LM.LEFT_HIP: (0.25, 0.60), LM.RIGHT_HIP: (0.27, 0.60),
    LM.LEFT_KNEE: (0.30, 0.72), LM.RIGHT_KNEE: (0.32, 0.72),
    LM.LEFT_ANKLE: (0.26, 0.84), LM.RIGHT_ANKLE: (0.28, 0.84),
    LM.LEFT_HEEL: (0.25, 0.86), LM.RIGHT_HEEL: (0.27, 0.86),
    LM.LEFT_FOOT_INDEX: (0.30, 0.87), LM.RIGHT_FOOT_INDEX: (0.32, 0.87),
}
DRAWN = list(_POINTS)


def make_pose(visibility: dict[int, float] | None = None, w: int = W, h: int = H) -> PoseFrame:
    image = np.zeros((33, 3))
    image[:, :2] = 0.28, 0.5
    for i, xy in _POINTS.items():
        image[i, :2] = xy
    vis = np.full(33, 0.95)
    for i, v in (visibility or {}).items():
        vis[i] = v
    return PoseFrame(0.0, 0, w, h, image, image.copy(), vis, vis.copy(), 1)


def make_state(**kw) -> AnalysisState:
    base = dict(t_s=0.0, exercise_id="squat", exercise_name="Squat", side="left",
                key_name="knee_angle", key_value=97.0, key_joint=int(LM.LEFT_KNEE),
                phase="down", rep_count=3, good_rep_count=2, set_count=1, target_reps=10,
                hold_s=0.0, hold_target_s=None, total_hold_s=0.0, person_visible=True,
                view_ok=True, cue=None, last_rep_good=True)
    base.update(kw)
    return AnalysisState(**base)


def px(i: int, w: int = W, h: int = H, mirrored: bool = False) -> tuple[int, int]:
    x, y = _POINTS[LM(i)]
    xp = round(x * w)
    return (w - 1 - xp if mirrored else xp), round(y * h)


def changed(before: np.ndarray, after: np.ndarray, x: int, y: int, r: int = 2) -> bool:
    a = before[y - r:y + r + 1, x - r:x + r + 1].astype(int)
    b = after[y - r:y + r + 1, x - r:x + r + 1].astype(int)
    return bool(np.abs(a - b).sum() > 0)


def test_skeleton_draws_at_every_visible_landmark_and_keeps_shape():
    frame = blank_canvas(W, H)
    before = frame.copy()
    out = Overlay().draw(frame, make_pose(), make_state(), fps=30.0)
    assert out is frame  # in place for a normal contiguous frame
    assert out.shape == (H, W, 3) and out.dtype == np.uint8
    for i in DRAWN:
        assert changed(before, out, *px(i)), LM(i).name


def test_key_angle_is_drawn_around_its_joint():
    kp = Keypoints.from_pose(make_pose(), W, H)
    with_angle = AngleAnnotator().annotate(blank_canvas(W, H), kp, make_state())
    without = blank_canvas(W, H)
    x, y = px(LM.LEFT_KNEE)
    near = with_angle[y - 45:y + 46, x - 45:x + 46]
    assert (near == ACCENT).all(axis=2).sum() > 50  # the joint dot, arc and label
    assert changed(without, with_angle, x, y)
    # No key joint, nothing drawn.
    blank = AngleAnnotator().annotate(blank_canvas(W, H), kp, make_state(key_joint=None))
    assert np.array_equal(blank, without)


def test_low_visibility_landmarks_are_not_drawn():
    hidden = {LM.LEFT_WRIST: 0.2, LM.RIGHT_WRIST: 0.3}
    kp = Keypoints.from_pose(make_pose(hidden), W, H)
    before = blank_canvas(W, H)
    out = SkeletonAnnotator().annotate(before.copy(), kp, "left")
    for i in hidden:
        assert not changed(before, out, *px(i), r=3), LM(i).name
    # ...nor the bone to it, checked at the bone's far end (midpoint is near other bones).
    ex, ey = px(LM.LEFT_ELBOW)
    wx, wy = px(LM.LEFT_WRIST)
    assert not changed(before, out, round(ex + 0.75 * (wx - ex)), round(ey + 0.75 * (wy - ey)))
    assert changed(before, out, ex, ey)


def test_mirrored_draws_skeleton_at_flipped_x():
    before = blank_canvas(W, H)
    out = Overlay().draw(before.copy(), make_pose(), make_state(), mirrored=True)
    for i in (LM.LEFT_ELBOW, LM.LEFT_WRIST, LM.LEFT_ANKLE):
        assert changed(before, out, *px(i, mirrored=True)), LM(i).name
        assert not changed(before, out, *px(i), r=3), LM(i).name


def test_landmarks_follow_the_drawn_image_size():
    """A frame resized for display still lines up: normalised coords, not pose pixels."""
    big_w, big_h = 1280, 960
    before = blank_canvas(big_w, big_h)
    out = Overlay().draw(before.copy(), make_pose(w=W, h=H), None)
    for i in DRAWN:
        assert changed(before, out, *px(i, big_w, big_h)), LM(i).name


@pytest.mark.parametrize("pose, visible", [(None, True), ("pose", False)])
def test_no_person_message_in_the_centre(pose, visible):
    before = blank_canvas(W, H)
    p = make_pose() if pose else None
    out = Overlay().draw(before.copy(), p, make_state(person_visible=visible, cue=None))
    centre = (slice(H // 2 - 10, H // 2 + 10), slice(W // 2 - 60, W // 2 + 60))
    assert not np.array_equal(out[centre], before[centre])
    # With a person in view the centre stays untouched (the figure is on the left).
    shown = Overlay().draw(before.copy(), make_pose(), make_state(cue=None))
    assert np.array_equal(shown[centre], before[centre])


def test_no_person_notice_alone_is_centred():
    before = blank_canvas(W, H)
    out = NoPersonAnnotator().annotate(before.copy())
    ys, xs = np.nonzero((out != before).any(axis=2))
    assert abs((xs.min() + xs.max()) / 2 - W / 2) < 3
    assert abs((ys.min() + ys.max()) / 2 - H / 2) < 3


def _bar_fill(hold_s: float, target: float = 30.0) -> int:
    state = make_state(hold_s=hold_s, hold_target_s=target, target_reps=None, rep_count=0)
    out = HudAnnotator().annotate(blank_canvas(W, H), state)
    fill = GOOD if hold_s >= target else ACCENT
    return int((out == fill).all(axis=2).sum(axis=1).max())  # longest filled row


def test_hold_bar_fill_is_proportional_to_hold_over_target():
    full = _bar_fill(30.0)
    assert full > 100
    assert _bar_fill(0.0) == 0
    for frac in (0.25, 0.5, 0.75):
        assert _bar_fill(frac * 30.0) == pytest.approx(frac * full, abs=2)
    assert _bar_fill(45.0) == full  # capped at the target


def test_setup_cue_is_a_full_width_banner_and_faults_are_not():
    before = blank_canvas(W, H)
    setup = Cue("view", "Turn side-on to the camera", "setup")
    out = Overlay().draw(before.copy(), make_pose(), make_state(cue=setup))
    rows = (out != before).any(axis=2).all(axis=1)
    assert rows[H // 2:].any()  # some lower row is painted edge to edge
    fault = Cue("knees", "Push your knees out", "fault")
    out = Overlay().draw(before.copy(), make_pose(), make_state(cue=fault))
    assert not (out != before).any(axis=2).all(axis=1)[H // 2:].any()
    assert not np.array_equal(out[H - 60:], before[H - 60:])


def test_non_contiguous_input_is_handled():
    frame = blank_canvas(W, H)[:, ::-1]  # a numpy flip is a view cv2 cannot draw on
    out = Overlay().draw(frame, make_pose(), make_state(), fps=30.0, mirrored=True)
    assert out.shape == (H, W, 3) and out.dtype == np.uint8
    assert changed(blank_canvas(W, H), out, *px(LM.LEFT_KNEE, mirrored=True))


@pytest.mark.parametrize("w, h", [(616, 346), (346, 616), (1920, 1080), (1080, 1920)])
def test_every_frame_size_draws_everything(w, h):
    state = make_state(hold_s=5, hold_target_s=30.0, total_hold_s=12, last_rep_good=False,
                       cue=Cue("view", "Get your whole body in view", "setup"))
    out = Overlay().draw(blank_canvas(w, h), make_pose(w=w, h=h), state, fps=29.9)
    assert out.shape == (h, w, 3)
    assert not np.array_equal(out, blank_canvas(w, h))


def test_blank_canvas_is_dark_and_reusable():
    c = blank_canvas(320, 200)
    assert c.shape == (200, 320, 3) and c.dtype == np.uint8 and c.max() < 60
    c[:] = 255
    assert blank_canvas(320, 200, out=c) is c and c.max() < 60
