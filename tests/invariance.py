"""Changes to a recorded pose track that must not change what formcheck counts: the same
movement filmed mirrored, at half or a third of the frame rate, at a lower resolution, with a
little (or twice as much) landmark noise and a few lost frames, or with the clip's first and
last second cut off. Used by
scripts/bench_invariance.py and the invariance tests.

Image landmarks are normalised to the frame (x by width, y by height); a pixel length is the
normalised one times the frame's size, so a resolution change is a change of width and height.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from formcheck.pose.landmarks import LM, PoseTrack

# Landmark index permutation that swaps every left landmark with its right twin.
SWAP = np.arange(len(LM))
for _lm in LM:
    if "LEFT" in _lm.name:
        _twin = LM[_lm.name.replace("LEFT", "RIGHT")]
        SWAP[_lm], SWAP[_twin] = _twin, _lm

JITTER_TORSO = 0.0075  # landmark noise: this share of the torso length (sd, per axis)
DROP_SHARE = 0.03  # frames with no person
TRIM_S = 1.0
SEED = 13


def mirror(track: PoseTrack) -> PoseTrack:
    """The clip flipped left-right: pixel x and world x flipped, left and right swapped."""
    image, world = track.image[:, SWAP].copy(), track.world[:, SWAP].copy()
    image[..., 0] = 1.0 - image[..., 0]
    world[..., 0] = -world[..., 0]
    return replace(track, image=image, world=world, visibility=track.visibility[:, SWAP],
                   presence=track.presence[:, SWAP])


def keep_frames(track: PoseTrack, keep: np.ndarray, fps: float | None = None) -> PoseTrack:
    """The frames selected by `keep` (a mask or indices), at frame rate `fps`."""
    people = track.n_people[keep] if track.n_people is not None else None
    return replace(track, t_s=track.t_s[keep], image=track.image[keep],
                   world=track.world[keep], visibility=track.visibility[keep],
                   presence=track.presence[keep], n_people=people,
                   fps=track.fps if fps is None else fps)


def half_rate(track: PoseTrack) -> PoseTrack:
    """Every other frame: a 60 fps clip as 30 fps, 30 as 15."""
    return keep_frames(track, np.arange(0, len(track), 2), track.fps / 2)


def rescale(track: PoseTrack, height: int = 480) -> PoseTrack:
    """The same clip at a lower resolution (the shorter side `height` px, same aspect)."""
    k = height / min(track.width, track.height)
    return replace(track, width=max(1, round(track.width * k)),
                   height=max(1, round(track.height * k)))


def torso_length(track: PoseTrack) -> tuple[float, float]:
    """Median shoulder-centre to hip-centre length: (pixels, metres); 0 with nobody seen."""
    size = np.array([track.width, track.height], float)
    sh = (track.image[:, LM.LEFT_SHOULDER, :2] + track.image[:, LM.RIGHT_SHOULDER, :2]) / 2
    hp = (track.image[:, LM.LEFT_HIP, :2] + track.image[:, LM.RIGHT_HIP, :2]) / 2
    px = np.linalg.norm((sh - hp) * size, axis=-1)
    wsh = (track.world[:, LM.LEFT_SHOULDER] + track.world[:, LM.RIGHT_SHOULDER]) / 2
    whp = (track.world[:, LM.LEFT_HIP] + track.world[:, LM.RIGHT_HIP]) / 2
    m = np.linalg.norm(wsh - whp, axis=-1)
    px, m = px[np.isfinite(px)], m[np.isfinite(m)]
    return (float(np.median(px)) if len(px) else 0.0), (float(np.median(m)) if len(m) else 0.0)


def jitter(track: PoseTrack, share: float = JITTER_TORSO, drop: float = DROP_SHARE,
           seed: int = SEED) -> PoseTrack:
    """Gaussian landmark noise of `share` of the torso length, and `drop` of the frames (at
    random, fixed seed) without a person."""
    rng = np.random.default_rng(seed)
    px, m = torso_length(track)
    size = np.array([track.width, track.height], float)
    image, world = track.image.copy(), track.world.copy()
    image[..., :2] += rng.normal(0.0, share * px, image[..., :2].shape) / size
    world += rng.normal(0.0, share * m, world.shape)
    lost = rng.random(len(track)) < drop
    image[lost], world[lost] = np.nan, np.nan
    vis, pres = track.visibility.copy(), track.presence.copy()
    vis[lost], pres[lost] = 0.0, 0.0
    people = (track.n_people if track.n_people is not None
              else track.detected.astype(np.int16)).copy()
    people[lost] = 0
    return replace(track, image=image, world=world, visibility=vis, presence=pres,
                   n_people=people)


def heavy_jitter(track: PoseTrack) -> PoseTrack:
    """Twice `jitter`'s noise and lost frames, another seed: a poorer camera, dimmer light."""
    return jitter(track, 2 * JITTER_TORSO, 2 * DROP_SHARE, SEED + 1)


def third_rate(track: PoseTrack) -> PoseTrack:
    """Every third frame: 30 fps as 10 (a slow phone, or a busy machine dropping frames)."""
    return keep_frames(track, np.arange(0, len(track), 3), track.fps / 3)


def trim(track: PoseTrack, seconds: float = TRIM_S) -> PoseTrack:
    """The clip without its first and last `seconds` (its clock starting where it did)."""
    t = track.t_s
    out = keep_frames(track, (t >= t[0] + seconds) & (t <= t[-1] - seconds))
    return replace(out, t_s=out.t_s - out.t_s[0] + t[0])


TRANSFORMS: dict[str, Callable[[PoseTrack], PoseTrack]] = {
    "mirror": mirror, "half_fps": half_rate, "480p": rescale, "jitter": jitter, "trim": trim,
    "jitter_2x": heavy_jitter, "third_fps": third_rate,
}
