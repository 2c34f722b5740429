"""Other camera views of a recorded pose track: rotate its world landmarks in 3-D and project
them through a pinhole camera (the view augmentation of the accuracy tests and benchmark).

MediaPipe's world landmarks are metric, centred on the hips and aligned with the camera (x
right, y down, z away). Turning the camera by `yaw` about the room's vertical through the hips
and raising it by `pitch` is a rotation of those points; the new image is their perspective
projection, placed where the hips were and at the same scale, so the person stays in frame.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from formcheck.analysis.measures import SCALE_SEGMENTS
from formcheck.pose.landmarks import LM, PoseTrack

_LEFT = np.array([i for i in LM if "LEFT" in i.name])
_RIGHT = np.array([LM[i.name.replace("LEFT", "RIGHT")] for i in LM if "LEFT" in i.name])


def rotation(yaw_deg: float, pitch_deg: float = 0.0) -> np.ndarray:
    """World-to-camera rotation for a camera moved yaw_deg about the vertical (y) through the
    hips, then raised pitch_deg (looking down at the person)."""
    y, p = math.radians(yaw_deg), math.radians(pitch_deg)
    ry = np.array([[math.cos(y), 0.0, math.sin(y)], [0.0, 1.0, 0.0],
                   [-math.sin(y), 0.0, math.cos(y)]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(p), -math.sin(p)],
                   [0.0, math.sin(p), math.cos(p)]])
    return rx @ ry


def px_per_metre(track: PoseTrack) -> float:
    """The clip's scale: image length over world length of the limbs, taken in the image plane
    (median over frames and the limbs formcheck.analysis.measures scales by, so foreshortened
    limbs do not bias it much)."""
    size = np.array([track.width, track.height], float)
    ratios = []
    for a, b in SCALE_SEGMENTS:
        img = np.linalg.norm((track.image[:, a, :2] - track.image[:, b, :2]) * size, axis=-1)
        wld = np.linalg.norm(track.world[:, a, :2] - track.world[:, b, :2], axis=-1)
        ok = np.isfinite(img) & np.isfinite(wld) & (wld > 0.05)
        ratios.append(img[ok] / wld[ok])
    r = np.concatenate(ratios) if ratios else np.array([])
    return float(np.median(r)) if len(r) else 340.0


def camera_view(track: PoseTrack, yaw_deg: float, pitch_deg: float = 0.0,
                distance_m: float = 3.0) -> PoseTrack:
    """The track as a camera yaw_deg round the person and pitch_deg above would have seen it,
    from distance_m away (perspective: near limbs look larger)."""
    s = px_per_metre(track)
    cam = track.world @ rotation(yaw_deg, pitch_deg).T  # (N, 33, 3), camera-aligned metres
    size = np.array([track.width, track.height], float)
    hips = track.image[:, [LM.LEFT_HIP, LM.RIGHT_HIP], :2].mean(axis=1) * size  # (N, 2)
    depth = distance_m + cam[..., 2]
    f = s * distance_m
    xy = hips[:, None, :] + f * cam[..., :2] / np.maximum(depth, 0.3)[..., None]
    image = np.concatenate([xy / size, (s * cam[..., 2] / track.width)[..., None]], axis=-1)
    vis = _visibility(track.visibility, cam)
    out = np.isnan(track.image[..., 0])
    image[out] = np.nan
    off = (image[..., 0] < 0) | (image[..., 0] > 1) | (image[..., 1] < 0) | (image[..., 1] > 1)
    vis = np.where(off, np.minimum(vis, 0.05), vis).astype(track.visibility.dtype)
    meta = {**track.meta, "view": {"yaw": yaw_deg, "pitch": pitch_deg, "distance_m": distance_m}}
    return replace(track, image=image.astype(track.image.dtype),
                   world=cam.astype(track.world.dtype), visibility=vis, meta=meta)


def _visibility(vis: np.ndarray, cam: np.ndarray) -> np.ndarray:
    """Each left/right pair keeps its better score on the side now nearer the camera; the far
    side fades with how side-on the hips now are (as MediaPipe's scores do)."""
    best = vis.astype(float).copy()
    pair = np.maximum(vis[:, _LEFT], vis[:, _RIGHT]).astype(float)
    lat = cam[:, LM.RIGHT_HIP] - cam[:, LM.LEFT_HIP]
    f = np.abs(lat[:, 2]) / np.maximum(np.linalg.norm(lat, axis=1), 1e-9)
    right_near = (lat[:, 2] < 0)[:, None]  # z away from the camera
    far = pair * (1.0 - 0.5 * f[:, None])
    best[:, _RIGHT] = np.where(right_near, pair, far)
    best[:, _LEFT] = np.where(right_near, far, pair)
    return np.nan_to_num(best, nan=0.0)  # frames with nobody: world is NaN, visibility 0
