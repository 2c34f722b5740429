"""Screenshot an HTML report in headless Chromium and check the picture is not blank.

Usage: python scripts/screenshot_report.py REPORT.html OUT.png [--size 1200,1600]

Chromium is Debian's `chromium` package (apt-get install -y --no-install-recommends chromium).
Every networking feature is switched off: the report must render from the file alone.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]


def chromium() -> str | None:
    return shutil.which("chromium")


def screenshot(html: Path, png: Path, size: tuple[int, int] = (1200, 1600),
               timeout_s: float = 120) -> None:
    """Render `html` to `png`; raise RuntimeError with Chromium's output if no PNG appears."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium is not on PATH")
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="formcheck-chromium-") as profile:
        proc = subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png.resolve()}",
             f"--window-size={size[0]},{size[1]}", html.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout_s, check=False)
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot (exit {proc.returncode}): "
                           f"{proc.stderr[-2000:]}")


def blankness(png: Path) -> dict[str, float]:
    """Pixel statistics: grey-level std, the share of non-white pixels, the share of plot blue."""
    import cv2

    img = cv2.imread(str(png))
    if img is None:
        raise RuntimeError(f"{png}: not an image")
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    series_blue = np.array([168, 95, 31])  # the plot line, #1f5fa8, in BGR
    blue = np.all(np.abs(img.astype(int) - series_blue) < 40, axis=2)
    return {"std": float(grey.std()), "non_white": float((grey < 245).mean()),
            "plot_blue": float(blue.mean())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", type=Path)
    ap.add_argument("png", type=Path)
    ap.add_argument("--size", default="1200,1600", help="WIDTH,HEIGHT in pixels")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split(","))
    screenshot(args.html, args.png, (width, height))
    stats = blankness(args.png)
    print(" ".join(f"{k}={v:.4f}" for k, v in stats.items()))
    sys.exit(0 if stats["std"] > 10 and stats["non_white"] > 0.02 else 1)


if __name__ == "__main__":
    main()
