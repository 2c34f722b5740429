"""`formcheck live` in a real window on virtual screens (Xvfb) of 1280x720 and 1920x1080:
screenshots show the window filling the screen, the portrait clip filling its height, and
the rep count at least 1/8 of the window's height (measured from the pixels)."""

from __future__ import annotations

import subprocess
import sys
import time

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


@pytest.mark.parametrize("screen", [(1280, 720), (1920, 1080)])
def test_the_window_fills_the_screen_and_the_count_is_big(videos, model_path, tmp_path,
                                                          screen):
    w, h = screen
    video_w = round(h * 1080 / 1920)  # the portrait clip, fitted to the screen's height
    logs = tmp_path / "logs"  # the native log (Qt, X, OpenCV) of the run, told on failure
    with virtual_screen(w, h) as env:
        env = {**env, "FORMCHECK_LOG_DIR": str(logs)}
        proc = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", "-m", "formcheck", "live", "--source",
             str(videos / CLIP),
             "--exercise", "glute_bridge", "--report", str(tmp_path / "r.json"),
             "--no-history", "--model-path", str(model_path),
             "--source-speed", "0.5"],  # half speed: time to look on a busy machine
            env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        shot, count_h, grab_error, shots, last = None, 0, None, 0, None
        for _ in range(480):  # the model loads, then frames come
            time.sleep(0.25)
            if proc.poll() is not None:
                break
            try:
                image = screenshot(env)
            except OSError as exc:  # the X server busy accepting another client: try again
                grab_error = exc
                continue
            shots, last = shots + 1, image
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
        f"brightest pixel {last[:, video_w + 4:].max(axis=(0, 1)).tolist()}")
    assert shot is not None, (f"no count on screen (exit {proc.returncode}, {seen}, last grab "
                              f"error {grab_error}, window {geometry!r}); stdout: "
                              f"{out[-1000:]}; stderr: {err[-2000:]}; native log: "
                              f"{native_log(logs)}")
    assert "Position: 0,0" in geometry and f"Geometry: {w}x{h}" in geometry, geometry
    print(f"{w}x{h}: count {count_h} px tall ({count_h / h:.2f} of the window)")
    assert count_h >= h / 8, f"count {count_h} px tall on a {w}x{h} screen"
    # the picture fills the height: its middle column is lit from the top row to the bottom
    column = shot[:, video_w // 2].astype(int).sum(axis=1)
    assert (column > 30).mean() > 0.95
    assert shot[:, video_w + 4:].max() > 0  # the panel is drawn beside the picture
    assert proc.returncode == 0, err
    assert "Session over." in out and "Pose model" not in out
    assert load_report(tmp_path / "r.json").mode == "live"
