"""Where live frames are shown: an OpenCV window, or nowhere (--no-window, tests, CI)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

QUIT_KEYS = {ord("q"), 27}  # q, Esc
PAUSE_KEY = ord(" ")
RESET_KEY = ord("r")


class Display(Protocol):
    def show(self, image: np.ndarray) -> int:
        """Show a frame; return the key pressed (-1 for none)."""
        ...

    def closed(self) -> bool: ...

    def close(self) -> None: ...


class NullDisplay:
    def show(self, image: np.ndarray) -> int:  # noqa: ARG002
        return -1

    def closed(self) -> bool:
        return False

    def close(self) -> None:
        pass


class WindowDisplay:
    """An OpenCV window; closing it with the window button ends the session like q."""

    def __init__(self, title: str = "formcheck"):
        import cv2

        self._cv2 = cv2
        self.title = title
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)
        self._shown = False

    def show(self, image: np.ndarray) -> int:
        self._cv2.imshow(self.title, image)
        self._shown = True
        key = self._cv2.waitKey(1)
        return key & 0xFF if key >= 0 else -1

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
