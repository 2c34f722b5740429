"""Content hashes and the stable output names derived from them. A video's outputs are
named after its file name, its content and its exercise definition, so a changed video or
exercise never replaces an earlier result, and the same job always lands on the same names.
Pose tracks depend on the content and the model only: they are the cache that lets another
exercise or threshold replay a video without the model."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def content_hash(path: Path, chunk: int = 1 << 20) -> str:
    """sha256 of the file's bytes (OSError if it cannot be read)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def spec_signature(spec: object) -> str:
    """A digest of an exercise definition (its dataclass repr is deterministic: plain values
    only), so that a changed threshold re-runs the videos analysed with it."""
    return hashlib.sha256(repr(spec).encode()).hexdigest()


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "video"


@dataclass(frozen=True)
class OutputNames:
    report: Path
    annotated: Path
    track: Path


def output_names(out_dir: Path, video: Path, content: str, exercise: str, sig: str,
                 model: str) -> OutputNames:
    stem = f"{_safe(video.stem)}-{content[:10]}"
    job = f"{stem}.{_safe(exercise)}-{sig[:8]}"
    return OutputNames(out_dir / "reports" / f"{job}.json",
                       out_dir / "videos" / f"{job}.mp4",
                       out_dir / "tracks" / f"{stem}.{_safe(model)}.npz")
