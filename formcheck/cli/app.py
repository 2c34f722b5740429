"""Entry point: `formcheck` / `python -m formcheck`."""

from __future__ import annotations

import sys

import typer

from formcheck.cli.errors import UserError

app = typer.Typer(
    name="formcheck",
    help="Checks exercise form from a webcam or a recorded video: counts reps, times holds, "
    "cues faults. Not a medical device: pain is the stop sign; persistent pain needs a doctor "
    "or physiotherapist.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    # Each command lives in its own module; importing it registers it on `app`.
    from formcheck.cli import (  # noqa: F401
        analyze_cmd,
        exercises_cmd,
        live_cmd,
        models_cmd,
        report_cmd,
    )


def main() -> None:
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    _register()
    try:
        app()
    except UserError as exc:
        if debug:
            raise
        print(f"formcheck: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
