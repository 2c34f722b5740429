"""Atomic file writes: a crash never leaves a half-written output.

A shared leaf: any layer may write through it; this module imports nothing of formcheck.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# A temporary file's name carries its owner's PID (`.NAME.fcPID-RANDOM.SUFFIX`), so that a
# later run can tell the leftovers of a run that was killed (SIGKILL, power cut) from the
# files of one still running.
_TEMP = re.compile(r"\..+\.fc(\d+)-[a-z0-9_]{8}\.[A-Za-z0-9]+")


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists (one of another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_orphans(folder: str | Path, pattern: re.Pattern[str] = _TEMP) -> list[Path]:
    """Remove the regular files in `folder` whose whole name matches `pattern` (group 1: the
    owner's PID) and whose owner is dead; the ones removed. Never raises."""
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            m = pattern.fullmatch(entry.name)
            if m and int(m[1]) != os.getpid() and not pid_alive(int(m[1])):
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
    return removed


def temp_beside(path: str | Path, suffix: str | None = None) -> Path:
    """A new empty hidden file in `path`'s folder (created if need be), with the permissions
    a plain new file would get, to be renamed over `path` once complete. Temporary files
    that dead runs left in that folder are removed first."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.fc{os.getpid()}-",
                               suffix=suffix or target.suffix or ".tmp", dir=target.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would make outputs private
    return Path(tmp)


class NotRegularFileError(OSError):
    """The target exists and is not a regular file: renaming over it would swap a symlink,
    a device node or a FIFO for a regular file, so it is refused."""


def refuse_special(path: str | Path) -> None:
    """Raise NotRegularFileError if `path` exists and is not a regular file (a link is not
    followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(f"{path}: not a regular file (a link, device, FIFO or "
                                  "folder); formcheck replaces only regular files")


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only on success, and only
    if `path` is absent or a regular file (checked before and again at the rename)."""
    target = Path(path)
    refuse_special(target)
    tmp_path = temp_beside(target, suffix)
    try:
        yield tmp_path
        refuse_special(target)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write `text` to `path` atomically; `-` is stdout."""
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def check_writable(path: str | Path) -> None:
    """Raise OSError now, before any processing, if `path` cannot be written."""
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OSError(f"{target} is a directory")
    refuse_special(target)
    parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=parent)
    os.close(fd)
    os.unlink(tmp)
