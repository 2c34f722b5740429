"""Atomic file writes: a crash never leaves a half-written output.

A shared leaf: any layer may write through it; this module imports nothing of formcheck.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def temp_beside(path: str | Path, suffix: str | None = None) -> Path:
    """A new empty hidden file in `path`'s folder (created if need be), with the permissions
    a plain new file would get, to be renamed over `path` once complete."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix or ".tmp",
                               dir=target.parent)
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
