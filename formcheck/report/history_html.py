"""The history summary (adherence by volume, targets, balance, pain trend, advice, days) as an
HTML section, put at the top of `formcheck report --history --html` pages: what a
physiotherapist reads first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from formcheck.report.history import (
    ExerciseHistory,
    adherence_text,
    pain_cell,
    sides_cell,
    target_lines,
)
from formcheck.report.html import render_template
from formcheck.report.plot import svg_pain


def _overview(summaries: Sequence[ExerciseHistory]) -> dict[str, Any]:
    rows = []
    for h in summaries:
        good = f"{h.good / h.reps:.0%}" if h.reps else "—"
        sides = (sides_cell(*(h.per_side.get(s, {}).get("reps") for s in ("left", "right")))
                 if h.works == "one_at_a_time" else "—")
        pained = [d for d in h.days if d.pain_during is not None or d.pain_morning is not None]
        rows.append(("", [h.name or h.exercise, h.sessions, h.reps, good,
                          adherence_text(h, short=True), sides,
                          pain_cell(pained[-1]) if pained else "—"]))
    columns = [("Exercise", False), ("Sessions", True), ("Reps", True), ("Good", True),
               ("Adherence", True), ("L / R", True), ("Pain", True)]
    return {"columns": columns, "rows": rows}


def _days(h: ExerciseHistory) -> dict[str, Any]:
    one_side = h.works == "one_at_a_time"
    rows = []
    for d in h.days:
        met = (Markup('<span class="yes">yes</span>') if d.met else
               Markup('<span class="no">no</span>')) if d.sessions else "—"
        cells = [d.day.isoformat(), d.sessions, d.reps, d.good,
                 f"{d.done}/{d.due}" if d.due is not None else "—", met]
        cells += [sides_cell(d.per_side.get("left"), d.per_side.get("right"))] if one_side \
            else []
        rows.append(("", cells + [pain_cell(d)]))
    columns = [("Date", False), ("Sessions", True), ("Reps", True), ("Good", True),
               ("Volume", True), ("Met", True)] + ([("L / R", True)] if one_side else [])
    return {"columns": columns + [("Pain", True)], "rows": rows}


def render_history_section(summaries: Sequence[ExerciseHistory]) -> str:
    if not summaries:
        return ""
    exercises = [{"name": h.name or h.exercise, "start": h.start, "end": h.end,
                  "lines": [line[:1].upper() + line[1:] for line in target_lines(h)],
                  "balance": h.balance, "advice": h.advice,
                  "pain_plot": Markup(svg_pain(h.days)), "days": _days(h)}
                 for h in summaries]
    return render_template("history.html", overview=_overview(summaries), exercises=exercises)
