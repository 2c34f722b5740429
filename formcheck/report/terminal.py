"""Terminal rendering of session reports, and the per-side figures the other renderers share.

Reports are read from files anyone can edit, so every string is shown as plain text (never
as rich markup, control characters removed) and every number is coerced before use.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from formcheck.analysis.records import HoldRecord, RepRecord
from formcheck.report.schema import Report

SIDE_ORDER = ("left", "right", "both", "unknown")
MEDICAL_NOTE = (
    "formcheck is not a medical device. Pain is the stop sign: stop the exercise if it hurts, "
    "and see a doctor or physiotherapist if pain persists."
)


@dataclass
class SideRow:
    """One line of a session table: what one side (or the whole session) did."""

    side: str
    sets: int = 0
    reps: int = 0
    good: int = 0
    hold_s: float = 0.0
    top_faults: list[tuple[str, int]] = field(default_factory=list)
    mean_rom: float | None = None
    mean_duration_s: float | None = None


@dataclass
class Totals:
    sessions: int = 0
    reps: int = 0
    good: int = 0
    hold_s: float = 0.0


def plain(value: Any) -> str:
    """A report string made safe for a terminal: no escape sequences or other control chars."""
    text = "" if value is None else str(value)
    return "".join(" " if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)


def num(value: Any) -> float | None:
    """A finite float, or None for anything else (missing, null, text, bool, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def when(started_at: str) -> str:
    """`started_at` as 'YYYY-MM-DD HH:MM' when it parses, else as written."""
    try:
        return datetime.fromisoformat(started_at.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
    except (ValueError, AttributeError):
        return plain(started_at)


def sides_of(report: Report) -> list[str]:
    """The sides a session worked, left and right first."""
    found: set[str] = set()
    if isinstance(report.summary.per_side, dict):
        found.update(str(s) for s in report.summary.per_side)
    found.update(str(r.side) for r in report.reps)
    found.update(str(h.side) for h in report.holds)
    if not found:
        found.add(str(report.side or "unknown"))
    known = [s for s in SIDE_ORDER if s in found]
    return known + sorted(found - set(known))


def top_faults(counts: dict[str, Any] | Counter[str], n: int = 3) -> list[tuple[str, int]]:
    pairs = [(str(k), int(v)) for k, v in dict(counts).items() if num(v)]
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:n]


def _side_row(report: Report, side: str, single: bool) -> SideRow:
    reps = [r for r in report.reps if r.side == side]
    holds = [h for h in report.holds if h.side == side]
    per_side = report.summary.per_side if isinstance(report.summary.per_side, dict) else {}
    got = per_side.get(side)
    stored: dict[str, Any] = got if isinstance(got, dict) else {}

    def pick(key: str, fallback: float) -> float:
        value = num(stored.get(key))
        return fallback if value is None else value

    hold_fallback = sum(num(h.hold_s) or 0.0 for h in holds) + sum(num(r.hold_s) or 0.0
                                                                    for r in reps)
    sets = len({r.set_index for r in reps})
    records: list[RepRecord | HoldRecord] = [*reps, *holds]
    faults: Counter[str] = Counter(f.code for item in records for f in item.faults)
    if single:
        sets = int(num(report.summary.set_count) or sets)
        if isinstance(report.summary.fault_counts, dict) and report.summary.fault_counts:
            faults = Counter(report.summary.fault_counts)
    roms = [v for v in (num(r.range_of_motion) for r in reps) if v is not None]
    durations = [v for v in (num(r.duration_s) for r in reps) if v is not None]
    return SideRow(
        side=side, sets=sets,
        reps=int(pick("reps", len(reps) or len(holds))),
        good=int(pick("good", sum(1 for x in records if x.good is True))),
        hold_s=pick("hold_s", hold_fallback),
        top_faults=top_faults(faults),
        mean_rom=sum(roms) / len(roms) if roms else None,
        mean_duration_s=sum(durations) / len(durations) if durations else None,
    )


def side_rows(report: Report) -> list[SideRow]:
    """One row per side the session worked; with several sides, a last 'all' row."""
    sides = sides_of(report)
    rows = [_side_row(report, s, single=len(sides) == 1) for s in sides]
    if len(rows) > 1:
        s = report.summary
        rows.append(SideRow(
            side="all", sets=int(num(s.set_count) or 0), reps=int(num(s.rep_count) or 0),
            good=int(num(s.good_rep_count) or 0), hold_s=num(s.hold_seconds) or 0.0,
            top_faults=top_faults(s.fault_counts if isinstance(s.fault_counts, dict) else {}),
        ))
    return rows


@functools.cache
def _catalogue_works() -> dict[str, str]:
    from formcheck.analysis.exercise import builtin_exercises

    return {ex_id: spec.side.works for ex_id, spec in builtin_exercises().items()}


def works_of(report: Report) -> str:
    """How the report's exercise works its sides ("together" | "one_at_a_time"), or "" when
    unknown: reports written before the field existed are looked up in the catalogue."""
    from formcheck.analysis.exercise import SIDE_WORKS

    if report.works in SIDE_WORKS:
        return str(report.works)
    return _catalogue_works().get(str(report.exercise), "")


def balance_note(per_side_reps: Mapping[str, float], works: str = "",
                 missing_side: bool = False, threshold: float = 0.8) -> str | None:
    """A note when one side got much less work (under `threshold` of the other).

    Both sides evenly is the programme's rule. Exercises that work both sides `together` get
    none (the reported side is the one facing the camera, so left/right counts say where the
    camera stood). With `missing_side`, one worked `one_at_a_time` also gets a note when only
    one side was recorded at all.
    """
    if works == "together":
        return None
    left, right = per_side_reps.get("left", 0), per_side_reps.get("right", 0)
    if left <= 0 and right <= 0:
        return None
    if left <= 0 or right <= 0:
        if not (missing_side and works == "one_at_a_time"):
            return None
        done, missing = ("left", "right") if left > 0 else ("right", "left")
        return f"only the {done} side was recorded: do the {missing} side as well"
    low, high = sorted((("left", left), ("right", right)), key=lambda kv: kv[1])
    if low[1] < threshold * high[1]:
        return (f"imbalance: the {low[0]} side did {low[1]:g} reps against {high[1]:g} on the "
                f"{high[0]} ({low[1] / high[1]:.0%}); work both sides evenly")
    return None


def session_balance(report: Report) -> str | None:
    """The balance note for one session (the other side may well come in the next one)."""
    reps = {row.side: row.reps for row in side_rows(report) if row.side in ("left", "right")}
    return balance_note(reps, works_of(report))


def totals(reports: Iterable[Report]) -> Totals:
    t = Totals()
    for r in reports:
        t.sessions += 1
        t.reps += int(num(r.summary.rep_count) or 0)
        t.good += int(num(r.summary.good_rep_count) or 0)
        t.hold_s += num(r.summary.hold_seconds) or 0.0
    return t


def prescription_text(prescription: Any, frequency: bool = True) -> str:
    """'3 × 10, hold 3 s, twice daily' from whatever keys the prescription has."""
    if not isinstance(prescription, dict) or not prescription:
        return ""
    parts = []
    sets, reps = num(prescription.get("sets")), num(prescription.get("reps"))
    if sets and reps:
        parts.append(f"{sets:g} × {reps:g}")
    elif reps:
        parts.append(f"{reps:g} reps")
    hold = num(prescription.get("hold_s"))
    if hold:
        parts.append(f"hold {hold:g} s")
    if frequency and prescription.get("frequency"):
        parts.append(plain(prescription["frequency"]))
    return ", ".join(parts)


def faults_text(pairs: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{plain(code)} ×{n}" for code, n in pairs) or "—"


def session_table(report: Report, label: str | None = None) -> Table:
    name = plain(report.exercise_name or report.exercise)
    title = Text(f"{name} · {when(report.started_at)}" + (f" · {plain(label)}" if label else ""),
                 style="bold")
    table = Table(title=title, title_justify="left", expand=False)
    for col, justify in (("Exercise", "left"), ("Side", "left"), ("Sets", "right"),
                         ("Reps", "right"), ("Good reps", "right"), ("Hold", "right"),
                         ("Top faults", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in side_rows(report):
        table.add_row(Text(plain(report.exercise)), Text(plain(row.side)), str(row.sets),
                      str(row.reps), str(row.good), f"{row.hold_s:.1f} s",
                      Text(faults_text(row.top_faults)))
    return table


def session_notes(report: Report) -> list[Text]:
    """The lines under a session table: prescription, partial input, the report's warnings."""
    notes = []
    rx = prescription_text(report.prescription)
    if rx:
        notes.append(Text(f"  prescription: {rx}", style="dim"))
    if report.partial:
        notes.append(Text("  partial session: the input ended early or was interrupted",
                          style="yellow"))
    balance = session_balance(report)
    if balance:
        notes.append(Text(f"  {balance}", style="yellow"))
    warnings = report.warnings if isinstance(report.warnings, list) else [report.warnings]
    notes.extend(Text(f"  warning: {plain(w)}", style="yellow") for w in warnings)
    return notes


def totals_line(t: Totals) -> Text:
    noun = "session" if t.sessions == 1 else "sessions"
    # No total of hold time: a bridge's top and a squeeze hold are not one quantity.
    return Text(f"Total: {t.sessions} {noun}, {t.reps} reps ({t.good} good)", style="bold")


def render_sessions(items: Sequence[tuple[str, Report]], console: Console,
                    extra: Sequence[Text] = ()) -> None:
    """Print a table per (label, report) session, `extra` lines (pain and advice), a totals
    line, and the medical note."""
    for label, report in items:
        console.print(session_table(report, label))
        for note in session_notes(report):
            console.print(note)
        console.print()
    for line in extra:
        console.print(line)
    console.print(totals_line(totals(r for _, r in items)))
    console.print(Text(MEDICAL_NOTE, style="dim italic"))
