"""The person's own vertical, learnt while they stand straight.

A camera looking down at a standing person tilts its vertical (image up, and MediaPipe's
camera-aligned world landmarks with it) by its pitch: from a phone on a table a standing torso
reads 50 degrees, not 90, and the camera's frame mixes a fold's drop with depth. Gravity is not
in the landmarks, but the person shows it when they stand straight (torso in line with the
thighs): the torso then points up, and how far it leans toward or away from the camera (its
depth) is the camera's pitch. The vertical is that pitched camera's: a propped phone stands
upright, so a lean across the image stays the person's own (pixels are sharp there), and a
fold or hinge reads the same from any camera pitch or yaw. The torso rather than the legs:
MediaPipe's depth of the ankles, far from its hip-centred origin, leans a standing leg 20
degrees and more out of true on real clips. It is learnt in the coordinates a measure is taken
in, averaged over time (depth is estimated and noisy), and kept while the person hinges, folds
or squats.
"""

from __future__ import annotations

import math

import numpy as np

from formcheck.analysis import geometry as g
from formcheck.pose.landmarks import LM

# Standing straight: the torso within this of the thighs' line (knees to hips). A relaxed
# stance reads 3-15 degrees (depth noise included); a hinge, a fold or a squat passes 25 on
# its way down.
STRAIGHT_MAX = 20.0
# The camera's pitch is read from the mean of the standing frames' torso directions, each
# weighted by its frame's duration and forgotten with this time constant (seconds): long
# enough to average out depth noise, short enough to follow a handheld camera between reps.
# It is known once the person has stood straight MIN_STANDING_S (one odd frame is no stance).
TAU_S = 1.0
MIN_STANDING_S = 0.4
# A torso tilted further than this from the camera's vertical is lying, not standing (a
# camera pitched past 60 degrees is a camera overhead).
MAX_TILT = 60.0
MIN_VIS = 0.3

_PAIRS = {name: (int(LM[f"LEFT_{name}"]), int(LM[f"RIGHT_{name}"]))
          for name in ("KNEE", "HIP", "SHOULDER")}


def _mid(points: np.ndarray, vis: np.ndarray, name: str) -> np.ndarray:
    """Midpoint of a left/right pair, when one of them at least is seen (the far limb of a
    side view is placed by the model behind the near one)."""
    a, b = _PAIRS[name]
    if max(vis[a], vis[b]) < MIN_VIS:
        return np.full(points.shape[1], math.nan)
    return (points[a] + points[b]) / 2


def _unit(v: np.ndarray) -> np.ndarray | None:
    n = float(np.linalg.norm(v))
    return v / n if n and math.isfinite(n) else None


def standing_line(points: np.ndarray, vis: np.ndarray) -> np.ndarray | None:
    """Unit vector hips -> shoulders (y down, so up has negative y, z away) when the person
    stands straight in this frame, else None."""
    knee, hip, shoulder = (_mid(points, vis, n) for n in ("KNEE", "HIP", "SHOULDER"))
    thigh, torso = _unit(hip - knee), _unit(shoulder - hip)
    if thigh is None or torso is None or g.angle_to_deg(thigh, torso) > STRAIGHT_MAX:
        return None
    if -torso[1] < math.cos(math.radians(MAX_TILT)):
        return None  # a straight body lying down, or upside down
    return torso


def camera_pitch_up(torso: np.ndarray, max_pitch: float | None = None) -> np.ndarray:
    """The vertical of a camera pitched as far as the standing torso leans toward (or away
    from) it: the depth lean is the camera's pitch, while a lean across the image is the
    person's own and stays (a propped phone stands upright; the image's x is sharp). In the
    image alone (no depth) that is image up. With `max_pitch` (degrees), the pitch is kept
    within 0..max_pitch (a camera looking down, not up)."""
    if len(torso) < 3:
        return np.array([0.0, -1.0])
    p = math.atan2(-float(torso[2]), -float(torso[1]))
    if max_pitch is not None:
        p = min(max(p, 0.0), math.radians(max_pitch))
    return np.array([0.0, -math.cos(p), -math.sin(p)])


class BodyUp:
    """Running estimate of the person's vertical in one coordinate space."""

    def __init__(self) -> None:
        self.up: np.ndarray | None = None
        self._sum: np.ndarray | None = None  # decayed sum of direction * seconds
        self._weight = 0.0  # decayed seconds of standing behind it
        self._t: float | None = None

    def update(self, t: float, points: np.ndarray | None, vis: np.ndarray | None
               ) -> np.ndarray | None:
        """Learn from this frame if the person stands straight; the vertical so far (None
        until they have stood straight long enough)."""
        if points is None or vis is None:
            return self.up
        dt = min(max(t - self._t, 0.0), 0.2) if self._t is not None else 0.0
        self._t = t  # a frame's weight is its own duration (a gap in the video counts little)
        line = standing_line(points, vis)
        if line is None or not dt:
            return self.up
        keep = math.exp(-dt / TAU_S)
        if self._sum is None or len(self._sum) != len(line):
            self._sum, self._weight = line * dt, dt
        else:
            self._sum, self._weight = keep * self._sum + line * dt, keep * self._weight + dt
        if self._weight >= MIN_STANDING_S:
            self.up = camera_pitch_up(self._sum)
        return self.up
