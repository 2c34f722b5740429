"""Build a `.task` bundle offline from the models inside registry packages.

`full`: the mediapipe wheel (pip alone suffices), else the npm package. `lite` and `heavy`
exist only in the npm package, whose packed assets also hold the detector; the wheel's
detector is the fallback. The bare models get the metadata that MediaPipe Tasks needs.
"""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from formcheck.pose.models.bundle import is_tflite, write_bundle
from formcheck.pose.models.errors import SourceFailed
from formcheck.pose.models.packages import (
    NPM_SOURCE,
    WHEEL_SOURCE,
    fetch_npm,
    fetch_wheel,
)
from formcheck.pose.models.progress import Reporter
from formcheck.pose.models.variants import DETECTOR_NORM, LANDMARKS_NORM

WHEEL_DETECTOR = "mediapipe/modules/pose_detection/pose_detection.tflite"
WHEEL_LANDMARKS = {"full": "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"}
NPM_LANDMARKS = "package/pose_landmark_{variant}.tflite"
NPM_PACKED = "package/pose_solution_packed_assets.data"
NPM_LOADER = "package/pose_solution_packed_assets_loader.js"
PACKED_DETECTOR = "/pose_detection.tflite"  # suffix of the detector's name in the loader

Models = tuple[bytes, bytes]  # (detector, landmarks), bare


T = TypeVar("T")


class CorruptArchive(Exception):
    """A cached package archive cannot be read; it is deleted and fetched again."""


def _tflite(data: bytes, what: str) -> bytes:
    if not is_tflite(data):
        raise SourceFailed(f"{what} is not a TFLite model")
    return data


def _read_zip(archive: Path, names: list[str]) -> list[bytes]:
    try:
        with zipfile.ZipFile(archive) as whl:
            return [whl.read(name) for name in names]
    except KeyError as exc:
        raise SourceFailed(f"{archive.name} lacks {exc.args[0]}") from exc
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise CorruptArchive(f"{archive.name}: {exc}") from exc


def _read_tar(archive: Path, names: list[str]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, "r:gz") as tgz:
            for member in tgz:
                if member.name in names and member.isfile():
                    handle = tgz.extractfile(member)
                    if handle is not None:
                        out[member.name] = handle.read()
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise CorruptArchive(f"{archive.name}: {exc}") from exc
    missing = [n for n in names if n not in out]
    if missing:
        raise SourceFailed(f"{archive.name} lacks {', '.join(missing)}")
    return out


def packed_range(loader_js: str, suffix: str = PACKED_DETECTOR) -> tuple[int, int]:
    """(start, end) of the file named `...suffix` in an Emscripten packed-assets loader."""
    match = re.search(r"loadPackage\((\{.*\})\)", loader_js)
    if not match:
        raise SourceFailed("packed-assets loader has no loadPackage({...}) call")
    try:
        files = json.loads(match.group(1))["files"]
        entry = next(f for f in files if str(f["filename"]).endswith(suffix))
        start, end = int(entry["start"]), int(entry["end"])
    except (ValueError, KeyError, TypeError, StopIteration) as exc:
        raise SourceFailed(f"packed-assets loader does not list *{suffix}") from exc
    if not 0 <= start < end:
        raise SourceFailed(f"packed-assets loader gives a bad range {start}..{end}")
    return start, end


def _archive_read(fetch: Callable[[], Path], read: Callable[[Path], T]) -> T:
    """read(fetch()); a corrupt cached archive is deleted and fetched once more."""
    archive = fetch()
    try:
        return read(archive)
    except CorruptArchive:
        archive.unlink(missing_ok=True)
        try:
            return read(fetch())
        except CorruptArchive as exc:
            raise SourceFailed(f"downloaded archive is corrupt ({exc})") from exc


def wheel_models(variant: str, archives: Path, reporter: Reporter,
                 detector_only: bool = False) -> Models:
    if variant not in WHEEL_LANDMARKS and not detector_only:
        raise SourceFailed(f"the wheel has no {variant} landmark model")
    names = [WHEEL_DETECTOR] + ([] if detector_only else [WHEEL_LANDMARKS[variant]])
    data = _archive_read(lambda: fetch_wheel(archives, reporter),
                         lambda path: _read_zip(path, names))
    detector = _tflite(data[0], WHEEL_DETECTOR)
    return detector, b"" if detector_only else _tflite(data[1], names[1])


def npm_models(variant: str, archives: Path, reporter: Reporter) -> Models:
    landmarks_name = NPM_LANDMARKS.format(variant=variant)
    names = [landmarks_name, NPM_PACKED, NPM_LOADER]
    data = _archive_read(lambda: fetch_npm(archives, reporter),
                         lambda path: _read_tar(path, names))
    landmarks = _tflite(data[landmarks_name], landmarks_name)
    try:
        start, end = packed_range(data[NPM_LOADER].decode("utf-8", "replace"))
        detector = _tflite(data[NPM_PACKED][start:end], f"{NPM_PACKED}[{start}:{end}]")
    except SourceFailed as npm_exc:
        try:
            detector, _ = wheel_models(variant, archives, reporter, detector_only=True)
        except SourceFailed as wheel_exc:
            raise SourceFailed(f"detector: {npm_exc}; {WHEEL_SOURCE}: {wheel_exc}") from wheel_exc
    return detector, landmarks


def _sources(variant: str) -> list[tuple[str, Callable[..., Models]]]:
    if variant in WHEEL_LANDMARKS:
        return [(WHEEL_SOURCE, wheel_models), (NPM_SOURCE, npm_models)]
    return [(NPM_SOURCE, npm_models)]


def _with_metadata(detector: bytes, landmarks: bytes) -> Models:
    """Both models with the input normalisation MediaPipe Tasks reads from metadata."""
    from formcheck.pose.models.metadata import add_image_metadata  # imports mediapipe: ~1 s

    try:
        return (add_image_metadata(detector, *DETECTOR_NORM, "pose_detector"),
                add_image_metadata(landmarks, *LANDMARKS_NORM, "pose_landmarks_detector"))
    except Exception as exc:  # noqa: BLE001 - parsing a package's bytes may fail any way
        raise SourceFailed(f"cannot add metadata ({type(exc).__name__}: {exc})") from exc


def build_offline(variant: str, dest: Path, archives: Path, reporter: Reporter,
                  check: Callable[[Path], None] | None = None) -> str:
    """Build `dest` from the first package that works; return that package's name.

    `check(tmp)` runs on the finished bundle before it replaces `dest`.
    """
    failures = []
    for source, extract in _sources(variant):
        try:
            detector, landmarks = extract(variant, archives, reporter)
            with reporter.step(f"Building {dest.name}"):
                detector, landmarks = _with_metadata(detector, landmarks)
            with reporter.step(f"Writing and verifying {dest.name}"):
                write_bundle(dest, detector, landmarks, check)
            return source
        except SourceFailed as exc:
            failures.append(f"{source}: {exc}")
        except OSError as exc:  # e.g. an unwritable model dir
            failures.append(f"{source}: {type(exc).__name__}: {exc}")
        reporter.note(failures[-1])
    raise SourceFailed("; ".join(failures))
