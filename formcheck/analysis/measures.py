"""Named measurement functions that exercise files refer to.

An exercise file declares measures such as
    hip = { fn = "joint_angle", points = ["shoulder", "hip", "knee"], reflex_above = true }
Point names resolve against the working side: "hip" is that side's hip, "other_knee" the
other side's, "mid_hip" the midpoint of both, "left_ankle" / "right_ankle" are explicit.

`space` says which coordinates a measure is taken in (SPACES):
- "image": pixels. Sharp, but a joint bending toward the camera is foreshortened.
- "world": MediaPipe's metric 3-D world landmarks. True 3-D angles from any camera angle,
  noisier (depth is estimated).
- "hybrid": pixel x and y with depth from the world landmarks at the pixels' scale: the
  image's sharpness across the frame, and 3-D where a limb turns toward the camera.
- "sagittal": hybrid points projected onto the body's own side-view plane (perpendicular to
  the hip-to-hip line): what a camera square to the person's side would see, from wherever
  the camera stands. A hip angle is flexion and extension, not the shoulders' width.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from formcheck.analysis import geometry as g
from formcheck.pose.landmarks import LM

MIN_VISIBILITY = 0.3
SPACES = ("image", "world", "hybrid", "sagittal")
# Which way is up for elevation and from-vertical measures: "camera" is image up (and the
# world landmarks' up, aligned with the camera), "standing" the person's own vertical, learnt
# while they stand straight (formcheck.analysis.body_up): the same from a camera looking down.
UPS = ("camera", "standing")
UP_FNS = ("segment_elevation", "segment_vertical")
# "deg": an angle in degrees; "ratio": a length in units of the measure's scale segment.
UNITS = ("deg", "ratio")
# Limbs whose image and world lengths give a frame's pixels per metre (torso, thighs, shins,
# upper arms).
SCALE_SEGMENTS = ((11, 23), (12, 24), (23, 25), (24, 26), (25, 27), (26, 28), (11, 13), (12, 14))
_SCALE_ENDS = np.array(SCALE_SEGMENTS).T  # (2, n): each segment's two landmarks
_BASE_NAMES = {m.name.lower().removeprefix("left_") for m in LM if m.name.startswith("LEFT_")}
_BASE_NAMES |= {"nose"}


def point_names() -> set[str]:
    names = {"nose"}
    for base in _BASE_NAMES - {"nose"}:
        names |= {base, f"other_{base}", f"mid_{base}", f"left_{base}", f"right_{base}"}
    return names


class Points:
    """Landmark lookup by name for one frame and working side; low-visibility points are NaN."""

    def __init__(self, px: np.ndarray, visibility: np.ndarray | None, side: str,
                 min_visibility: float = MIN_VISIBILITY, world: np.ndarray | None = None,
                 up: np.ndarray | None = None):
        # no visibility (a frame without a person): every point unseen
        vis = visibility if visibility is not None else np.zeros(len(px))
        self.px, self.vis, self.side, self.min_vis = px, vis, side, min_visibility
        self.other = "right" if side == "left" else "left"
        self.world = world  # (33, 3) metres, for the few measures that need depth
        self.up = up  # unit vector: the person's vertical in these coordinates, when learnt

    def get_world(self, name: str) -> np.ndarray:
        """Like get(), in world coordinates (NaN when not given or not visible)."""
        if self.world is None:
            return np.array([math.nan] * 3)
        return Points(self.world, self.vis, self.side, self.min_vis).get(name)

    def _idx(self, side: str, base: str) -> int:
        return int(LM[f"{side.upper()}_{base.upper()}"])

    def get(self, name: str) -> np.ndarray:
        if name == "nose":
            return self._pick(int(LM.NOSE))
        if name.startswith("mid_"):
            base = name[4:]
            a, b = self._pick(self._idx("left", base)), self._pick(self._idx("right", base))
            return (a + b) / 2
        if name.startswith("other_"):
            return self._pick(self._idx(self.other, name[6:]))
        if name.startswith(("left_", "right_")):
            side, base = name.split("_", 1)
            return self._pick(self._idx(side, base))
        return self._pick(self._idx(self.side, name))

    def _pick(self, i: int) -> np.ndarray:
        if self.vis[i] < self.min_vis:
            return np.full(self.px.shape[1], math.nan)
        return self.px[i]

    def index(self, name: str) -> int | None:
        """Landmark index to draw a measure at (None for midpoints)."""
        if name.startswith("mid_"):
            return None
        if name == "nose":
            return int(LM.NOSE)
        if name.startswith("other_"):
            return self._idx(self.other, name[6:])
        if name.startswith(("left_", "right_")):
            side, base = name.split("_", 1)
            return self._idx(side, base)
        return self._idx(self.side, name)


def angle_text(value: float) -> str:
    """An angle as a person reads it: no joint reads past straight, so a hip extended beyond
    the line of the body (a bridge arched above it) shows as 180+7, not 187."""
    if value > 180.5:
        return f"180+{value - 180:.0f}"
    return f"{value:.0f}"


def default_space(fn: str) -> str:
    """Angles between limbs are taken in 3-D ("hybrid") unless a file says otherwise (measured
    on the real clips, it held up best across views); lengths, heights and positions stay in
    the image, where a ratio of two lengths is what is seen."""
    return "hybrid" if fn in _ANGLE_FNS else "image"


def default_unit(fn: str) -> str:
    """What a function gives: the ones divided by a scale segment are ratios, the rest angles."""
    return "ratio" if MEASURE_FUNCTIONS[fn][2] else "deg"


def sagittal_points(points: np.ndarray | None) -> np.ndarray | None:
    """3-D points projected onto the plane through the hip centre square to the line across
    the hips and shoulders (the body's left-right axis); None when that axis is unknown."""
    if points is None:
        return None
    across = (points[24] - points[23]) + (points[12] - points[11])
    n = float(np.linalg.norm(across))
    if not n or not math.isfinite(n):
        return None
    axis = across / n
    centre = (points[23] + points[24]) / 2
    return points - np.outer((points - centre) @ axis, axis)


def hybrid_points(px: np.ndarray, world: np.ndarray | None) -> np.ndarray | None:
    """(33, 3): pixel x, y and the world landmarks' depth in pixels. The scale is the image
    length over the world length of the limbs in the image plane, where both foreshorten
    alike; None without world landmarks."""
    if world is None:
        return None
    a, b = _SCALE_ENDS
    w = np.hypot(*(world[a, :2] - world[b, :2]).T)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.hypot(*(px[a] - px[b]).T) / w
    ratios = ratios[(w > 0.05) & np.isfinite(ratios)]
    if not len(ratios):
        return None
    return np.column_stack([px, world[:, 2] * float(np.median(ratios))])


MeasureFn = Callable[[Points, "MeasureSpec"], float]


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    fn: str
    points: tuple[str, ...]
    scale: tuple[str, ...] = ()
    reflex_above: bool = False
    unit: str = "deg"
    params: dict = field(default_factory=dict)
    space: str = "image"  # SPACES
    up: str = "camera"  # UPS

    @property
    def vertex(self) -> str:
        """The point where the value is drawn."""
        return self.points[1] if len(self.points) >= 3 else self.points[0]


def _p(pts: Points, spec: MeasureSpec) -> list[np.ndarray]:
    return [pts.get(n) for n in spec.points]


def _scale(pts: Points, spec: MeasureSpec) -> float:
    """Length of the spec's scale segment in pixels; 0 when it cannot be measured."""
    s0, s1 = (pts.get(n) for n in spec.scale)
    scale = float(np.linalg.norm(s1 - s0))
    return scale if math.isfinite(scale) else 0.0


def joint_angle(pts: Points, spec: MeasureSpec) -> float:
    """Angle a-b-c; with reflex_above, continues past 180 when b is above the a-c line."""
    a, b, c = _p(pts, spec)
    return g.reflex_if_above(a, b, c) if spec.reflex_above else g.angle_deg(a, b, c)


def segment_vertical(pts: Points, spec: MeasureSpec) -> float:
    """Angle of segment a->b from vertical (upper arm under the shoulder reads ~0)."""
    a, b = _p(pts, spec)
    if spec.up == "camera":
        return g.segment_angle_from_vertical(a, b)
    # the person's vertical: unknown (NaN) until they have stood straight
    return math.nan if pts.up is None else g.angle_to_deg(b - a, -pts.up)


def segment_elevation(pts: Points, spec: MeasureSpec) -> float:
    """Elevation of a->b above horizontal; torso hinge: upright 90, horizontal 0."""
    a, b = _p(pts, spec)
    if spec.up == "camera":
        return g.elevation_deg(a, b)
    return math.nan if pts.up is None else 90.0 - g.angle_to_deg(b - a, pts.up)


def extension(pts: Points, spec: MeasureSpec) -> float:
    """How far segment b->c rises above the continuation of a->b (degrees, up positive):
    the working thigh lifted above the torso line reads positive."""
    a, b, c = _p(pts, spec)
    return g.signed_turn_deg(b - a, c - b)


def distance_ratio(pts: Points, spec: MeasureSpec) -> float:
    """|a-b| divided by the length of the scale segment (e.g. thigh length)."""
    a, b = _p(pts, spec)
    scale = _scale(pts, spec)
    if not scale:
        return math.nan
    return float(np.linalg.norm(a - b)) / scale


def ahead_ratio(pts: Points, spec: MeasureSpec) -> float:
    """How far a is ahead of b horizontally, in the facing direction given by heel->toe,
    divided by the scale segment: knee past the toes reads positive."""
    a, b = _p(pts, spec)
    heel, toe = pts.get("heel"), pts.get("foot_index")
    scale = _scale(pts, spec)
    facing = np.sign(toe[0] - heel[0]) if np.isfinite(toe[0] - heel[0]) else math.nan
    if not scale or not facing:
        return math.nan
    return float((a[0] - b[0]) * facing) / scale


def position_x(pts: Points, spec: MeasureSpec) -> float:
    """Horizontal position of a point in units of the scale segment (for sway: take the
    `std` or `range` over a phase)."""
    (a,) = _p(pts, spec)
    scale = _scale(pts, spec)
    if not scale:
        return math.nan
    return float(a[0]) / scale


def height_diff_ratio(pts: Points, spec: MeasureSpec) -> float:
    """How much higher a is than b (image up positive), in units of the scale segment."""
    a, b = _p(pts, spec)
    scale = _scale(pts, spec)
    if not scale:
        return math.nan
    return float(b[1] - a[1]) / scale


def segment_angle(pts: Points, spec: MeasureSpec) -> float:
    """Angle between segments a->b and c->d, 0..180 (between two limbs, unsigned: for an
    opening that must not count a limb turning some other way, see spread_along)."""
    a, b, c, d = _p(pts, spec)
    u, v = b - a, d - c
    n = float(np.linalg.norm(u) * np.linalg.norm(v))
    if not n or not math.isfinite(n):
        return math.nan
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(u, v)) / n))))


def spread_along(pts: Points, spec: MeasureSpec) -> float:
    """How far segment a->b leans along the line c->a past segment c->d (degrees, signed): each
    segment's angle out of the plane square to that line, the second's taken from the first's.
    Thighs from the hips (hip, knee, other_hip, other_knee): the clamshell's opening, which is
    the top knee rising along the line of the hips; a knee drawn up toward the chest (getting
    up, rolling) turns the thighs apart too but moves neither along that line."""
    a, b, c, d = _p(pts, spec)
    axis, u, v = a - c, b - a, d - c
    n = float(np.linalg.norm(axis) * np.linalg.norm(u) * np.linalg.norm(v))
    if not n or not math.isfinite(n):
        return math.nan
    axis = axis / np.linalg.norm(axis)

    def lean(w: np.ndarray) -> float:
        sine = float(w @ axis) / float(np.linalg.norm(w))
        return math.degrees(math.asin(max(-1.0, min(1.0, sine))))

    return lean(u) - lean(v)


def segment_turn(pts: Points, spec: MeasureSpec) -> float:
    """Signed angle from direction a->b to direction c->d, positive when c->d points more
    upward in the image: a single-leg bridge's free leg (other_hip->other_ankle) against the
    working thigh (hip->knee) reads 0 held in line, negative as it drops."""
    a, b, c, d = _p(pts, spec)
    return g.signed_turn_deg(b - a, d - c)


def _cross(u: np.ndarray, v: np.ndarray) -> float:
    return float(u[0] * v[1] - u[1] * v[0])


def body_sense(pts: Points) -> float:
    """+1 if the person is seen as an upright person facing image-right would be, -1 if
    mirrored; NaN when undecidable. Rotation-invariant, so it holds lying, kneeling or hinged:
    the toes point to the front of the shin, the nose to the front of the torso."""
    vote = 0.0
    for s in ("left", "right"):
        knee, ankle = pts.get(f"{s}_knee"), pts.get(f"{s}_ankle")
        heel, toe = pts.get(f"{s}_heel"), pts.get(f"{s}_foot_index")
        shin, foot = ankle - knee, toe - heel
        n = float(np.linalg.norm(shin) * np.linalg.norm(foot))
        if n and math.isfinite(n):
            vote -= _cross(shin, foot) / n
    torso = pts.get("mid_shoulder") - pts.get("mid_hip")
    ears = [e for e in (pts.get("left_ear"), pts.get("right_ear")) if np.isfinite(e).all()]
    head = pts.get("nose") - np.mean(ears, axis=0) if ears else np.array([math.nan] * 2)
    n = float(np.linalg.norm(torso) * np.linalg.norm(head))
    if n and math.isfinite(n):
        vote += 0.5 * _cross(torso, head) / n  # a head turned to the camera votes weakly
    return math.copysign(1.0, vote) if abs(vote) > 0.2 else math.nan


def flexion(pts: Points, spec: MeasureSpec) -> float:
    """Signed bend at b (degrees): 0 when a-b-c is straight, positive when c turns to the front
    of the body, negative behind. shoulder-hip-knee: thigh forward (leg swing front, hinge) is
    positive, thigh behind the torso line (swing back, back leg of a lunge) negative."""
    a, b, c = _p(pts, spec)
    u, v = b - a, c - b
    n = float(np.linalg.norm(u) * np.linalg.norm(v))
    sense = body_sense(pts)
    if not n or not math.isfinite(n) or math.isnan(sense):
        return math.nan
    ang = math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(u, v)) / n))))
    return ang if -_cross(u, v) * sense > 0 else -ang


# No hip or shoulder folds a limb back onto its own trunk: a turn past this is a failed pose
# (MediaPipe flips a person seen from behind upside down mid-swing), not a measurement.
MAX_TURN = 150.0


def swing_angle(pts: Points, spec: MeasureSpec) -> float:
    """Signed turn of b->c from the line a->b in the image plane (degrees, 0 in line): one way
    positive, the other negative, the sign fixed by the camera, not by which way the body
    faces. A swing is measured in the plane where it happens: front-back seen from the side,
    side-to-side seen from the front or behind. Past MAX_TURN: not measurable (NaN)."""
    a, b, c = (p[:2] for p in _p(pts, spec))
    u, v = b - a, c - b
    ang = math.degrees(math.atan2(_cross(u, v), float(np.dot(u, v))))
    return ang if abs(ang) <= MAX_TURN else math.nan


def forward_ratio(pts: Points, spec: MeasureSpec) -> float:
    """How far a is ahead of b horizontally, in the direction an upright person faces (from the
    whole body, not one foot), divided by the scale segment: the front knee past its toes in a
    lunge reads positive, hips forward of the back knee too."""
    a, b = _p(pts, spec)
    scale = _scale(pts, spec)
    sense = body_sense(pts)
    if not scale or math.isnan(sense):
        return math.nan
    return float((a[0] - b[0]) * sense) / scale


def out_of_plane(pts: Points, spec: MeasureSpec) -> float:
    """How far segment a->b points toward or away from the camera (world landmarks, degrees,
    0 = across the image): the clamshell's pelvis rolling back turns the hip-to-hip line,
    which a front view cannot see in pixels."""
    a, b = (pts.get_world(n) for n in spec.points)
    d = b - a
    flat = math.hypot(float(d[0]), float(d[1]))
    if not np.all(np.isfinite(d)) or not (flat or d[2]):
        return math.nan
    return abs(math.degrees(math.atan2(float(d[2]), flat)))


def joint_angle_world(pts: Points, spec: MeasureSpec) -> float:
    """Angle a-b-c from world landmarks: for joints bending toward the camera (the knees in a
    front view of side-lying work), where the pixel angle is foreshortened."""
    a, b, c = (pts.get_world(n) for n in spec.points)
    u, v = a - b, c - b
    n = float(np.linalg.norm(u) * np.linalg.norm(v))
    if not n or not math.isfinite(n):
        return math.nan
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(u, v)) / n))))


# fn name -> (function, number of points, needs scale)
MEASURE_FUNCTIONS: dict[str, tuple[MeasureFn, int, bool]] = {
    "joint_angle": (joint_angle, 3, False),
    "segment_vertical": (segment_vertical, 2, False),
    "segment_elevation": (segment_elevation, 2, False),
    "extension": (extension, 3, False),
    "distance_ratio": (distance_ratio, 2, True),
    "ahead_ratio": (ahead_ratio, 2, True),
    "position_x": (position_x, 1, True),
    "height_diff_ratio": (height_diff_ratio, 2, True),
    "segment_angle": (segment_angle, 4, False),
    "spread_along": (spread_along, 4, False),
    "segment_turn": (segment_turn, 4, False),
    "flexion": (flexion, 3, False),
    "swing_angle": (swing_angle, 3, False),
    "forward_ratio": (forward_ratio, 2, True),
    "out_of_plane": (out_of_plane, 2, False),
    "joint_angle_world": (joint_angle_world, 3, False),
}


# Below this, a segment points too steeply toward or away from the camera (over ~70 degrees
# out of the image plane) for an angle through it to be judged: its image is a stub, and its
# depth is MediaPipe's estimate.
MIN_FORESHORTENING = 0.35


def _segments(spec: MeasureSpec, pts: Points) -> list[np.ndarray]:
    p = [pts.get(n) for n in spec.points]
    if len(p) == 3:
        return [p[0] - p[1], p[2] - p[1]]
    if len(p) == 4:
        return [p[1] - p[0], p[3] - p[2]]
    return []


def observable(spec: MeasureSpec, depth: Points | None) -> bool:
    """Whether an angle in the image (or with estimated depth) can be judged from this view:
    every segment it is taken between lies within ~70 degrees of the image plane, read from
    3-D points (`depth`: pixels with depth). World-space measures and ratios always can."""
    if depth is None or spec.space == "world" or spec.unit != "deg":
        return True
    for seg in _segments(spec, depth):
        full = math.sqrt(float(seg @ seg))
        if math.isfinite(full) and full > 0 and math.hypot(seg[0], seg[1]) < (
                MIN_FORESHORTENING * full):
            return False
    return True


_ANGLE_FNS = ("joint_angle", "segment_vertical", "segment_elevation", "extension",
              "segment_angle", "segment_turn", "spread_along")


def evaluate(spec: MeasureSpec, pts: Points) -> float:
    fn = MEASURE_FUNCTIONS[spec.fn][0]
    with np.errstate(invalid="ignore", divide="ignore"):
        value = fn(pts, spec)
    return value if math.isfinite(value) else math.nan
