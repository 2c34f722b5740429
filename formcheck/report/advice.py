"""Advice on the load by the pain-monitoring model, with the reason it was given.

Pain during the exercise and the next morning, 0-10: up to 3 is safe, 4-5 acceptable, above 5
too much; the 24-hour response (the next morning) decides whether the load may go up. The
advice never asks anyone to push through pain, and the medical note stays with it wherever it
is shown: formcheck is not a medical device.

- The latest pain entry above 5: stop and rest; see a professional if it persists.
- The latest entry 4-5: keep the load.
- Otherwise a step up is suggested only when every condition holds over the last WINDOW days
  the exercise was done: pain during AND the next morning logged and at most 3 on each, the
  day's prescribed volume done, and at least 80% good reps. The step follows the exercise's
  [progression] data: more reps, then a longer hold, then the ladder's next exercise.
"""

from __future__ import annotations

import functools
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from formcheck.analysis.records import HoldRecord, RepRecord
from formcheck.report.dates import session_day
from formcheck.report.history import ExerciseHistory, session_units, summarise
from formcheck.report.schema import Report
from formcheck.report.store import PainEntry
from formcheck.report.terminal import num

SAFE_MAX = 3  # pain up to this is safe
ACCEPTABLE_MAX = 5  # up to this acceptable; above it too much
WINDOW = 3  # days of the exercise that must all qualify before a step up
GOOD_SHARE = 0.8

STOP, KEEP, PROGRESS, TOP, LOG = "stop", "keep", "progress", "top", "log"
STOP_TEXT = ("Pain above 5/10 is too much: stop this exercise and rest. If the pain persists, "
             "see a doctor or physiotherapist.")
KEEP_TEXT = ("Pain of 4-5/10 is acceptable: keep the current load (same reps, hold and "
             "exercise), and do not increase it until pain stays at 3/10 or less.")
LOG_TEXT = ("Log your pain during the exercise and the next morning (formcheck pain) to get "
            "advice on the load.")


@dataclass(frozen=True)
class Advice:
    exercise: str
    level: str  # STOP | KEEP | PROGRESS | TOP | LOG
    text: str  # what the person reads
    reason: str  # the facts it rests on, stored with it
    next_step: str = ""



def _records(r: Report) -> list[RepRecord | HoldRecord]:
    return [*r.reps, *r.holds]

def _when(entry: PainEntry) -> tuple[date, int, str]:
    """Time order of entries: a day's 'during' comes before its 'next morning', which is the
    morning after, i.e. after nothing of the next day but before that day's 'during'."""
    if entry.kind == "during":
        return entry.day, 1, entry.recorded_at
    return entry.day + timedelta(days=1), 0, entry.recorded_at


def _label(entry: PainEntry) -> str:
    what = "during" if entry.kind == "during" else "the morning after"
    return f"{entry.score}/10 {what} the session of {entry.day.isoformat()}"


@functools.cache
def _catalogue() -> dict[str, Any]:
    from formcheck.analysis.exercise import builtin_exercises

    return builtin_exercises()


def _progression(reports: Sequence[Report], exercise: str) -> dict[str, Any]:
    for r in reversed(reports):
        if isinstance(r.progression, dict) and r.progression:
            return r.progression
    spec = _catalogue().get(exercise)
    return spec.progression.to_dict() if spec is not None and spec.progression else {}


def _exercise_name(ex_id: str, variant: str = "") -> str:
    spec = _catalogue().get(ex_id)
    name = spec.name if spec is not None else ex_id
    if variant and spec is not None and variant in spec.variants:
        name = str(spec.variants[variant].get("name", f"{name} ({variant})"))
    elif variant:
        name = f"{name} ({variant})"
    return name


def _least(values: list[float]) -> float | None:
    """What every session of the window reached."""
    return min(values) if values else None


def next_step(h: ExerciseHistory, window: Sequence[Report], progression: dict[str, Any]
              ) -> tuple[str, str]:
    """(level, text) of the step up: more reps, a longer hold, or the next exercise."""
    sets = int(num(h.prescription.get("sets")) or 1)
    rx_reps = num(h.prescription.get("reps"))
    reps_step, reps_max = num(progression.get("reps_step")) or 0, num(progression.get("reps_max"))
    hold_step = num(progression.get("hold_step_s")) or 0
    hold_max = num(progression.get("hold_max_s"))
    if rx_reps and reps_step and reps_max:
        done = [max(session_units(r, h.hold_target_s).values(), default=0) / sets
                for r in window]
        current = max(rx_reps, int(_least(done) or 0))
        if current < reps_max:
            to = int(min(current + reps_step, reps_max))
            side = " per side" if h.works == "one_at_a_time" else ""
            return PROGRESS, f"{sets} × {to} reps{side} (from {sets} × {current:g})"
    rx_hold = h.hold_target_s
    if rx_hold and hold_step and hold_max:
        held = [statistics.median([num(x.hold_s) or 0.0 for x in _records(r)] or [0.0])
                for r in window]
        current_hold = max(rx_hold, float(_least(held) or 0.0))
        current_hold = float(int(current_hold))  # whole seconds: 45.3 s held is a 45 s hold
        if current_hold < hold_max:
            to_s = min(current_hold + hold_step, hold_max)
            return PROGRESS, f"hold {to_s:g} s each time (from {current_hold:g} s)"
    nxt = str(progression.get("next") or "")
    if nxt:
        name = _exercise_name(nxt, str(progression.get("next_variant") or ""))
        note = str(progression.get("note") or "")
        return PROGRESS, f"the next exercise: {name}" + (f". {note}" if note else "")
    note = str(progression.get("note") or "")
    return TOP, ("this is the top of the ladder in the exercise data; keep this load and ask "
                 "your physiotherapist about the next stage" + (f" ({note})" if note else ""))


def advise(exercise: str, reports: Sequence[Report], pain: Sequence[PainEntry],
           today: date | None = None, window: int = WINDOW) -> Advice:
    """The advice for `exercise` from its sessions and pain entries (any order)."""
    entries = sorted((p for p in pain if p.exercise == exercise), key=_when)
    if not entries:
        return Advice(exercise, LOG, LOG_TEXT, "no pain entries logged for this exercise")
    latest = entries[-1]
    if latest.score > ACCEPTABLE_MAX:
        return Advice(exercise, STOP, STOP_TEXT,
                      f"latest pain {_label(latest)}: above {ACCEPTABLE_MAX} is too much")
    if latest.score > SAFE_MAX:
        return Advice(exercise, KEEP, KEEP_TEXT,
                      f"latest pain {_label(latest)}: {SAFE_MAX + 1}-{ACCEPTABLE_MAX} is "
                      "acceptable")
    ours = [r for r in reports if r.exercise == exercise and session_day(r) is not None]
    summaries = summarise(ours, until=today or date.today()) if ours else []
    if not summaries or not summaries[0].days:
        return Advice(exercise, KEEP, _keep("no session of this exercise is filed yet"),
                      f"latest pain {_label(latest)}; no sessions filed")
    h = summaries[0]
    days = h.days[-window:]
    missing = _unmet(h, days, entries, ours, window)
    facts = _facts(days, entries, ours)
    if missing:
        return Advice(exercise, KEEP, _keep("; ".join(missing)),
                      f"latest pain {_label(latest)}; {facts}; not yet: {'; '.join(missing)}")
    window_reports = [r for r in ours if session_day(r) in {d.day for d in days}]
    level, step = next_step(h, window_reports, _progression(ours, exercise))
    if level == TOP:
        text = (f"Pain has stayed at {SAFE_MAX}/10 or less and the prescription is met: "
                f"{step}.")
    else:
        text = (f"Pain has stayed at {SAFE_MAX}/10 or less during and the morning after your "
                f"last {window} days of this exercise, with the prescription met: you may step "
                f"up to {step}. If pain goes above {SAFE_MAX} during or the next morning, go "
                "back to the previous load.")
    return Advice(exercise, level, text, f"every condition holds: {facts}", step)


def _keep(why: str) -> str:
    return f"Keep the current load for now ({why})."


def _day_scores(entries: Sequence[PainEntry]) -> dict[tuple[date, str], int]:
    worst: dict[tuple[date, str], int] = {}
    for e in entries:
        key = (e.day, e.kind)
        worst[key] = max(worst.get(key, 0), e.score)
    return worst


def _good_share(reports: Sequence[Report], days: set[date]) -> tuple[int, int]:
    good = total = 0
    for r in reports:
        if session_day(r) in days:
            items = _records(r)
            total += len(items)
            good += sum(1 for x in items if x.good is True)
    return good, total


def _unmet(h: ExerciseHistory, days: Sequence[Any], entries: Sequence[PainEntry],
           reports: Sequence[Report], window: int) -> list[str]:
    """What still stands between this history and a step up, in plain words."""
    out = []
    if len(days) < window:
        out.append(f"{len(days)} of the {window} days of this exercise a step up needs")
    scores = _day_scores(entries)
    for kind, words in (("during", "pain during"), ("next_morning", "next-morning pain")):
        unlogged = [d.day.isoformat() for d in days if (d.day, kind) not in scores]
        high = [f"{scores[(d.day, kind)]}/10 on {d.day.isoformat()}" for d in days
                if scores.get((d.day, kind), 0) > SAFE_MAX]
        if unlogged:
            out.append(f"log the {words} for {', '.join(unlogged)}")
        if high:
            out.append(f"{words} above {SAFE_MAX}: {', '.join(high)}")
    short = [f"{d.day.isoformat()} ({d.done} of {d.due})" if d.due is not None
             else d.day.isoformat() for d in days if not d.met]
    if short:
        out.append(f"prescription not met on {', '.join(short)}")
    good, total = _good_share(reports, {d.day for d in days})
    if total and good < GOOD_SHARE * total:
        out.append(f"good reps {good / total:.0%} (a step up needs {GOOD_SHARE:.0%})")
    elif not total:
        out.append("no reps or holds recorded")
    return out


def _facts(days: Sequence[Any], entries: Sequence[PainEntry], reports: Sequence[Report]) -> str:
    scores = _day_scores(entries)
    listed = defaultdict(list)
    for d in days:
        for kind in ("during", "next_morning"):
            listed[kind].append("—" if (d.day, kind) not in scores else str(scores[(d.day, kind)]))
    good, total = _good_share(reports, {d.day for d in days})
    share = f"{good / total:.0%}" if total else "—"
    volume = ", ".join(f"{d.done}/{d.due}" if d.due is not None else f"{d.sessions} sessions"
                       for d in days)
    return (f"days {', '.join(d.day.isoformat() for d in days)}: pain during "
            f"{', '.join(listed['during'])}, next morning {', '.join(listed['next_morning'])}; "
            f"volume {volume}; good reps {share}")


def annotate(summaries: Sequence[ExerciseHistory], reports: Sequence[Report],
             entries: Sequence[PainEntry], today: date | None = None) -> None:
    """Pain per day and the advice on each exercise of a history summary."""
    from formcheck.report.history import attach_pain

    for h in summaries:
        h.advice = advise(h.exercise, reports, entries, today)
    attach_pain(summaries, entries)
