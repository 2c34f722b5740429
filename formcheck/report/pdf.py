"""The report as a PDF for the clinician, printed by headless Chromium from the HTML page.

A real browser engine lays the page out exactly as the HTML a reviewer opens (the same
templates, the print CSS: A4, plots and table rows never split across pages) and embeds the
fonts it used. Chromium is Debian's `chromium` package; without it `--pdf` says so.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from formcheck.atomic import atomic_path
from formcheck.errors import UserError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--no-pdf-header-footer", "--run-all-compositor-stages-"
         "before-draw")
TIMEOUT_S = 180


def browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def write_pdf(path: str | Path, document: str) -> None:
    """Print the HTML `document` to `path` (written atomically)."""
    exe = browser()
    if exe is None:
        raise UserError("--pdf needs Chromium to print the page (on Debian: apt-get install "
                        "chromium)")
    with tempfile.TemporaryDirectory(prefix="formcheck-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(document, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        try:
            proc = subprocess.run(
                [exe, *FLAGS, f"--user-data-dir={tmp}/profile", f"--print-to-pdf={out}",
                 page.as_uri()], capture_output=True, text=True, timeout=TIMEOUT_S,
                check=False)
        except subprocess.TimeoutExpired:
            raise UserError(f"Chromium did not print the PDF within {TIMEOUT_S} s") from None
        if not out.is_file() or out.stat().st_size == 0 or not out.read_bytes()[:5] == b"%PDF-":
            tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise UserError(f"Chromium printed no PDF (exit {proc.returncode}: {tail[0]})")
        with atomic_path(path, ".pdf") as dest:
            shutil.copyfile(out, dest)
