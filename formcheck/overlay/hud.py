"""Counters panel (the rep count or hold time in big digits, the hold timer and bar whenever
a hold runs, the set) and the fps readout. Sizes are fractions of the canvas height, so on
a full-screen window the count is readable from across a room (digits ~1/5 of the height)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis.state import AnalysisState
from formcheck.overlay.canvas import (
    ACCENT,
    DIM,
    GOOD,
    WHITE,
    Color,
    progress_bar,
    put_text,
    scale_of,
    shade,
    text_size,
)
from formcheck.overlay.screen import Rect

CAP_H = 22.0  # Hershey duplex: digit height in pixels at font scale 1
UNDER_WAY = ("up", "top", "down", "hold")


@dataclass(frozen=True)
class _Row:
    text: str
    height: float  # digit height, as a fraction of the panel's unit length
    color: Color
    bold: bool = False
    bar: float | None = None  # hold fraction: draw a progress bar under the text
    suffix: str = ""  # smaller text after the main one, e.g. "/10"


def _hold_row(state: AnalysisState, size: float) -> _Row:
    """The time at the top so far; with a target (a chair bridge's 3 s), a bar filling to it."""
    target = float(state.hold_target_s or 0.0)
    if not target:
        return _Row(f"Hold {state.hold_s:.1f} s", size, WHITE)
    frac = state.hold_s / target
    return _Row(f"Hold {state.hold_s:.1f} / {target:.0f} s", size,
                GOOD if frac >= 1.0 else WHITE, bar=frac)


def hud_rows(state: AnalysisState, count_color: Color = WHITE) -> list[_Row]:
    """What the panel says, top to bottom. A hold exercise shows the hold time big and how
    many holds are done; a rep exercise the reps, and the hold at the top while it runs."""
    rows = [_Row(state.exercise_name, 0.05, DIM)]
    of = f"/{state.target_reps}" if state.target_reps is not None else ""
    if state.holds_exercise:
        target = state.hold_target_s
        rows.append(_Row(f"{state.hold_s:.0f}", 0.2, count_color, True,
                         suffix=f"/{target:.0f} s" if target else " s"))
        frac = state.hold_s / target if target else 0.0
        rows.append(_Row("Holding" if state.phase == "hold" else "Get into position", 0.055,
                         GOOD if frac >= 1.0 else WHITE, bar=frac))
        rows.append(_Row(f"Holds {state.rep_count}{of}", 0.06, WHITE, True))
    else:
        rows.append(_Row(f"{state.rep_count}", 0.2, count_color, True, suffix=of))
        if state.hold_s > 0 or state.phase == "top":  # at the top, held or not, target or not
            rows.append(_hold_row(state, 0.06))
    if state.set_count > 0:
        rows.append(_Row(f"Set {state.set_count}", 0.05, WHITE))
    return rows


def font_for(height_px: float, bold: bool) -> tuple[float, int]:
    """Font scale and stroke for digits `height_px` tall."""
    fs = max(height_px, 6.0) / CAP_H
    return fs, max(1, round(fs * (1.8 if bold else 1.2)))


class HudAnnotator:
    """The counters panel in `panel` (default: the scene's top-left corner), sized from the
    panel's height; `over_video` shades behind it so it reads over any picture."""

    def __init__(self, bar_color: Color = ACCENT, done_color: Color = GOOD,
                 count_color: Color = WHITE) -> None:
        self.bar_color = bar_color
        self.done_color = done_color
        self.count_color = count_color  # tests draw it in a colour of their own to measure it

    def annotate(self, scene: np.ndarray, state: AnalysisState | None,
                 panel: Rect | None = None, over_video: bool = True) -> np.ndarray:
        if state is None:
            return scene
        h, w = scene.shape[:2]
        panel = panel or Rect(0, 0, round(w * 0.36), h)
        unit = min(panel.h, 1.6 * panel.w)  # a narrow panel (portrait frame) keeps it in
        margin = round(unit * 0.03)
        room = panel.w - 2 * margin
        laid, y, width = [], margin, 0
        for row in hud_rows(state, self.count_color):
            fs, th = font_for(row.height * unit, row.bold)
            tw = text_size(row.text, fs, th)[0]
            sfs, sth = font_for(row.height * unit * 0.45, row.bold)
            sw = text_size(row.suffix, sfs, sth)[0] if row.suffix else 0
            if tw + sw > room:  # shrink a row that does not fit the panel
                k = room / (tw + sw)
                fs, th, sfs, sth = fs * k, max(1, round(th * k)), sfs * k, max(1, round(sth * k))
                tw, sw = round(tw * k), round(sw * k)
            _, th_px, base = text_size(row.text, fs, th)
            bar_h = round(unit * 0.035) if row.bar is not None else 0
            laid.append((row, fs, th, sfs, sth, tw, y + th_px, bar_h))
            y += th_px + base + margin // 2 + (bar_h + margin // 2 if bar_h else 0)
            width = max(width, tw + sw, room if bar_h else 0)
        x0, y0 = panel.x + margin, panel.y
        if over_video:
            shade(scene, panel.x, y0, x0 + width + margin, y0 + y + margin // 2, alpha=0.6)
        for row, fs, th, sfs, sth, tw, baseline, bar_h in laid:
            put_text(scene, row.text, (x0, y0 + baseline), fs, row.color, th)
            if row.suffix:
                put_text(scene, row.suffix, (x0 + tw + margin // 3, y0 + baseline), sfs, DIM,
                         sth)
            if bar_h:
                fill = self.done_color if (row.bar or 0) >= 1.0 else self.bar_color
                progress_bar(scene, x0, y0 + baseline + margin // 2, room, bar_h, row.bar or 0,
                             fill)
        return scene


class FpsAnnotator:
    """Small fps readout in the top-right corner, outlined to read over any video."""

    def annotate(self, scene: np.ndarray, fps: float | None) -> np.ndarray:
        if fps is None or not np.isfinite(fps):
            return scene
        s = scale_of(scene)
        text = f"{fps:.0f} fps"
        fs, th = s.font(0.6), s.px(1.4)
        tw, th_px, _ = text_size(text, fs, th)
        m = s.px(12)
        put_text(scene, text, (s.width - tw - m, m + th_px), fs, WHITE, th, outline=1)
        return scene
