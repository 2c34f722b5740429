"""What a batch is asked to analyse: video files, folders (searched recursively) and manifest
CSVs (`video, exercise, side, person, date`, one row a video), in the order given."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from formcheck.errors import UserError

VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm"}
TRACK_SUFFIX = ".npz"  # a pose track saved by formcheck: replayed like `analyze` does
MANIFEST_COLUMNS = ("video", "exercise", "side", "person", "date")


@dataclass(frozen=True)
class BatchItem:
    """One video to analyse and what the manifest said about it ('' when not given)."""

    video: Path
    exercise: str = ""
    side: str = ""
    person: str = ""
    date: str = ""


def _manifest(path: Path) -> list[BatchItem]:
    """Rows of a manifest; video paths are relative to the manifest's folder."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            if "video" not in header:
                raise UserError(f"{path}: a manifest needs a header row with a 'video' "
                                f"column (columns: {', '.join(MANIFEST_COLUMNS)})")
            unknown = [h for h in header if h not in MANIFEST_COLUMNS]
            if unknown:
                raise UserError(f"{path} line 1: unknown column {unknown[0]!r} (columns: "
                                f"{', '.join(MANIFEST_COLUMNS)})")
            items = []
            for row in reader:
                values = {k.strip().lower(): (v or "").strip()
                          for k, v in row.items() if k is not None}
                if not values.get("video"):
                    if any(values.values()):
                        raise UserError(f"{path} line {reader.line_num}: no video named")
                    continue
                video = Path(values["video"]).expanduser()
                items.append(BatchItem(video if video.is_absolute() else path.parent / video,
                                       **{k: values.get(k, "") for k in MANIFEST_COLUMNS[1:]}))
            return items
    except OSError as exc:
        raise UserError(f"{path}: cannot read the manifest ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"{path}: not a CSV manifest ({exc})") from None


def _folder(path: Path, skip: Path) -> list[BatchItem]:
    """Videos under `path`, sorted, leaving out the batch's own output folder."""
    found = []
    for p in sorted(path.rglob("*")):
        if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file() and skip not in p.parents:
            found.append(BatchItem(p))
    return found


def collect(inputs: list[Path], out_dir: Path) -> list[BatchItem]:
    """Every video the inputs name, each once (the first mention wins: a manifest row's
    details over a bare file found again in a folder)."""
    items: list[BatchItem] = []
    skip = out_dir.resolve()
    for given in inputs:
        path = given.expanduser()
        if path.is_dir():
            items += _folder(path, skip)
        elif path.suffix.lower() == ".csv":
            items += _manifest(path)
        elif path.exists() or path.suffix.lower() in VIDEO_SUFFIXES | {TRACK_SUFFIX}:
            items.append(BatchItem(path))  # a missing file becomes a failed row, not an abort
        else:
            raise UserError(f"{given}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for item in items:
        key = item.video.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique
