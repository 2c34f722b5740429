"""MediaPipe Tasks PoseLandmarker wrapped to return PoseFrames (numpy arrays).

VIDEO mode (synchronous, tracking from frame to frame, timestamps from the frames' own
times) for files and cameras alike: which frames reach it, and on which thread or process,
is the pipeline's pose backend's business.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from formcheck.pose.landmarks import PoseFrame, box_iou
from formcheck.pose.lock_check import LockCheck
from formcheck.pose.result import result_to_frame
from formcheck.pose.second_look import SecondLook
from formcheck.pose.select import PersonSelector
from formcheck.pose.tasks_api import import_tasks

os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ logging quiet


CENSUS_EVERY_S = 1.0  # first gap (stream time) between looks for a second person
CENSUS_MAX_EVERY_S = 4.0  # the gap doubles up to this while only one person is seen
CENSUS_CONFIDENCE = 0.3  # a single image finds people less surely than tracking does
CENSUS_HITS = 2  # censuses that must see two people before we say so (one may be a fluke)


class CensusSchedule:
    """When to count the people in view. A census costs about two frames' inference, so
    the gap starts at CENSUS_EVERY_S and doubles while only one person is seen, up to
    CENSUS_MAX_EVERY_S (a person who walks in is seen within that); after a census that
    saw two, the next comes CENSUS_EVERY_S later to confirm. Times are stream times."""

    def __init__(self, enabled: bool = True):
        self.next_t = 0.0 if enabled else float("inf")
        self._gap = CENSUS_EVERY_S

    @property
    def enabled(self) -> bool:
        return self.next_t != float("inf")

    def due(self, t_s: float) -> bool:
        return t_s >= self.next_t

    def done(self, t_s: float, people: int) -> None:
        if people > 1:
            self._gap = CENSUS_EVERY_S
        self.next_t = t_s + self._gap
        if people <= 1:
            self._gap = min(self._gap * 2, CENSUS_MAX_EVERY_S)


def distinct_people(poses: list[np.ndarray], max_iou: float = 0.3) -> int:
    """People whose landmark boxes barely overlap: a low-confidence second detection of the
    same person is not a second person."""
    kept: list[np.ndarray] = []
    for p in poses:
        if all(box_iou(p, k) <= max_iou for k in kept):
            kept.append(p)
    return len(kept)


class PoseEstimator:
    """One landmarker instance; not thread-safe: use one per thread or process.

    It tracks one person (num_poses=1): MediaPipe then runs its person detector only when
    tracking is lost, which keeps inference near 30 ms a frame and naturally follows the
    person who started. Asking for two poses would run the detector on every frame (about
    1.6x slower), so a second person is looked for separately: now and then (CensusSchedule)
    an IMAGE-mode landmarker counts the people in the frame (`PoseFrame.n_people`).
    """

    def __init__(self, model_path: str | Path, num_poses: int = 1,
                 min_confidence: float = 0.5, census: bool = True,
                 second_look: str | Path | None = None):
        """`second_look`: a larger model's file, to look again at the frames where this one
        is unsure of the body (pose/second_look.py) and to check the body each new track
        locks on to (pose/lock_check.py); None for neither (live: no time for them)."""
        self._mp = import_tasks()
        from mediapipe.tasks.python import BaseOptions, vision

        self._options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO, num_poses=num_poses,
            min_pose_detection_confidence=min_confidence,
            min_pose_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
        )
        self._landmarker: Any = None
        self._model_path = str(model_path)
        self._census_lm = None
        self._census_enabled = census
        self.second_look: SecondLook | None = None
        self.lock_check: LockCheck | None = None
        if second_look is not None:
            self.second_look = SecondLook.open(second_look)
            self.lock_check = LockCheck.open(second_look)
        self.restart()

    def restart(self) -> None:
        """Start a new stream: a fresh VIDEO landmarker (no tracking carried over, so a
        video's poses never depend on what this estimator saw before) and fresh person and
        census state. The census landmarker (IMAGE mode, stateless) is kept, so a batch
        worker pays the model's loading for it once."""
        from mediapipe.tasks.python import vision

        if self._landmarker is not None:
            self._landmarker.close()
        self._landmarker = vision.PoseLandmarker.create_from_options(self._options)
        self.selector = PersonSelector()
        self._last_ms = -1
        self._census = CensusSchedule(self._census_enabled)
        if self.second_look is not None:
            self.second_look.restart()
        if self.lock_check is not None:
            self.lock_check.restart()
        self._people = 0
        self._census_hits = 0

    def _timestamp_ms(self, t_s: float) -> int:
        # MediaPipe needs strictly increasing integer milliseconds.
        ms = max(int(round(t_s * 1000)), self._last_ms + 1)
        self._last_ms = ms
        return ms

    def _mp_image(self, rgb: np.ndarray):
        return self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)

    def detect(self, bgr: np.ndarray, t_s: float, index: int) -> PoseFrame:
        """VIDEO mode: synchronous."""
        return self.detect_rgb(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t_s, index)

    def detect_rgb(self, rgb: np.ndarray, t_s: float, index: int,
                   size: tuple[int, int] | None = None) -> PoseFrame:
        """VIDEO mode on an RGB image (pose processes get frames already converted). `size`:
        the (width, height) of the frame it stands for, if it was shrunk for the model."""
        image = self._mp_image(np.ascontiguousarray(rgb))
        result = self._landmarker.detect_for_video(
            image, self._timestamp_ms(t_s))
        w, h = size or (rgb.shape[1], rgb.shape[0])
        first = result_to_frame(result, t_s, index, w, h, self.selector)
        pose = first if self.lock_check is None else self.lock_check.check(first, image)
        if self.second_look is not None and pose is first:  # else the heavy model has seen it
            pose = self.second_look.look(pose, image)
        return self._with_census(pose, image)

    def _with_census(self, pose: PoseFrame, image) -> PoseFrame:
        """Now and then, count the people in view with a two-pose IMAGE landmarker."""
        if self._census.due(pose.t_s):
            n = self.count_people(image) if pose.detected else 0
            self._census.done(pose.t_s, n)
            self._census_hits += n > 1
            self._people = n if self._census_hits >= CENSUS_HITS else min(n, 1)
        if self._people > pose.n_people:
            from dataclasses import replace

            return replace(pose, n_people=self._people)
        return pose

    def prepare_census(self) -> None:
        """Load the census landmarker now (a pose process does it while starting up)
        rather than on the first frame."""
        if self._census.enabled:
            self._census_landmarker()

    def _census_landmarker(self):
        if self._census_lm is None:
            from mediapipe.tasks.python import BaseOptions, vision

            self._census_lm = vision.PoseLandmarker.create_from_options(
                vision.PoseLandmarkerOptions(
                    base_options=BaseOptions(model_asset_path=self._model_path),
                    running_mode=vision.RunningMode.IMAGE, num_poses=2,
                    min_pose_detection_confidence=CENSUS_CONFIDENCE,
                    min_pose_presence_confidence=CENSUS_CONFIDENCE))
        return self._census_lm

    def count_people(self, image) -> int:
        people = self._census_landmarker().detect(image).pose_landmarks or []
        return distinct_people([np.array([(p.x, p.y) for p in lms]) for lms in people])

    def close(self) -> None:
        self._landmarker.close()
        if self._census_lm is not None:
            self._census_lm.close()
        if self.second_look is not None:
            self.second_look.close()
        if self.lock_check is not None:
            self.lock_check.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
