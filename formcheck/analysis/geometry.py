"""Geometry on pixel coordinates (never on normalised coordinates of a non-square frame, which
distorts angles), or on 3-D points (metres, or pixels with depth): y grows downward in both,
so "up" means the same in the image and in MediaPipe's camera-aligned world landmarks."""

from __future__ import annotations

import math

import numpy as np


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Interior angle a-b-c at b, 0..180 degrees."""
    return angle_to_deg(a - b, c - b)


def above_line(p: np.ndarray, a: np.ndarray, c: np.ndarray) -> float:
    """Signed distance of p above the line a-c; y grows downward, so "above" is toward the top
    of the frame. Positive = above. In 3-D: how far p is above its nearest point on the line."""
    d = c - a
    if len(d) > 2:
        dd = float(np.dot(d, d))
        if not dd or not math.isfinite(dd):
            return math.nan
        foot = a + d * float(np.dot(p - a, d)) / dd
        return float(foot[1] - p[1])
    if d[0] == 0:
        return math.nan
    t = (p[0] - a[0]) / d[0]
    y_line = a[1] + t * d[1]
    return float(y_line - p[1])


def reflex_if_above(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle a-b-c, continued past 180 when b lies above the a-c line: a bridge's hip above
    the shoulder-knee line reads e.g. 190 (over-arched), not 170."""
    ang = angle_deg(a, b, c)
    if math.isnan(ang):
        return ang
    return 360.0 - ang if above_line(b, a, c) > 0 else ang


def angle_to_deg(u: np.ndarray, v: np.ndarray) -> float:
    """Angle between directions u and v, 0..180 degrees."""
    n = float(np.linalg.norm(u) * np.linalg.norm(v))
    if n == 0 or not math.isfinite(n):
        return math.nan
    return math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(u, v)) / n))))


def segment_angle_from_vertical(a: np.ndarray, b: np.ndarray) -> float:
    """Angle of segment a->b from the vertical, 0..180 (0 = b straight below a)."""
    d = b - a
    n = float(np.linalg.norm(d))
    if n == 0 or not math.isfinite(n):
        return math.nan
    return math.degrees(math.acos(max(-1.0, min(1.0, float(d[1]) / n))))


def elevation_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Elevation of segment a->b above the horizontal, -90..90 (positive = b higher)."""
    d = b - a
    if not np.all(np.isfinite(d)) or not d.any():
        return math.nan
    level = math.hypot(float(d[0]), *(float(x) for x in d[2:]))
    return math.degrees(math.atan2(-float(d[1]), level))


def signed_turn_deg(u: np.ndarray, v: np.ndarray, up_positive: bool = True) -> float:
    """Angle from direction u to direction v, signed positive when v points more upward in
    the image than u (for either facing direction)."""
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0 or not math.isfinite(nu * nv):
        return math.nan
    ang = math.degrees(math.acos(max(-1.0, min(1.0, float(np.dot(u, v)) / (nu * nv)))))
    # The sign is read in the image (x, y): cross product z, flipped by facing so "up" is
    # positive either way; in 3-D the size of the turn includes depth.
    cross = float(u[0] * v[1] - u[1] * v[0])
    facing = 1.0 if u[0] >= 0 else -1.0
    sign = -1.0 if cross * facing > 0 else 1.0
    return sign * ang if up_positive else -sign * ang
