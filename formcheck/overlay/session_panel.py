"""The guided session's band along the bottom of the frame: where the session is (set 2 of
3, rest 0:25, switch sides), a big line to read from the mat, the latest announcement, and a
bar for the set's progress or the rest left."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from formcheck.overlay.canvas import (
    ACCENT,
    DIM,
    WHITE,
    fit_font,
    progress_bar,
    put_text,
    scale_of,
    shade,
    text_size,
    wrap,
)


@dataclass(frozen=True)
class SessionPanel:
    title: str  # e.g. "Glute bridge · exercise 1 of 2"
    main: str  # e.g. "Set 2 of 3 · 4/10 reps", "Rest 0:25", "Switch sides"
    note: str = ""  # the latest announcement, or the camera hint before the first rep
    progress: float | None = None  # 0..1: reps of the set, or rest gone


def draw_session_panel(scene: np.ndarray, panel: SessionPanel) -> np.ndarray:
    """Draw the band in place (scene must be C-contiguous and writeable)."""
    h, w = scene.shape[:2]
    s = scale_of(scene)
    pad = int(14 * s.unit)
    big = max(h / 14 / 22.0, 0.6)  # the main line about 1/14 of the frame high
    small = 0.55 * s.unit
    thick_big, thick_small = max(int(big * 2), 1), max(int(small * 2), 1)
    big = fit_font([panel.main], w - 2 * pad, big, thick_big)
    notes = wrap(panel.note, w - 2 * pad, small, thick_small)[:3] if panel.note else []
    line_small = text_size("Ag", small, thick_small)[1] + pad // 2
    line_big = text_size("Ag", big, thick_big)[1]
    bar_h = int(12 * s.unit) if panel.progress is not None else 0
    height = pad * 3 + line_small * (1 + len(notes)) + line_big + bar_h
    y0 = h - height
    shade(scene, 0, y0, w, h, alpha=0.65)
    y = y0 + pad + line_small
    put_text(scene, panel.title, (pad, y), small, DIM, thick_small)
    y += line_big + pad
    put_text(scene, panel.main, (pad, y), big, WHITE, thick_big, outline=1)
    if panel.progress is not None:
        y += pad // 2
        progress_bar(scene, pad, y, w - 2 * pad, bar_h, panel.progress, ACCENT)
        y += bar_h
    for line in notes:
        y += line_small
        put_text(scene, line, (pad, y), small, WHITE, thick_small)
    return scene
