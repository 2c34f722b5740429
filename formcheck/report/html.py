"""One self-contained HTML file to review sessions: plots, per-rep tables, sides, evidence.

Self-contained because it gets mailed to a physiotherapist or opened offline months later:
inline CSS, inline SVG, base64 images, no script and no URL (a Content-Security-Policy
forbids loading anything). Everything that comes from a report is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from formcheck.analysis.records import FaultEvent
from formcheck.atomic import write_text_atomic
from formcheck.report.evidence import evidence_frames
from formcheck.report.plot import svg_plot
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
)

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

CSS = """
:root { --ink:#1d2430; --muted:#5b6575; --line:#dde2ea; --bg:#f5f7fa; --card:#fff;
  --good:#2e8b57; --bad:#c0392b; --hold:#e0a800; --series:#1f5fa8; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font:15px/1.45 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width:1100px; margin:0 auto; padding:24px 20px 40px; }
h1 { font-size:26px; margin:0 0 4px; }
h2 { font-size:21px; margin:0; }
h3 { font-size:16px; margin:22px 0 8px; color:var(--muted); text-transform:uppercase;
  letter-spacing:.04em; }
.sub { color:var(--muted); margin:0 0 16px; }
.notice { background:#fff4e5; border-left:5px solid #e67e22; padding:10px 14px;
  border-radius:6px; margin:14px 0 20px; }
.session { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:20px 22px; margin:0 0 26px; box-shadow:0 1px 3px rgba(0,0,0,.05); }
.meta { color:var(--muted); font-size:13px; margin:6px 0 0; word-break:break-all; }
.badge { display:inline-block; font-size:12px; padding:2px 8px; border-radius:10px;
  background:#e8eef8; color:#234; margin-left:8px; vertical-align:middle; }
.warn { background:#fdecea; border-left:5px solid var(--bad); padding:8px 12px;
  border-radius:6px; margin:10px 0 0; }
.warn ul { margin:4px 0 0 18px; padding:0; }
.cards { display:flex; flex-wrap:wrap; gap:12px; margin:16px 0 4px; }
.card { flex:1 1 150px; background:var(--bg); border-radius:8px; padding:10px 14px; }
.card b { display:block; font-size:24px; }
.card span { color:var(--muted); font-size:13px; }
.card.rx b { font-size:16px; padding:4px 0 6px; }
table { border-collapse:collapse; width:100%; font-size:13.5px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); }
th { background:#eef1f6; font-weight:600; }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; }
tr.bad td:first-child { border-left:4px solid var(--bad); }
tr.good td:first-child { border-left:4px solid var(--good); }
.yes { color:var(--good); font-weight:600; } .no { color:var(--bad); font-weight:600; }
svg.plot { width:100%; height:auto; display:block; background:#fff; }
svg .grid { stroke:#eceff4; } svg .frame { fill:none; stroke:#c5ccd8; }
svg .tick, svg .axis { fill:#5b6575; font-size:12px; }
svg .rep-label { fill:#334; font-size:11px; font-weight:600; }
svg .series { fill:none; stroke:var(--series); stroke-width:2; stroke-linejoin:round; }
svg circle.series { fill:var(--series); }
svg .rep-span.good { fill:rgba(46,139,87,.10); } svg .rep-span.bad { fill:rgba(192,57,43,.12); }
svg .rep-boundary { stroke:#7a8494; stroke-dasharray:4 3; }
svg .hold { fill:rgba(224,168,0,.28); }
svg .fault line { stroke:var(--bad); stroke-opacity:.45; stroke-dasharray:2 3; }
svg .fault path { fill:var(--bad); }
svg .empty { fill:#999; font-size:14px; }
.legend { font-size:12.5px; color:var(--muted); margin:6px 0 0; }
.legend i { display:inline-block; width:14px; height:10px; margin:0 4px 0 12px;
  vertical-align:middle; border-radius:2px; }
.bar { background:#e8eef8; border-radius:4px; height:12px; min-width:120px; }
.bar div { background:var(--series); height:12px; border-radius:4px; }
.evidence { display:flex; flex-wrap:wrap; gap:14px; }
.evidence figure { margin:0; width:240px; background:var(--bg); border-radius:8px;
  padding:8px; font-size:12.5px; }
.evidence img { width:100%; height:auto; border-radius:4px; display:block; }
.evidence figcaption b { color:var(--bad); }
.faults-list { margin:0; padding-left:18px; }
footer { color:var(--muted); font-size:13px; margin-top:30px; }
"""

LEGEND = (
    '<p class="legend">'
    '<i style="background:#1f5fa8"></i>key measurement'
    '<i style="background:rgba(46,139,87,.25)"></i>good rep'
    '<i style="background:rgba(192,57,43,.25)"></i>rep with a fault'
    '<i style="border:1px dashed #7a8494"></i>rep boundary'
    '<i style="background:rgba(224,168,0,.5)"></i>hold'
    '<i style="background:#c0392b"></i>fault</p>'
)


def e(value: object) -> str:
    """Escape anything from a report for HTML text and attributes."""
    return escape("" if value is None else str(value), quote=True)


def _f(value: object, digits: int = 1, unit: str = "") -> str:
    v = num(value)
    return "—" if v is None else f"{v:.{digits}f}{unit}"


def _cards(report: Report) -> str:
    s = report.summary
    reps, good = int(num(s.rep_count) or 0), int(num(s.good_rep_count) or 0)
    cards = [(f"{reps}", "reps"), (f"{good}", "good reps"), (f"{int(num(s.set_count) or 0)}",
             "sets"), (_f(s.hold_seconds, 1, " s"), "hold time")]
    if report.holds:
        cards.insert(2, (f"{len(report.holds)}", "timed holds"))
    rx = prescription_text(report.prescription)
    if rx:
        cards.append((e(rx), "prescription"))
    return '<div class="cards">' + "".join(
        f'<div class="card{" rx" if label == "prescription" else ""}"><b>{value}</b>'
        f"<span>{label}</span></div>" for value, label in cards
    ) + "</div>"


def _alerts(report: Report) -> str:
    items = []
    if report.partial:
        items.append("Partial session: the input ended early or was interrupted.")
    warnings = report.warnings if isinstance(report.warnings, list) else [report.warnings]
    items += [str(w) for w in warnings]
    if not items:
        return ""
    return '<div class="warn"><b>Warnings</b><ul>' + "".join(
        f"<li>{e(i)}</li>" for i in items) + "</ul></div>"


def _sides(report: Report) -> str:
    rows = side_rows(report)
    most = max((r.reps for r in rows if r.side != "all"), default=0) or 1
    body = []
    for r in rows:
        pct = f"{100 * r.good / r.reps:.0f}%" if r.reps else "—"
        bar = ("" if r.side == "all" else
               f'<div class="bar"><div style="width:{100 * r.reps / most:.0f}%"></div></div>')
        body.append(
            f"<tr><td>{e(r.side)}</td><td class=n>{r.sets}</td><td class=n>{r.reps}</td>"
            f"<td class=n>{r.good}</td><td class=n>{pct}</td><td class=n>{r.hold_s:.1f} s</td>"
            f"<td class=n>{_f(r.mean_rom, 1, '°')}</td><td class=n>"
            f"{_f(r.mean_duration_s, 1, ' s')}</td><td>{e(faults_text(r.top_faults))}</td>"
            f"<td>{bar}</td></tr>")
    note = session_balance(report)
    note_html = f'<p class="warn">{e(note)}</p>' if note else ""
    return ('<h3>Left vs right</h3><table class="sides"><tr><th>Side</th><th class=n>Sets</th>'
            '<th class=n>Reps</th><th class=n>Good</th><th class=n>Good %</th>'
            '<th class=n>Hold</th><th class=n>Mean ROM</th><th class=n>Mean duration</th>'
            '<th>Top faults</th><th>Reps</th></tr>' + "".join(body) + "</table>" + note_html)


def _fault_cell(faults: Sequence[FaultEvent]) -> str:
    return "<br>".join(f"{e(f.code)} <small>@{_f(f.t_s, 1, ' s')}</small>" for f in faults)


def _reps_table(report: Report) -> str:
    if not report.reps:
        return ""
    body = []
    for r in report.reps:
        good = '<span class="yes">yes</span>' if r.good else '<span class="no">no</span>'
        body.append(
            f'<tr class="rep {"good" if r.good else "bad"}"><td class=n>{e(r.index)}</td>'
            f"<td class=n>{e(r.set_index)}</td><td>{e(r.side)}</td>"
            f"<td class=n>{_f(r.start_s, 2)}–{_f(r.end_s, 2)}</td>"
            f"<td class=n>{_f(r.duration_s, 2, ' s')}</td><td class=n>{_f(r.up_s)} / "
            f"{_f(r.hold_s)} / {_f(r.down_s)}</td><td class=n>{_f(r.peak_angle)}</td>"
            f"<td class=n>{_f(r.trough_angle)}</td><td class=n>{_f(r.range_of_motion)}</td>"
            f"<td>{good}</td><td>{_fault_cell(r.faults)}</td></tr>")
    key = e(report.reps[0].key_angle).replace("_", " ")
    return (f"<h3>Reps</h3><table class=\"reps\"><tr><th class=n>Rep</th><th class=n>Set</th>"
            f"<th>Side</th><th class=n>Time (s)</th><th class=n>Duration</th>"
            f"<th class=n>Up / hold / down (s)</th><th class=n>Peak {key}</th>"
            f"<th class=n>Trough</th><th class=n>Range of motion</th><th>Good</th>"
            f"<th>Faults</th></tr>" + "".join(body) + "</table>")


def _holds_table(report: Report) -> str:
    if not report.holds:
        return ""
    body = "".join(
        f'<tr class="hold {"good" if h.good else "bad"}"><td class=n>{e(h.index)}</td>'
        f"<td>{e(h.side)}</td><td class=n>{_f(h.start_s, 2)}–{_f(h.end_s, 2)}</td>"
        f"<td class=n>{_f(h.hold_s, 1, ' s')}</td>"
        f"<td>{'<span class=yes>yes</span>' if h.good else '<span class=no>no</span>'}</td>"
        f"<td>{_fault_cell(h.faults)}</td></tr>" for h in report.holds)
    return ("<h3>Holds</h3><table class=\"holds\"><tr><th class=n>Hold</th><th>Side</th>"
            "<th class=n>Time (s)</th><th class=n>Held</th><th>Good</th><th>Faults</th></tr>"
            + body + "</table>")


def _faults(report: Report, base_dirs: Sequence[Path], evidence: bool) -> str:
    owned = [(f"rep {r.index}", f) for r in report.reps for f in r.faults]
    owned += [(f"hold {h.index}", f) for h in report.holds for f in h.faults]
    owned.sort(key=lambda of: num(of[1].t_s) or 0.0)
    if not owned:
        return ""
    times = [num(f.t_s) or 0.0 for _, f in owned]
    frames = evidence_frames(report.source, times, base_dirs) if evidence else {}
    items = []
    for i, (owner, f) in enumerate(owned):
        value = f" (measured {_f(f.value)})" if num(f.value) is not None else ""
        caption = (f"<b>{e(f.code)}</b> · {e(owner)} · {_f(f.t_s, 1, ' s')}<br>"
                   f"{e(f.message)}{value}")
        if i in frames:
            items.append(f'<figure class="fault-evidence"><img alt="frame at '
                         f'{_f(f.t_s, 1, " s")}" src="{frames[i]}"><figcaption>{caption}'
                         f"</figcaption></figure>")
        else:
            items.append(f'<li class="fault-item">{caption}</li>')
    figures = "".join(i for i in items if i.startswith("<figure"))
    listed = "".join(i for i in items if i.startswith("<li"))
    out = "<h3>Faults</h3>"
    if figures:
        out += f'<div class="evidence">{figures}</div>'
    if listed:
        if not frames:
            out += ('<p class="meta">No evidence frames: the source video is not available '
                    "(moved, a webcam, or a pose track).</p>")
        out += f'<ul class="faults-list">{listed}</ul>'
    return out


def render_session(report: Report, label: str = "", base_dirs: Sequence[Path] = (),
                   evidence: bool = True) -> str:
    """The `<section>` of one session; raises on a report too odd to render."""
    name = report.exercise_name or report.exercise
    meta = [f"{e(when(report.started_at))}", f"{_f(report.duration_s, 1, ' s')}",
            f"{e(report.mode)}", f"model {e(report.model)}", f"{_f(report.fps, 1)} fps",
            f"person seen in {e(report.frames_with_person)}/{e(report.frames)} frames"]
    source = f"source: {e(report.source)}" + (f" · report: {e(label)}" if label else "")
    return (
        f'<section class="session"><h2>{e(name)}<span class="badge">{e(report.exercise)}'
        f'</span><span class="badge">side: {e(report.side)}</span></h2>'
        f'<p class="meta">{" · ".join(meta)}</p><p class="meta">{source}</p>'
        f"{_alerts(report)}{_cards(report)}"
        f'<h3>Key measurement over time</h3><figure class="plot">{svg_plot(report)}'
        f"{LEGEND}</figure>"
        f"{_sides(report)}{_reps_table(report)}{_holds_table(report)}"
        f"{_faults(report, base_dirs, evidence)}</section>"
    )


def render_document(sections: Sequence[str], reports: Sequence[Report],
                    skipped: Sequence[str] = (), lead: str = "",
                    title: str = "formcheck session report") -> str:
    """The whole page around already rendered sections; `skipped` lists unreadable files;
    `lead` goes before the sessions (the history summary)."""
    t = totals(reports)
    generated = datetime.now().strftime("%Y-%m-%d %H:%M")
    skipped_html = ('<div class="warn"><b>Not included</b><ul>' + "".join(
        f"<li>{e(s)}</li>" for s in skipped) + "</ul></div>") if skipped else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>formcheck report</title><style>{CSS}</style></head><body><main>"
        f"<h1>{e(title)}</h1>"
        f'<p class="sub">{t.sessions} session{"" if t.sessions == 1 else "s"} · {t.reps} reps '
        f"({t.good} good) · hold {t.hold_s:.1f} s · generated {generated}</p>"
        f'<div class="notice"><b>{e(MEDICAL_NOTE)}</b></div>'
        f"{skipped_html}{lead}{''.join(sections)}"
        f"<footer>{e(MEDICAL_NOTE)}</footer></main></body></html>\n"
    )


def render_html(items: Sequence[tuple[str, Report]], base_dirs: Sequence[Path] = (),
                evidence: bool = True) -> str:
    """The page for (label, report) sessions."""
    sections = [render_session(r, label, base_dirs, evidence) for label, r in items]
    return render_document(sections, [r for _, r in items])


def write_html(path: str | Path, document: str) -> None:
    write_text_atomic(path, document)
