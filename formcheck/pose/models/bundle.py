"""The `.task` bundle: an uncompressed zip whose members start on 4-byte boundaries.

MediaPipe memory-maps the models straight out of the zip, which needs them stored (not
deflated) and aligned.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from formcheck.atomic import atomic_path
from formcheck.pose.models.variants import DETECTOR_MEMBER, LANDMARKS_MEMBER, MEMBERS

ALIGNMENT = 4
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
MODEL_IDENTIFIER = b"TFL3"  # flatbuffer file identifier of a TFLite model


def is_tflite(data: bytes) -> bool:
    return len(data) > 8 and data[4:8] == MODEL_IDENTIFIER


class _AlignedZipFile(zipfile.ZipFile):
    """ZipFile that pads before each local header so the member's data is aligned."""

    def _writecheck(self, zinfo: zipfile.ZipInfo) -> None:
        fp = self.fp
        assert fp is not None  # open for writing
        offset = fp.tell()
        header = len(zinfo.FileHeader())
        pad = -(offset + header) % ALIGNMENT
        if pad:
            fp.write(b"\0" * pad)
            zinfo.header_offset = offset + pad
        super()._writecheck(zinfo)  # type: ignore[misc]  # private in the stubs, not in zipfile


def write_bundle(path: Path, detector: bytes, landmarks: bytes,
                 check: Callable[[Path], None] | None = None) -> None:
    """Write the two models as a `.task` at `path`, atomically; `check(tmp)` must pass first."""
    with atomic_path(path) as tmp:
        with _AlignedZipFile(tmp, "w", zipfile.ZIP_STORED) as bundle:
            for name, data in ((DETECTOR_MEMBER, detector), (LANDMARKS_MEMBER, landmarks)):
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE)  # same input, same bytes
                info.external_attr = 0o644 << 16
                bundle.writestr(info, data)
        if check is not None:
            check(tmp)


def read_members(path: Path) -> dict[str, bytes]:
    """The bundle's two models by member name; ValueError if it is not such a zip. Only
    stored members no bigger than the file are read: MediaPipe maps them uncompressed,
    and a deflated one could unpack to gigabytes (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            missing = [m for m in MEMBERS if m not in names]
            if missing:
                raise ValueError(f"not a pose landmarker bundle (missing {', '.join(missing)})")
            size = Path(path).stat().st_size
            for m in MEMBERS:
                info = bundle.getinfo(m)
                if info.compress_type != zipfile.ZIP_STORED:
                    raise ValueError(f"member {m} is compressed; a pose landmarker bundle "
                                     "stores its models uncompressed")
                if info.file_size > size:
                    raise ValueError(f"member {m} claims {info.file_size} bytes, more than "
                                     f"the whole file ({size})")
            return {m: bundle.read(m) for m in MEMBERS}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error,
            NotImplementedError) as exc:
        raise ValueError(f"not a readable zip ({exc})") from exc


def data_offsets(path: Path) -> dict[str, int]:
    """Byte offset of each member's data in the file (to check alignment)."""
    offsets = {}
    with zipfile.ZipFile(path) as bundle, open(path, "rb") as raw:
        for info in bundle.infolist():
            raw.seek(info.header_offset + 26)
            name_len = int.from_bytes(raw.read(2), "little")
            extra_len = int.from_bytes(raw.read(2), "little")
            offsets[info.filename] = info.header_offset + 30 + name_len + extra_len
    return offsets
