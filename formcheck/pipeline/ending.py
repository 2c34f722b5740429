"""How signals end a session. The first Ctrl+C (or SIGTERM) ends the frames; while the session
then finishes (the video drained and closed, threads joined, the report written), a second
only hurries it (frames still queued for the video are left out) and a third abandons the
video. None of them stops the report: once the frames have ended, a signal only sets a flag.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator


class Interrupted(BaseException):
    """SIGTERM turned into an exception so the session finishes like on Ctrl+C. A
    BaseException like KeyboardInterrupt: no `except Exception` on the way (a library's, a
    per-exercise handler's) may swallow it and let the run go on as if nothing was asked."""


def _say(text: str) -> None:
    # os.write, not print: a handler may run while the main thread is inside a print. Not
    # to fd 2, which native_log points at the run's log: to where sys.stderr writes.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.write(sys.stderr.fileno(), f"formcheck: {text}\n".encode())


class Ending:
    """The signal state of one session (see the module docstring). `stopping` is set by the
    first signal or by the frames ending on their own; `hurry` and `abandon` are read by the
    video's encoder (writer.VideoOutput) and by joins that would otherwise wait."""

    def __init__(self) -> None:
        self.stopping = False
        self.hurry = threading.Event()
        self.abandon = threading.Event()

    def _on_signal(self, signum, frame) -> None:  # noqa: ARG002
        if not self.stopping:
            self.stopping = True  # before raising: a signal during the unwinding only counts
            _say("interrupted: finishing the video and the report (Ctrl+C again to hurry)")
            raise KeyboardInterrupt if signum == signal.SIGINT else Interrupted()
        if not self.hurry.is_set():
            self.hurry.set()
            _say("hurrying: the video stops here (Ctrl+C again to abandon it; the report "
                 "is written either way)")
        elif not self.abandon.is_set():
            self.abandon.set()
            _say("abandoning the video; writing the report")

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """The handlers for SIGINT and SIGTERM inside; only the main thread can have them."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises Interrupted inside (main thread only): a batch ends on it as on Ctrl+C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise Interrupted()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)
