"""`formcheck live` in a real window on virtual screens (Xvfb) of 1280x720 and 1920x1080:
screenshots show the window filling the screen, the portrait clip filling its height, and
the rep count at least 1/8 of the window's height (measured from the pixels)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from xvfb import virtual_screen

from formcheck.overlay.canvas import WHITE
from formcheck.report.schema import load_report

pytestmark = [pytest.mark.clips, pytest.mark.slow]
CLIP = "glute_bridge_ndn_1.mp4"  # portrait, 1080x1920


def screenshot(env) -> np.ndarray:
    from PIL import ImageGrab

    rgb = np.asarray(ImageGrab.grab(xdisplay=env["DISPLAY"]).convert("RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def tallest_blob(image: np.ndarray, color) -> int:
    """Height of the tallest connected blob drawn exactly in `color` (a digit)."""
    mask = np.all(image == color, axis=2).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    return int(stats[1:, cv2.CC_STAT_HEIGHT].max()) if n > 1 else 0


def native_log(folder) -> str:
    return " | ".join(p.read_text(errors="replace")[-3000:] for p in folder.glob("*.log"))


def xdotool(env, *args: str) -> str:
    return subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True).stdout


@dataclass
class Watched:
    shot: np.ndarray | None  # the first screenshot showing the count
    count_h: int
    geometry: str  # xdotool's window geometry
    returncode: int
    out: str
    err: str
    never_lit: bool  # every screenshot black: the window was never painted
    seen: str  # what the screenshots showed, for a failure message
    report: Path


def watch_live(videos, model_path, folder, w: int, h: int, video_w: int) -> Watched:
    """`formcheck live` on a new w x h virtual screen, screenshots until the count shows."""
    folder.mkdir(parents=True, exist_ok=True)
    logs = folder / "logs"  # the native log (Qt, X, OpenCV) of the run, told on failure
    with virtual_screen(w, h) as env:
        env = {**env, "FORMCHECK_LOG_DIR": str(logs)}
        proc = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", "-m", "formcheck", "live", "--source",
             str(videos / CLIP),
             "--exercise", "glute_bridge", "--report", str(folder / "r.json"),
             "--no-history", "--model-path", str(model_path),
             "--source-speed", "0.5"],  # half speed: time to look on a busy machine
            env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        shot, count_h, grab_error, shots, last, lit = None, 0, None, 0, None, False
        for _ in range(480):  # the model loads, then frames come
            time.sleep(0.25)
            if proc.poll() is not None:
                break
            try:
                image = screenshot(env)
            except OSError as exc:  # the X server busy accepting another client: try again
                grab_error = exc
                continue
            shots, last, lit = shots + 1, image, lit or bool(image.max() > 30)
            count_h = tallest_blob(image[:, video_w + 4:], WHITE)
            if count_h:
                shot = image
                break
        window = xdotool(env, "search", "--name", "formcheck").split()
        geometry = xdotool(env, "getwindowgeometry", window[0]) if window else ""
        if window:
            xdotool(env, "windowfocus", "--sync", window[0])
            xdotool(env, "key", "q")
        out, err = proc.communicate(timeout=90)
    seen = "no screenshot" if last is None else (
        f"{shots} screenshots, the last lit {np.mean(last.max(axis=2) > 30):.0%}, its panel's "
        f"brightest pixel {last[:, video_w + 4:].max(axis=(0, 1)).tolist()}, last grab error "
        f"{grab_error}, window {geometry!r}, native log: {native_log(logs)}")
    return Watched(shot, count_h, geometry, proc.returncode, out, err,
                   never_lit=shots > 0 and not lit, seen=seen, report=folder / "r.json")


@pytest.mark.parametrize("screen", [(1280, 720), (1920, 1080)])
def test_the_window_fills_the_screen_and_the_count_is_big(videos, model_path, tmp_path,
                                                          screen):
    w, h = screen
    video_w = round(h * 1080 / 1920)  # the portrait clip, fitted to the screen's height
    run = watch_live(videos, model_path, tmp_path / "1", w, h, video_w)
    if run.shot is None and run.never_lit and run.returncode == 0:
        # Bare Xvfb, no window manager: about one run in five, Qt's window is mapped, viewable
        # and full size but never painted (black throughout, while the session runs and counts
        # normally; not MIT-SHM, not the full-screen switch). Not a formcheck fault: once more.
        print(f"the window was never painted ({run.seen}); running again")
        run = watch_live(videos, model_path, tmp_path / "2", w, h, video_w)
    shot, count_h, geometry, out, err = run.shot, run.count_h, run.geometry, run.out, run.err
    assert shot is not None, (f"no count on screen (exit {run.returncode}, {run.seen}); "
                              f"stdout: {out[-1000:]}; stderr: {err[-2000:]}")
    assert "Position: 0,0" in geometry and f"Geometry: {w}x{h}" in geometry, geometry
    print(f"{w}x{h}: count {count_h} px tall ({count_h / h:.2f} of the window)")
    assert count_h >= h / 8, f"count {count_h} px tall on a {w}x{h} screen"
    # the picture fills the height: its middle column is lit from the top row to the bottom
    column = shot[:, video_w // 2].astype(int).sum(axis=1)
    assert (column > 30).mean() > 0.95
    assert shot[:, video_w + 4:].max() > 0  # the panel is drawn beside the picture
    assert run.returncode == 0, err
    assert "Session over." in out and "Pose model" not in out
    assert load_report(run.report).mode == "live"
