"""Counters panel (reps, set, hold progress, last rep's verdict) and the fps readout."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.analysis.state import AnalysisState
from formcheck.overlay.canvas import (
    ACCENT,
    BAD,
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


@dataclass(frozen=True)
class _Row:
    text: str
    size: float  # font size in Scale units
    color: Color
    bold: bool = False
    bar: float | None = None  # hold fraction: draw a progress bar under the text


def hud_rows(state: AnalysisState) -> list[_Row]:
    """What the panel says, top to bottom; hold exercises get the bar instead of reps."""
    rows = [_Row(state.exercise_name, 0.6, DIM)]
    holding_exercise = state.hold_target_s is not None
    if state.target_reps is not None or state.rep_count > 0 or not holding_exercise:
        of = f"/{state.target_reps}" if state.target_reps is not None else ""
        rows.append(_Row(f"Reps {state.rep_count}{of}", 1.0, WHITE, bold=True))
    if state.set_count > 0:
        rows.append(_Row(f"Set {state.set_count}", 0.7, WHITE))
    if holding_exercise:
        target = float(state.hold_target_s or 0.0)
        frac = state.hold_s / target if target > 0 else 0.0
        rows.append(_Row(f"Hold {state.hold_s:.1f} / {target:.0f} s", 0.7,
                         GOOD if frac >= 1.0 else WHITE, bar=frac))
        if state.total_hold_s > 0:
            rows.append(_Row(f"Total {state.total_hold_s:.0f} s", 0.6, DIM))
    if state.last_rep_good is not None:
        rows.append(_Row("Last rep: good" if state.last_rep_good else "Last rep: not good",
                         0.7, GOOD if state.last_rep_good else BAD, bold=True))
    return rows


class HudAnnotator:
    """Top-left translucent panel; only the panel's own ROI is blended."""

    def __init__(self, bar_width: float = 240.0, bar_height: float = 16.0,
                 bar_color: Color = ACCENT, done_color: Color = GOOD) -> None:
        self.bar_width = bar_width
        self.bar_height = bar_height
        self.bar_color = bar_color
        self.done_color = done_color

    def annotate(self, scene: np.ndarray, state: AnalysisState | None) -> np.ndarray:
        if state is None:
            return scene
        s = scale_of(scene)
        rows = hud_rows(state)
        margin, pad, gap = s.px(12), s.px(12), s.px(8)
        bar_w = min(s.px(self.bar_width), s.width - 2 * (margin + pad))
        bar_h = s.px(self.bar_height)
        laid: list[tuple[_Row, float, int, int, int, int]] = []
        width, height = bar_w if any(r.bar is not None for r in rows) else 0, 0
        for row in rows:
            fs, th = s.font(row.size), s.px(2 if row.bold else 1.4)
            tw, th_px, base = text_size(row.text, fs, th)
            laid.append((row, fs, th, th_px, base, height))
            height += th_px + base + gap + (bar_h + gap if row.bar is not None else 0)
            width = max(width, tw)
        x0, y0 = margin, margin
        shade(scene, x0, y0, x0 + width + 2 * pad, y0 + height - gap + 2 * pad, alpha=0.55)
        x = x0 + pad
        for row, fs, th, th_px, base, top in laid:
            y = y0 + pad + top + th_px
            put_text(scene, row.text, (x, y), fs, row.color, th)
            if row.bar is not None:
                fill = self.done_color if row.bar >= 1.0 else self.bar_color
                progress_bar(scene, x, y + base + gap, bar_w, bar_h, row.bar, fill)
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
