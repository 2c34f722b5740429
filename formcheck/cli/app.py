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
    from formcheck.cli.quiet import filter_native_stderr, quiet_environment

    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    else:
        quiet_environment()
        filter_native_stderr()
    _register()
    try:
        app()
    except UserError as exc:
        if debug:
            raise
        print(f"formcheck: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # a bug, not bad input: say so in one line
        if debug:
            raise
        print(f"formcheck: error: unexpected {type(exc).__name__}: {exc} (run again with "
              "--debug for the traceback)", file=sys.stderr)
        sys.exit(1)
