"""Model errors: one user-facing error, one internal per-source failure."""

from __future__ import annotations

from formcheck.errors import UserError


class ModelError(UserError):
    """No usable pose model: the message lists each source tried and why it failed."""


class SourceFailed(Exception):
    """One way of getting a model failed; the reason ends up in a ModelError's message."""

    native = False  # set where MediaPipe itself failed on the model (its output: the log)


class InvalidModel(SourceFailed):
    """A model file exists but is not a working pose landmarker bundle."""
