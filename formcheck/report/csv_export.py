"""CSV export: one row per rep (and per timed hold) across sessions, for spreadsheets.

Text cells that a spreadsheet would run as a formula (starting with = + - @) are prefixed
with a quote, because report files can come from anywhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from formcheck.analysis.records import FaultEvent
from formcheck.atomic import write_text_atomic
from formcheck.report.schema import Report
from formcheck.report.terminal import num, plain

COLUMNS = [
    "session", "exercise", "side", "kind", "set", "index", "start_s", "end_s", "duration_s",
    "up_s", "hold_s", "down_s", "key_angle", "peak_angle", "trough_angle", "range_of_motion",
    "good", "faults", "fault_times_s",
]


def _text(value: object) -> str:
    s = plain(value)
    return "'" + s if s[:1] in ("=", "+", "-", "@") else s


def _n(value: object, digits: int = 2) -> str:
    v = num(value)
    return "" if v is None else f"{v:.{digits}f}"


def _span(start: object, end: object) -> str:
    a, b = num(start), num(end)
    return "" if a is None or b is None else _n(b - a)


def _faults(faults: Sequence[FaultEvent]) -> tuple[str, str]:
    return (_text(";".join(str(f.code) for f in faults)),
            ";".join(_n(f.t_s) for f in faults))


def csv_rows(reports: Sequence[Report]) -> list[dict[str, str]]:
    """The rows, as strings exactly as written; `session` is the session's `started_at`."""
    rows = []
    for report in reports:
        base = {"session": _text(report.started_at), "exercise": _text(report.exercise)}
        for r in report.reps:
            codes, times = _faults(r.faults)
            rows.append({**base, "side": _text(r.side), "kind": "rep", "set": str(r.set_index),
                         "index": str(r.index), "start_s": _n(r.start_s), "end_s": _n(r.end_s),
                         "duration_s": _n(r.duration_s), "up_s": _n(r.up_s),
                         "hold_s": _n(r.hold_s), "down_s": _n(r.down_s),
                         "key_angle": _text(r.key_angle), "peak_angle": _n(r.peak_angle, 1),
                         "trough_angle": _n(r.trough_angle, 1),
                         "range_of_motion": _n(r.range_of_motion, 1),
                         "good": "yes" if r.good else "no", "faults": codes,
                         "fault_times_s": times})
        for h in report.holds:
            codes, times = _faults(h.faults)
            rows.append({**base, "side": _text(h.side), "kind": "hold", "set": "",
                         "index": str(h.index), "start_s": _n(h.start_s), "end_s": _n(h.end_s),
                         "duration_s": _span(h.start_s, h.end_s),
                         "up_s": "", "hold_s": _n(h.hold_s), "down_s": "", "key_angle": "",
                         "peak_angle": "", "trough_angle": "", "range_of_motion": "",
                         "good": "yes" if h.good else "no", "faults": codes,
                         "fault_times_s": times})
    return rows


def render_csv(reports: Sequence[Report]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(reports))
    return buf.getvalue()


def write_csv(path: str | Path, reports: Sequence[Report]) -> None:
    write_text_atomic(path, render_csv(reports))
