"""One place that turns expected failures into one-line messages instead of tracebacks.

A shared leaf: any layer may raise these; this module imports nothing of formcheck.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix (bad input, unwritable output, ...): printed as one line."""

    exit_code = 2

    def __init__(self, message: str, *, native: bool = False) -> None:
        super().__init__(message)
        self.native = native  # the cause may be in native output: the error names its log
