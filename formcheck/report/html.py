"""One self-contained HTML file to review sessions: plots, per-rep tables, faults, pain, advice.

Self-contained because it gets mailed to a physiotherapist or opened offline months later:
inline CSS, inline SVG, base64 images, no script and no URL (a Content-Security-Policy
forbids loading anything). Pages are jinja2 templates (templates/) with autoescaping, so every
string from a report is escaped unless it is markup formcheck made itself (the plots).
Responsive: tables turn into one card per row and plots switch to their narrow drawing at
phone width; print CSS (the PDF) keeps plots and table rows whole.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from markupsafe import Markup

from formcheck.analysis.records import FaultEvent
from formcheck.atomic import write_text_atomic
from formcheck.report.evidence import evidence_frames
from formcheck.report.evidence_draw import Mark, evidence_time
from formcheck.report.plot import svg_plot, svg_tempo
from formcheck.report.rules import report_rules, unit_suffix
from formcheck.report.schema import Report
from formcheck.report.terminal import (
    MEDICAL_NOTE,
    faults_text,
    num,
    prescription_text,
    session_balance,
    side_rows,
    totals,
    when,
    works_of,
)

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class SessionExtras:
    """What the history adds to a session's page: its pain and the advice for the exercise."""

    pain_line: str = ""
    advice: Any = None  # report/advice.py's Advice


@functools.cache
def _env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def render_template(template: str, **context: Any) -> str:
    return _env().get_template(template).render(**context)


def e(value: object) -> str:
    """Escape anything from a report for HTML text and attributes (outside the templates)."""
    return escape("" if value is None else str(value), quote=True)


def _f(value: object, digits: int = 1, unit: str = "") -> str:
    v = num(value)
    return "—" if v is None else f"{v:.{digits}f}{unit}"


def _yes(good: object) -> Markup:
    return Markup('<span class="yes">yes</span>' if good else '<span class="no">no</span>')


def _holds_prescribed(report: Report) -> bool:
    hold = num(report.prescription.get("hold_s")) if isinstance(report.prescription, dict) \
        else None
    return bool(hold) or bool(report.holds)


def _cards(report: Report) -> list[tuple[str, str]]:
    s = report.summary
    noun = "holds" if report.holds and not report.reps else "reps"
    cards = [(f"{int(num(s.rep_count) or 0)}", noun),
             (f"{int(num(s.good_rep_count) or 0)}", f"good {noun}")]
    if report.reps:
        cards.append((f"{int(num(s.set_count) or 0)}", "sets"))
        tut = sum((num(r.up_s) or 0) + (num(r.hold_s) or 0) + (num(r.down_s) or 0)
                  for r in report.reps)
        cards.append((f"{tut:.1f} s", "time under tension"))
    if _holds_prescribed(report):
        cards.append((_f(s.hold_seconds, 1, " s"), "held in all"))
    rx = prescription_text(report.prescription)
    if rx:
        cards.append((rx, "prescription"))
    return cards


def _alerts(report: Report) -> list[str]:
    items = []
    if report.partial:
        items.append("Partial session: the input ended early or was interrupted.")
    warnings = report.warnings if isinstance(report.warnings, list) else [report.warnings]
    return items + [str(w) for w in warnings]


def _sides(report: Report) -> dict[str, Any] | None:
    """Left vs right: only for exercises done one side at a time (for a bridge the side is
    just the one facing the camera)."""
    if works_of(report) != "one_at_a_time":
        return None
    rows = side_rows(report)
    most = max((r.reps for r in rows if r.side != "all"), default=0) or 1
    body = []
    for r in rows:
        pct = f"{100 * r.good / r.reps:.0f}%" if r.reps else "—"
        bar = Markup("" if r.side == "all" else
                     f'<div class="bar"><div style="width:{100 * r.reps / most:.0f}%"></div>'
                     "</div>")
        cells = [r.side, r.sets, r.reps, r.good, pct]
        cells += [f"{r.hold_s:.1f} s"] if _holds_prescribed(report) else []
        cells += [_f(r.mean_rom, 1, unit_suffix(_key_unit(report))),
                  _f(r.mean_duration_s, 1, " s"), faults_text(r.top_faults), bar]
        body.append(("", cells))
    columns = [("Side", False), ("Sets", True), ("Reps", True), ("Good", True),
               ("Good %", True)]
    columns += [("Held", True)] if _holds_prescribed(report) else []
    columns += [("Mean range", True), ("Mean duration", True), ("Top faults", False),
                ("Reps", False)]
    return {"columns": columns, "rows": body, "note": session_balance(report)}


def _key_unit(report: Report) -> str:
    return str(report_rules(report).get("key_unit") or "deg")


def _fault_codes(faults: Sequence[FaultEvent], cues: dict[str, str]) -> Markup:
    return Markup("<br>").join(
        Markup("{} <span class=\"fault-code\">{}</span> <small>@{}</small>").format(
            cues.get(str(f.code), f.message), f.code, _f(f.t_s, 1, " s")) for f in faults)


def _reps(report: Report) -> dict[str, Any] | None:
    if not report.reps:
        return None
    unit, cues = unit_suffix(_key_unit(report)), _cues(report)
    key = str(report.reps[0].key_angle).replace("_", " ")
    one_side = works_of(report) == "one_at_a_time"
    rows = []
    for r in report.reps:
        tut = sum(num(getattr(r, k)) or 0.0 for k in ("up_s", "hold_s", "down_s"))
        cells = [r.index, r.set_index] + ([r.side] if one_side else [])
        cells += [f"{_f(r.start_s, 1)}–{_f(r.end_s, 1)} s", f"{tut:.1f} s",
                  f"{_f(r.up_s)} / {_f(r.hold_s)} / {_f(r.down_s)}",
                  _f(r.peak_angle, 0, unit), _f(r.trough_angle, 0, unit),
                  _f(r.range_of_motion, 0, unit), _yes(r.good), _fault_codes(r.faults, cues)]
        rows.append((f"rep {'good' if r.good else 'bad'}", cells))
    columns = [("Rep", True), ("Set", True)] + ([("Side", False)] if one_side else [])
    columns += [("Time", True), ("Under tension", True), ("Up / hold / down (s)", True),
                (f"Peak {key}", True), (f"Lowest {key}", True), ("Range", True),
                ("Good", False), ("Faults", False)]
    return {"columns": columns, "rows": rows}


def _holds(report: Report) -> dict[str, Any] | None:
    if not report.holds:
        return None
    one_side, cues = works_of(report) == "one_at_a_time", _cues(report)
    rows = [(f"hold {'good' if h.good else 'bad'}",
             [h.index] + ([h.side] if one_side else [])
             + [f"{_f(h.start_s, 1)}–{_f(h.end_s, 1)} s", _f(h.hold_s, 1, " s"), _yes(h.good),
                _fault_codes(h.faults, cues)]) for h in report.holds]
    columns = [("Hold", True)] + ([("Side", False)] if one_side else [])
    columns += [("Time", True), ("Held", True), ("Good", False), ("Faults", False)]
    return {"columns": columns, "rows": rows}


def _cues(report: Report) -> dict[str, str]:
    """code -> the cue a person reads, from the report's rules."""
    rules = report_rules(report)
    return {str(ln.get("code")): str(ln.get("label")) for ln in rules.get("lines", [])
            if isinstance(ln, dict) and ln.get("kind") == "fault"}


def _measured(report: Report, fault: FaultEvent) -> str:
    """'measured 158° (limit: below 165°, max at the top)' with the fault's own unit."""
    value = num(fault.value)
    if value is None:
        return ""
    lines = [ln for ln in report_rules(report).get("lines", []) if isinstance(ln, dict)
             and ln.get("code") == fault.code]
    if not lines:
        return f"measured {value:.2f} (unit not recorded)"
    ln = lines[0]
    unit = unit_suffix(str(ln.get("unit", "")))
    digits = 0 if ln.get("unit") == "deg" else 2 if str(ln.get("unit", "")).startswith(
        "ratio") else 1
    limits = " or ".join(f"{x.get('side')} {num(x.get('value')):g}{unit}" for x in lines
                         if num(x.get("value")) is not None)
    what = str(ln.get("measure", "")).removesuffix("_s").replace("_", " ")
    return f"{what} measured {value:.{digits}f}{unit} (fault when {limits})"


def _evidence_plan(report: Report, owned: Sequence[tuple[str, FaultEvent]]
                   ) -> tuple[list[float], list[Mark]]:
    """For each fault: when to take its picture and what to draw on it."""
    rules = report_rules(report)
    by_code = {str(ln.get("code")): ln for ln in rules.get("lines", [])
               if isinstance(ln, dict) and ln.get("kind") == "fault"}
    reps = {f"rep {r.index}": r for r in report.reps}
    times, marks = [], []
    for owner, f in owned:
        ln = by_code.get(str(f.code), {})
        measure = str(ln.get("measure", ""))
        t = num(f.t_s) or 0.0
        times.append(evidence_time(reps.get(owner), measure, t))
        points = ln.get("points") or rules.get("key_points") or []
        value, unit = num(f.value), str(ln.get("unit", ""))
        shown = "" if value is None else (
            f"{value:.0f} deg" if unit == "deg" else f"{value:.1f} s" if unit == "s"
            else f"{value:.2f} x {unit[6:]}" if unit.startswith("ratio:") else f"{value:.2f}")
        limit = num(ln.get("value"))
        limit_text = "" if limit is None else (
            f" (fault {ln.get('side')} {limit:g}{' s' if unit == 's' else ''})")
        name = measure.removesuffix("_s").replace("_", " ")
        marks.append(Mark(tuple(str(p) for p in points), f"{name} {shown}{limit_text}".strip(),
                          str(report.side)))
    return times, marks


def _faults(report: Report, base_dirs: Sequence[Path], evidence: bool
            ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    owned = [(f"rep {r.index}", f) for r in report.reps for f in r.faults]
    owned += [(f"hold {h.index}", f) for h in report.holds for f in h.faults]
    owned.sort(key=lambda of: num(of[1].t_s) or 0.0)
    if not owned:
        return [], []
    cues = _cues(report)
    times, marks = _evidence_plan(report, owned)
    frames = (evidence_frames(report.source, times, base_dirs, marks=marks,
                              model=str(report.model)) if evidence else {})
    figures, listed = [], []
    for i, (owner, f) in enumerate(owned):
        item = {"n": str(i + 1), "cue": cues.get(str(f.code), str(f.message)),
                "code": str(f.code), "message": str(f.message), "owner": owner,
                "when": _f(f.t_s, 1, " s"), "measured": _measured(report, f)}
        if i in frames:
            figures.append({**item, "src": frames[i], "shot": _f(times[i], 1, " s")})
        else:
            listed.append(item)
    return figures, listed


def render_session(report: Report, label: str = "", base_dirs: Sequence[Path] = (),
                   evidence: bool = True, extras: SessionExtras | None = None) -> str:
    """The `<section>` of one session; raises on a report too odd to render."""
    extras = extras or SessionExtras()
    name = report.exercise_name or report.exercise
    one_side = works_of(report) == "one_at_a_time"
    meta = [when(report.started_at), _f(report.duration_s, 1, " s"), str(report.mode),
            f"model {report.model}", f"{_f(report.fps, 1)} fps",
            f"person seen in {report.frames_with_person}/{report.frames} frames"]
    figures, listed = _faults(report, base_dirs, evidence)
    key_name = str(report.series.name or "key measurement").replace("_", " ")
    tempo = svg_tempo(report)
    return render_template(
        "session.html", name=name, exercise=report.exercise,
        side_badge=f"side: {report.side}" if one_side else f"side in view: {report.side}",
        meta=meta, source=report.source, label=label, alerts=_alerts(report),
        cards=_cards(report), pain_line=extras.pain_line, advice=extras.advice,
        key_title=f"{key_name} over time", key_label=key_name,
        key_plot=Markup(svg_plot(report)),
        tempo_title="Tempo per rep" if report.reps else "Length of each hold",
        tempo_plot=Markup(tempo), sides=_sides(report), reps=_reps(report),
        holds=_holds(report), faults=bool(figures or listed), figures=figures, listed=listed)


def render_document(sections: Sequence[str], reports: Sequence[Report],
                    skipped: Sequence[str] = (), lead: str = "",
                    title: str = "formcheck session report") -> str:
    """The whole page around already rendered sections; `skipped` lists unreadable files;
    `lead` goes before the sessions (the history summary)."""
    t = totals(reports)
    sub = (f"{t.sessions} session{'' if t.sessions == 1 else 's'} · {t.reps} reps or holds "
           f"({t.good} good)")
    return render_template(
        "page.html", csp=CSP, css=Markup(TEMPLATES.joinpath("report.css").read_text(
            encoding="utf-8")), title=title, sub=sub,
        generated=datetime.now().strftime("%Y-%m-%d %H:%M"), medical_note=MEDICAL_NOTE,
        skipped=list(skipped), lead=Markup(lead), sections=[Markup(s) for s in sections])


def render_html(items: Sequence[tuple[str, Report]], base_dirs: Sequence[Path] = (),
                evidence: bool = True) -> str:
    """The page for (label, report) sessions."""
    sections = [render_session(r, label, base_dirs, evidence) for label, r in items]
    return render_document(sections, [r for _, r in items])


def write_html(path: str | Path, document: str) -> None:
    write_text_atomic(path, document)
