"""The official download of a `.task` bundle, for machines that are online."""

from __future__ import annotations

import os
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from formcheck.atomic import atomic_path
from formcheck.pose.models.errors import SourceFailed
from formcheck.pose.models.progress import Reporter
from formcheck.pose.models.variants import official_url

ENV_OFFLINE = "FORMCHECK_OFFLINE"
TIMEOUT_S = 5.0  # connect and per-read; offline machines must fall through quickly
CHUNK = 1 << 16


def offline_requested() -> bool:
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}


def _resolve_host(host: str, timeout: float) -> None:
    """Resolve `host` within `timeout`: urlopen's timeout does not cover a hanging DNS lookup."""
    result: list[BaseException | None] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, None)
            result.append(None)
        except OSError as exc:
            result.append(exc)

    thread = threading.Thread(target=lookup, daemon=True)
    thread.start()
    thread.join(timeout)
    if not result:
        raise SourceFailed(f"looking up {host} took over {timeout:.0f} s")
    if result[0] is not None:
        raise SourceFailed(f"cannot resolve {host} ({result[0]})")


def download(variant: str, dest: Path, reporter: Reporter,
             check: Callable[[Path], None] | None = None) -> None:
    """Download `variant` to `dest` atomically; `check(tmp)` must pass before it lands."""
    url = official_url(variant)
    host = urllib.parse.urlsplit(url).hostname or ""
    _resolve_host(host, TIMEOUT_S)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:  # noqa: S310
            total = int(response.headers.get("Content-Length") or 0) or None
            with atomic_path(dest) as tmp:
                with reporter.step(f"Downloading {dest.name}", total) as advance:
                    with open(tmp, "wb") as out:
                        while chunk := response.read(CHUNK):
                            out.write(chunk)
                            advance(len(chunk))
                if total is not None and tmp.stat().st_size != total:
                    raise SourceFailed(f"incomplete ({tmp.stat().st_size} of {total} bytes)")
                if check is not None:
                    with reporter.step(f"Verifying {dest.name}"):
                        check(tmp)
    except urllib.error.HTTPError as exc:
        raise SourceFailed(f"HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise SourceFailed(f"{exc.reason}") from exc
    except (OSError, TimeoutError) as exc:
        raise SourceFailed(f"{type(exc).__name__}: {exc}") from exc
