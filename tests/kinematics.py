"""Synthetic MediaPipe-style pose tracks from a small kinematic body model, for testing.

Analyzer rules must be tested one at a time on tracks whose truth is known: this module builds a
stick figure from joint angles, moves it through keyframes (reps, holds, transitions), renders a
`PoseTrack` and returns a `Truth` record, and offers corruptions (jitter, occlusion, dropped
frames, mirrored / rotated views, cropping) to apply on top.

Conventions: angles in degrees. In the default side view (`Scene.facing=+1`) the person's RIGHT
side is near the camera. Supine postures have the head on the left, prone ones on the right.
Segment lengths are pixels (`Body`), world coordinates are metres (`m_per_px`), hip-centred.
"""

from __future__ import annotations

import bisect
import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from formcheck.pose.landmarks import LM, N_LANDMARKS, PoseTrack

Pair = tuple[float, float]
_LEFT = np.array([i for i in LM if "LEFT" in i.name])
_RIGHT = np.array([LM[i.name.replace("LEFT", "RIGHT")] for i in LM if "LEFT" in i.name])
_SWAP = np.arange(N_LANDMARKS)
_SWAP[_LEFT], _SWAP[_RIGHT] = _RIGHT, _LEFT
# Per-landmark visibilities (deterministic variety, same for a left/right pair so mirroring is
# exact): near side ~0.95-0.99, hidden far side 0.3-0.6.
_PAIR = np.minimum(np.arange(N_LANDMARKS), _SWAP)
_NEAR = 0.99 - 0.04 * ((_PAIR * 0.4142) % 1)
_FAR = 0.3 + 0.3 * ((_PAIR * 0.6180) % 1)


# --------------------------------------------------------------------------- body and pose

@dataclass(frozen=True)
class Body:
    """Segment lengths in pixels (default: an adult ~1.75 m tall at 340 px/m)."""

    torso: float = 170.0  # hip centre -> shoulder centre
    thigh: float = 145.0
    shin: float = 140.0
    foot: float = 75.0  # heel -> toe along the sole
    heel_back: float = 15.0  # heel behind the ankle
    ankle_h: float = 22.0  # ankle centre above the sole
    upper_arm: float = 100.0
    forearm: float = 90.0
    hand: float = 30.0
    neck: float = 60.0  # shoulder centre -> head centre
    head_r: float = 35.0
    hip_width: float = 62.0
    shoulder_width: float = 120.0
    pad: float = 24.0  # joint centre height above the floor when lying on it
    m_per_px: float = 1 / 340
    scale: float = 1.0

    def scaled(self, k: float) -> Body:
        """Same person k times larger on screen (world metres unchanged)."""
        kw = {f: getattr(self, f) * k for f in self.__dataclass_fields__
              if f not in ("m_per_px", "scale")}
        return Body(**kw, m_per_px=self.m_per_px / k, scale=self.scale * k)


@dataclass(frozen=True)
class Scene:
    """Frame, body and placement. facing=-1 mirrors the person (left side near the camera)."""

    width: int = 1280
    height: int = 720
    fps: float = 30.0
    body: Body = field(default_factory=Body)
    floor: float = 0.85  # floor line as a fraction of the height
    x: float = 0.5  # horizontal centre of the body as a fraction of the width
    facing: int = 1
    yaw: float = 0.0  # camera turned about the vertical through the hips (oblique views)

    @classmethod
    def portrait(cls, **kw) -> Scene:
        """A phone upright on the floor (1080x1920), person scaled up to fill the width."""
        return cls(**{"width": 1080, "height": 1920, "body": Body().scaled(1.4), "floor": 0.7,
                      **kw})

    @property
    def floor_px(self) -> float:
        return self.floor * self.height

    @property
    def cx(self) -> float:
        return self.x * self.width


@dataclass(frozen=True)
class Pose:
    """Root (hip centre, pixels), whole-body orientation and per-side (left, right) joint angles.

    torso: direction of hip->shoulder in the side view (90 upright, 180 supine head-left, 0 prone
    head-right); yaw: turn about the spine before that (0 side view, -90 front toward camera).
    Joint angles are flexions from standing (hip/shoulder forward, knee back, elbow forward,
    ankle plantar-flexion, wrist: hand turned from the forearm line); open = clamshell rotation
    of the knee about the hip-ankle axis; abduct = leg away from the midline.
    """

    root: Pair = (640.0, 360.0)
    torso: float = 90.0
    yaw: float = 0.0
    facing: int = 1
    neck: float = 0.0
    hip: Pair = (0.0, 0.0)
    knee: Pair = (0.0, 0.0)
    ankle: Pair = (0.0, 0.0)
    shoulder: Pair = (0.0, 0.0)
    elbow: Pair = (0.0, 0.0)
    wrist: Pair = (0.0, 0.0)
    abduct: Pair = (0.0, 0.0)
    open: Pair = (0.0, 0.0)

    def lerp(self, other: Pose, s: float) -> Pose:
        """Blend two poses (shortest way round for angles): used across different postures."""
        def mix(a, b, ang=True):
            if isinstance(a, tuple):
                return tuple(mix(x, y, ang) for x, y in zip(a, b, strict=True))
            return a + (_wrap(b - a) if ang else b - a) * s
        kw = {f: mix(getattr(self, f), getattr(other, f)) for f in self.__dataclass_fields__
              if f not in ("root", "facing")}
        return Pose(root=mix(self.root, other.root, ang=False),
                    facing=self.facing if s < 0.5 else other.facing, **kw)


def _wrap(a: float) -> float:
    return (a + 180.0) % 360.0 - 180.0


def _u(a: float) -> np.ndarray:
    r = math.radians(a)
    return np.array([math.cos(r), math.sin(r), 0.0])


def _rotate(pts: np.ndarray, origin: np.ndarray, axis: np.ndarray, deg: float) -> np.ndarray:
    """Rodrigues rotation of points about an axis through origin."""
    k = axis / np.linalg.norm(axis)
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    v = pts - origin
    return origin + v * c + np.cross(k, v) * s + np.outer(v @ k, k).reshape(v.shape) * (1 - c)


def skeleton(p: Pose, b: Body) -> np.ndarray:
    """(33, 3) offsets from the hip centre in camera axes (X right, Y up, Z toward camera), px.

    Built in a body frame (x forward, y along the spine, z to the right), then turned by yaw,
    pitched by torso-90 and, for facing=-1, turned 180 degrees about the vertical.
    """
    P = np.zeros((N_LANDMARKS, 3))
    sh_c = np.array([0.0, b.torso, 0.0])
    for i, (sg, side) in enumerate(((-1.0, "LEFT"), (1.0, "RIGHT"))):
        def at(name, v, side=side):
            P[LM[f"{side}_{name}"]] = v
        hip = np.array([0.0, 0.0, sg * b.hip_width / 2])
        a_th = p.hip[i] - 90
        knee = hip + b.thigh * _u(a_th)
        a_sh = a_th - p.knee[i]
        ankle = knee + b.shin * _u(a_sh)
        f, n = _u(a_sh + 90 - p.ankle[i]), _u(a_sh + 180 - p.ankle[i])
        heel = ankle - b.ankle_h * n - b.heel_back * f
        leg = np.array([knee, ankle, heel, heel + b.foot * f])
        if p.open[i]:  # rotate the knee outward about the hip-ankle axis: feet stay together
            axis = ankle - hip
            out = sg * np.sign(np.cross(axis, knee - hip)[2])
            leg[0] = _rotate(knee, hip, axis, p.open[i] * out)
        if p.abduct[i]:  # whole leg away from the midline about the forward axis
            leg = _rotate(leg, hip, np.array([1.0, 0, 0]), p.abduct[i] * sg * np.sign(ankle[1]))
        for name, v in zip(("HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"), (hip, *leg),
                           strict=True):
            at(name, v)
        sh = sh_c + [0.0, 0.0, sg * b.shoulder_width / 2]
        a_ua = p.shoulder[i] - 90
        elbow = sh + b.upper_arm * _u(a_ua)
        a_fa = a_ua + p.elbow[i]
        wrist = elbow + b.forearm * _u(a_fa)
        zin, a_hd = np.array([0.0, 0.0, -sg * b.hand]), a_fa + p.wrist[i]
        for name, v in (("SHOULDER", sh), ("ELBOW", elbow), ("WRIST", wrist),
                        ("INDEX", wrist + b.hand * _u(a_hd) + 0.15 * zin),
                        ("PINKY", wrist + 0.8 * b.hand * _u(a_hd) - 0.25 * zin),
                        ("THUMB", wrist + 0.5 * b.hand * _u(a_hd + 30) + 0.3 * zin)):
            at(name, v)
    a_h, r = 90 - p.neck, b.head_r
    c = sh_c + b.neck * _u(a_h)
    fw, up = _u(a_h - 90), _u(a_h)
    P[LM.NOSE] = c + r * fw
    for sg, side in ((-1.0, "LEFT"), (1.0, "RIGHT")):
        z = np.array([0.0, 0.0, sg * r])
        for name, k in (("EYE_INNER", 0.2), ("EYE", 0.35), ("EYE_OUTER", 0.5)):
            P[LM[f"{side}_{name}"]] = c + 0.8 * r * fw + 0.35 * r * up + k * z
        P[LM[f"{side}_EAR"]] = c - 0.05 * r * fw + 0.15 * r * up + 0.85 * z
        P[LM[f"MOUTH_{side}"]] = c + 0.8 * r * fw - 0.45 * r * up + 0.3 * z
    cy, sy = math.cos(math.radians(p.yaw)), math.sin(math.radians(p.yaw))
    cp, sp = math.cos(math.radians(p.torso - 90)), math.sin(math.radians(p.torso - 90))
    R = np.array([[cp, -sp, 0], [sp, cp, 0], [0, 0, 1]]) @ np.array(
        [[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    if p.facing < 0:
        R = np.diag([-1.0, 1.0, -1.0]) @ R
    return P @ R.T


def _visibility(cam: np.ndarray, img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Far side fades with how side-on the hips are; out-of-frame landmarks drop (MediaPipe)."""
    lat = cam[:, LM.RIGHT_HIP] - cam[:, LM.LEFT_HIP]
    f = (np.abs(lat[:, 2]) / np.maximum(np.linalg.norm(lat, axis=1), 1e-9))[:, None]
    far = _NEAR - f * (_NEAR - _FAR)
    vis = np.broadcast_to(_NEAR, far.shape).copy()
    right_near = (lat[:, 2] >= 0)[:, None]
    vis[:, _LEFT] = np.where(right_near, far[:, _LEFT], vis[:, _LEFT])
    vis[:, _RIGHT] = np.where(right_near, vis[:, _RIGHT], far[:, _RIGHT])
    return _frame_limits(img, vis, np.full_like(vis, 0.98))


def _frame_limits(img, vis, pres):
    out = ((img[..., 0] < 0) | (img[..., 0] > 1) | (img[..., 1] < 0) | (img[..., 1] > 1))
    return np.where(out, np.minimum(vis, 0.05), vis), np.where(out, np.minimum(pres, 0.1), pres)


def _yaw(cam: np.ndarray, deg: float) -> np.ndarray:
    """Camera moved deg about the vertical (px offsets from the hip centre, any leading dims)."""
    if not deg:
        return cam
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.stack([cam[..., 0] * c + cam[..., 2] * s, cam[..., 1],
                     -cam[..., 0] * s + cam[..., 2] * c], -1)


def _project(p: Pose, sc: Scene) -> tuple[np.ndarray, np.ndarray]:
    """(cam px offsets, normalised image coords) of one pose."""
    cam = _yaw(skeleton(p, sc.body), sc.yaw)
    img = np.stack([(p.root[0] + cam[:, 0]) / sc.width, (p.root[1] - cam[:, 1]) / sc.height,
                    -cam[:, 2] / sc.width], axis=1)
    return cam, img


# --------------------------------------------------------------------------- postures

def _c(a: float) -> complex:
    return complex(math.cos(math.radians(a)), math.sin(math.radians(a)))


def _ang(z: complex) -> float:
    return math.degrees(math.atan2(z.imag, z.real))


def _two_link(p0: complex, p2: complex, l1: float, l2: float, left: bool = True) -> complex:
    """Middle joint of a two-segment chain between fixed ends (left = counter-clockwise side)."""
    d = p2 - p0
    r = min(max(abs(d), abs(l1 - l2) + 1e-6), l1 + l2 - 1e-6)
    a = math.degrees(math.acos((l1 * l1 + r * r - l2 * l2) / (2 * l1 * r)))
    return p0 + l1 * _c(_ang(d) + (a if left else -a))


def _pose(torso: float, thigh: Pair, shin: Pair, foot: Pair, upper: Pair, fore: Pair,
          **kw) -> Pose:
    """Joint angles from global segment directions (side view, facing +x, y up)."""
    z = list(zip(thigh, shin, foot, upper, fore, strict=True))
    return Pose(torso=torso, hip=tuple(_wrap(t - torso + 180) for t, *_ in z),
                knee=tuple(_wrap(t - s) for t, s, *_ in z),
                ankle=tuple(_wrap(s + 90 - f) for _, s, f, *_ in z),
                shoulder=tuple(_wrap(u - torso + 180) for *_, u, _ in z),
                elbow=tuple(_wrap(f - u) for *_, u, f in z), **kw)


def _sides(work, other, side: str) -> Pair:
    return (other, work) if side == "right" else (work, other)


def _place(p: Pose, sc: Scene, idx: Sequence[int], x: float, above_floor: float) -> Pose:
    """Put the mean of landmarks idx at pixel x, above_floor pixels over the floor line."""
    off = skeleton(p, sc.body)[list(idx), :2].mean(axis=0)
    return replace(p, root=(x - off[0], sc.floor_px - above_floor + off[1]))


def _bridge(sc: Scene, hip_lift=0.0, knee_top=90.0, hip_top=175.0, feet_lift=0.0, chair_m=0.0,
            single_leg=False, free_drop=0.0, free_knee=0.0, side="right") -> Pose:
    """Supine, shoulders and feet fixed, pelvis lifted: the feet are placed so that hip_lift=1
    gives exactly hip_top / knee_top; hip_lift=0 is hips on the floor; >1 over-arches.
    single_leg: the other leg held up along the thigh line, free_drop below it (negative:
    drawn up), its knee bent free_knee."""
    b = sc.body
    T, L1, L2 = b.torso, b.thigh, b.shin
    ya = chair_m / b.m_per_px + b.ankle_h - b.pad + feet_lift  # ankle height above the shoulder
    c = T + L1 * _c(180 - hip_top) + L2 * _c(knee_top - hip_top)
    th_top = math.degrees(math.asin(max(-1.0, min(1.0, ya / abs(c))))) - _ang(c)
    A = _c(th_top) * c
    H = T * _c(hip_lift * th_top)
    K = _two_link(H, A, L1, L2, left=True)
    thigh, shin = _ang(K - H), _ang(A - K)
    foot = shin + 90 if chair_m else 0.0
    free = thigh - free_drop if single_leg else thigh
    free_shin = free - free_knee
    p = _pose(_ang(-H), _sides(thigh, free, side),
              _sides(shin, free_shin if single_leg else shin, side),
              _sides(foot, free_shin + 90 if single_leg else foot, side), (0.0, 0.0), (0.0, 0.0),
              neck=hip_lift * th_top)
    return _place(p, sc, (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), sc.cx - 170 * b.scale, b.pad)


def _ball(sc: Scene, hip_lift=0.0, knee_bend=0.0, knee_rest=100.0, ball_m=0.5) -> Pose:
    """Supine, ankles on a ball at fixed height (the ball rolls): hip_lift=1 gives a straight
    shoulder-hip-ankle line with knees ~178; knee_bend keeps the knees bent."""
    b = sc.body
    T, L1, L2 = b.torso, b.thigh, b.shin
    hb = ball_m / b.m_per_px - b.pad

    def reach(kn):
        return math.sqrt(L1 * L1 + L2 * L2 - 2 * L1 * L2 * math.cos(math.radians(kn)))
    th = hip_lift * math.degrees(math.asin(hb / (T + reach(178.0))))
    H = T * _c(th)
    d = reach(knee_rest + (178.0 - knee_rest) * hip_lift - knee_bend)
    A = H + d * _c(math.degrees(math.asin(max(-1.0, min(1.0, (hb - H.imag) / d)))))
    K = _two_link(H, A, L1, L2, left=True)
    thigh, shin = _ang(K - H), _ang(A - K)
    p = _pose(_ang(-H), (thigh, thigh), (shin, shin), (shin + 90, shin + 90), (0.0, 0.0),
              (0.0, 0.0), neck=th)
    return _place(p, sc, (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), sc.cx - 180 * b.scale, b.pad)


def _pitch_to(v0: complex, target_y: float, near: float) -> float:
    """Rotation (deg) that brings vector v0's y to target_y, the solution closest to `near`."""
    a = math.degrees(math.asin(max(-1.0, min(1.0, target_y / abs(v0)))))
    return min((a - _ang(v0), 180 - a - _ang(v0)), key=lambda r: abs(_wrap(r - near)))


def _vec(p: Pose, b: Body, a: Sequence[int], c: Sequence[int]) -> complex:
    s = skeleton(p, b)
    d = s[list(c), :2].mean(axis=0) - s[list(a), :2].mean(axis=0)
    return complex(d[0], d[1])


def _plank(sc: Scene, leg_lift=0.0, knee_bend=0.0, hip_sag=0.0, elbow_offset=0.0,
           side="right") -> Pose:
    """Prone on the forearms, head right; support toes on the floor; the working leg (side)
    extends at the hip by leg_lift above the body line with knee_bend."""
    b = sc.body
    sh = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER)
    other = "left" if side == "right" else "right"
    trial = Pose(torso=0.0, hip=_sides(-hip_sag - leg_lift, -hip_sag, side),
                 knee=_sides(knee_bend, 0.0, side))
    h_sh = b.pad + b.upper_arm * math.cos(math.radians(elbow_offset))
    toe = (LM[f"{other.upper()}_FOOT_INDEX"],)
    torso = _pitch_to(_vec(trial, b, sh, toe), -h_sh, 0.0)
    ua = -90.0 + elbow_offset
    p = replace(trial, torso=torso, shoulder=(ua - torso + 180,) * 2,
                elbow=(90 - elbow_offset,) * 2)
    return _place(p, sc, sh, sc.cx + 240 * b.scale, h_sh)


def _clam(sc: Scene, opening=0.0, feet_apart=0.0, pelvis_roll=0.0, knee=90.0, hip=50.0,
          side="right") -> Pose:
    """Side-lying facing the camera (front view), `side` leg on top; the top knee opens about
    the hip-ankle axis so the feet stay together unless feet_apart abducts the top leg."""
    b = sc.body
    flex = 180.0 - knee
    p = Pose(torso=0.0 if side == "right" else 180.0, yaw=-90.0 - pelvis_roll,
             hip=(hip, hip), knee=(flex, flex), shoulder=_sides(10.0, 180.0, side),
             elbow=_sides(30.0, 0.0, side), open=_sides(opening, 0.0, side),
             abduct=_sides(feet_apart - 8.0, 0.0, side))  # -8: knees and feet touching
    low = LM.LEFT_SHOULDER if side == "right" else LM.RIGHT_SHOULDER
    return _place(p, sc, (low,), sc.cx + (95 if side == "right" else -95) * b.scale, b.pad)


def _kneel(sc: Scene, hip_forward=0.0, torso_lean=0.0, back_knee_lift=0.0, front_foot=0.0,
           side="right") -> Pose:
    """Half-kneeling, `side` leg in front: back knee on the floor; hip_forward=1 moves the
    pelvis forward so the back thigh is 25 deg behind vertical; front_foot moves the front
    ankle (negative = closer, knee past the toes)."""
    b = sc.body
    L1, L2, r = b.thigh, b.shin, 0.7 * b.pad
    Kb = complex(0.0, r + back_knee_lift)
    H = Kb + L1 * _c(90 - 25 * hip_forward)
    Af = complex(L1 + front_foot, b.ankle_h)
    Kf = _two_link(H, Af, L1, L2, left=True)
    back_shin = 180 + math.degrees(math.asin(min(1.0, back_knee_lift / L2)))
    p = _pose(90 - torso_lean, _sides(_ang(Kf - H), _ang(Kb - H), side),
              _sides(_ang(Af - Kf), back_shin, side), _sides(0.0, 180.0, side),
              (-90.0, -90.0), (-80.0, -80.0))
    back = LM[f"{'LEFT' if side == 'right' else 'RIGHT'}_KNEE"]
    return _place(p, sc, (back,), sc.cx - 70 * b.scale, r + back_knee_lift)


def _feet(sc: Scene, p: Pose, stance: str | None = None) -> Pose:
    idx = (LM.LEFT_ANKLE, LM.RIGHT_ANKLE) if stance is None else (LM[f"{stance.upper()}_ANKLE"],)
    return _place(p, sc, idx, sc.cx, sc.body.ankle_h)


def _stand(sc: Scene, yaw=0.0, arms=0.0) -> Pose:
    """Upright, arms raised forward by `arms`; yaw=-90 faces the camera (front view)."""
    return _feet(sc, Pose(yaw=yaw, shoulder=(arms, arms)))


def _seated(sc: Scene) -> Pose:
    """Sitting on the floor, knees up: a way-point for getting down to the floor."""
    b = sc.body
    ky = b.pad + b.thigh * math.sin(math.radians(45))
    shin = -math.degrees(math.asin(min(1.0, (ky - b.ankle_h) / b.shin)))
    p = _pose(90.0, (45.0, 45.0), (shin, shin), (0.0, 0.0), (-60.0, -60.0), (-30.0, -30.0))
    return _place(p, sc, (LM.LEFT_HIP, LM.RIGHT_HIP), sc.cx - 100 * b.scale, b.pad)


def _rdl(sc: Scene, hinge=0.0, knee=15.0, line_break=0.0, side="right") -> Pose:
    """Single-leg RDL on the `side` leg: torso tilts forward by hinge, free leg in line with the
    torso (line_break bends it at the hip), stance shin vertical with knee flexion `knee`."""
    torso = 90.0 - hinge
    free_th = torso - 180 + line_break
    free_sh = free_th - (5 + 55 * (1 - min(hinge, 90.0) / 90))  # foot clears the floor
    p = _pose(torso, _sides(-90 + knee, free_th, side), _sides(-90.0, free_sh, side),
              _sides(0.0, free_sh + 90, side), (-90.0, -90.0), (-90.0, -90.0))
    return _feet(sc, p, side)


def _swing(sc: Scene, angle=0.0, side="right", out=0.0, yaw=0.0) -> Pose:
    """Standing leg swing: the `side` leg's thigh at `angle` from vertical (forward +) and
    `out` to the side (across the body -); yaw=90 turns the back to the camera."""
    th = -90.0 + angle
    p = _pose(90.0, _sides(th, -90.0, side), _sides(th - 15, -90.0, side),
              _sides(th + 75, 0.0, side), (-90.0, -90.0), (-90.0, -90.0))
    p = replace(p, abduct=_sides(out, 0.0, side), yaw=yaw)
    return _feet(sc, p, "left" if side == "right" else "right")


def _fold(sc: Scene, depth=0.0) -> Pose:
    """Standing forward fold: the torso hinges `depth` degrees, legs stay vertical."""
    return _feet(sc, _pose(90.0 - depth, (-90.0, -90.0), (-90.0, -90.0), (0.0, 0.0),
                           (-90.0, -90.0), (-90.0, -90.0)))


def _squat(sc: Scene, depth=0.0) -> Pose:
    """Bodyweight squat: depth 1 = knee flexion 110, shins and torso leaning forward."""
    k = 110.0 * depth
    shin = -90.0 - 0.35 * k
    return _feet(sc, _pose(90.0 - 0.45 * k, (shin + k,) * 2, (shin,) * 2, (0.0, 0.0),
                           (0.0, 0.0), (0.0, 0.0)))


def _pushup(sc: Scene, depth=0.0) -> Pose:
    """Push-up, head right, rigid body pivoting on the toes, hands fixed: depth 1 = elbow 80."""
    b = sc.body
    ua, fa, rw = b.upper_arm, b.forearm, 0.5 * b.pad
    sh, toes = (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER), (LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX)
    v0 = _vec(Pose(torso=0.0), b, toes, sh)
    y_top = rw + ua + fa
    W = complex(math.sqrt(abs(v0) ** 2 - y_top ** 2), rw)
    e = math.radians(180.0 - 100.0 * depth)
    S = _two_link(0j, W, abs(v0), math.sqrt(ua * ua + fa * fa - 2 * ua * fa * math.cos(e)))
    E = _two_link(S, W, ua, fa, left=False)
    torso = _ang(S) - _ang(v0)
    u, f = _ang(E - S), _ang(W - E)
    p = Pose(torso=torso, shoulder=(u - torso + 180,) * 2, elbow=(_wrap(f - u),) * 2,
             wrist=(-f,) * 2)  # hands flat on the floor, fingers toward the head
    return _place(p, sc, toes, sc.cx - 330 * b.scale, 0.0)


@dataclass(frozen=True)
class Posture:
    """A named parametric posture: callable as posture(scene=None, **params) -> Pose, with the
    default rest/top params for reps, fault presets (rep overrides) and default timings."""

    name: str
    fn: Callable[..., Pose]
    rest: dict = field(default_factory=dict)
    top: dict = field(default_factory=dict)
    faults: dict = field(default_factory=dict)
    timing: dict = field(default_factory=dict)
    view: str = "side"

    def __call__(self, scene: Scene | None = None, **params) -> Pose:
        return self.fn(scene or Scene(), **params)

    def params(self, **given) -> dict:
        """All parameters with defaults filled in (so keyframes interpolate every one)."""
        sig = inspect.signature(self.fn).parameters
        unknown = set(given) - set(sig)
        if unknown:
            raise TypeError(f"{self.name}: unknown params {sorted(unknown)}")
        return {k: given.get(k, v.default) for k, v in list(sig.items())[1:]}


_FAST = {"t_down": 0.4}
supine_bridge = Posture(
    "supine_bridge", _bridge, {"hip_lift": 0.0}, {"hip_lift": 1.0},
    faults={"hips_low": {"top": {"hip_lift": 0.6}}, "over_arch": {"top": {"hip_lift": 1.4}},
            "knees_straight": {"all": {"knee_top": 130.0}},
            "knees_bent": {"all": {"knee_top": 60.0}}, "fast_lower": _FAST,
            "feet_lift": {"top": {"feet_lift": 40.0}}})
chair_bridge = Posture(
    "chair_bridge", partial(_bridge, chair_m=0.45, hip_top=178.0), {"hip_lift": 0.0},
    {"hip_lift": 1.0}, timing={"t_hold": 4.0},
    faults={"hips_low": {"top": {"hip_lift": 0.6}}, "short_hold": {"t_hold": 1.5},
            "knees_straight": {"all": {"knee_top": 130.0}},
            "knees_bent": {"all": {"knee_top": 55.0}},
            "free_leg_drop": {"top": {"free_drop": 45.0}}})
ball_curl = Posture(
    "ball_curl", _ball, {"hip_lift": 0.0}, {"hip_lift": 1.0},
    faults={"hips_sag": {"top": {"hip_lift": 0.6}}, "knees_bent": {"top": {"knee_bend": 40.0}}})
forearm_plank = Posture(
    "forearm_plank", _plank, {"leg_lift": 0.0, "knee_bend": 0.0},
    {"leg_lift": 25.0, "knee_bend": 90.0}, timing={"t_hold": 3.5, "t_rest": 3.5},
    faults={"hip_sag": {"all": {"hip_sag": 20.0}}, "pike": {"all": {"hip_sag": -20.0}},
            "elbows_forward": {"all": {"elbow_offset": 30.0}},
            "knee_straight": {"top": {"knee_bend": 10.0}}, "leg_low": {"top": {"leg_lift": -5.0}},
            "short_hold": {"t_hold": 1.5}, "short_rest": {"t_rest": 1.0}})
side_lying_clamshell = Posture(
    "side_lying_clamshell", _clam, {"opening": 0.0}, {"opening": 45.0}, view="front",
    timing={"t_hold": 2.5},
    faults={"feet_apart": {"top": {"feet_apart": 15.0}},
            "pelvis_roll": {"top": {"pelvis_roll": 30.0}},
            "knees_straight": {"all": {"knee": 140.0}}, "short_hold": {"t_hold": 1.0}})
half_kneeling = Posture(
    "half_kneeling", _kneel, {"hip_forward": 0.0}, {"hip_forward": 1.0},
    timing={"t_up": 2.0, "t_hold": 25.0, "t_down": 2.0},
    faults={"knee_past_toes": {"all": {"front_foot": -60.0}},
            "back_knee_up": {"top": {"back_knee_lift": 50.0}},
            "hips_back": {"top": {"hip_forward": 0.1}}, "lean": {"top": {"torso_lean": 30.0}}})
standing = Posture("standing", _stand)
seated = Posture("seated", _seated)
single_leg_rdl = Posture(
    "single_leg_rdl", _rdl, {"hinge": 0.0}, {"hinge": 80.0},
    timing={"t_up": 2.0, "t_hold": 6.0, "t_down": 2.0},
    faults={"bent_hip": {"top": {"line_break": 35.0}}, "knee_locked": {"all": {"knee": 0.0}},
            "knee_deep": {"all": {"knee": 50.0}}})
leg_swing = Posture("leg_swing", _swing, {"angle": -25.0}, {"angle": 50.0},
                    timing={"t_up": 0.6, "t_hold": 0.0, "t_down": 0.6, "t_rest": 0.0},
                    faults={"short": {"top": {"angle": 15.0}}})
# Side-to-side swings filmed from behind: out to the side and across the body, no rest.
lateral_swing = Posture("lateral_swing", partial(_swing, yaw=90.0), {"out": -25.0},
                        {"out": 45.0}, view="back",
                        timing={"t_up": 0.6, "t_hold": 0.0, "t_down": 0.6, "t_rest": 0.0})
forward_fold = Posture("forward_fold", _fold, {"depth": 0.0}, {"depth": 100.0},
                       faults={"shallow": {"top": {"depth": 40.0}}})
squat = Posture("squat", _squat, {"depth": 0.0}, {"depth": 1.0},
                faults={"shallow": {"top": {"depth": 0.4}}})
push_up = Posture("push_up", _pushup, {"depth": 0.0}, {"depth": 1.0},
                  faults={"shallow": {"top": {"depth": 0.4}}})
POSTURES = {p.name: p for p in (supine_bridge, chair_bridge, ball_curl, forearm_plank,
                                side_lying_clamshell, half_kneeling, standing, seated,
                                single_leg_rdl, leg_swing, lateral_swing, forward_fold, squat,
                                push_up)}


# --------------------------------------------------------------------------- measurement

def angle_deg(a, b, c) -> np.ndarray:
    """Angle a-b-c in degrees (0..180) over (..., 2) arrays. Give PIXEL coordinates."""
    a, b, c = (np.asarray(v, dtype=np.float64)[..., :2] for v in (a, b, c))
    u, v = a - b, c - b
    cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def pixels(track: PoseTrack) -> np.ndarray:
    """(N, 33, 2) pixel coordinates."""
    return track.image[..., :2] * np.array([track.width, track.height], dtype=np.float64)


_ANGLES = {"hip": ("shoulder", "hip", "knee"), "knee": ("hip", "knee", "ankle"),
           "line": ("shoulder", "hip", "ankle"), "elbow": ("shoulder", "elbow", "wrist"),
           "shoulder": ("elbow", "shoulder", "hip")}


def measure(px: np.ndarray) -> dict[str, np.ndarray]:
    """Pixel-unit measures of (..., 33, 2): <angle>_<side> for hip/knee/line/elbow/shoulder,
    hip_offset_<side> (px the hip sits ABOVE the shoulder-knee line in the image: over-arch in a
    supine bridge, pike in a plank), hip_reflex_<side> (hip angle, 360-angle when the hip is
    above that line: >180 = over-arched bridge), knee_open (knee-hip centre-knee) and knee_gap
    (knee distance / mean image thigh length)."""
    out: dict[str, np.ndarray] = {}
    g = {f"{n}_{s}": px[..., LM[f"{s.upper()}_{n.upper()}"], :]
         for n in ("shoulder", "hip", "knee", "ankle", "elbow", "wrist") for s in ("left", "right")}
    for s in ("left", "right"):
        for name, (a, b, c) in _ANGLES.items():
            out[f"{name}_{s}"] = angle_deg(g[f"{a}_{s}"], g[f"{b}_{s}"], g[f"{c}_{s}"])
        S, H, K = g[f"shoulder_{s}"], g[f"hip_{s}"], g[f"knee_{s}"]
        d, w = K - S, H - S
        cross = d[..., 0] * w[..., 1] - d[..., 1] * w[..., 0]
        out[f"hip_offset_{s}"] = off = -np.sign(d[..., 0]) * cross / np.linalg.norm(d, axis=-1)
        out[f"hip_reflex_{s}"] = np.where(off > 0, 360 - out[f"hip_{s}"], out[f"hip_{s}"])
    hc = (g["hip_left"] + g["hip_right"]) / 2
    out["knee_open"] = angle_deg(g["knee_left"], hc, g["knee_right"])
    thigh = (np.linalg.norm(g["knee_left"] - g["hip_left"], axis=-1)
             + np.linalg.norm(g["knee_right"] - g["hip_right"], axis=-1)) / 2
    out["knee_gap"] = np.linalg.norm(g["knee_left"] - g["knee_right"], axis=-1) / thigh
    return out


def joint_angle(track: PoseTrack, name: str, side: str) -> np.ndarray:
    """(N,) pixel-unit angle series, name in hip/knee/line/elbow/shoulder."""
    return measure(pixels(track))[f"{name}_{side}"]


def pose_measures(posture: Posture, scene: Scene | None = None, **params) -> dict[str, float]:
    """Measures of one static posture (pixel units)."""
    sc = scene or Scene()
    _, img = _project(posture(sc, **params), sc)
    return {k: float(v) for k, v in measure(img[:, :2] * [sc.width, sc.height]).items()}


def solve_param(posture: Posture, name: str, metric: str, target: float, lo: float, hi: float,
                scene: Scene | None = None, **params) -> float:
    """Bisect param `name` in [lo, hi] so that measure `metric` == target (monotonic), e.g. the
    hip_lift that puts hip_right at a counter's threshold."""
    def f(v):
        return pose_measures(posture, scene, **{**params, name: v})[metric] - target
    flo = f(lo)
    for _ in range(50):
        mid = (lo + hi) / 2
        if (f(mid) > 0) == (flo > 0):
            lo, flo = mid, f(mid)
        else:
            hi = mid
    return (lo + hi) / 2


# --------------------------------------------------------------------------- motion and truth

@dataclass(frozen=True)
class Key:
    t: float
    posture: Posture
    params: dict


@dataclass
class Rep:
    """One rep (or hold) as performed: times in seconds from the track start."""

    index: int
    start: float  # leaves rest
    top: float  # reaches the top
    top_end: float  # leaves the top (hold end)
    end: float  # back at rest
    faults: tuple[str, ...] = ()
    top_params: dict = field(default_factory=dict)
    rest_params: dict = field(default_factory=dict)
    kind: str = "rep"  # "rep" | "hold"
    at_top: dict = field(default_factory=dict)  # measure() at `top` on the clean render
    at_rest: dict = field(default_factory=dict)  # measure() at `start`

    @property
    def up(self) -> float:
        return self.top - self.start

    @property
    def hold(self) -> float:
        return self.top_end - self.top

    @property
    def down(self) -> float:
        return self.end - self.top_end


@dataclass
class Truth:
    """What the generated track really contains."""

    reps: list[Rep]
    duration: float
    segments: list[tuple[str, float, float]]  # (posture or "transition", t0, t1)
    side: str | None = None  # working side from the params (None: both / not applicable)
    near_side: str = "right"  # side nearest the camera in a side view
    view: str = "side"

    @property
    def n_reps(self) -> int:
        return len(self.reps)

    @property
    def n_good(self) -> int:
        return sum(not r.faults for r in self.reps)

    @property
    def holds(self) -> list[float]:
        return [r.hold for r in self.reps]

    @property
    def faults(self) -> dict[int, tuple[str, ...]]:
        return {r.index: r.faults for r in self.reps if r.faults}

    def fault_reps(self, label: str) -> list[int]:
        return [r.index for r in self.reps if label in r.faults]


def _minjerk(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * x * (10 - 15 * x + 6 * x * x)


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass
class Motion:
    """Keyframes (interpolated with minimum-jerk) plus the truth they imply."""

    keys: list[Key]
    reps: list[Rep] = field(default_factory=list)
    segments: list[tuple[str, float, float]] = field(default_factory=list)
    wiggles: list[tuple[float, float, str, float, float]] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.keys[-1].t

    def then(self, other: Motion, gap: float = 1.0) -> Motion:
        """Append other after `gap` s (the gap blends the two: a transition if postures differ)."""
        dt = self.duration + gap
        reps = [replace(r, index=len(self.reps) + i, start=r.start + dt, top=r.top + dt,
                        top_end=r.top_end + dt, end=r.end + dt) for i, r in enumerate(other.reps)]
        return Motion(self.keys + [replace(k, t=k.t + dt) for k in other.keys],
                      self.reps + reps,
                      self.segments + [(n, a + dt, b + dt) for n, a, b in other.segments],
                      self.wiggles + [(a + dt, b + dt, *w) for a, b, *w in other.wiggles])

    def wiggle(self, t0: float, t1: float, param: str, amplitude: float,
               freq_hz: float) -> Motion:
        """Add amplitude*sin(2 pi f (t - t0)) to a posture param in [t0, t1] (pulses, hovering
        around a threshold, sway)."""
        return replace(self, wiggles=self.wiggles + [(t0, t1, param, amplitude, freq_hz)])

    def at(self, t: float, scene: Scene | None = None) -> Pose:
        """The pose at time t."""
        sc = scene or Scene()
        times = [k.t for k in self.keys]
        j = min(max(bisect.bisect_right(times, t) - 1, 0), len(self.keys) - 1)
        k0 = self.keys[j]
        k1 = self.keys[j + 1] if j + 1 < len(self.keys) else k0
        s = _minjerk((t - k0.t) / (k1.t - k0.t)) if k1.t > k0.t else 1.0
        same = k0.posture is k1.posture and all(
            k0.params[n] == k1.params[n] for n, v in k0.params.items() if not _num(v))
        if same:
            prm = {n: v + (k1.params[n] - v) * s if _num(v) else v for n, v in k0.params.items()}
            for a, b, name, amp, f in self.wiggles:
                if a <= t <= b and name in prm:
                    prm[name] += amp * math.sin(2 * math.pi * f * (t - a))
            p = k0.posture.fn(sc, **prm)
        else:
            p = k0.posture.fn(sc, **k0.params).lerp(k1.posture.fn(sc, **k1.params), s)
            below = p.root[1] - skeleton(p, sc.body)[:, 1].min() - sc.floor_px
            if below > 0:  # blended poses are not grounded: keep them above the floor
                p = replace(p, root=(p.root[0], p.root[1] - below))
        if sc.facing < 0:
            p = replace(p, facing=-p.facing, root=(sc.width - p.root[0], p.root[1]))
        return p

    def render(self, scene: Scene | None = None,
               times: Sequence[float] | None = None) -> tuple[PoseTrack, Truth]:
        """Sample at scene.fps (or at given times) -> (PoseTrack, Truth with measured angles)."""
        sc = scene or Scene()
        t = (np.arange(int(round(self.duration * sc.fps)) + 1) / sc.fps if times is None
             else np.asarray(times, dtype=np.float64))
        cams, imgs = zip(*(_project(self.at(float(ti), sc), sc) for ti in t), strict=True)
        cam, img = np.array(cams), np.array(imgs)
        vis, pres = _visibility(cam, img)
        m = sc.body.m_per_px
        world = np.stack([cam[..., 0], -cam[..., 1], -cam[..., 2]], axis=-1) * m
        track = PoseTrack(t_s=t, image=img, world=world, visibility=vis, presence=pres,
                          width=sc.width, height=sc.height, fps=sc.fps,
                          meta={"source": "synthetic", "m_per_px": m,
                                "segments": [list(s) for s in self.segments]},
                          n_people=np.ones(len(t), np.int16))

        def meas(ti):
            px = _project(self.at(ti, sc), sc)[1][:, :2] * [sc.width, sc.height]
            return {k: float(v) for k, v in measure(px).items()}
        reps = [replace(r, at_top=meas(r.top), at_rest=meas(r.start)) for r in self.reps]
        named = [k for k in self.keys if k.posture.name in {n for n, *_ in self.segments}]
        sides = {k.params["side"] for k in named if "side" in k.params}
        views = {k.posture.view for k in named}
        truth = Truth(reps, self.duration, list(self.segments),
                      side=sides.pop() if len(sides) == 1 else None,
                      near_side="right" if sc.facing > 0 else "left",
                      view=views.pop() if len(views) == 1 else "side")
        return track, truth


def _merge(specs, posture: Posture) -> dict:
    """Combine rep override specs (preset names or dicts) into one dict with fault labels."""
    out: dict = {"top": {}, "rest": {}, "faults": []}
    for s in specs if isinstance(specs, (list, tuple)) else [specs]:
        if isinstance(s, str):
            out["faults"].append(s)
            s = posture.faults[s]
        for k, v in s.items():
            if k == "all":
                out["top"].update(v)
                out["rest"].update(v)
            elif k in ("top", "rest"):
                out[k].update(v)
            elif k == "faults":
                out["faults"] += list(v)
            else:
                out[k] = v
    return out


def reps(posture: Posture, n: int = 5, rest: dict | None = None, top: dict | None = None, *,
         t_up: float | None = None, t_hold: float | None = None, t_down: float | None = None,
         t_rest: float | None = None, lead: float = 1.0, tail: float = 1.0,
         common: dict | None = None, per_rep: dict | None = None) -> Motion:
    """n reps: rest -> top (t_up), hold (t_hold), down (t_down), rest (t_rest); lead/tail rest.

    per_rep maps a 0-based rep index to a fault preset name (posture.faults), a dict
    {top:{}, rest:{}, all:{}, t_up.., faults:[labels]} or a list of those; preset names and
    `faults` labels are recorded in the truth. common params apply to every key (e.g. side).
    """
    timing = {"t_up": 1.0, "t_hold": 0.5, "t_down": 1.5, "t_rest": 1.0, **posture.timing}
    for k, v in (("t_up", t_up), ("t_hold", t_hold), ("t_down", t_down), ("t_rest", t_rest)):
        if v is not None:
            timing[k] = v
    base_rest = {**posture.rest, **(rest or {}), **(common or {})}
    base_top = {**posture.top, **(top or {}), **(common or {})}
    keys: list[Key] = []
    out: list[Rep] = []
    t = lead
    for i in range(n):
        o = _merge((per_rep or {}).get(i, []), posture)
        tm = {k: o.get(k, v) for k, v in timing.items()}
        rp = posture.params(**{**base_rest, **o["rest"]})
        tp = posture.params(**{**base_top, **o["top"]})
        if not keys:
            keys.append(Key(0.0, posture, rp))
        t_top, t_end = t + tm["t_up"], t + tm["t_up"] + tm["t_hold"]
        keys += [Key(t, posture, rp), Key(t_top, posture, tp), Key(t_end, posture, tp),
                 Key(t_end + tm["t_down"], posture, rp)]
        out.append(Rep(i, t, t_top, t_end, t_end + tm["t_down"], tuple(o["faults"]), tp, rp))
        t = t_end + tm["t_down"] + (tm["t_rest"] if i < n - 1 else tail)
    keys.append(Key(t, posture, keys[-1].params))
    return Motion(keys, out, [(posture.name, 0.0, t)])


def hold(posture: Posture, duration: float, params: dict | None = None, *, lead: float = 0.0,
         tail: float = 0.0, faults: Sequence[str] = ()) -> Motion:
    """A static hold (recorded as a Rep of kind "hold" from lead to lead+duration)."""
    p = posture.params(**(params or {}))
    t1 = lead + duration
    keys = [Key(0.0, posture, p), Key(t1 + tail, posture, p)]
    rep = Rep(0, lead, lead, t1, t1, tuple(faults), p, p, kind="hold")
    return Motion(keys, [rep], [(posture.name, 0.0, t1 + tail)])


def still(posture: Posture, duration: float, params: dict | None = None) -> Motion:
    """Static posture with no reps or holds in the truth (set-up, waiting, wrong position)."""
    p = posture.params(**(params or {}))
    return Motion([Key(0.0, posture, p), Key(duration, posture, p)], [],
                  [(posture.name, 0.0, duration)])


def _as_key(x) -> tuple[Posture, dict]:
    return (x, {}) if isinstance(x, Posture) else x


def transition(a, b, duration: float = 3.0, via: Sequence = ()) -> Motion:
    """Move from posture a to b through optional way-points (each a Posture or (Posture,
    params)) with evenly spaced keys; poses are blended, so limbs swing, not walk."""
    pts = [_as_key(x) for x in (a, *via, b)]
    keys = [Key(duration * i / (len(pts) - 1), p, p.params(**prm)) for i, (p, prm) in
            enumerate(pts)]
    return Motion(keys, [], [("transition", 0.0, duration)])


def get_into(posture: Posture, params: dict | None = None, duration: float = 4.0) -> Motion:
    """A person getting into position from standing (via a squat and sitting for floor work)."""
    via = [] if posture.fn in (_stand, _rdl, _swing, _fold, _squat, _kneel) else [
        (squat, {"depth": 1.0}), seated]
    return transition(standing, (posture, params or {}), duration, via)


# --------------------------------------------------------------------------- corruptions

def _rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _copy(track: PoseTrack, keep=None, **kw) -> PoseTrack:
    sel = slice(None) if keep is None else keep
    arrays = {f: getattr(track, f)[sel].copy() for f in ("t_s", "image", "world", "visibility",
                                                          "presence")}
    people = None if track.n_people is None else track.n_people[sel].copy()
    return replace(track, **{**arrays, "n_people": people, "meta": dict(track.meta), **kw})


def _lm(landmarks) -> np.ndarray:
    return np.arange(N_LANDMARKS) if landmarks is None else np.array([int(i) for i in landmarks])


def _window(track, t0, t1) -> np.ndarray:
    lo = -np.inf if t0 is None else t0
    hi = np.inf if t1 is None else t1
    return (track.t_s >= lo) & (track.t_s < hi)


def _m(track) -> float:
    return float(track.meta.get("m_per_px", 1 / 340))


def _shift(track, frames, lms, dx_px, dy_px, world: bool = True) -> PoseTrack:
    """Move landmarks by pixel offsets (broadcast over frames x landmarks) in image and world."""
    out = _copy(track)
    f, lm = np.ix_(np.flatnonzero(frames), lms)
    out.image[f, lm, 0] += dx_px / track.width
    out.image[f, lm, 1] += dy_px / track.height
    if world:
        out.world[f, lm, 0] += dx_px * _m(track)
        out.world[f, lm, 1] += dy_px * _m(track)
    return out


def add_jitter(track: PoseTrack, px_sigma: float, *, landmarks=None, rng=0) -> PoseTrack:
    """Independent Gaussian noise of px_sigma pixels on x and y (world gets the same in m)."""
    g, lms = _rng(rng), _lm(landmarks)
    shape = (len(track), len(lms))
    return _shift(track, np.ones(len(track), bool), lms, g.normal(0, px_sigma, shape),
                  g.normal(0, px_sigma, shape))


def jitter_around(track: PoseTrack, landmarks, amplitude_px: float, freq_hz: float, *,
                  t0: float | None = None, t1: float | None = None,
                  direction: Sequence[float] = (0.0, -1.0), noise_px: float = 0.0,
                  rng=0) -> PoseTrack:
    """Sinusoidal displacement (plus optional noise) of some landmarks along an image direction,
    e.g. the hips bobbing so a hip angle hovers around a counter threshold."""
    g, lms = _rng(rng), _lm(landmarks)
    win = _window(track, t0, t1)
    tt = track.t_s[win] - (track.t_s[win][0] if win.any() else 0.0)
    d = np.asarray(direction, float) / np.linalg.norm(direction)
    a = (amplitude_px * np.sin(2 * np.pi * freq_hz * tt))[:, None] + g.normal(
        0, noise_px, (len(tt), len(lms))) * (noise_px > 0)
    return _shift(track, win, lms, a * d[0], a * d[1])


def occlude(track: PoseTrack, t0: float, t1: float, landmarks=None, *,
            nan: bool | None = None, shift_px: Sequence[float] = (0.0, 0.0)) -> PoseTrack:
    """Hide landmarks in [t0, t1). All landmarks (default): nobody detected (NaN, visibility 0,
    n_people 0). Some: visibility 0.02 with coordinates kept (MediaPipe guesses) and moved by
    shift_px, or NaN if nan=True (note NaN on the nose marks the frame undetected)."""
    win = _window(track, t0, t1)
    out = _shift(track, win, _lm(landmarks), *shift_px) if landmarks is not None else _copy(track)
    f, lm = np.ix_(np.flatnonzero(win), _lm(landmarks))
    if nan if nan is not None else landmarks is None:
        out.image[f, lm] = np.nan
        out.world[f, lm] = np.nan
        out.presence[f, lm] = 0.0
    out.visibility[f, lm] = 0.0 if landmarks is None else 0.02
    if landmarks is None and out.n_people is not None:
        out.n_people[win] = 0
    return out


def drop_frames(track: PoseTrack, fraction: float | None = None, *,
                times: Sequence[float] = (), spans: Sequence[tuple[float, float]] = (),
                rng=0) -> PoseTrack:
    """Remove frames (a random fraction, the frames nearest `times`, whole [t0, t1) spans):
    timestamps keep their values, so the track has gaps like a slow or stalling pipeline."""
    drop = np.zeros(len(track), bool)
    if fraction:
        drop[_rng(rng).choice(len(track), int(round(fraction * len(track))), replace=False)] = True
    for t in times:
        drop[int(np.argmin(np.abs(track.t_s - t)))] = True
    for a, b in spans:
        drop |= _window(track, a, b)
    out = _copy(track, ~drop)
    out.meta["dropped"] = int(drop.sum())
    return out


def variable_fps(track: PoseTrack, fps_min: float, fps_max: float | None = None, *,
                 t_jitter_s: float = 0.0, rng=0) -> PoseTrack:
    """Keep frames at random intervals between 1/fps_max and 1/fps_min (multiples of the
    source frame interval: render at a high fps for fine steps); optional timestamp noise."""
    g = _rng(rng)
    lo = max(1, int(round(track.fps / (fps_max or track.fps))))
    hi = max(lo, int(round(track.fps / fps_min)))
    idx, i = [], 0
    while i < len(track):
        idx.append(i)
        i += int(g.integers(lo, hi + 1))
    out = _copy(track, np.array(idx))
    if t_jitter_s:
        out.t_s = out.t_s + g.normal(0, t_jitter_s, len(idx))
        out.t_s = np.maximum.accumulate(out.t_s + np.arange(len(idx)) * 1e-6)
    span = out.t_s[-1] - out.t_s[0]
    out.fps = float((len(idx) - 1) / span) if span > 0 else track.fps
    out.meta["variable_fps"] = True
    return out


def mirror(track: PoseTrack) -> PoseTrack:
    """Flip horizontally and swap left/right labels: the person faces the other way with the
    other side toward the camera (what MediaPipe reports for a mirrored video)."""
    out = _copy(track)
    for f in ("image", "world", "visibility", "presence"):
        setattr(out, f, getattr(out, f)[:, _SWAP])
    out.image[..., 0] = 1.0 - out.image[..., 0]
    out.world[..., 0] = -out.world[..., 0]
    return out


def rotate_view(track: PoseTrack, yaw_deg: float) -> PoseTrack:
    """Move the camera yaw_deg about the vertical through the hips (90: a side view becomes a
    front/back view); re-projects from world coordinates and recomputes visibility."""
    out = _copy(track)
    m = _m(track)
    cam = _yaw(np.stack([track.world[..., 0], -track.world[..., 1], -track.world[..., 2]], -1)
               / m, yaw_deg)
    hx = pixels(track)[:, [LM.LEFT_HIP, LM.RIGHT_HIP], 0].mean(axis=1)
    out.image[..., 0] = (hx[:, None] + cam[..., 0]) / track.width
    out.image[..., 2] = -cam[..., 2] / track.width
    out.world = np.stack([cam[..., 0], -cam[..., 1], -cam[..., 2]], -1) * m
    ok = track.detected
    out.visibility[ok], out.presence[ok] = _visibility(cam[ok], out.image[ok])
    return out


def crop_out(track: PoseTrack, landmarks, *, edge: str | None = None, beyond: float = 0.03,
             t0: float | None = None, t1: float | None = None) -> PoseTrack:
    """Pan the camera (whole body moves together) so `landmarks` leave the frame by `beyond`
    (normalised) past `edge` (left/right/top/bottom; default: the nearest), within [t0, t1)."""
    win = _window(track, t0, t1) & track.detected
    lms = _lm(landmarks)
    pts = track.image[np.ix_(np.flatnonzero(win), lms)][..., :2]
    x, y = pts[..., 0], pts[..., 1]
    need = {"left": x.max() + beyond, "right": 1 + beyond - x.min(),
            "top": y.max() + beyond, "bottom": 1 + beyond - y.min()}
    edge = edge or min(need, key=need.get)
    d = need[edge] * (-1 if edge in ("left", "top") else 1)
    dx, dy = (d * track.width, 0.0) if edge in ("left", "right") else (0.0, d * track.height)
    out = _shift(track, win, _lm(None), dx, dy, world=False)
    out.visibility, out.presence = _frame_limits(out.image, out.visibility, out.presence)
    return out
