"""The HTML and PDF reports as a physiotherapist opens them, rendered for real: headless
Chromium lays the page out at desktop width and at 390 px (a phone), `pdftoppm` rasterises the
PDF. No element may overflow horizontally, every plot names its units and draws its limit
lines, fonts are embedded, and no plot is cut across a page."""

from __future__ import annotations

import html as H
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_pain_advice import DAYS, bridge_day, pain
from test_report_render import HOSTILE, make_report

from formcheck.report.history import file_report
from formcheck.report.store import HistoryStore

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("chromium") is None,
                       reason="chromium not on PATH (apt-get install -y --no-install-recommends "
                              "chromium)"),
]
needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                   reason="pdftoppm not on PATH (apt-get install poppler-utils)")

WIDTHS = (1200, 390)
UNIT = re.compile(r"\((°|s|0-10 scale|[a-z_]+–[a-z_]+ lengths)\)")
PROBE = """<script>
window.addEventListener('load', function () {
  var doc = document.getElementById('f').contentDocument, W = doc.documentElement.clientWidth;
  var out = [], plots = [];
  doc.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    if (r.right > W + 0.5 || r.left < -0.5)
      out.push(el.tagName + '.' + (el.getAttribute('class') || '') + ' ' + Math.round(r.left)
               + '..' + Math.round(r.right));
  });
  doc.querySelectorAll('svg.plot').forEach(function (s) {
    var r = s.getBoundingClientRect();
    if (r.width === 0) return;
    plots.push({label: s.getAttribute('aria-label'), width: r.width, height: r.height,
                lines: s.querySelectorAll('g.limit, g.target').length,
                text: Array.from(s.querySelectorAll('text')).map(function (t) {
                  return t.textContent; })});
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({width: W, scroll: doc.documentElement.scrollWidth,
                                    overflow: out, plots: plots});
  document.body.appendChild(pre);
});
</script>"""


def layout(page: Path, width: int, tmp: Path) -> dict:
    """Lay `page` out in Chromium in a frame `width` px wide (a headless window cannot be
    narrower than 500 px; a frame can) and measure every element and plot."""
    host = tmp / f"host-{width}.html"
    host.write_text(
        # The charset declared: a file:// page without one is decoded by Chromium's guess,
        # which now and then is Windows-1252 ("Â°" for "°": units unrecognised).
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">'
        '<iframe id="f" style="border:0;'
        f'width:{width}px;height:3000px" srcdoc="{H.escape(page.read_text(), quote=True)}">'
        f"</iframe>{PROBE}</body></html>", encoding="utf-8")
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp / 'profile'}", "--window-size=1300,1000",
         "--virtual-time-budget=10000", "--dump-dom", host.as_uri()],
        capture_output=True, text=True, timeout=180, check=False)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stderr[-2000:]
    return json.loads(H.unescape(found.group(1)))


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """A history page (bridges with pain and advice, clamshells one side at a time, squeeze
    holds) and a sessions page with a hostile report, as HTML and PDF."""
    tmp = tmp_path_factory.mktemp("pages")
    folder = tmp / "history"
    for d in DAYS:
        for r in bridge_day(d, good=27):
            file_report(r, folder)
    clam = make_report("clamshell", exercise_name="Clamshell", works="one_at_a_time",
                       reps=[("left", True, [])] * 10 + [("right", False, ["hold_short"])] * 7,
                       prescription={"sets": 1, "reps": 10, "hold_s": 2, "every_n_days": 2},
                       started_at="2024-05-07T10:00:00")
    squeeze = make_report("glute_squeeze", exercise_name="Glute squeeze hold",
                          holds=[("left", 45.0, True), ("left", 31.0, False)],
                          prescription={"sets": 1, "reps": 5, "hold_s": 45, "per_day": 2},
                          started_at="2024-05-08T18:00:00")
    for r in (clam, squeeze):
        file_report(r, folder)
    with HistoryStore(folder) as store:
        for d, (a, b) in zip(DAYS, [(2, 1), (1, 0), (3, 2)], strict=True):
            for entry in pain(d, a, b):
                store.add_pain(entry)
    out = {}
    run = [sys.executable, "-m", "formcheck", "report"]
    done = subprocess.run([*run, "--history", "--history-dir", str(folder), "--until",
                           "2024-05-09", "--html", str(tmp / "history.html"), "--pdf",
                           str(tmp / "history.pdf")], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    hostile = make_report(exercise_name=HOSTILE * 3, source=f"/tmp/{HOSTILE * 5}.mp4",
                          reps=[("left", False, ["hips_low"])] * 3, warnings=[HOSTILE * 8])
    hostile.write(tmp / "hostile.json")
    clam.write(tmp / "clam.json")
    done = subprocess.run([*run, str(tmp / "hostile.json"), str(tmp / "clam.json"),
                           "--history-dir", str(folder), "--html", str(tmp / "sessions.html"),
                           "--pdf", str(tmp / "sessions.pdf")], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for name in ("history", "sessions"):
        out[f"{name}.html"], out[f"{name}.pdf"] = tmp / f"{name}.html", tmp / f"{name}.pdf"
    return out


@pytest.mark.parametrize("name", ["history.html", "sessions.html"])
@pytest.mark.parametrize("width", WIDTHS)
def test_html_fits_the_width_and_every_plot_has_units_and_limit_lines(pages, tmp_path, name,
                                                                      width):
    result = layout(pages[name], width, tmp_path)
    assert result["width"] == width
    assert result["overflow"] == [] and result["scroll"] == width, result["overflow"][:10]
    plots = result["plots"]
    page = pages[name].read_text()
    assert len(plots) == page.count('<div class="wide">') >= 4  # one drawing a plot shown
    for plot in plots:
        assert plot["width"] <= width and plot["height"] >= 200, plot["label"]
        assert plot["lines"] >= 1, plot["label"]  # a target or limit line
        # both axes name their unit, or the other axis counts (reps, holds, days)
        labels = [t for t in plot["text"] if UNIT.search(t)]
        ordinal = {"rep number", "hold number", "date (exercise day)"} & set(plot["text"])
        assert len(labels) >= 2 or (len(labels) == 1 and ordinal), (plot["label"],
                                                                    plot["text"])
    if name == "history.html":
        assert "pain during and the next morning, 0-10, by day" in [p["label"] for p in plots]


def test_the_layout_check_sees_an_overflow(pages, tmp_path):
    wide = tmp_path / "wide.html"
    wide.write_text(pages["sessions.html"].read_text().replace(
        "<footer>", '<div style="width:600px">too wide</div><footer>'))
    assert any(o.startswith("DIV. ") for o in layout(wide, 390, tmp_path)["overflow"])


@needs_poppler
@pytest.mark.parametrize("name", ["history.pdf", "sessions.pdf"])
def test_pdf_has_embedded_fonts_and_nothing_cut_or_off_the_page(pages, tmp_path, name):
    import cv2

    pdf = pages[name]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # emb column
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "hip angle (°)" in text and "time (s)" in text
    assert "a rep counts above this: 155°" in text
    assert "not a medical device" in text
    if name == "history.pdf":
        assert "up to 3: safe" in text and "above 5: too much" in text
        assert "Advice:" in text and "push" not in text.lower()
    for width in (1240, 390):  # desktop-sized and phone-sized rasters of each A4 page
        prefix = tmp_path / f"{name}-{width}"
        subprocess.run(["pdftoppm", "-png", "-scale-to-x", str(width), "-scale-to-y", "-1",
                        str(pdf), str(prefix)], check=True, timeout=300)
        images = sorted(tmp_path.glob(f"{name}-{width}-*.png"))
        assert images
        for png in images:
            grey = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
            h, w = grey.shape
            margin = int(w * 0.03)  # A4's 12 mm side margins are 5.7% of the width
            assert (grey[:, w - margin:] > 240).all(), f"{png.name}: ink in the right margin"
            assert (grey[:, :margin] > 240).all(), f"{png.name}: ink in the left margin"
            if width == 1240:
                assert not cut_plot(grey), f"{png.name}: a plot runs across the page break"


def cut_plot(grey: np.ndarray) -> bool:
    """Whether a plot's frame (long dark vertical lines: matplotlib's axes spines) touches
    the top or bottom of the page's printed area, i.e. continues on another page."""
    inked = np.flatnonzero((grey < 250).any(axis=1))
    top, bottom = int(inked.min()), int(inked.max())
    dark = grey < 60
    for x in np.flatnonzero(dark.sum(axis=0) >= 60):
        col = np.concatenate(([0], dark[:, x].astype(int), [0]))
        starts, ends = np.flatnonzero(np.diff(col) == 1), np.flatnonzero(np.diff(col) == -1)
        for a, b in zip(starts, ends, strict=True):
            if b - a >= 60 and (a <= top + 1 or b >= bottom):
                return True
    return False


def test_cut_plot_check_sees_a_cut_frame():
    page = np.full((400, 300), 255, np.uint8)
    page[50:380, 40] = 0  # a spine from the top of the printed area
    page[50, 40:200] = 0
    assert cut_plot(page)
    page[:60, 40] = 255  # now it starts below the top, with its labels under it: whole
    page[390, 100:120] = 0
    assert not cut_plot(page)


def test_pdf_without_chromium_says_so(tmp_path, monkeypatch):
    from formcheck.errors import UserError
    from formcheck.report import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="--pdf needs Chromium"):
        pdf.write_pdf(tmp_path / "x.pdf", "<p>x</p>")
    assert not (tmp_path / "x.pdf").exists()
