"""A MediaPipe PoseLandmarkerResult as the PoseFrame of the followed person (numpy arrays):
shared by the tracking landmarker and the second look."""

from __future__ import annotations

import numpy as np

from formcheck.pose.landmarks import N_LANDMARKS, PoseFrame
from formcheck.pose.select import PersonSelector


def _arrays(landmarks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arr = np.array([(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in landmarks],
                   dtype=np.float64)
    return arr[:, :3], arr[:, 3], arr[:, 4]


def result_to_frame(result, t_s: float, index: int, width: int, height: int,
                    selector: PersonSelector) -> PoseFrame:
    """Convert a PoseLandmarkerResult to a PoseFrame for the followed person."""
    people = result.pose_landmarks or []
    if not people:
        selector.observe(None, t_s)
        return PoseFrame(t_s, index, width, height, n_people=0)
    candidates = [_arrays(p) for p in people]
    pick = selector.choose([c[0] for c in candidates], t_s, width, height)
    image, vis, pres = candidates[pick]
    world_lms = result.pose_world_landmarks[pick] if result.pose_world_landmarks else None
    world = (np.array([(p.x, p.y, p.z) for p in world_lms], dtype=np.float64)
             if world_lms else np.full((N_LANDMARKS, 3), np.nan))
    return PoseFrame(t_s, index, width, height, image, world, vis, pres, n_people=len(people))
