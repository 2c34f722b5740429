"""The history summary (adherence, targets, balance, sessions per day) as an HTML section, put
at the top of `formcheck report --history --html` pages: what a physiotherapist reads first."""

from __future__ import annotations

from collections.abc import Sequence

from formcheck.report.history import ExerciseHistory, adherence_text, target_lines
from formcheck.report.html import e


def _overview(summaries: Sequence[ExerciseHistory]) -> str:
    rows = []
    for h in summaries:
        full = f"{h.sessions_at_target}/{h.sessions}" if h.target_reps else "—"
        sides = [h.per_side.get(s) for s in ("left", "right")]
        side_cells = "".join(
            f"<td class=n>{v['reps']} ({v['good']})</td>" if v else "<td class=n>—</td>"
            for v in sides)
        rows.append(f"<tr><td>{e(h.name or h.exercise)}</td><td class=n>{h.sessions}</td>"
                    f"<td class=n>{h.reps}</td><td class=n>{h.good}</td><td class=n>{full}</td>"
                    f"<td class=n>{e(adherence_text(h, short=True))}</td>{side_cells}</tr>")
    return ('<table class="history"><tr><th>Exercise</th><th class=n>Sessions</th>'
            '<th class=n>Reps</th><th class=n>Good</th><th class=n>Full</th>'
            '<th class=n>Adherence</th><th class=n>Left</th><th class=n>Right</th></tr>'
            + "".join(rows) + "</table>"
            '<p class="meta">Full: sessions with the prescribed sets × reps. Left/right: reps '
            "(good).</p>")


def _exercise(h: ExerciseHistory) -> str:
    lines = [line[:1].upper() + line[1:] for line in target_lines(h)]
    met = {True: "<span class=yes>yes</span>", False: "<span class=no>no</span>"}
    days = "".join(
        f"<tr><td>{d.day.isoformat()}</td><td class=n>{d.sessions}</td><td class=n>{d.reps}"
        f"</td><td class=n>{d.good}</td><td class=n>{d.per_side.get('left', '—')}</td>"
        f"<td class=n>{d.per_side.get('right', '—')}</td>"
        f"<td class=n>{met[d.sessions >= h.per_day]}</td></tr>" for d in h.days)
    balance = f'<p class="warn">{e(h.balance)}</p>' if h.balance else ""
    return (f'<section class="session history"><h2>{e(h.name or h.exercise)}</h2>'
            f'<p class="meta">{h.start} to {h.end}</p><ul>'
            + "".join(f"<li>{e(line)}</li>" for line in lines) + f"</ul>{balance}"
            "<h3>Sessions per day</h3><table><tr><th>Date</th><th class=n>Sessions</th>"
            "<th class=n>Reps</th><th class=n>Good</th><th class=n>Left</th>"
            f"<th class=n>Right</th><th class=n>Met</th></tr>{days}</table></section>")


def render_history_section(summaries: Sequence[ExerciseHistory]) -> str:
    if not summaries:
        return ""
    return ('<section class="session history"><h2>Sessions and adherence</h2>'
            f"{_overview(summaries)}</section>" + "".join(_exercise(h) for h in summaries))
