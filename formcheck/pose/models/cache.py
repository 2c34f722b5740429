"""Where prepared models live: the checkout's `models/`, or the user's cache directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from formcheck.pose.models.variants import task_filename

ENV_MODEL_DIR = "FORMCHECK_MODEL_DIR"
ARCHIVE_SUBDIR = ".cache"  # downloaded package archives, kept so `fetch all` downloads once


def source_checkout() -> Path | None:
    """The repository root when formcheck runs from a source checkout, else None."""
    import formcheck

    root = Path(formcheck.__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else None


def model_dir() -> Path:
    """`$FORMCHECK_MODEL_DIR`, else the checkout's `models/`, else the user cache dir."""
    env = os.environ.get(ENV_MODEL_DIR)
    if env:
        return Path(env).expanduser()
    root = source_checkout()
    if root is not None:
        return root / "models"
    return Path(platformdirs.user_cache_dir("formcheck")) / "models"


def cached_model(variant: str, directory: Path | None = None) -> Path:
    return (directory or model_dir()) / task_filename(variant)


def archive_dir(directory: Path | None = None) -> Path:
    return (directory or model_dir()) / ARCHIVE_SUBDIR
