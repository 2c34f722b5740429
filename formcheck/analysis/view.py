"""Camera-view check: advice on how the person is filmed, and whether they are in position.

The view (side-on vs facing, read from how wide the shoulders and hips appear relative to the
torso) and the framing (required landmarks visible and inside the frame) are advice only: a
rep is counted wherever its key measure can be measured. The posture (lying vs upright) is
the one gate, since another posture is another activity (getting up, walking to the mat): it
is read from the torso's elevation in MediaPipe's world landmarks, which does not depend on
where the camera stands (a lying torso seen from the feet end points up the image). Verdicts
are debounced in time so one bad frame neither stops nor starts counting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from formcheck.analysis import geometry as g
from formcheck.analysis.body_up import camera_pitch_up
from formcheck.analysis.exercise import CameraSpec
from formcheck.analysis.measures import Points
from formcheck.analysis.state import Cue
from formcheck.pose.landmarks import LM, PoseFrame

SIDE_MAX_WIDTH = 0.45  # shoulder/hip width over torso length: side-on below this
FRONT_MIN_WIDTH = 0.55  # facing above this
LYING_MAX_ELEVATION = 40.0
# Lying on one's side propped on a forearm or hand lifts the torso to ~60 degrees (more seen from
# above): still lying while the pelvis is on its side, one hip over the other. A standing or
# kneeling pelvis tilts 10-15 degrees at most, so its hip-to-hip line never reads ON_SIDE_MIN.
PROPPED_MAX_ELEVATION = 65.0
ON_SIDE_MIN = 30.0
# A standing torso reads 90 minus the camera's pitch (45 from a phone on a table looking down).
UPRIGHT_MIN_ELEVATION = 40.0
# ... and leans toward a camera looking down (the head nearer than the hips): up to this pitch,
# a torso within UPRIGHT_MAX_TILT of that camera's vertical is upright, however little it rises
# in the image. A torso leaning away (lying, seen from the feet end) or pointing straight at
# the camera (a plank seen head-on) is not.
MAX_PITCH = 45.0
UPRIGHT_MAX_TILT = 25.0
# ... and a body lying along the line of sight tilts by that pitch (up the image as it points
# away, down as it points toward the camera): torso and thighs both within LEVEL_MAX_TILT of
# the floor of one camera looking down 0 to MAX_PITCH lie flat, however steep they read in the
# camera's frame (a push-up filmed from the feet end by a phone on a table reads 45-60). The
# thighs tell it from a torso leaning away over standing legs, which looks the same.
LEVEL_MAX_TILT = 25.0
# Which way the front of the body faces: its elevation (world landmarks, camera-aligned) is
# +90 straight up, -90 face down. On the back it read +29 to +84 on the real clips, face down
# -47 to -87, on one side -15 to +11; a camera looking down by p moves a level front by up to
# p. A posture is refused only clearly beyond these: a side-lying front never reads past
# MAX_PITCH from level.
FACING_MARGIN = 25.0  # on the back: refused below -25; face down: above +25
SIDE_MAX_FRONT = 60.0  # side-lying: refused beyond +-60
MIN_VIS = 0.3
EDGE = 0.02  # normalised margin: a landmark this far outside the frame is "cut off"

CUES = {
    "no_person": Cue("no_person", "Step into view", "setup"),
    "turn_side": Cue("turn_side", "Turn side-on to the camera", "setup"),
    "turn_front": Cue("turn_front", "Face the camera", "setup"),
    "lie_down": Cue("lie_down", "Get into position on the floor", "setup"),
    "lie_on_back": Cue("lie_on_back", "Lie on your back", "setup"),
    "face_down": Cue("face_down", "Turn to face the floor", "setup"),
    "lie_on_side": Cue("lie_on_side", "Lie on your side", "setup"),
    "stand_up": Cue("stand_up", "Stand up to start", "setup"),
    "whole_body": Cue("whole_body", "Get your whole body in view", "setup"),
}


@dataclass(frozen=True)
class ViewJudgement:
    ok: bool  # filmed as the exercise prefers (advice)
    cue: Cue | None
    width_ratio: float
    elevation: float
    in_position: bool = True  # a person, in the exercise's posture: counting may go on


def width_ratio(px: np.ndarray) -> float:
    sh = np.linalg.norm(px[11] - px[12])
    hp = np.linalg.norm(px[23] - px[24])
    torso = np.linalg.norm(_torso(px))
    width = float((sh + hp) / 2)
    if not math.isfinite(torso) or not math.isfinite(width):
        return math.nan
    if not torso:  # filmed along the spine (from the head or the feet): all width
        return math.inf if width else math.nan
    return width / float(torso)


def _torso(points: np.ndarray) -> np.ndarray:
    """Mid-hips to mid-shoulders."""
    return (points[11] + points[12]) / 2 - (points[23] + points[24]) / 2


def _world_torso(world: np.ndarray | None) -> np.ndarray | None:
    """The torso in world landmarks, None where they are missing."""
    if world is None or not np.isfinite(world[[11, 12, 23, 24]]).all():
        return None
    return _torso(world)


def torso_elevation(px: np.ndarray) -> float:
    d = _torso(px)
    return math.degrees(math.atan2(abs(float(d[1])), abs(float(d[0]))))


def world_torso_elevation(world: np.ndarray | None, px: np.ndarray) -> float:
    """The torso's elevation above the horizontal in metres (camera-aligned, y down): the
    same from every side of the person; the pixel elevation where there are no world
    landmarks."""
    d = _world_torso(world)
    if d is None:
        return torso_elevation(px)
    return math.degrees(math.atan2(abs(float(d[1])), math.hypot(float(d[0]), float(d[2]))))


def upright_for_pitched_camera(world: np.ndarray | None) -> bool:
    """The torso (world landmarks) within UPRIGHT_MAX_TILT of the vertical of a camera looking
    down by 0 to MAX_PITCH degrees (body_up.camera_pitch_up: the pitch nearest the torso)."""
    d = _world_torso(world)
    if d is None or not float(np.linalg.norm(d)):
        return False
    return g.angle_to_deg(d, camera_pitch_up(d, MAX_PITCH)) <= UPRIGHT_MAX_TILT


# The vertical (y down, z away) of a camera looking down by each pitch 0 to MAX_PITCH, every 5
# degrees: the pitches a lying or standing body is tried against.
_PITCHED_UPS = np.array([(0.0, -math.cos(p), -math.sin(p))
                         for p in np.radians(np.arange(0.0, MAX_PITCH + 1.0, 5.0))])


def _torso_and_thigh(world: np.ndarray | None) -> np.ndarray | None:
    """(2, 3) unit vectors in world landmarks: mid-hips to mid-shoulders and mid-knees to
    mid-hips (both up in a person standing straight); None where they are missing."""
    if world is None or not np.isfinite(world[[11, 12, 23, 24, 25, 26]]).all():
        return None
    limbs = np.array([_torso(world), (world[23] + world[24] - world[25] - world[26]) / 2])
    n = np.linalg.norm(limbs, axis=1, keepdims=True)
    return limbs / n if n.all() else None


def level_for_pitched_camera(world: np.ndarray | None) -> bool:
    """Torso and thighs (world landmarks) both within LEVEL_MAX_TILT of the floor of a camera
    looking down by one pitch of 0 to MAX_PITCH."""
    limbs = _torso_and_thigh(world)
    most = math.sin(math.radians(LEVEL_MAX_TILT))
    return limbs is not None and bool((np.abs(limbs @ _PITCHED_UPS.T) <= most).all(0).any())


def standing_for_pitched_camera(world: np.ndarray | None) -> bool:
    """Torso and thighs (world landmarks) both within UPRIGHT_MAX_TILT of the vertical of a
    camera looking down by one pitch of 0 to MAX_PITCH: a person standing straight. From a
    camera looking down 40 degrees a standing torso reads only 50 above the camera's
    horizontal, a lying one seen from the feet end 40: what tells them apart is that the
    standing one leans its top toward the camera, and the thighs go with it."""
    limbs = _torso_and_thigh(world)
    least = math.cos(math.radians(UPRIGHT_MAX_TILT))
    return limbs is not None and bool((limbs @ _PITCHED_UPS.T >= least).all(0).any())


def on_side(world: np.ndarray | None) -> bool:
    """The pelvis turned on its side: the hip-to-hip line (world landmarks) at least ON_SIDE_MIN
    above the horizontal. Depth noise only flattens it, so it does not fake a side-lying."""
    if world is None or not np.isfinite(world[[23, 24]]).all():
        return False
    d = world[23] - world[24]
    return math.degrees(math.atan2(abs(float(d[1])), math.hypot(float(d[0]), float(d[2])))
                        ) >= ON_SIDE_MIN


def front_votes(world: np.ndarray | None) -> list[float]:
    """Elevations (degrees) above the camera's horizontal of the direction the front of the
    body faces, as two independent witnesses tell it: the chest's normal (torso x hip-to-hip
    line, which a left/right mix-up of the model flips) and the head's forward line (ears to
    nose, which it does not). Each where seen; none without world landmarks. Read on every
    frame, so in floats (np.cross costs more than the rest)."""
    if world is None:
        return []
    tx, ty, tz = ((world[11] + world[12] - world[23] - world[24]) / 2).tolist()  # torso
    ax, ay, az = ((world[12] + world[24] - world[11] - world[23]) / 2).tolist()  # across
    chest = (ty * az - tz * ay, tz * ax - tx * az, tx * ay - ty * ax)
    head = (world[0] - (world[7] + world[8]) / 2).tolist()
    votes = []
    for v in (chest, head):
        n = math.hypot(*v)
        if n and math.isfinite(n):  # NaN where a landmark is missing
            votes.append(math.degrees(math.asin(max(-1.0, min(1.0, -v[1] / n)))))
    return votes


def front_elevation(world: np.ndarray | None) -> float:
    """The mean of front_votes; NaN with none."""
    votes = front_votes(world)
    return float(np.mean(votes)) if votes else math.nan


def facing_cue(faces: str, world: np.ndarray | None) -> Cue | None:
    """The cue when the body clearly faces otherwise than `faces` (FACES): the witnesses'
    mean beyond the margin, and none of them clearly saying the posture is right (the chest
    of a person the model mixed left for right says face down, their head still says up).
    Else None."""
    votes = front_votes(world) if faces != "any" else []
    if not votes:
        return None
    mean = float(np.mean(votes))
    if faces == "up" and mean < -FACING_MARGIN and max(votes) < FACING_MARGIN:
        return CUES["lie_on_back"]
    if faces == "down" and mean > FACING_MARGIN and min(votes) > -FACING_MARGIN:
        return CUES["face_down"]
    if faces == "side" and abs(mean) > SIDE_MAX_FRONT and min(abs(v) for v in votes) > (
            FACING_MARGIN):
        return CUES["lie_on_side"]
    return None


def _lying(elev: float, world: np.ndarray | None) -> bool:
    """Lying: the torso near horizontal, or lifted (propped on an arm) with the pelvis on its
    side, or torso and thighs flat for a camera looking down; never standing straight."""
    return (elev <= LYING_MAX_ELEVATION or (elev <= PROPPED_MAX_ELEVATION and on_side(world))
            or level_for_pitched_camera(world)) and not standing_for_pitched_camera(world)


def judge(pose: PoseFrame, camera: CameraSpec, side: str, moving: bool = False
          ) -> ViewJudgement:
    """One frame's verdict (undebounced). The posture is that of the start position, so it is
    not judged while `moving` (a rep under way: a hinge or a fold takes the torso from upright
    to horizontal on purpose)."""
    if not pose.detected:
        return ViewJudgement(False, CUES["no_person"], math.nan, math.nan, False)
    px = pose.pixels
    wr, elev = width_ratio(px), world_torso_elevation(pose.world, px)
    if camera.posture == "lying" and not moving and not _lying(elev, pose.world):
        return ViewJudgement(False, CUES["lie_down"], wr, elev, False)
    if not moving and (cue := facing_cue(camera.faces, pose.world)) is not None:
        return ViewJudgement(False, cue, wr, elev, False)
    if (camera.posture == "upright" and elev < UPRIGHT_MIN_ELEVATION and not moving
            and not upright_for_pitched_camera(pose.world)):
        return ViewJudgement(False, CUES["stand_up"], wr, elev, False)
    side_max = camera.max_width if camera.max_width is not None else SIDE_MAX_WIDTH
    front_min = camera.min_width if camera.min_width is not None else FRONT_MIN_WIDTH
    if camera.view == "side" and wr > side_max:
        return ViewJudgement(False, CUES["turn_side"], wr, elev)
    if camera.view == "front" and wr < front_min:
        return ViewJudgement(False, CUES["turn_front"], wr, elev)
    assert pose.image is not None and pose.visibility is not None  # detected
    pts = Points(px, pose.visibility, side, min_visibility=0.0)
    for name in camera.required:
        i = pts.index(name)
        pair = (i,) if i is not None else (pts.index("left_" + name[4:]),
                                           pts.index("right_" + name[4:]))
        for j in (k for k in pair if k is not None):
            x, y = pose.image[j, 0], pose.image[j, 1]
            # In a side view the far limb hides behind the near one: that is not a framing
            # problem, so a landmark counts as seen when it or its mirror twin is visible.
            seen = max(pose.visibility[j], pose.visibility[_MIRROR[j]])
            if (seen < MIN_VIS or not -EDGE <= x <= 1 + EDGE
                    or not -EDGE <= y <= 1 + EDGE):
                return ViewJudgement(False, CUES["whole_body"], wr, elev)
    return ViewJudgement(True, None, wr, elev)


def _mirror_index() -> list[int]:
    out = list(range(len(LM)))
    for m in LM:
        for a, b in (("LEFT_", "RIGHT_"), ("RIGHT_", "LEFT_")):
            if m.name.startswith(a):
                out[int(m)] = int(LM[b + m.name[len(a):]])
    return out


_MIRROR = _mirror_index()


class _Debounced:
    """A boolean verdict whose change must persist `settle_s` to take effect. A frame with no
    verdict (nobody found in it) within `settle_s` of the last one neither confirms nor
    cancels a pending change: a lost frame is a gap, not a person seen out of position."""

    def __init__(self, settle_s: float):
        self.settle_s, self.value = settle_s, False
        self.since = 0.0  # when the current value began to be seen (before it took effect)
        self._pending: tuple[bool, float] | None = None
        self._known_t: float | None = None  # the last frame with a verdict

    def update(self, value: bool, t: float, first: bool, known: bool = True) -> bool:
        if not known and self._pending is not None and self._known_t is not None and (
                t - self._known_t < self.settle_s):
            return self.value
        if known:
            self._known_t = t
        if value != self.value:
            if self._pending is None or self._pending[0] != value:
                self._pending = (value, t)
            if first or t - self._pending[1] >= self.settle_s:
                self.value, self.since, self._pending = value, self._pending[1], None
        else:
            self._pending = None
        return self.value


class ViewCheck:
    """Debounced verdicts: `in_position` (counting may go on) and `ok` (filmed as advised;
    otherwise `cue` says what to change). Seconds of each piece of advice are totalled."""

    def __init__(self, camera: CameraSpec, settle_s: float = 0.5):
        self.camera = camera
        self._ok, self._in_position = _Debounced(settle_s), _Debounced(settle_s)
        self.cue: Cue | None = CUES["no_person"]
        self.ok_time = 0.0
        self.bad_time = 0.0  # in position but filmed against the advice
        self.out_time = 0.0  # not in position (or no person): nothing counted
        self.cue_seconds: dict[str, float] = {}
        self._last_t: float | None = None
        self._seen_out_at: float | None = None  # last frame with a person not in position
        self.dt = 0.0  # time since the previous update (capped at 1 s: a gap is not time spent)
        self.frame_in_position = False  # this frame's verdict, before the debounce

    @property
    def ok(self) -> bool:
        return self._ok.value

    @property
    def in_position(self) -> bool:
        return self._in_position.value

    @property
    def in_position_since(self) -> float | None:
        """When the person, just come into view, was first seen in position (the settling
        delay is there to ignore a flicker, not to lose the start of a rep begun at once);
        None when they were seen getting into position, which is never a rep."""
        since = self._in_position.since
        return None if self._seen_out_at is not None and self._seen_out_at < since else since

    def update(self, pose: PoseFrame, side: str, moving: bool = False) -> bool:
        """Whether the person is in position (the key measure may be counted)."""
        j = judge(pose, self.camera, side, moving)
        t = pose.t_s
        self.frame_in_position = j.in_position
        if pose.detected and not j.in_position:
            self._seen_out_at = t
        elif not pose.detected and not self.in_position:
            self._seen_out_at = None  # out of view: whoever comes next arrives afresh
        first = self._last_t is None
        dt = self.dt = 0.0 if self._last_t is None else min(max(t - self._last_t, 0.0), 1.0)
        self._last_t = t
        ok = self._ok.update(j.ok, t, first)
        placed = self._in_position.update(j.in_position, t, first, known=pose.detected)
        self.cue = None if ok else (j.cue or self.cue)
        if not placed:
            self.out_time += dt
        elif ok:
            self.ok_time += dt
        else:
            self.bad_time += dt
        if not ok and self.cue:
            self.cue_seconds[self.cue.code] = self.cue_seconds.get(self.cue.code, 0.0) + dt
        return placed
