"""A second look, with a larger model, at the frames where the first model is unsure of the
body it follows.

Tracking frame to frame, the full model sometimes loses its grip on a body (backlit, a
skeleton flipped upside down for half a second, a leg seen end-on) and says so with low
visibility and presence on the joints that matter. The heavy model, about three times
slower, often sees those frames right; run on those frames only (1.3% of the dev clips',
with LOOK_AGAIN_S), it costs a few percent of an analysis. It runs in IMAGE mode: it sees only
scattered frames, so there is no track for it to follow.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.pose.landmarks import PoseFrame, box_iou
from formcheck.pose.result import result_to_frame
from formcheck.pose.select import PersonSelector

# Shoulders, hips, knees and ankles: every exercise's measures hang on these.
BODY = (11, 12, 23, 24, 25, 26, 27, 28)
UNSURE_BELOW = 0.5  # the first model's body confidence under which the second one looks
# The second pose replaces the first only when surer by this much: two models' confidences
# are close but not the same scale, and a tie is no reason to swap skeletons mid-track.
SURER_BY = 0.05
SAME_PERSON_IOU = 0.3  # landmark boxes overlapping less than this are someone else
# After a look that changed nothing (nobody in view, or the heavy model no surer), the next
# one waits this long in stream time: an empty room or a person the heavy model cannot see
# better would otherwise cost a heavy inference (~3 frames' worth) on every frame.
LOOK_AGAIN_S = 0.2


def body_confidence(pose: PoseFrame) -> float:
    """Mean visibility x presence of the body's main joints; 0 when nobody was found."""
    if pose.visibility is None or pose.presence is None:
        return 0.0
    v = np.nan_to_num(pose.visibility[list(BODY)].astype(np.float64))
    p = np.nan_to_num(pose.presence[list(BODY)].astype(np.float64))
    return float((v * p).mean())


class SecondLook:
    """`look(pose, image)`: the pose to use for this frame, the second model's when the
    first was unsure and the second is surer of the same person. `looked`/`taken` count
    the frames it ran on and the frames whose pose it replaced. `landmarker`: anything
    with MediaPipe's IMAGE-mode `detect(image)` and `close()` (open() makes the real one).
    Times are the frames' own (a stream restarting at 0 is a new stream: make a new one or
    call restart())."""

    def __init__(self, landmarker: Any):
        self._lm = landmarker
        self.looked = 0
        self.taken = 0
        self._next_t = float("-inf")

    def restart(self) -> None:
        self._next_t = float("-inf")

    @classmethod
    def open(cls, model_path: str | Path) -> SecondLook:
        from mediapipe.tasks.python import BaseOptions, vision

        return cls(vision.PoseLandmarker.create_from_options(
            vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(model_path)),
                running_mode=vision.RunningMode.IMAGE, num_poses=1)))

    def look(self, pose: PoseFrame, image: Any) -> PoseFrame:
        first = body_confidence(pose)
        if first >= UNSURE_BELOW or pose.t_s < self._next_t:
            return pose
        self.looked += 1
        second = self._second(pose, first, image)
        if second is None:
            self._next_t = pose.t_s + LOOK_AGAIN_S
            return pose
        self._next_t = float("-inf")
        self.taken += 1
        return second

    def _second(self, pose: PoseFrame, first: float, image: Any) -> PoseFrame | None:
        """The second model's pose, if surer (than `first`) of the same person; else None."""
        found = result_to_frame(self._lm.detect(image), pose.t_s, pose.index, pose.width,
                                pose.height, PersonSelector())
        if found.image is None or body_confidence(found) < first + SURER_BY:
            return None
        if pose.image is not None and box_iou(pose.image[:, :2],
                                               found.image[:, :2]) < SAME_PERSON_IOU:
            return None
        return replace(found, n_people=max(pose.n_people, 1))

    def close(self) -> None:
        self._lm.close()
