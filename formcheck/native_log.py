"""Native output kept off the terminal by where it comes from, not by what it says.

MediaPipe, LiteRT/TFLite, absl, OpenCV and FFmpeg write straight to file descriptors 1 and 2.
`redirect()`, called once by the command line's entry point before anything else starts,
points both descriptors at a log file of the run. Every process started afterwards (the fork
server and the pose processes it forks, multiprocessing's resource tracker) inherits them, so
their native output lands there too. Python's `sys.stdout` and `sys.stderr` are rebound to
copies of the original terminal descriptors: formcheck's own messages, progress bars and
errors still reach the terminal. Python-level `logging` and `warnings` (libraries' messages,
not formcheck's) go to the log as well. Tests that call the commands in-process never call
`redirect()`.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ENV_DIR = "FORMCHECK_LOG_DIR"
KEEP = 20  # logs kept in the folder, this run's included
PREFIX = "formcheck-"


def quiet_environment() -> None:
    """Fewer lines at the source (only errors), so that a log holds what matters. Nothing
    depends on it: whatever is still written goes to the log."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "16")  # AV_LOG_ERROR
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def log_dir() -> Path:
    given = os.environ.get(ENV_DIR)
    if given:
        return Path(given).expanduser()
    from platformdirs import user_log_dir

    return Path(user_log_dir("formcheck", appauthor=False))


class NativeLog:
    """The run's log file, open on fds 1 and 2."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.keep = False

    def mention(self) -> str:
        """' (native log: PATH)' for a one-line error; the log is then kept even if empty."""
        if self.path is None:
            return ""
        self.keep = True
        return f" (native log: {self.path})"

    def close(self) -> None:
        """Remove the log if nothing was written to it and no error named it."""
        if self.path is None or self.keep:
            return
        try:
            if self.path.stat().st_size == 0:
                self.path.unlink()
        except OSError:
            pass


_current: NativeLog | None = None


def current() -> NativeLog | None:
    """The run's log, if output was redirected."""
    return _current


def mention() -> str:
    """' (native log: PATH)' when output is redirected, else ''."""
    return _current.mention() if _current is not None else ""


def _open_log() -> tuple[int, Path | None]:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"{PREFIX}{stamp}-{os.getpid()}.log"
    for directory in (log_dir(), Path(tempfile.gettempdir())):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            _prune(directory)
            path = directory / name
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), path
        except OSError:
            continue
    return os.open(os.devnull, os.O_WRONLY), None


def _prune(directory: Path) -> None:
    """Keep the newest KEEP - 1 logs, making room for this run's."""
    try:
        logs = sorted(directory.glob(f"{PREFIX}*.log"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return
    for old in logs[:max(len(logs) - (KEEP - 1), 0)]:
        try:
            old.unlink()
        except OSError:
            pass


def _terminal_stream(old, fd: int):
    return open(fd, "w", buffering=1 if old.line_buffering else -1,
                encoding=old.encoding, errors=old.errors)


def redirect() -> NativeLog | None:
    """Send fds 1 and 2 to a new log file and keep sys.stdout/sys.stderr on the terminal.
    None (nothing changed) where the standard streams are not real files."""
    global _current
    if _current is not None:
        return _current
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        terminal = os.dup(1), os.dup(2)  # not inherited by child processes
    except (AttributeError, OSError, ValueError):
        return None
    quiet_environment()
    fd, path = _open_log()
    old_out, old_err = sys.stdout, sys.stderr
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = _terminal_stream(old_out, terminal[0])
    sys.stderr = _terminal_stream(old_err, terminal[1])
    # Libraries' Python-level messages: to the log, like their native ones.
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.captureWarnings(True)
    _current = NativeLog(path)
    return _current


def close() -> None:
    """At exit: flush, and remove the log if it stayed empty."""
    if _current is None:
        return
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    _current.close()

