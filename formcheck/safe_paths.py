"""Which files a command may read and write, checked before any work.

An output never replaces an input or another output of the same command (compared after
resolving links, `..` and, where the file system ignores it, case), and never replaces
anything that is not a regular file: a symlink, a device node or a FIFO is refused rather
than swapped for a regular file by the atomic rename. `-` names stdout where a command
allows it. An input is a regular file, and a problem with it is named by its real cause
(a symlink loop is not "no such file", a FIFO is not "empty").

A shared leaf: it imports nothing of formcheck but the errors leaf.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from formcheck.errors import UserError

STDOUT = "-"

PathLike = str | Path


class PathError(UserError):
    """An output or input path the command refuses (exit code 2, one line)."""


def is_stdout(path: PathLike | None) -> bool:
    return path is not None and str(path) == STDOUT


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def special_file(path: PathLike) -> str | None:
    """What `path` is when it exists and is not a regular file (a link is not followed);
    None when it is a regular file or absent."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    return None if stat.S_ISREG(mode) else kind_of(mode)


def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether writing `a` would replace `b` (or the other way round). Existing files are
    compared by identity (links, `..`, hard links, a case-insensitive file system); two
    names of which only one exists are different files (on a file system that ignores case
    both would exist); two new names are the same when they resolve to one name, ignoring
    case (refused even where case matters: one command writing X.json and x.json is a slip)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        pass
    ra, rb = os.path.realpath(a), os.path.realpath(b)
    if ra == rb:
        return True
    if os.path.lexists(ra) or os.path.lexists(rb):
        return False
    da, db = os.path.dirname(ra), os.path.dirname(rb)
    same_dir = da == db
    if not same_dir:
        try:
            same_dir = os.path.samefile(da, db)
        except (OSError, ValueError):
            same_dir = False
    return same_dir and os.path.basename(ra).casefold() == os.path.basename(rb).casefold()


def _writable(path: Path) -> None:
    """Raise OSError now if a file could not be created beside `path`."""
    from formcheck.atomic import check_writable

    check_writable(path)


def check_paths(outputs: Mapping[str, PathLike | None],
                inputs: Mapping[str, PathLike | None] = {},  # noqa: B006 (read only)
                stdout_ok: frozenset[str] | set[str] = frozenset()) -> None:
    """Refuse, with one line naming the option, an output that is an input or another output,
    is not a regular file, or cannot be written. Keys are the options' names (`--out`) or
    words for positional arguments (`the video`); `stdout_ok` names the outputs for which
    `-` means stdout."""
    given = [(name, p) for name, p in outputs.items() if p is not None]
    ins = [(name, p) for name, p in inputs.items() if p is not None and not is_stdout(p)]
    to_stdout = [name for name, p in given if is_stdout(p)]
    for name in to_stdout:
        if name not in stdout_ok:
            raise PathError(f"{name} -: this output cannot go to stdout; give a file name")
    if len(to_stdout) > 1:
        raise PathError(f"{' and '.join(to_stdout)} both go to stdout (-); send all but one "
                        "to a file")
    files = [(name, Path(p)) for name, p in given if not is_stdout(p)]
    for i, (name, path) in enumerate(files):
        for in_name, in_path in ins:
            if same_file(path, in_path):
                raise PathError(f"{name} {path} would overwrite {in_name} {in_path}; "
                                "formcheck never replaces its input: choose another file name")
        for other_name, other in files[:i]:
            if same_file(path, other):
                raise PathError(f"{other_name} {other} and {name} {path} are the same file; "
                                "give each output its own name")
    for name, path in files:
        kind = special_file(path)
        if kind == "a directory":
            raise PathError(f"cannot write {path}: it is a directory")
        if kind is not None:
            hint = ("; for stdout give -" if str(path).startswith(("/dev/std", "/dev/fd/",
                                                                  "/proc/self/fd/"))
                    else ": name a new file")
            raise PathError(f"{name} {path} is {kind}; formcheck replaces only regular "
                            f"files{hint}")
        try:
            _writable(path)
        except OSError as exc:
            raise PathError(f"cannot write {path}: {exc.strerror or exc}") from None


def input_problem(path: PathLike) -> str | None:
    """Why `path` cannot be read as an input file, in words, or None if it is a regular
    file that can be opened. Never opens a FIFO or device (that could block forever)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            if os.path.islink(path):
                return f"is a symbolic link to {os.readlink(path)}, which does not exist"
            return "no such file"
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop (the link points, in the end, at itself)"
        if exc.errno == errno.ENOTDIR:
            return "no such file (a folder in its path is a file)"
        if exc.errno == errno.ENAMETOOLONG:
            return "file name too long"
        return exc.strerror or str(exc)
    if not stat.S_ISREG(st.st_mode):
        return f"is {kind_of(st.st_mode)}, not a file"
    if not os.access(path, os.R_OK):
        return "permission denied"
    return None


def check_input(path: PathLike, what: str = "") -> None:
    """Raise PathError naming the real cause when `path` is not a readable regular file."""
    problem = input_problem(path)
    if problem is not None:
        prefix = f"{what} " if what else ""
        raise PathError(f"{prefix}{path}: {problem}")
