"""The overlay draws what the analysis says, where the body is; mirrored for a camera."""

from __future__ import annotations

import numpy as np

from formcheck.analysis.state import AnalysisState, Cue
from formcheck.overlay import Overlay, blank_canvas
from formcheck.pose.landmarks import N_LANDMARKS, PoseFrame

W, H = 640, 480


def _pose(visible: float = 0.95) -> PoseFrame:
    image = np.full((N_LANDMARKS, 3), 0.5)
    # a lying body along the lower middle of the frame, right side
    image[12, :2] = (0.25, 0.60)  # right shoulder
    image[24, :2] = (0.50, 0.55)  # right hip
    image[26, :2] = (0.65, 0.45)  # right knee
    image[28, :2] = (0.75, 0.62)  # right ankle
    image[11, :2], image[23, :2] = (0.26, 0.61), (0.51, 0.56)
    vis = np.full(N_LANDMARKS, 0.1)
    vis[[12, 24, 26, 28]] = visible
    return PoseFrame(1.0, 30, W, H, image, np.zeros((N_LANDMARKS, 3)), vis, vis.copy(), 1)


def _state(**kw) -> AnalysisState:
    base = dict(t_s=1.0, exercise_id="glute_bridge", exercise_name="Glute bridge", side="right",
                key_name="hip", key_value=172.0, key_joint=24, phase="top", rep_count=3,
                good_rep_count=2, set_count=1, target_reps=10, hold_s=0.0, hold_target_s=None,
                total_hold_s=0.0, person_visible=True, view_ok=True, cue=None,
                last_rep_good=True)
    base.update(kw)
    return AnalysisState(**base)


def _changed(a: np.ndarray, b: np.ndarray, x: float, y: float, r: int = 4) -> bool:
    px, py = int(x * W), int(y * H)
    return bool(np.any(a[py - r:py + r, px - r:px + r] != b[py - r:py + r, px - r:px + r]))


def test_skeleton_and_key_joint_drawn_at_landmarks():
    before = blank_canvas(W, H)
    out = Overlay().draw(before.copy(), _pose(), _state(), fps=30.0)
    assert out.shape == (H, W, 3) and out.dtype == np.uint8
    for x, y in [(0.25, 0.60), (0.50, 0.55), (0.65, 0.45), (0.75, 0.62)]:
        assert _changed(before, out, x, y)


def test_low_visibility_landmarks_are_not_drawn():
    before = blank_canvas(W, H)
    out = Overlay().draw(before.copy(), _pose(visible=0.2), _state(key_joint=None), fps=None)
    for x, y in [(0.50, 0.55), (0.75, 0.62)]:
        assert not _changed(before, out, x, y)


def test_mirrored_puts_the_skeleton_at_flipped_x():
    before = blank_canvas(W, H)
    out = Overlay().draw(before.copy(), _pose(), _state(key_joint=None), mirrored=True)
    assert _changed(before, out, 1 - 0.75, 0.62)  # the ankle, flipped
    assert not _changed(before, out, 0.75, 0.62)


def test_no_person_message_when_pose_is_missing():
    before = blank_canvas(W, H)
    out = Overlay().draw(before.copy(), None, _state(person_visible=False, key_value=None,
                                                    key_joint=None))
    assert np.count_nonzero(np.any(out != before, axis=2)) > 500


def test_setup_cue_banner_and_hold_bar_grow_with_hold():
    before = blank_canvas(W, H)
    cue = Cue("turn_side", "Turn side-on to the camera", "setup")
    with_cue = Overlay().draw(before.copy(), _pose(), _state(cue=cue))
    without = Overlay().draw(before.copy(), _pose(), _state())
    assert np.count_nonzero(np.any(with_cue != without, axis=2)) > 1000

    from formcheck.overlay.canvas import ACCENT

    def filled(hold_s: float) -> int:
        img = Overlay().draw(before.copy(), None, _state(hold_s=hold_s, hold_target_s=4.0,
                                                        key_value=None, key_joint=None))
        return int(np.count_nonzero(np.all(np.abs(img.astype(int) - ACCENT) < 30, axis=2)))

    one, three = filled(1.0), filled(3.0)
    assert one > 0 and 2.0 < three / one < 4.0  # the fill is proportional to hold/target
