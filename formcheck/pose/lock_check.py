"""A check on the body the first model locks on to: the heavy model follows the first frames
of each new track alongside it, and its pose is used while the two see different bodies.

Tracking carries a misreading forward, and confidently: the landmarker crops each frame
around the body it found in the last one, so a body misread when the track begins (backlit,
low contrast) stays misread, at full confidence, until the model happens to lock on to the
real one (plank_kun_1: a woman planking read as folded up, confidence 0.8, for 2.7 s). The
heavy model tracking the same frames from the same start is the second opinion; its
confidence is no help (0.65 there, on the right body), so what flags the misreading is that
the two bodies barely overlap while the whole skeletons share their ground (the heavy model
following someone else beside the person is no misreading). Only the first CHECK_S of a new
track (the stream's first person, or one found after NEW_TRACK_AFTER_S with nobody) is
checked, and a disagreement keeps the check going, up to MAX_CHECK_S: 3.3% of the dev clips'
frames, most of them in the few clips where the models disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.pose.landmarks import PoseFrame, box_iou, box_share
from formcheck.pose.result import result_to_frame
from formcheck.pose.second_look import BODY
from formcheck.pose.select import PersonSelector

CHECK_S = 0.25  # a new track is checked this long (stream time) ...
MAX_CHECK_S = 5.0  # ... and on while the models disagree, up to this long after its start
NEW_TRACK_AFTER_S = 1.0  # a person found after this long with nobody starts a new track
DIFFERENT_IOU = 0.3  # bodies' boxes overlapping less than this are different readings ...
SAME_PERSON_SHARE = 0.3  # ... of one person when the whole skeletons' boxes share this much


def misread(first: np.ndarray, heavy: np.ndarray) -> bool:
    """Whether two models' landmarks (33, 2) read one person's body differently: the bodies'
    boxes barely overlap, the skeletons' boxes share much (someone else beside the first
    model's person, seen by the heavy one, is no misreading of them)."""
    body = list(BODY)
    return (box_iou(first[body], heavy[body]) < DIFFERENT_IOU
            and box_share(first, heavy) >= SAME_PERSON_SHARE)


class LockCheck:
    """`check(pose, image)`: the heavy model's pose while a check runs and it sees a body
    where the first model sees none or reads the same person differently; else `pose`.
    `tracker`: makes a landmarker with MediaPipe's VIDEO-mode `detect_for_video(image, ms)`
    and `close()`, a fresh one for each check (nothing tracked from an earlier one). `frames`
    counts the frames it ran on, `taken` the poses it replaced. Times are the frames' own."""

    def __init__(self, tracker: Callable[[], Any]):
        self._make = tracker
        self._lm: Any = None
        self.frames = 0
        self.taken = 0
        self.restart()

    @classmethod
    def open(cls, model_path: str | Path) -> LockCheck:
        def tracker() -> Any:
            from mediapipe.tasks.python import BaseOptions, vision

            return vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(model_path)),
                running_mode=vision.RunningMode.VIDEO, num_poses=1))

        return cls(tracker)

    def restart(self) -> None:
        """A new stream (times from 0 again): its first person starts a check."""
        self._stop()
        self._last_seen = float("-inf")
        self._start = self._until = 0.0
        self._last_ms = -1

    def check(self, pose: PoseFrame, image: Any) -> PoseFrame:
        if self._lm is None and pose.detected and pose.t_s - self._last_seen > NEW_TRACK_AFTER_S:
            self._lm, self._start, self._until = self._make(), pose.t_s, pose.t_s + CHECK_S
            self._selector, self._last_ms = PersonSelector(), -1
        if pose.detected:
            self._last_seen = pose.t_s
        if self._lm is None:
            return pose
        self.frames += 1
        ms = max(int(round(pose.t_s * 1000)), self._last_ms + 1)
        self._last_ms = ms
        heavy = result_to_frame(self._lm.detect_for_video(image, ms), pose.t_s, pose.index,
                                pose.width, pose.height, self._selector)
        differ = heavy.image is not None and (pose.image is None
                                              or misread(pose.image[:, :2], heavy.image[:, :2]))
        if differ:
            self._until = min(max(self._until, pose.t_s + CHECK_S), self._start + MAX_CHECK_S)
        if pose.t_s >= self._until:
            self._stop()
        if not differ:
            return pose
        self.taken += 1
        return replace(heavy, n_people=max(pose.n_people, 1))

    def _stop(self) -> None:
        if self._lm is not None:
            self._lm.close()
            self._lm = None

    def close(self) -> None:
        self._stop()
