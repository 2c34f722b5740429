"""Entry point: `formcheck` / `python -m formcheck`."""

from __future__ import annotations

import sys

import typer

from formcheck import native_log
from formcheck.errors import UserError
from formcheck.pipeline import pose_process
from formcheck.pipeline.pose_process import PoseProcessError

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
        batch_cmd,
        exercises_cmd,
        live_cmd,
        models_cmd,
        pain_cmd,
        report_cmd,
        session_cmd,
    )


# Commands that may run pose processes: the fork server that imports MediaPipe for them is
# started before anything else (pose_process.start_server), so that this import, most of a
# pose process's start-up, overlaps the command line's own (about half a second a run).
POSE_COMMANDS = ("analyze", "live", "session")


def main() -> None:
    """The program: native output to the run's log (the terminal under --debug), then the
    command. The redirect comes first, so that every process started later inherits it."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    else:
        native_log.redirect()
    if sys.argv[1:2] and sys.argv[1] in POSE_COMMANDS:
        pose_process.start_server()
    _leave(_run(debug))


def _run(debug: bool) -> int:
    """Run the command line; the exit code."""
    try:
        _register()
        app()
    except SystemExit as exc:  # how typer ends every command
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 1
        return exc.code or 0
    except UserError as exc:
        if debug:
            raise
        log = native_log.mention() if exc.native else ""
        print(f"formcheck: error: {exc}{log}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return 130
    except PoseProcessError as exc:  # MediaPipe failed: its own words are in the log
        if debug:
            raise
        print(f"formcheck: error: {exc}{native_log.mention()} (run again with --debug to "
              "see MediaPipe's output)", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug, not bad input: say so in one line
        if debug:
            raise
        print(f"formcheck: error: unexpected {type(exc).__name__}: {exc}"
              f"{native_log.mention()} (run again with --debug for the traceback)",
              file=sys.stderr)
        return 1
    return 0


def _leave(code: int) -> None:
    """Exit without tearing the interpreter down: freeing OpenCV, FFmpeg and thousands of
    modules' objects only kept the user waiting (measured 0.14-0.49 s, median 0.25 s, after
    every command). os._exit also skips exit handlers, which is safe because by now every
    file is closed and every pose process reaped by the code that opened it (backends and
    WarmPool close in `finally`); the fork server and multiprocessing's resource tracker end
    by themselves when this process's ends of their pipes close. What is left to do is done
    here: flush the streams, and remove a native log nothing was written to."""
    import os

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # e.g. a reader that went away (`| head`)
            pass
    native_log.close()
    os._exit(code)
