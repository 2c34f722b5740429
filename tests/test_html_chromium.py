"""The HTML report renders in a real browser (headless Chromium), offline, and is not blank."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from test_report_render import HOSTILE, bridge_session, make_report

from formcheck.report.html import render_html

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("chromium") is None,
                       reason="chromium not on PATH (apt-get install -y --no-install-recommends "
                              "chromium)"),
]

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "screenshot_report.py"


def load_script():
    spec = importlib.util.spec_from_file_location("screenshot_report", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def test_html_report_renders_in_chromium(tmp_path: Path):
    shot = load_script()
    holds = make_report("glute_squeeze", holds=[("left", 45.0, True), ("right", 30.0, False)],
                        started_at="2024-05-01T08:00:00", warnings=[HOSTILE], partial=True)
    html = tmp_path / "report.html"
    html.write_text(render_html([("a.json", bridge_session()), ("b.json", holds)],
                                evidence=False), encoding="utf-8")
    png = tmp_path / "report.png"
    shot.screenshot(html, png, (1200, 1600))
    stats = shot.blankness(png)
    assert stats["std"] > 10, stats
    assert stats["non_white"] > 0.02, stats
    assert stats["plot_blue"] > 0.001, stats  # plot line (and side bars) drawn in #1f5fa8
