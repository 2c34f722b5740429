"""Session history: every analysed session filed in one folder, summarised over time.

Rehab works by repetition over weeks, so formcheck keeps each report and shows sessions per
day, volume against the prescription (sets × reps, holds), adherence to its frequency
(strengthening every other day, bridges twice a day) and left/right balance.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs
from rich.console import Console
from rich.table import Table
from rich.text import Text

from formcheck.report.schema import Report, ReportError, load_report
from formcheck.report.terminal import (
    MEDICAL_NOTE,
    balance_note,
    num,
    plain,
    prescription_text,
    side_rows,
    works_of,
)

ENV_VAR = "FORMCHECK_HISTORY_DIR"


def history_dir() -> Path:
    """Where reports are filed: $FORMCHECK_HISTORY_DIR, else the user's data dir."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("formcheck")) / "history"


def session_datetime(report: Report) -> datetime | None:
    """`started_at` as a datetime, in the time zone it was written in (the person's day)."""
    try:
        return datetime.fromisoformat(str(report.started_at).replace("Z", "+00:00"))
    except ValueError:
        return None


def _file_stem(report: Report) -> str:
    started = session_datetime(report)
    stamp = started.strftime("%Y%m%dT%H%M%S") if started else "00000000T000000"
    slug = re.sub(r"[^a-z0-9_-]+", "-", str(report.exercise).lower()).strip("-")[:40]
    return f"{stamp}_{slug or 'exercise'}"


def file_report(report: Report, history: Path | None = None) -> Path:
    """Copy `report` into the history folder under a new, sortable name; return that path.

    Written to a temporary file and then hard-linked to the first free name, so a reader never
    sees half a report and two sessions started in the same second never overwrite each other.
    """
    folder = Path(history) if history is not None else history_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = _file_stem(report)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(report.to_json() + "\n")
        for n in range(1, 10_000):
            target = folder / (f"{stem}.json" if n == 1 else f"{stem}_{n:02d}.json")
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                continue
            except OSError:  # no hard links on this file system: replace if still free
                if not target.exists():
                    os.replace(tmp, target)
                    return target
        raise OSError(f"{folder}: too many reports named {stem}")
    finally:
        tmp.unlink(missing_ok=True)


def load_history(history: Path | None = None, since: date | None = None,
                 until: date | None = None, exercise: str | None = None,
                 ) -> tuple[list[tuple[Path, Report]], list[str]]:
    """The filed reports in time order, filtered; plus a warning per unreadable file."""
    folder = Path(history) if history is not None else history_dir()
    found: list[tuple[datetime, Path, Report]] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            report = load_report(path)
        except ReportError as exc:
            problems.append(str(exc))
            continue
        started = session_datetime(report)
        if started is None:
            problems.append(f"{path}: started_at {report.started_at!r} is not an ISO 8601 date")
            continue
        if exercise and report.exercise != exercise:
            continue
        if (since and started.date() < since) or (until and started.date() > until):
            continue
        found.append((started.replace(tzinfo=None), path, report))
    found.sort(key=lambda item: (item[0], item[1].name))
    return [(p, r) for _, p, r in found], problems


@dataclass
class DayRow:
    day: date
    sessions: int = 0
    reps: int = 0
    good: int = 0
    per_side: dict[str, int] = field(default_factory=dict)


@dataclass
class ExerciseHistory:
    """One exercise over the period: what was done against what was prescribed."""

    exercise: str
    name: str
    prescription: dict[str, Any]
    start: date
    end: date
    days: list[DayRow] = field(default_factory=list)
    sessions: int = 0
    reps: int = 0
    good: int = 0
    target_reps: int | None = None  # sets × reps per session (per side when sides are split)
    sessions_at_target: int = 0
    hold_target_s: float | None = None
    holds_at_target: int = 0
    holds_total: int = 0
    per_day: int = 1
    every_n_days: int = 2
    assumed_frequency: bool = False
    periods_due: int = 0
    periods_met: int = 0
    per_side: dict[str, dict[str, int]] = field(default_factory=dict)
    balance: str | None = None

    @property
    def adherence(self) -> float | None:
        return self.periods_met / self.periods_due if self.periods_due else None


def _did_something(report: Report) -> bool:
    return bool(report.reps or report.holds or (num(report.summary.rep_count) or 0) > 0
                or (num(report.summary.hold_seconds) or 0) > 0)


_WORDS = (("twice", 2, None), ("two times", 2, None), ("every other day", None, 2),
          ("daily", None, 1), ("a day", None, 1), ("every day", None, 1))


def _frequency(prescription: dict[str, Any]) -> tuple[int, int, bool]:
    """(sessions per day, every n days, assumed?) from `per_day`/`every_n_days`, else from the
    `frequency` words; with neither, the programme's rule for strengthening: every other day."""
    per_day, every = num(prescription.get("per_day")), num(prescription.get("every_n_days"))
    words = str(prescription.get("frequency") or "").lower()
    for phrase, n_day, n_every in _WORDS:
        if phrase in words:
            per_day = per_day if per_day is not None or n_day is None else n_day
            every = every if every is not None or n_every is None else n_every
    assumed = per_day is None and every is None
    return max(int(per_day or 1), 1), max(int(every or (1 if per_day else 2)), 1), assumed


def adherence_periods(counts: Counter[date], start: date, end: date, per_day: int,
                      every_n_days: int, running: bool = False) -> tuple[int, int]:
    """(periods met, periods due): windows of `every_n_days` from `start` to `end`.

    A window is met when one of its days has at least `per_day` sessions. A window that is
    not over yet (it runs past `end`, or holds `end` while `running`, i.e. `end` is today)
    only counts once it is met: nobody has missed today's second bridge session at noon.
    """
    met = due = 0
    day = start
    while day <= end:
        window = [day + timedelta(days=i) for i in range(every_n_days)]
        complete = window[-1] < end or (window[-1] == end and not running)
        ok = any(counts[d] >= per_day for d in window if d <= end)
        met += ok
        due += complete or ok
        day += timedelta(days=every_n_days)
    return met, due


def _summarise_one(exercise: str, reports: Sequence[Report], since: date | None,
                   until: date, running: bool) -> ExerciseHistory:
    dated = [(session_datetime(r), r) for r in reports]
    dated = sorted(((d, r) for d, r in dated if d is not None), key=lambda dr: dr[0].replace(
        tzinfo=None))
    prescription: dict[str, Any] = {}
    for _, r in dated:
        if isinstance(r.prescription, dict) and r.prescription:
            prescription = r.prescription
    first_day = dated[0][0].date() if dated else until
    h = ExerciseHistory(exercise=exercise, name=dated[-1][1].exercise_name if dated else "",
                        prescription=prescription, start=since or first_day,
                        end=max(until, dated[-1][0].date()) if dated else until)
    h.per_day, h.every_n_days, h.assumed_frequency = _frequency(prescription)
    sets, reps = num(prescription.get("sets")), num(prescription.get("reps"))
    h.target_reps = int((sets or 1) * reps) if reps else None
    hold = num(prescription.get("hold_s"))
    h.hold_target_s = hold if hold and hold > 0 else None

    days: dict[date, DayRow] = {}
    counts: Counter[date] = Counter()
    side_totals: dict[str, dict[str, int]] = defaultdict(lambda: {"reps": 0, "good": 0})
    for started, r in dated:
        day = days.setdefault(started.date(), DayRow(started.date()))
        if not _did_something(r):
            continue
        counts[started.date()] += 1
        rows = [row for row in side_rows(r) if row.side != "all"]
        day.sessions += 1
        day.reps += int(num(r.summary.rep_count) or 0)
        day.good += int(num(r.summary.good_rep_count) or 0)
        for row in rows:
            day.per_side[row.side] = day.per_side.get(row.side, 0) + row.reps
            side_totals[row.side]["reps"] += row.reps
            side_totals[row.side]["good"] += row.good
        h.sessions += 1
        h.reps += int(num(r.summary.rep_count) or 0)
        h.good += int(num(r.summary.good_rep_count) or 0)
        if h.target_reps and rows and all(row.reps >= h.target_reps for row in rows):
            h.sessions_at_target += 1
        if h.hold_target_s:
            held = [num(x.hold_s) or 0.0 for x in (*r.reps, *r.holds)]
            h.holds_total += len(held)
            h.holds_at_target += sum(1 for s in held if s >= h.hold_target_s - 1e-6)
    h.days = [days[d] for d in sorted(days) if days[d].sessions]
    h.periods_met, h.periods_due = adherence_periods(counts, h.start, h.end, h.per_day,
                                                     h.every_n_days, running and h.end == until)
    h.per_side = dict(side_totals)
    h.balance = balance_note({s: v["reps"] for s, v in side_totals.items()},
                             works_of(dated[-1][1]) if dated else "", missing_side=True)
    return h


def summarise(reports: Sequence[Report], since: date | None = None,
              until: date | None = None) -> list[ExerciseHistory]:
    """Per exercise, from `since` (default: its first session) to `until` (default: today,
    whose period is still running)."""
    by_exercise: dict[str, list[Report]] = defaultdict(list)
    for r in reports:
        by_exercise[str(r.exercise)].append(r)
    end = until or date.today()
    return [_summarise_one(ex, rs, since, end, running=until is None)
            for ex, rs in sorted(by_exercise.items())]


def frequency_text(h: ExerciseHistory) -> str:
    every = {1: "a day", 2: "every other day"}.get(h.every_n_days, f"every {h.every_n_days} days")
    if h.per_day == 1:
        text = "daily" if h.every_n_days == 1 else every
    else:
        times = "twice" if h.per_day == 2 else f"{h.per_day} times"
        text = f"{times} {every}"
    return text + (" (assumed: no frequency in the reports)" if h.assumed_frequency else "")


def adherence_text(h: ExerciseHistory, short: bool = False) -> str:
    if h.adherence is None:
        return "—" if short else "— (the first period is still open)"
    unit = "days" if h.every_n_days == 1 else f"{h.every_n_days}-day periods"
    if short:
        return f"{h.adherence:.0%} {h.periods_met}/{h.periods_due}"
    return f"{h.adherence:.0%} ({h.periods_met} of {h.periods_due} {unit})"


def target_lines(h: ExerciseHistory) -> list[str]:
    """What was prescribed and how far it was met: under each exercise in the terminal and
    in the HTML page."""
    rx = prescription_text(h.prescription, frequency=False)
    lines = [f"prescription: {rx + '; ' if rx else ''}{frequency_text(h)}"]
    if h.target_reps:
        lines.append(f"sessions with {h.target_reps} reps per side (sets × reps): "
                     f"{h.sessions_at_target} of {h.sessions}")
    if h.hold_target_s:
        lines.append(f"holds of at least {h.hold_target_s:g} s: {h.holds_at_target} of "
                     f"{h.holds_total}")
    lines.append(f"adherence to {frequency_text(h)}: {adherence_text(h)}")
    return lines


def _overview(summaries: Sequence[ExerciseHistory]) -> Table:
    table = Table(title=Text("Sessions and adherence", style="bold"), title_justify="left",
                  caption="Full: sessions with the prescribed sets × reps. "
                  "Left/right: reps (good).", caption_justify="left")
    table.add_column("Exercise", no_wrap=True)
    for col in ("Sessions", "Reps", "Good", "Full", "Adherence", "Left", "Right"):
        table.add_column(col, justify="right", no_wrap=True)
    for h in summaries:
        target = f"{h.sessions_at_target}/{h.sessions}" if h.target_reps else "—"
        sides = [h.per_side.get(s) for s in ("left", "right")]
        side_cells = [f"{v['reps']} ({v['good']})" if v else "—" for v in sides]
        table.add_row(Text(plain(h.exercise)), str(h.sessions), str(h.reps), str(h.good), target,
                      adherence_text(h, short=True), *side_cells)
    return table


def _days(h: ExerciseHistory) -> Table:
    title = f"{plain(h.name or h.exercise)}: sessions per day, {h.start} to {h.end}"
    table = Table(title=Text(title, style="bold"), title_justify="left")
    for col in ("Date", "Sessions", "Reps", "Good", "Left", "Right", "Met"):
        table.add_column(col, justify="left" if col == "Date" else "right")
    for d in h.days:
        table.add_row(d.day.isoformat(), str(d.sessions), str(d.reps), str(d.good),
                      str(d.per_side.get("left", "—")), str(d.per_side.get("right", "—")),
                      "yes" if d.sessions >= h.per_day else "no")
    return table


def render_history(summaries: Sequence[ExerciseHistory], console: Console) -> None:
    """The overview table, a day-by-day table per exercise, notes, and the medical note."""
    if summaries:
        console.print(_overview(summaries))
        console.print()
    for h in summaries:
        console.print(_days(h))
        for line in target_lines(h):
            console.print(Text(f"  {line}", style="dim"))
        if h.balance:
            console.print(Text(f"  {h.balance}", style="yellow"))
        console.print()
    console.print(Text(MEDICAL_NOTE, style="dim italic"))
