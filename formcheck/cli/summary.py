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


def session_end_lines(report: Report) -> list[str]:
    """The end of a live session in words: what was done, how much of it well, and the one
    or two things to work on (the faults seen most)."""
    s = report.summary
    name = report.exercise_name or report.exercise
    sets = f" in {s.set_count} sets" if s.set_count > 1 else ""
    if report.holds and not report.reps:
        done = (f"{name}: {s.rep_count} hold{'s' * (s.rep_count != 1)}{sets}, "
                f"{s.hold_seconds:.0f} s held in all; {s.good_rep_count} with good form.")
    else:
        done = (f"{name}: {s.rep_count} rep{'s' * (s.rep_count != 1)}{sets}, "
                f"{s.good_rep_count} good.")
        tops = [r.hold_s for r in report.reps]
        if tops:
            done += f" Held the top {sum(tops) / len(tops):.1f} s on average."
    lines = [done]
    messages: dict[str, int] = {}
    for faults in [r.faults for r in report.reps] + [h.faults for h in report.holds]:
        for f in faults:
            messages[f.message] = messages.get(f.message, 0) + 1
    worst = sorted(messages.items(), key=lambda kv: -kv[1])[:2]
    if worst:
        total = len(report.reps) or len(report.holds)
        lines.append("To work on: " + "; ".join(f"{m} ({n} of {total})" for m, n in worst))
    elif s.rep_count:
        lines.append("Good form throughout: keep it up.")
    else:
        lines.append("Nothing was counted: check that the camera sees you side-on, whole body "
                     "in view.")
    return lines
