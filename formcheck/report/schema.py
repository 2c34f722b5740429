"""The session report (JSON, `schema_version` 1): dataclasses, (de)serialisation, validation.

A report is the durable record of a session; `formcheck report` renders it later.
"""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from formcheck.analysis.records import FaultEvent, HoldRecord, RepRecord, Series
from formcheck.atomic import write_text_atomic

SCHEMA_VERSION = 1


@dataclass
class Summary:
    rep_count: int = 0
    good_rep_count: int = 0
    hold_seconds: float = 0.0
    fault_counts: dict[str, int] = field(default_factory=dict)
    set_count: int = 0
    # side -> {reps, good, hold_s}
    per_side: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class Report:
    exercise: str
    side: str  # "left" | "right" | "both" | "unknown"
    source: str
    started_at: str  # ISO 8601
    duration_s: float
    fps: float
    model: str
    summary: Summary = field(default_factory=Summary)
    reps: list[RepRecord] = field(default_factory=list)
    holds: list[HoldRecord] = field(default_factory=list)
    exercise_name: str = ""
    mode: str = "analyze"  # "analyze" | "live"
    partial: bool = False  # the input ended early or was interrupted
    warnings: list[str] = field(default_factory=list)
    frames: int = 0
    frames_with_person: int = 0
    series: Series = field(default_factory=Series)
    prescription: dict[str, Any] = field(default_factory=dict)
    # "together" | "one_at_a_time" (the exercise's [side] works); "" in reports from before
    # the field existed, which renderers look up in the catalogue by exercise id.
    works: str = ""
    # The exercise's [progression] when the session was recorded (analysis/progression.py):
    # the advice steps up along the ladder the person was given. {} in older reports.
    progression: dict[str, Any] = field(default_factory=dict)
    # The rep/hold rule and fault limits with their units (report/rules.py), for the plot
    # lines and the units of fault values. {} in older reports: the catalogue's are used.
    rules: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return _clean(asdict(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def write(self, path: str | Path) -> None:
        write_text_atomic(path, self.to_json() + "\n")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Report:
        validate(d)
        reps = [RepRecord(**{**r, "faults": [FaultEvent(**f) for f in r.get("faults", [])]})
                for r in d.get("reps", [])]
        holds = [HoldRecord(**{**h, "faults": [FaultEvent(**f) for f in h.get("faults", [])]})
                 for h in d.get("holds", [])]
        known = set(cls.__dataclass_fields__)
        rest = {k: v for k, v in d.items() if k in known and k not in ("summary", "reps", "holds",
                                                                       "series")}
        return cls(**rest, summary=Summary(**d["summary"]), reps=reps, holds=holds,
                   series=Series(**d.get("series", {})))


class ReportError(ValueError):
    """A report file that cannot be read: the message names the file and the problem."""


def _clean(obj: Any) -> Any:
    """Replace NaN/inf by None and round floats so reports stay valid, readable JSON."""
    if isinstance(obj, float):
        return None if not math.isfinite(obj) else round(obj, 4)
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "schema_version": int, "exercise": str, "side": str, "source": str, "started_at": str,
    "duration_s": (int, float), "fps": (int, float), "model": str, "summary": dict, "reps": list,
}
_SUMMARY: dict[str, type | tuple[type, ...]] = {
    "rep_count": int, "good_rep_count": int, "hold_seconds": (int, float), "fault_counts": dict,
}
_REP: dict[str, type | tuple[type, ...]] = {
    "index": int, "side": str, "start_s": (int, float), "end_s": (int, float),
    "duration_s": (int, float), "peak_angle": (int, float, type(None)),
    "trough_angle": (int, float, type(None)), "hold_s": (int, float), "faults": list,
}
_FAULT: dict[str, type | tuple[type, ...]] = {"code": str, "message": str, "t_s": (int, float)}


def validate(d: Any) -> None:
    """Raise ReportError unless `d` is a schema-1 report."""
    if not isinstance(d, dict):
        raise ReportError("not a JSON object")
    version = d.get("schema_version")
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise ReportError(f"schema_version {version} is newer than this formcheck reads "
                          f"({SCHEMA_VERSION}); upgrade formcheck")
    if version != SCHEMA_VERSION:
        raise ReportError(f"unknown schema_version {version!r} (expected {SCHEMA_VERSION})")
    _check_fields(d, _REQUIRED, "report")
    _check_fields(d["summary"], _SUMMARY, "summary")
    for i, rep in enumerate(d["reps"]):
        _check_fields(rep, _REP, f"reps[{i}]")
        for j, fault in enumerate(rep["faults"]):
            _check_fields(fault, _FAULT, f"reps[{i}].faults[{j}]")


def _check_fields(d: Any, spec: dict[str, type | tuple[type, ...]], where: str) -> None:
    if not isinstance(d, dict):
        raise ReportError(f"{where} is not an object")
    for key, typ in spec.items():
        if key not in d:
            raise ReportError(f"{where} lacks '{key}'")
        val = d[key]
        if isinstance(val, bool) or not isinstance(val, typ):
            if not (val is None and isinstance(typ, tuple) and type(None) in typ):
                raise ReportError(f"{where}.{key} has the wrong type ({type(val).__name__})")


MAX_REPORT_BYTES = 64 * 1024 * 1024  # hours of a session with its series: well under this


def read_bounded(path: Path, limit: int = MAX_REPORT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Opened without blocking and
    checked before reading, so a FIFO named *.json cannot hang a reader and a link to
    /dev/zero cannot fill memory: both raise OSError saying what they are."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO (named pipe)"
                    if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                    or stat.S_ISBLK(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                    else "not a regular file")
            raise OSError(f"not a regular file ({kind}): skipped")
        if st.st_size > limit:
            raise OSError(f"too large ({st.st_size} bytes; a report is at most {limit})")
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew while being read
                raise OSError(f"too large (over {limit} bytes)")
        return b"".join(chunks)
    finally:
        os.close(fd)


def load_report(path: str | Path) -> Report:
    """Read and validate a report; every failure is a ReportError naming the file."""
    p = Path(path)
    try:
        text = read_bounded(p).decode("utf-8")
    except FileNotFoundError:
        raise ReportError(f"{p}: no such file") from None
    except OSError as exc:
        raise ReportError(f"{p}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise ReportError(f"{p}: cannot read ({exc})") from None
    return parse_report(text, str(p))


def parse_report(text: str, origin: str) -> Report:
    """A report from JSON text; a ReportError naming `origin` for anything unreadable:
    invalid JSON, numbers of thousands of digits, nesting deeper than Python recurses."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"{origin}: damaged report (not valid JSON: {exc})") from None
    except ValueError as exc:  # e.g. an integer over Python's digit limit
        raise ReportError(f"{origin}: damaged report ({exc})") from None
    except RecursionError:
        raise ReportError(f"{origin}: damaged report (nested too deeply)") from None
    try:
        return Report.from_dict(data)
    except ReportError as exc:
        raise ReportError(f"{origin}: {exc}") from None
    except (TypeError, KeyError, ValueError, RecursionError) as exc:
        raise ReportError(f"{origin}: damaged report ({type(exc).__name__}: "
                          f"{str(exc)[:200]})") from None
