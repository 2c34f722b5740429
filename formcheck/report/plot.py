"""Inline SVG plot of a session's key measurement, with reps, holds and faults marked.

Written by hand (numpy for the scaling) so the HTML report needs no plotting library and no
script: it opens offline and anywhere. Every report string that lands in the SVG is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np

from formcheck.analysis.records import FaultEvent
from formcheck.report.schema import Report
from formcheck.report.terminal import num

WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 26, 40
MAX_POINTS = 3000


@dataclass(frozen=True)
class Axis:
    lo: float
    hi: float
    px_lo: float
    px_hi: float

    def __call__(self, v: np.ndarray | float) -> np.ndarray | float:
        return self.px_lo + (np.asarray(v, dtype=float) - self.lo) / (self.hi - self.lo) * (
            self.px_hi - self.px_lo)


def series_arrays(report: Report) -> tuple[np.ndarray, np.ndarray]:
    """(t, value) as float arrays, NaN where the report has a gap or junk; sorted by time."""
    s = report.series
    t_raw = s.t_s if isinstance(s.t_s, list) else []
    v_raw = s.value if isinstance(s.value, list) else []
    n = min(len(t_raw), len(v_raw))
    t = np.array([num(x) if num(x) is not None else np.nan for x in t_raw[:n]], dtype=float)
    v = np.array([num(x) if num(x) is not None else np.nan for x in v_raw[:n]], dtype=float)
    keep = np.isfinite(t)
    t, v = t[keep], v[keep]
    order = np.argsort(t, kind="stable")
    return t[order], v[order]


def nice_step(span: float, target: int) -> float:
    """A 1-2-5 step that splits `span` into about `target` intervals."""
    raw = max(span, 1e-9) / max(target, 1)
    mag = 10 ** np.floor(np.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return float(m * mag)
    return float(10 * mag)


def _value_range(v: np.ndarray) -> tuple[float, float]:
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return 0.0, 180.0
    lo, hi = float(finite.min()), float(finite.max())
    if hi - lo < 10:
        mid = (hi + lo) / 2
        lo, hi = mid - 5, mid + 5
    pad = (hi - lo) * 0.08
    step = nice_step(hi - lo, 5)
    return float(np.floor((lo - pad) / step) * step), float(np.ceil((hi + pad) / step) * step)


def _end_time(report: Report, t: np.ndarray) -> float:
    ends = [num(report.duration_s) or 0.0, float(t.max()) if t.size else 0.0]
    ends += [num(r.end_s) or 0.0 for r in report.reps]
    ends += [num(h.end_s) or 0.0 for h in report.holds]
    return max(max(ends), 1.0)


def _polylines(x: np.ndarray, y: np.ndarray, v: np.ndarray) -> list[str]:
    """One polyline per run of finite values, so gaps (person not seen) stay gaps."""
    finite = np.isfinite(v)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], finite.astype(int), [0]))))
    out = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        step = max(1, (stop - start) // MAX_POINTS + 1)
        idx = np.arange(start, stop, step)
        pts = " ".join(f"{x[i]:.1f},{y[i]:.1f}" for i in idx)
        if stop - start == 1:
            out.append(f'<circle class="series" cx="{x[start]:.1f}" cy="{y[start]:.1f}" r="2"/>')
        else:
            out.append(f'<polyline class="series" points="{pts}"/>')
    return out


def _grid(xa: Axis, ya: Axis) -> list[str]:
    out = []
    ystep = nice_step(ya.hi - ya.lo, 5)
    for yv in np.arange(np.ceil(ya.lo / ystep) * ystep, ya.hi + ystep / 2, ystep):
        py = ya(yv)
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py:.1f}" '
                   f'y2="{py:.1f}"/><text class="tick" x="{LEFT - 6}" y="{py + 4:.1f}" '
                   f'text-anchor="end">{yv:g}</text>')
    xstep = nice_step(xa.hi - xa.lo, 10)
    for xv in np.arange(0, xa.hi + xstep / 2, xstep):
        px = xa(xv)
        out.append(f'<line class="grid" x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" '
                   f'y2="{HEIGHT - BOTTOM}"/><text class="tick" x="{px:.1f}" '
                   f'y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{xv:g}</text>')
    return out


def _span(xa: Axis, start: float, end: float, cls: str, title: str) -> str:
    x0, x1 = xa(start), xa(max(end, start))
    return (f'<rect class="{cls}" x="{x0:.1f}" y="{TOP}" width="{max(x1 - x0, 1):.1f}" '
            f'height="{HEIGHT - TOP - BOTTOM}"><title>{escape(title)}</title></rect>')


def _reps(report: Report, xa: Axis) -> list[str]:
    out = []
    for rep in report.reps:
        start, end = num(rep.start_s), num(rep.end_s)
        if start is None or end is None:
            continue
        quality = "good" if rep.good else "bad"
        out.append(_span(xa, start, end, f"rep-span {quality}",
                         f"rep {rep.index} ({rep.side}): {start:.1f}-{end:.1f} s, {quality}"))
        hold = num(rep.hold_s) or 0.0
        if hold > 0:
            top = start + (num(rep.up_s) or 0.0)
            out.append(_span(xa, top, min(top + hold, end), "hold",
                             f"rep {rep.index} hold {hold:.1f} s"))
        for t in (start, end):
            out.append(f'<line class="rep-boundary" x1="{xa(t):.1f}" x2="{xa(t):.1f}" '
                       f'y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>')
        out.append(f'<text class="rep-label" x="{xa((start + end) / 2):.1f}" y="{TOP - 8}" '
                   f'text-anchor="middle">{escape(str(rep.index))}</text>')
    for hold in report.holds:
        start, end = num(hold.start_s), num(hold.end_s)
        if start is None or end is None:
            continue
        out.append(_span(xa, start, end, "hold hold-record",
                         f"hold {hold.index} ({hold.side}): {num(hold.hold_s) or 0:.1f} s"))
        out.append(f'<text class="rep-label" x="{xa((start + end) / 2):.1f}" y="{TOP - 8}" '
                   f'text-anchor="middle">H{escape(str(hold.index))}</text>')
    return out


def all_faults(report: Report) -> list[FaultEvent]:
    """Every fault of the session (reps and holds), in time order."""
    faults = [f for item in (*report.reps, *report.holds) for f in item.faults]
    return sorted(faults, key=lambda f: num(f.t_s) or 0.0)


def _faults(report: Report, xa: Axis, ya: Axis, t: np.ndarray, v: np.ndarray) -> list[str]:
    finite = np.isfinite(v)
    out = []
    for i, fault in enumerate(all_faults(report), start=1):
        ft = num(fault.t_s)
        if ft is None:
            continue
        if finite.any():
            fy = float(np.interp(ft, t[finite], v[finite]))
            py = min(max(float(ya(fy)), TOP + 6), HEIGHT - BOTTOM)
        else:
            py = TOP + 6
        px = float(xa(ft))
        tip = f"{ft:.1f} s  {fault.code}: {fault.message}"
        out.append(f'<g class="fault" data-fault="{i}"><title>{escape(tip)}</title>'
                   f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>'
                   f'<path d="M{px - 6:.1f},{py - 11:.1f} L{px + 6:.1f},{py - 11:.1f} '
                   f'L{px:.1f},{py - 1:.1f} Z"/></g>')
    return out


def svg_plot(report: Report) -> str:
    """The session's key measurement over time, rep spans and boundaries, holds, faults."""
    t, v = series_arrays(report)
    xa = Axis(0.0, _end_time(report, t), LEFT, WIDTH - RIGHT)
    ya = Axis(*_value_range(v), HEIGHT - BOTTOM, TOP)
    name = report.series.name if isinstance(report.series.name, str) else ""
    label = escape(name.replace("_", " ") or "key measurement")
    parts = [f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{label} over time">']
    parts += _grid(xa, ya)
    parts += _reps(report, xa)
    parts += _polylines(xa(t), ya(v), v) if t.size else []
    if not np.isfinite(v).any():
        parts.append(f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" '
                     'text-anchor="middle">no measurement series in this report</text>')
    parts += _faults(report, xa, ya, t, v)
    parts.append(f'<rect class="frame" x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
                 f'height="{HEIGHT - TOP - BOTTOM}"/>')
    parts.append(f'<text class="axis" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 6}" '
                 'text-anchor="middle">time (s)</text>')
    parts.append(f'<text class="axis" transform="translate(14 {(TOP + HEIGHT - BOTTOM) / 2}) '
                 f'rotate(-90)" text-anchor="middle">{label}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
