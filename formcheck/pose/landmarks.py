"""Landmark data: one frame (`PoseFrame`) and a whole session (`PoseTrack`).

Image landmarks are stored normalised (x, y in 0..1 of the upright frame, z relative)
as MediaPipe returns them; `PoseFrame.pixels` converts to pixel units because angles on
normalised coordinates of a non-square frame are wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

import numpy as np

N_LANDMARKS = 33
TRACK_FORMAT = "formcheck-pose-track"
TRACK_VERSION = 1


class LM(IntEnum):
    """MediaPipe Pose landmark indices."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


# Skeleton edges used for drawing (pairs of landmark indices).
POSE_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
    (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31),
    (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),
    (0, 11), (0, 12),
)


def side_index(name: str, side: str) -> int:
    """`side_index("hip", "left")` -> LM.LEFT_HIP."""
    return int(LM[f"{side.upper()}_{name.upper()}"])


def _box_areas(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """The intersection of two sets of points' bounding boxes, and each box's area."""
    (ax0, ay0), (ax1, ay1) = a.min(0), a.max(0)
    (bx0, by0), (bx1, by1) = b.min(0), b.max(0)
    iw, ih = max(0.0, min(ax1, bx1) - max(ax0, bx0)), max(0.0, min(ay1, by1) - max(ay0, by0))
    return iw * ih, (ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0)


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Overlap (intersection over union) of two sets of points' bounding boxes."""
    inter, area_a, area_b = _box_areas(a, b)
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def box_share(a: np.ndarray, b: np.ndarray) -> float:
    """How much of the smaller of two sets of points' bounding boxes the other covers: two
    readings of one person (one folded up inside the other's outline) share much of it, two
    people side by side nothing, though both pairs' boxes can have a small union's share."""
    inter, area_a, area_b = _box_areas(a, b)
    smaller = min(area_a, area_b)
    return inter / smaller if smaller > 0 else 0.0


@dataclass(frozen=True)
class PoseFrame:
    """Landmarks of one person in one frame; arrays are None when nobody was found."""

    t_s: float
    index: int
    width: int
    height: int
    image: np.ndarray | None = None  # (33, 3) normalised x, y, z
    world: np.ndarray | None = None  # (33, 3) metres, hip-centred
    visibility: np.ndarray | None = None  # (33,)
    presence: np.ndarray | None = None  # (33,)
    n_people: int = 0  # how many people the landmarker saw

    @property
    def detected(self) -> bool:
        return self.image is not None

    @property
    def pixels(self) -> np.ndarray:
        """(33, 2) x, y in pixels of the upright frame."""
        if self.image is None:
            raise ValueError("no person in this frame")
        return self.image[:, :2] * np.array([self.width, self.height], dtype=np.float64)


@dataclass
class PoseTrack:
    """A session's landmarks as arrays; frames without a person hold NaN."""

    t_s: np.ndarray  # (N,) seconds
    image: np.ndarray  # (N, 33, 3)
    world: np.ndarray  # (N, 33, 3)
    visibility: np.ndarray  # (N, 33)
    presence: np.ndarray  # (N, 33)
    width: int
    height: int
    fps: float
    meta: dict = field(default_factory=dict)  # source, model, created_at, ...
    n_people: np.ndarray | None = None  # (N,) int

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def detected(self) -> np.ndarray:
        return ~np.isnan(self.image[:, 0, 0])

    def frame(self, i: int) -> PoseFrame:
        people = int(self.n_people[i]) if self.n_people is not None else int(self.detected[i])
        if not self.detected[i]:
            return PoseFrame(float(self.t_s[i]), i, self.width, self.height, n_people=people)
        return PoseFrame(
            float(self.t_s[i]), i, self.width, self.height,
            self.image[i], self.world[i], self.visibility[i], self.presence[i], people,
        )

    def frames(self) -> Iterator[PoseFrame]:
        for i in range(len(self)):
            yield self.frame(i)

    @classmethod
    def from_frames(cls, frames: list[PoseFrame], fps: float, meta: dict | None = None,
                    width: int | None = None, height: int | None = None) -> PoseTrack:
        n = len(frames)
        if width is None or height is None:
            if not frames:
                raise ValueError("an empty track needs width and height")
            width, height = frames[0].width, frames[0].height
        image = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        world = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        vis = np.zeros((n, N_LANDMARKS), np.float32)
        pres = np.zeros((n, N_LANDMARKS), np.float32)
        for i, f in enumerate(frames):
            if f.detected:
                image[i], world[i] = f.image, f.world
                vis[i], pres[i] = f.visibility, f.presence
        return cls(
            t_s=np.array([f.t_s for f in frames], np.float64), image=image, world=world,
            visibility=vis, presence=pres, width=int(width), height=int(height),
            fps=float(fps), meta=dict(meta or {}),
            n_people=np.array([f.n_people for f in frames], np.int16),
        )

    def save(self, path: str | Path) -> None:
        """Write a compressed .npz (atomically)."""
        from formcheck.atomic import atomic_path

        header = {"format": TRACK_FORMAT, "version": TRACK_VERSION, "width": self.width,
                  "height": self.height, "fps": self.fps, "meta": self.meta}
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(
                    fh, header=np.array(json.dumps(header)), t_s=self.t_s,
                    image=self.image.astype(np.float32), world=self.world.astype(np.float32),
                    visibility=self.visibility.astype(np.float16),
                    presence=self.presence.astype(np.float16),
                    n_people=(self.n_people if self.n_people is not None
                              else self.detected.astype(np.int16)),
                )

    @classmethod
    def load(cls, path: str | Path) -> PoseTrack:
        """Read a track saved by `save`; ValueError naming the file and the problem for
        anything else (a crafted or damaged file is checked before it is used: shapes,
        sizes, numbers)."""
        try:
            _check_members(path)
            with np.load(path, allow_pickle=False) as z:
                header = json.loads(str(z["header"]))
                if not isinstance(header, dict) or header.get("format") != TRACK_FORMAT:
                    raise ValueError("not a formcheck pose track")
                version = header.get("version", 0)
                if not isinstance(version, int) or version > TRACK_VERSION:
                    raise ValueError(f"pose track version {version!r} is newer than "
                                     f"this formcheck reads ({TRACK_VERSION})")
                meta = header.get("meta", {})
                track = cls(
                    t_s=_real(z, "t_s"), image=_real(z, "image"), world=_real(z, "world"),
                    visibility=_real(z, "visibility"), presence=_real(z, "presence"),
                    width=_whole(header.get("width"), "width", 1, MAX_SIDE),
                    height=_whole(header.get("height"), "height", 1, MAX_SIDE),
                    fps=_finite(header.get("fps"), "fps", 0.1, MAX_FPS),
                    meta=dict(meta) if isinstance(meta, dict) else {},
                    n_people=z["n_people"].astype(np.int16) if "n_people" in z else None,
                )
            _check_arrays(track)
            return track
        except ValueError as exc:
            raise ValueError(f"{path}: cannot read pose track ({exc})") from exc
        except Exception as exc:  # zip, zlib, numpy format errors: all mean a damaged file
            raise ValueError(f"{path}: cannot read pose track ({type(exc).__name__}: "
                             f"{exc})") from exc


# What a track may hold: frame sides up to 8192 px (a 10 GiB canvas is no video), a frame
# rate up to 1000, arrays that fit in memory, landmarks within reach of the frame.
MAX_SIDE = 8192
MAX_FPS = 1000.0
MAX_TRACK_BYTES = 2 << 30  # uncompressed; an hour at 60 fps is about 0.3 GB
MAX_COORD = 100.0  # normalised image units or metres: far beyond any real landmark


def _real(z, name: str) -> np.ndarray:
    """Member `name` as float64, if it holds real numbers."""
    a = z[name]
    if a.dtype.kind not in "fiu":
        raise ValueError(f"{name} holds {a.dtype} values, not numbers")
    return a.astype(np.float64)


def _whole(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} {value!r} is not a whole number from {low} to {high}")
    return value


def _finite(value: object, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} {value!r} is not a number")
    out = float(value)
    if not (np.isfinite(out) and low <= out <= high):
        raise ValueError(f"{name} {out!r} is not between {low:g} and {high:g}")
    return out


def _check_members(path: str | Path) -> None:
    """Refuse a file whose arrays would not fit in memory before any is read (a small zip
    can hold gigabytes of zeros)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        total = sum(info.file_size for info in z.infolist())
    if total > MAX_TRACK_BYTES:
        raise ValueError(f"{total / 2**30:.1f} GiB of arrays is more than a track holds")


def _check_arrays(track: PoseTrack) -> None:
    n = track.t_s.shape[0] if track.t_s.ndim == 1 else -1
    if n < 0:
        raise ValueError(f"t_s has shape {track.t_s.shape}, not (frames,)")
    shapes = {"image": (n, N_LANDMARKS, 3), "world": (n, N_LANDMARKS, 3),
              "visibility": (n, N_LANDMARKS), "presence": (n, N_LANDMARKS)}
    if track.n_people is not None:
        shapes["n_people"] = (n,)
    for name, shape in shapes.items():
        got = getattr(track, name).shape
        if got != shape:
            raise ValueError(f"{name} has shape {got}, not {shape} ({n} timestamps, "
                             f"{N_LANDMARKS} landmarks)")
    if not np.all(np.isfinite(track.t_s)):
        raise ValueError("a timestamp is not a finite number")
    if n > 1 and np.any(np.diff(track.t_s) < 0):
        raise ValueError("timestamps go backwards")
    for name in ("image", "world"):
        values = getattr(track, name)
        if np.any(np.isinf(values)) or np.nanmax(np.abs(values), initial=0.0) > MAX_COORD:
            raise ValueError(f"{name} landmarks lie far outside the frame")
    for name in ("visibility", "presence"):
        values = getattr(track, name)
        if not np.all(np.isfinite(values)) or np.any((values < 0) | (values > 1)):
            raise ValueError(f"{name} is not between 0 and 1 everywhere")
    if track.n_people is not None and np.any(track.n_people < 0):
        raise ValueError("n_people is negative")


def is_track_file(path: str | Path) -> bool:
    return str(path).lower().endswith(".npz")
