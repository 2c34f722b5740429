"""The short summary printed after a session."""

from __future__ import annotations

from pathlib import Path

from formcheck.analysis.measures import angle_text
from formcheck.report.schema import Report

PAIN_NOTE = ("Pain is the stop sign: persistent pain needs a doctor or physiotherapist. "
             "formcheck is not a medical device.")


def print_summary(report: Report, video: Path | None = None,
                  report_path: Path | None = None) -> None:
    s = report.summary
    name = report.exercise_name or report.exercise
    if report.reps or not report.holds:
        line = f"{name}: {s.rep_count} reps ({s.good_rep_count} good)"
    else:
        line = f"{name}: {s.rep_count} holds ({s.good_rep_count} good), {s.hold_seconds:.1f} s held"
    if report.side in ("left", "right", "both"):
        line += f", side: {report.side}"
    print(line)
    for r in report.reps:
        faults = ", ".join(f.message for f in r.faults) or "good"
        leg = f" ({r.leg} leg)" if r.leg in ("left", "right") else ""
        print(f"  rep {r.index}{leg}: {r.start_s:.1f}-{r.end_s:.1f} s, {r.key_angle} "
              f"{angle_text(r.trough_angle)}->{angle_text(r.peak_angle)}, hold {r.hold_s:.1f} s: "
              f"{faults}")
    for h in report.holds:
        faults = ", ".join(f.message for f in h.faults) or "good"
        print(f"  hold {h.index}: {h.start_s:.1f}-{h.end_s:.1f} s ({h.hold_s:.1f} s): {faults}")
    for w in report.warnings:
        print(f"  warning: {w}")
    if video:
        print(f"Annotated video: {video}")
    if report_path:
        print(f"Report: {report_path}")
    print(PAIN_NOTE)
