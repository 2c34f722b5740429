"""A virtual screen for window tests: Xvfb on a display number it picks itself (-displayfd),
so parallel tests and other sessions never collide."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
from collections.abc import Iterator

import pytest


@contextlib.contextmanager
def virtual_screen(width: int, height: int) -> Iterator[dict[str, str]]:
    """The environment of a program shown on a new `width` x `height` screen."""
    if not shutil.which("Xvfb") or not shutil.which("xdotool"):
        pytest.skip("Xvfb and xdotool are needed for the window tests (apt-get install xvfb "
                    "xdotool)")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0",
                             f"{width}x{height}x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 20)
        number = os.read(read, 32).decode().strip() if ready else ""
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield {**os.environ, "DISPLAY": f":{number}", "QT_QPA_PLATFORM": "xcb"}
    finally:
        os.close(read)
        proc.terminate()
        proc.wait(10)
