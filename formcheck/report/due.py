"""Today's programme when no plan is given: the catalogue's prescriptions, one step of each
progression ladder, less what the history says is done for now.

A ladder (glute squeeze -> bridge -> chair bridge -> ...) is followed to the furthest step the
person has done (the pain rules moved them there); a ladder not started begins at its first
step. An exercise is due unless it was done `per_day` times today, or within its
`every_n_days` (every other day: done yesterday, not due today).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from formcheck.analysis.exercise import ExerciseSpec
from formcheck.analysis.plan import Plan, item_from_prescription
from formcheck.report.dates import session_day
from formcheck.report.history import _did_something, load_history
from formcheck.report.store import HistoryError

LOOK_BACK_DAYS = 400  # enough history to know where on a ladder the person is


def ladders(catalogue: dict[str, ExerciseSpec]) -> list[list[str]]:
    """Each ladder's steps in order, from a first step (one no other exercise leads to)."""
    nxt = {i: s.progression.next for i, s in catalogue.items()
           if s.progression and s.progression.next in catalogue and s.progression.next != i}
    firsts = [i for i in nxt if i not in nxt.values()]
    out = []
    for first in firsts:
        steps = [first]
        while steps[-1] in nxt and nxt[steps[-1]] not in steps:
            steps.append(nxt[steps[-1]])
        out.append(steps)
    return out


def current_steps(catalogue: dict[str, ExerciseSpec], done: set[str]) -> list[str]:
    """The exercises of today's programme before the due check, in catalogue order."""
    chosen: set[str] = set()
    on_ladders: set[str] = set()
    for steps in ladders(catalogue):
        on_ladders.update(steps)
        reached = [s for s in steps if s in done]
        chosen.add(reached[-1] if reached else steps[0])
    return [i for i, s in catalogue.items()
            if s.prescription.sets and (i in chosen or i not in on_ladders)]


def due_plan(catalogue: dict[str, ExerciseSpec], today: date) -> tuple[Plan, list[str]]:
    """Today's plan and a line per exercise left out (or per history problem)."""
    notes: list[str] = []
    try:
        filed, problems = load_history(since=today - timedelta(days=LOOK_BACK_DAYS),
                                       until=today)
    except HistoryError as exc:
        filed, problems = [], [str(exc)]
    notes += [f"history: {p}" for p in problems]
    days: dict[str, Counter[date]] = {}
    for f in filed:
        day = session_day(f.report)
        if day is not None and _did_something(f.report):
            days.setdefault(str(f.report.exercise), Counter())[day] += 1
    items = []
    for ex_id in current_steps(catalogue, set(days)):
        spec = catalogue[ex_id]
        p = spec.prescription
        counts = days.get(ex_id, Counter())
        if counts[today] >= p.per_day:
            notes.append(f"{spec.name}: done {counts[today]} of {p.per_day} today")
            continue
        recent = [d for d in counts if today - timedelta(days=p.every_n_days) < d < today]
        if recent and not counts[today]:
            ago = (today - max(recent)).days
            notes.append(f"{spec.name}: done {ago} day{'s' * (ago != 1)} ago, due every "
                         f"{p.every_n_days} days")
            continue
        items.append(item_from_prescription(spec))
    return Plan(tuple(items), f"prescriptions due {today.isoformat()}"), notes
