"""The report's plots as inline SVG, drawn by matplotlib: the key measurement over time with the
rep/hold rule's target lines, the fault limits on that measure and each fault marked; and the
tempo of each rep (up / hold / down, time under tension) or the length of each hold, with their
limits. Every axis names its unit.

Text stays text in the SVG (`svg.fonttype = none`), so the page and its PDF use the page's
font and a test can read the labels. Elements a reader or a test looks for get a class
(`series`, `target`, `limit`, `fault`, `rep-span`, `hold`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from formcheck.analysis.records import HoldRecord, RepRecord
from formcheck.report.rules import report_rules, unit_name, unit_suffix
from formcheck.report.schema import Report
from formcheck.report.terminal import num

MAX_POINTS = 1500
WIDE, NARROW = (9.6, 3.3), (3.9, 3.4)  # inches at 100 dpi: 960 px for desktop, 390 for phones
COLORS = {"series": "#1f5fa8", "good": "#2e8b57", "bad": "#c0392b", "hold": "#e0a800",
          "target": "#2e8b57", "limit": "#c0392b", "up": "#1f5fa8", "down": "#7d3c98",
          "tut": "#d5dbe5"}
PHASE_OF = {"up_s": "up", "hold_s": "hold", "down_s": "down", "duration_s": "tut"}


@dataclass
class Cleaned:
    t: np.ndarray
    v: np.ndarray
    dropped: int  # samples left out as wrong-view spikes


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


def clean_series(t: np.ndarray, v: np.ndarray, unit: str) -> Cleaned:
    """Leave out what a wrong camera view produces: values no joint can read, and samples far
    outside the session's own range (a limb pointing at the camera reads -100 or 400)."""
    v = v.copy()
    bad = np.zeros(v.shape, bool)
    if unit == "deg":
        bad |= (v < -180) | (v > 360)
    finite = np.isfinite(v) & ~bad
    if finite.sum() >= 10:
        lo, hi = np.percentile(v[finite], [2, 98])
        span = max(hi - lo, 10.0 if unit == "deg" else 0.2)
        bad |= (v < lo - 0.5 * span) | (v > hi + 0.5 * span)
    dropped = int((bad & np.isfinite(v)).sum())
    v[bad] = np.nan
    return Cleaned(t, v, dropped)


def _figure(narrow: bool):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=NARROW if narrow else WIDE, dpi=100)
    fig.set_layout_engine("constrained")
    return fig


def _svg(fig: Any, label: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "formcheck",
                                "font.family": "DejaVu Sans", "axes.formatter.useoffset":
                                False}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # no XML prolog or doctype inside HTML
    # Inline in HTML the SVG namespace is implied: no namespace URLs, no metadata block.
    text = re.sub(r'\s*xmlns(:xlink)?="[^"]*"', "", text)
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'<g id="fc_([a-z-]+)_\d+"', r'<g class="\1"', text)
    text = re.sub(r'width="[\d.]+pt" height="[\d.]+pt"', "", text, count=1)
    return text.replace("<svg ", f'<svg class="plot" role="img" aria-label="{_esc(label)}" ', 1)


def _esc(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def _gid(artist: Any, name: str, n: list[int]) -> None:
    for one in getattr(artist, "patches", [artist]):  # a bar chart: each bar
        n[0] += 1
        one.set_gid(f"fc_{name}_{n[0]}")


def _axis_label(name: str, unit: str) -> str:
    return f"{name.replace('_', ' ') or 'key measurement'} ({unit_name(unit)})"


def _tick_format(ax: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: int) -> str:  # no "-0"
        return f"{0.0 if abs(x) < 1e-9 else x:g}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))
    ax.xaxis.set_major_formatter(FuncFormatter(fmt))


def key_lines(report: Report) -> list[dict[str, Any]]:
    """The rule lines drawn on the key measure's plot."""
    rules = report_rules(report)
    key = rules.get("key") or report.series.name
    return [ln for ln in rules.get("lines", []) if isinstance(ln, dict)
            and ln.get("measure") == key and _sane(ln.get("value"))]


def _sane(value: Any) -> bool:
    """A limit worth drawing: a number no measure could be stretched to show is junk."""
    v = num(value)
    return v is not None and abs(v) < 1e5


def key_plot(report: Report, narrow: bool = False) -> str:
    """The key measurement over time, rep spans, holds, rule lines and faults."""
    rules = report_rules(report)
    unit = str(rules.get("key_unit") or "deg")
    name = report.series.name if isinstance(report.series.name, str) else ""
    t, v = series_arrays(report)
    c = clean_series(t, v, unit)
    fig = _figure(narrow)
    ax = fig.add_subplot()
    n = [0]
    end = max([num(report.duration_s) or 0.0, float(t.max()) if t.size else 0.0]
              + [num(r.end_s) or 0.0 for r in report.reps]
              + [num(h.end_s) or 0.0 for h in report.holds] + [1.0])
    for rep in report.reps:
        start, stop = num(rep.start_s), num(rep.end_s)
        if start is None or stop is None:
            continue
        span = ax.axvspan(start, stop, color=COLORS["good" if rep.good else "bad"], alpha=.12,
                          lw=0)
        _gid(span, "rep-span", n)
        held = num(rep.hold_s) or 0.0
        if held > 0:
            top = start + (num(rep.up_s) or 0.0)
            _gid(ax.axvspan(top, min(top + held, stop), color=COLORS["hold"], alpha=.3, lw=0),
                 "hold", n)
        ax.text((start + stop) / 2, 1.0, str(rep.index), transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8, color="#334")
    for hold in report.holds:
        start, stop = num(hold.start_s), num(hold.end_s)
        if start is None or stop is None:
            continue
        _gid(ax.axvspan(start, stop, color=COLORS["hold"], alpha=.3, lw=0), "hold", n)
        ax.text((start + stop) / 2, 1.0, f"H{hold.index}", transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=8, color="#334")
    finite = np.isfinite(c.v)
    if finite.any():
        step = max(1, int(finite.size // MAX_POINTS))
        (line,) = ax.plot(c.t[::step], c.v[::step], color=COLORS["series"], lw=1.6,
                          label=_axis_label(name, unit))
        _gid(line, "series", n)
    else:
        ax.text(0.5, 0.5, "no measurement series in this report", transform=ax.transAxes,
                ha="center", va="center", color="#888")
    values = [float(x) for x in c.v[finite]]
    for ln in key_lines(report):
        value = float(ln["value"])
        target = ln.get("kind") == "target"
        artist = ax.axhline(value, color=COLORS["target" if target else "limit"], lw=1.1,
                            ls="--" if target else ":")
        _gid(artist, "target" if target else "limit", n)
        text = (f"{ln.get('label', '')}: {value:g}{unit_suffix(unit)}" if target else
                f"{ln.get('label', '')} ({ln.get('side', '')} {value:g}{unit_suffix(unit)})")
        ax.annotate(text, (1.0, value), xycoords=("axes fraction", "data"), ha="right",
                    va="bottom", fontsize=7.5, color=artist.get_color(),
                    xytext=(-2, 1), textcoords="offset points")
        values.append(value)
    records: list[RepRecord | HoldRecord] = [*report.reps, *report.holds]
    faults = sorted(((num(f.t_s) or 0.0, f) for item in records
                     for f in item.faults if num(f.t_s) is not None), key=lambda x: x[0])
    for i, (ft, _fault) in enumerate(faults, start=1):
        artist = ax.axvline(ft, color=COLORS["bad"], lw=1, ls=(0, (2, 3)), alpha=.6)
        _gid(artist, "fault", n)
        ax.text(ft, 0.02, str(i), transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=7.5, color=COLORS["bad"],
                bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": COLORS["bad"],
                      "lw": .6})
    if values:
        lo, hi = min(values), max(values)
        pad = max((hi - lo) * 0.08, 2.0 if unit == "deg" else 0.05)
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlim(0, end)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(_axis_label(name, unit))
    ax.grid(color="#eceff4", lw=.8)
    _tick_format(ax)
    if narrow:
        ax.xaxis.set_major_locator(_locator(4))
    if c.dropped:
        ax.text(0.01, 0.98, f"{c.dropped} samples out of view left out",
                transform=ax.transAxes, ha="left", va="top", fontsize=7, color="#666")
    return _svg(fig, f"{_axis_label(name, unit)} over time (s)")


def _locator(n: int):
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(n)


def tempo_lines(report: Report) -> list[dict[str, Any]]:
    """Limits on a rep's or hold's times (hold at least 3 s, lower in at least 0.35 s) and the
    prescribed hold."""
    rules = report_rules(report)
    lines = [ln for ln in rules.get("lines", []) if isinstance(ln, dict)
             and ln.get("measure") in PHASE_OF and _sane(ln.get("value"))]
    hold = num(report.prescription.get("hold_s")) if isinstance(report.prescription, dict) \
        else None
    if hold:
        lines.append({"kind": "target", "label": "prescribed hold", "measure": "hold_s",
                      "value": hold, "unit": "s"})
    return lines


def tempo_plot(report: Report, narrow: bool = False) -> str:
    """Per rep: time under tension (bar) and up / hold / down (s); per hold: its length.
    '' when the session has neither."""
    items = report.reps or report.holds
    if not items:
        return ""
    fig = _figure(narrow)
    ax = fig.add_subplot()
    n = [0]
    x = np.arange(1, len(items) + 1)
    if report.reps:
        tut = [sum(num(getattr(r, k)) or 0.0 for k in ("up_s", "hold_s", "down_s"))
               for r in report.reps]
        _gid(ax.bar(x, tut, color=COLORS["tut"], width=.7, label="time under tension"),
             "series", n)
        for key, phase in (("up_s", "up"), ("hold_s", "hold"), ("down_s", "down")):
            y = [num(getattr(r, key)) for r in report.reps]
            (line,) = ax.plot(x, [np.nan if v is None else v for v in y], marker="o", ms=4,
                              lw=1.2, color=COLORS[phase], label=phase)
            _gid(line, "series", n)
        ax.set_xlabel("rep number")
        title = "tempo per rep"
    else:
        held = [num(h.hold_s) or 0.0 for h in report.holds]
        bars = ax.bar(x, held, color=[COLORS["good" if h.good else "bad"] for h in report.holds],
                      width=.6, alpha=.8, label="held")
        _gid(bars, "series", n)
        ax.set_xlabel("hold number")
        title = "length of each hold"
    top = 1.0
    for ln in tempo_lines(report):
        value = float(ln["value"])
        phase = PHASE_OF.get(str(ln["measure"]), "tut")
        target = ln.get("kind") == "target"
        artist = ax.axhline(value, color=COLORS[phase] if phase != "tut" else "#555", lw=1.1,
                            ls="--" if target else ":")
        _gid(artist, "target" if target else "limit", n)
        words = (f"{ln['label']}: {value:g} s" if target else
                 f"{ln['label']} ({str(ln['measure']).removesuffix('_s')} {ln.get('side', '')} "
                 f"{value:g} s)")
        ax.annotate(words, (1.0, value), xycoords=("axes fraction", "data"), ha="right",
                    va="bottom", fontsize=7.5, color=artist.get_color(), xytext=(-2, 1),
                    textcoords="offset points")
        top = max(top, value)
    ax.set_ylim(0, max([top] + [float(b.get_height()) for b in ax.patches]) * 1.2)
    ax.set_xticks(x if len(x) <= (10 if narrow else 30) else x[::max(1, len(x) // 10)])
    ax.set_ylabel("time (s)")
    ax.grid(axis="y", color="#eceff4", lw=.8)
    ax.legend(loc="upper left", fontsize=7.5, ncols=4 if not narrow else 2, frameon=False)
    _tick_format(ax)
    return _svg(fig, f"{title}, seconds")


def svg_plot(report: Report) -> str:
    """The key-measure plot, for desktop and for phone width (CSS shows one)."""
    return _pair(key_plot(report), key_plot(report, narrow=True))


def svg_tempo(report: Report) -> str:
    wide = tempo_plot(report)
    return _pair(wide, tempo_plot(report, narrow=True)) if wide else ""


def _pair(wide: str, narrow: str) -> str:
    return f'<div class="wide">{wide}</div><div class="narrow">{narrow}</div>'


def pain_plot(days: list[Any], narrow: bool = False) -> str:
    """Pain during and the morning after, by day (0-10), with the model's lines: up to 3 safe,
    above 5 too much. `days` are rows with .day, .pain_during, .pain_morning."""
    rows = [d for d in days if d.pain_during is not None or d.pain_morning is not None]
    if not rows:
        return ""
    from matplotlib.dates import AutoDateLocator, DateFormatter

    fig = _figure(narrow)
    fig.set_size_inches(fig.get_size_inches()[0], 2.6)
    ax = fig.add_subplot()
    n = [0]
    x = [d.day for d in rows]
    for attr, label, color in (("pain_during", "during", COLORS["series"]),
                               ("pain_morning", "next morning", COLORS["down"])):
        y = [np.nan if getattr(d, attr) is None else getattr(d, attr) for d in rows]
        (line,) = ax.plot(x, y, marker="o", ms=4, lw=1.4, color=color, label=label)
        _gid(line, "series", n)
    for value, label, color in ((3, "up to 3: safe", COLORS["target"]),
                                (5, "above 5: too much", COLORS["limit"])):
        _gid(ax.axhline(value, color=color, lw=1.1, ls="--"), "limit", n)
        ax.annotate(label, (1.0, value), xycoords=("axes fraction", "data"), ha="right",
                    va="bottom", fontsize=7.5, color=color, xytext=(-2, 1),
                    textcoords="offset points")
    ax.set_ylim(0, 10.5)
    ax.set_ylabel("pain (0-10 scale)")
    ax.set_xlabel("date (exercise day)")
    ax.xaxis.set_major_locator(AutoDateLocator(maxticks=4 if narrow else 8))
    ax.xaxis.set_major_formatter(DateFormatter("%m-%d"))
    ax.grid(color="#eceff4", lw=.8)
    ax.legend(loc="upper left", fontsize=7.5, ncols=2, frameon=False)
    return _svg(fig, "pain during and the next morning, 0-10, by day")


def svg_pain(days: list[Any]) -> str:
    wide = pain_plot(days)
    return _pair(wide, pain_plot(days, narrow=True)) if wide else ""
