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


def _warm_pool(argv: list[str]):
    """Start the pose processes a video command will need before anything else: their
    MediaPipe import then overlaps this process's own imports, argument checks and video
    opening (about half a second saved on every run). Unused ones are ended at exit."""
    words = [a for a in argv if not a.startswith("-")]
    if not words or words[0] not in ("analyze", "live") or "--help" in argv:
        return None
    workers = 0
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--workers=") else (
            argv[i + 1] if arg == "--workers" and i + 1 < len(argv) else None)
        if value is not None:
            workers = int(value) if value.isdigit() else 1
    if workers == 1 or any(w.lower().endswith(".npz") for w in words[1:]):
        return None  # in-process inference, or a saved track: no model at all
    from formcheck.pipeline.pose_process import WarmPool, default_pose_processes

    auto = default_pose_processes()  # 0 on a single core: inference stays in-process
    if words[0] == "live":
        n = 1 if workers or auto else 0
    else:
        n = workers - 1 if workers else auto
    return WarmPool(n) if n > 0 else None


def main() -> None:
    from formcheck.cli.quiet import filter_native_stderr, quiet_environment

    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    else:
        quiet_environment()
        filter_native_stderr()
    warm = _warm_pool(sys.argv[1:])
    try:
        _register()
        app(obj=warm)
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
    finally:
        if warm is not None:
            warm.close()
