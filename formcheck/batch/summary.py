"""DIR/summary.csv and DIR/summary.html: one row per video of the batch (person, date,
exercise, reps, good reps, holds, top faults, status), the page linking each report."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from formcheck.atomic import write_text_atomic
from formcheck.batch.state import VideoRow

TEMPLATES = Path(__file__).parent / "templates"
COLUMNS = ["person", "date", "video", "exercise", "reps", "good_reps", "holds",
           "hold_seconds", "top_faults", "status", "reason", "report", "annotated_video"]
HEADERS = ["Person", "Date", "Video", "Exercise", "Reps", "Good reps", "Holds", "Top faults",
           "Status", "Files"]


@dataclass
class SummaryRow:
    person: str
    date: str
    video: str
    video_name: str
    exercise: str
    status: str
    reason: str
    reps: str = ""
    good_reps: str = ""
    holds: str = ""
    hold_seconds: str = ""
    top_faults: str = ""
    report: str = ""
    annotated_video: str = ""
    report_link: str = ""
    video_link: str = ""


def _row(row: VideoRow, out_dir: Path) -> SummaryRow:
    from formcheck.report.schema import ReportError, load_report

    status = row.status if row.status in ("done", "failed") else "to do"
    out = SummaryRow(row.person, row.date, row.video, Path(row.video).name,
                     Path(row.exercise).stem if row.exercise.endswith(".toml") else
                     row.exercise, status, row.reason)
    if not row.report or status == "to do" or not Path(row.report).is_file():
        return out
    try:
        report = load_report(row.report)
    except ReportError as exc:
        out.reason = out.reason or str(exc)
        return out
    s = report.summary
    faults = sorted(s.fault_counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    out.reps, out.good_reps = str(s.rep_count), str(s.good_rep_count)
    out.holds, out.hold_seconds = str(len(report.holds)), f"{s.hold_seconds:.1f}"
    out.top_faults = "; ".join(f"{code} x{n}" for code, n in faults)
    out.report, out.report_link = row.report, os.path.relpath(row.report, out_dir)
    if row.annotated:
        out.annotated_video = row.annotated
        out.video_link = os.path.relpath(row.annotated, out_dir)
    return out


def write_summary(out_dir: Path, rows: list[VideoRow]) -> list[SummaryRow]:
    import jinja2

    table = [_row(r, out_dir) for r in rows]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in table:
        writer.writerow([getattr(r, c) for c in COLUMNS])
    write_text_atomic(out_dir / "summary.csv", buf.getvalue())
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    count = {s: sum(r.status == s for r in table) for s in ("done", "failed", "to do")}
    html = env.get_template("summary.html").render(
        rows=table, headers=HEADERS, done=count["done"], failed=count["failed"],
        todo=count["to do"],
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    write_text_atomic(out_dir / "summary.html", html)
    return table
