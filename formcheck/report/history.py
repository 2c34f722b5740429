"""Session history: every analysed session filed in one folder, summarised over time.

Rehab works by repetition over weeks, so formcheck keeps each report and shows sessions per
day, volume against the prescription (sets × reps, holds), adherence to its frequency
(strengthening every other day, bridges twice a day) and left/right balance.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from formcheck.analysis.records import HoldRecord, RepRecord
from formcheck.report.dates import date_problem, session_datetime
from formcheck.report.schema import Report, ReportError, load_report
from formcheck.report.store import HistoryError, HistoryStore, digest
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


@dataclass(frozen=True)
class Filed:
    """A session of the history: from the store (`session_id`), or a report JSON file left in
    the folder (`path`: history folders from before the store, or copied in by hand)."""

    label: str
    report: Report
    session_id: int | None = None
    path: Path | None = None


def file_report(report: Report, history: Path | None = None) -> int:
    """File `report` in the history store; its session id. A folder that cannot take it
    (read-only, full, not a folder) raises HistoryError saying so: never a silent loss."""
    with HistoryStore(Path(history) if history is not None else history_dir()) as store:
        return int(store.add_session(report) or 0)


def open_store(folder: Path) -> HistoryStore:
    """The store for reading: read-only where the folder cannot be written."""
    return HistoryStore(folder, readonly=folder.is_dir() and not os.access(folder, os.W_OK))


def load_history(history: Path | None = None, since: date | None = None,
                 until: date | None = None, exercise: str | None = None,
                 ) -> tuple[list[Filed], list[str]]:
    """The filed sessions in time order, filtered; plus a warning per unreadable one.

    Sessions come from the store and from report JSON files in the folder that the store does
    not hold (an older history, or files copied in): each read alone, so one bad file or row
    is a warning naming it and the rest still count."""
    folder = Path(history) if history is not None else history_dir()
    items: list[Filed] = []
    problems: list[str] = []
    known: set[str] = set()
    if folder.is_dir():
        try:
            with open_store(folder) as store:
                stored, problems = store.sessions(exercise)
                known = store.digests()
            items += [Filed(f"session {s.id}", s.report, session_id=s.id) for s in stored]
        except HistoryError as exc:
            problems.append(str(exc))
        for path in sorted(folder.glob("*.json")):
            try:
                report = load_report(path)
            except ReportError as exc:
                problems.append(str(exc))
                continue
            if digest(report) not in known:
                items.append(Filed(path.name, report, path=path))
    found: list[tuple[datetime, str, Filed]] = []
    for item in items:
        started = session_datetime(item.report)
        if started is None:
            problems.append(f"{item.path or item.label}: {date_problem(item.report)}")
            continue
        if exercise and item.report.exercise != exercise:
            continue
        if (since and started.date() < since) or (until and started.date() > until):
            continue
        found.append((started.replace(tzinfo=None), item.label, item))
    found.sort(key=lambda x: (x[0], x[1]))
    return [item for _, _, item in found], problems


@dataclass
class DayRow:
    day: date
    sessions: int = 0
    reps: int = 0
    good: int = 0
    per_side: dict[str, int] = field(default_factory=dict)
    pain_during: int | None = None  # the day's worst pain during the exercise, 0-10
    pain_morning: int | None = None  # ... and the morning after
    done: int = 0  # prescribed units done: reps (holds at the prescribed length), per side
    due: int | None = None  # ... and prescribed for the day (None: no volume prescribed)
    met: bool = False


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
    works: str = ""
    session_volume: int | None = None  # units a session (sets × reps, or sets of holds)
    advice: Any = None  # report/advice.py's Advice, when pain was logged

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


def session_units(report: Report, hold_target_s: float | None) -> dict[str, int]:
    """Prescribed units a session did, per side: its reps, or for a hold exercise its holds
    of the prescribed length (a hold cut short is not the prescribed volume)."""
    units: dict[str, int] = defaultdict(int)
    for rep in report.reps:
        units[str(rep.side)] += 1
    for hold in report.holds:
        if not hold_target_s or (num(hold.hold_s) or 0.0) >= hold_target_s - 1e-6:
            units[str(hold.side)] += 1
    return dict(units)


def _day_volume(h: ExerciseHistory, units: dict[str, int]) -> tuple[int, int | None]:
    """(done, due) for a day from its units per side: sides worked one at a time each owe
    the day's volume; sides of a together exercise are just where the camera stood."""
    if not h.session_volume:
        return sum(units.values()), None
    per_side = h.per_day * h.session_volume
    if h.works == "one_at_a_time":
        return (sum(min(units.get(s, 0), per_side) for s in ("left", "right")),
                2 * per_side)
    return min(sum(units.values()), per_side), per_side


def _summarise_one(exercise: str, reports: Sequence[Report], since: date | None,
                   until: date, running: bool) -> ExerciseHistory:
    found = [(session_datetime(r), r) for r in reports]
    dated: list[tuple[datetime, Report]] = sorted(
        ((d, r) for d, r in found if d is not None), key=lambda dr: dr[0].replace(tzinfo=None))
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
    h.session_volume = h.target_reps or (int(sets) if sets and h.hold_target_s else None)
    h.works = works_of(dated[-1][1]) if dated else ""

    days: dict[date, DayRow] = {}
    day_units: dict[date, Counter[str]] = defaultdict(Counter)
    side_totals: dict[str, dict[str, int]] = defaultdict(lambda: {"reps": 0, "good": 0})
    for started, r in dated:
        day = days.setdefault(started.date(), DayRow(started.date()))
        if not _did_something(r):
            continue
        rows = [row for row in side_rows(r) if row.side != "all"]
        day.sessions += 1
        day.reps += int(num(r.summary.rep_count) or 0)
        day.good += int(num(r.summary.good_rep_count) or 0)
        day_units[started.date()].update(session_units(r, h.hold_target_s))
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
            records: list[RepRecord | HoldRecord] = [*r.reps, *r.holds]
            held = [num(x.hold_s) or 0.0 for x in records]
            h.holds_total += len(held)
            h.holds_at_target += sum(1 for s in held if s >= h.hold_target_s - 1e-6)
    h.days = [days[d] for d in sorted(days) if days[d].sessions]
    counts: Counter[date] = Counter()
    for d in h.days:
        d.done, d.due = _day_volume(h, dict(day_units[d.day]))
        d.met = d.sessions >= h.per_day if d.due is None else d.done >= d.due
        counts[d.day] = h.per_day if d.met else 0
    h.periods_met, h.periods_due = adherence_periods(counts, h.start, h.end, h.per_day,
                                                     h.every_n_days, running and h.end == until)
    h.per_side = dict(side_totals)
    h.balance = balance_note({s: v["reps"] for s, v in side_totals.items()}, h.works,
                             missing_side=True)
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
        side = " per side" if h.works == "one_at_a_time" else ""
        lines.append(f"sessions with {h.target_reps} reps{side} (sets × reps): "
                     f"{h.sessions_at_target} of {h.sessions}")
    if h.hold_target_s:
        lines.append(f"holds of at least {h.hold_target_s:g} s: {h.holds_at_target} of "
                     f"{h.holds_total}")
    lines.append(f"adherence to {frequency_text(h)}: {adherence_text(h)}")
    return lines


def attach_pain(summaries: Sequence[ExerciseHistory], entries: Sequence[Any]) -> None:
    """Put the worst pain of each day (during, the morning after) on the day rows, and the
    entries of days without a filed session as rows of their own (pain is logged then too)."""
    for h in summaries:
        worst: dict[tuple[date, str], int] = {}
        for e in entries:
            if e.exercise == h.exercise and h.start <= e.day <= h.end:
                worst[(e.day, e.kind)] = max(worst.get((e.day, e.kind), 0), int(e.score))
        rows = {d.day: d for d in h.days}
        for day, _ in worst:
            rows.setdefault(day, DayRow(day))
        for d in rows.values():
            d.pain_during = worst.get((d.day, "during"))
            d.pain_morning = worst.get((d.day, "next_morning"))
        h.days = [rows[d] for d in sorted(rows)]


def pain_cell(d: DayRow) -> str:
    if d.pain_during is None and d.pain_morning is None:
        return "—"
    return " / ".join("—" if v is None else str(v) for v in (d.pain_during, d.pain_morning))


def sides_cell(left: object, right: object) -> str:
    return f"{left if left is not None else '—'} / {right if right is not None else '—'}"


def _table(title: str, caption: str = "") -> Table:
    # No outer edge and one space between columns: the tables fit an 80-column terminal.
    return Table(title=Text(title, style="bold"), title_justify="left", box=box.SIMPLE_HEAD,
                 pad_edge=False, caption=caption or None, caption_justify="left")


def _overview(summaries: Sequence[ExerciseHistory]) -> Table:
    table = _table("Sessions and adherence", "Adherence: periods with the prescribed volume "
                   "(sets × reps or holds, sessions a day). L / R: reps a side, for exercises "
                   "done one side at a time. Pain: latest during / next morning, 0-10.")
    table.add_column("Exercise", overflow="fold", min_width=8)
    for col in ("Sessions", "Reps", "Good", "Adherence", "L / R", "Pain"):
        table.add_column(col, justify="right", no_wrap=True, min_width=len(col))
    for h in summaries:
        good = f"{h.good / h.reps:.0%}" if h.reps else "—"
        sides = (sides_cell(*(h.per_side.get(s, {}).get("reps") for s in ("left", "right")))
                 if h.works == "one_at_a_time" else "—")
        pained = [d for d in h.days if d.pain_during is not None or d.pain_morning is not None]
        table.add_row(Text(plain(h.exercise)), str(h.sessions), str(h.reps), good,
                      adherence_text(h, short=True), sides,
                      pain_cell(pained[-1]) if pained else "—")
    return table


def _days(h: ExerciseHistory) -> Table:
    table = _table(f"{plain(h.name or h.exercise)}: by day, {h.start} to {h.end}")
    cols = ["Date", "Sessions", "Reps", "Good", "Volume", "Met"]
    cols += ["L / R"] if h.works == "one_at_a_time" else []
    cols += ["Pain"]
    for col in cols:
        table.add_column(col, justify="left" if col == "Date" else "right", no_wrap=True,
                         min_width=len(col))
    for d in h.days:
        volume = f"{d.done}/{d.due}" if d.due is not None else "—"
        met = ("yes" if d.met else "no") if d.sessions else "—"
        row = [d.day.isoformat(), str(d.sessions), str(d.reps), str(d.good), volume, met]
        if h.works == "one_at_a_time":
            row.append(sides_cell(d.per_side.get("left"), d.per_side.get("right")))
        table.add_row(*row, pain_cell(d))
    table.caption = Text("Volume: prescribed units done / due that day. Pain: during / the "
                         "next morning, 0-10.", style="dim")
    return table


def advice_lines(h: ExerciseHistory) -> list[tuple[str, str]]:
    """(text, style) of the advice under an exercise: what to do, then why."""
    advice = h.advice
    if advice is None:
        return []
    style = {"stop": "bold red", "keep": "yellow", "progress": "green", "top": "green"}.get(
        advice.level, "")
    return [(f"Advice: {advice.text}", style), (f"why: {advice.reason}", "dim")]


def render_history(summaries: Sequence[ExerciseHistory], console: Console) -> None:
    """The overview table, a day-by-day table per exercise, notes, advice and the medical
    note."""
    if summaries:
        console.print(_overview(summaries))
        console.print()
    for h in summaries:
        console.print(_days(h))
        for line in target_lines(h):
            console.print(Text(f"  {line}", style="dim"))
        if h.balance:
            console.print(Text(f"  {h.balance}", style="yellow"))
        for text, style in advice_lines(h):
            console.print(Text(f"  {plain(text)}", style=style))
        console.print()
    console.print(Text(MEDICAL_NOTE, style="dim italic"))
