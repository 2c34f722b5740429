"""Where live frames are shown: a screen-filling OpenCV window, or nowhere (--no-window, tests,
CI). A display says what size it shows at (`size`), so the scene is drawn at that size and
the text is as large as the screen allows, not as large as the camera frame."""

from __future__ import annotations

import os
import subprocess
from typing import Protocol

import numpy as np

DEFAULT_SCREEN = (1280, 720)


class Display(Protocol):
    def show(self, image: np.ndarray) -> int:
        """Show a new frame; return the key pressed (-1 for none)."""
        ...

    def refresh(self, image: np.ndarray) -> int:
        """Show a still screen again (paused, getting ready) and poll the keys."""
        ...

    def size(self) -> tuple[int, int] | None:
        """(width, height) the scene is shown at; None: the frame's own size."""
        ...

    def toggle_fullscreen(self) -> None: ...

    def closed(self) -> bool: ...

    def close(self) -> None: ...


class NullDisplay:
    def show(self, image: np.ndarray) -> int:  # noqa: ARG002
        return -1

    def refresh(self, image: np.ndarray) -> int:  # noqa: ARG002
        return -1

    def size(self) -> tuple[int, int] | None:
        return None

    def toggle_fullscreen(self) -> None:
        pass

    def closed(self) -> bool:
        return False

    def close(self) -> None:
        pass


class _Completed(NullDisplay):
    """A display that only shows frames (show, closed, close): stills are not shown, and
    the scene is drawn at the frame's size."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def show(self, image: np.ndarray) -> int:
        return self._inner.show(image)

    def closed(self) -> bool:
        return self._inner.closed()

    def close(self) -> None:
        self._inner.close()


def completed(display) -> Display:
    """`display` with every method a live session calls (defaults for the missing ones)."""
    if all(hasattr(display, m) for m in ("refresh", "size", "toggle_fullscreen")):
        return display
    return _Completed(display)


def _xdpyinfo_size() -> tuple[int, int] | None:
    try:
        out = subprocess.run(["xdpyinfo"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        if "dimensions:" in line:
            w, h = line.split()[1].split("x")
            return int(w), int(h)
    return None


def _x11_grab_size() -> tuple[int, int] | None:
    """Pillow's X11 screen grab (silent there, unlike macOS's, which asks for permission)."""
    try:
        from PIL import ImageGrab

        w, h = ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).size
        return w, h
    except Exception:  # no Pillow, or a build without XCB
        return None


def _windows_size() -> tuple[int, int] | None:
    try:
        import ctypes

        user32 = ctypes.windll.user32  # type: ignore[attr-defined]
        return int(user32.GetSystemMetrics(0)), int(user32.GetSystemMetrics(1))
    except Exception:
        return None


def screen_size() -> tuple[int, int]:
    """The screen's size where it can be asked without a prompt (X11, Windows); elsewhere a
    common laptop size, until the full-screen window reports its own."""
    if os.name == "nt":
        return _windows_size() or DEFAULT_SCREEN
    if os.environ.get("DISPLAY"):
        return _xdpyinfo_size() or _x11_grab_size() or DEFAULT_SCREEN
    return DEFAULT_SCREEN


class WindowDisplay:
    """An OpenCV window filling the screen, without toolbar; `f` toggles full screen (left
    to the window manager: without one the window already covers the screen). Closing it
    with the window button ends the session like q."""

    def __init__(self, title: str = "formcheck", screen: tuple[int, int] | None = None):
        import cv2

        self._cv2 = cv2
        self.title = title
        self.screen = screen or screen_size()
        self.fullscreen = True
        cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_GUI_NORMAL)
        cv2.resizeWindow(title, *self.screen)
        cv2.moveWindow(title, 0, 0)
        cv2.setWindowProperty(title, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)
        self._shown = False

    def show(self, image: np.ndarray) -> int:
        self._cv2.imshow(self.title, image)
        self._shown = True
        key = self._cv2.waitKey(1)
        return key & 0xFF if key >= 0 else -1

    refresh = show

    def size(self) -> tuple[int, int] | None:
        if not self._shown:
            return self.screen
        try:
            _, _, w, h = self._cv2.getWindowImageRect(self.title)
        except self._cv2.error:
            return self.screen
        return (w, h) if w > 1 and h > 1 else self.screen

    def toggle_fullscreen(self) -> None:
        cv2 = self._cv2
        self.fullscreen = not self.fullscreen
        cv2.setWindowProperty(title := self.title, cv2.WND_PROP_FULLSCREEN,
                              cv2.WINDOW_FULLSCREEN if self.fullscreen else cv2.WINDOW_NORMAL)
        if not self.fullscreen:  # a large window, but one the window manager can move
            cv2.resizeWindow(title, self.screen[0] * 3 // 4, self.screen[1] * 3 // 4)

    def closed(self) -> bool:
        if not self._shown:
            return False
        try:
            return self._cv2.getWindowProperty(self.title, self._cv2.WND_PROP_VISIBLE) < 1
        except self._cv2.error:
            return True

    def close(self) -> None:
        try:
            self._cv2.destroyWindow(self.title)
            self._cv2.waitKey(1)
        except self._cv2.error:
            pass


def open_display(window: bool, title: str = "formcheck") -> Display:
    return WindowDisplay(title) if window else NullDisplay()
