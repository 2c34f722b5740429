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
    value = _option(argv, "--workers")
    workers = (int(value) if value.isdigit() else 1) if value is not None else 0
    if workers == 1 or any(w.lower().endswith(".npz") for w in words[1:]):
        return None  # in-process inference, or a saved track: no model at all
    from formcheck.pipeline.pose_process import (
        WarmPool,
        default_pose_processes,
        live_pose_processes,
    )

    if words[0] == "live":
        n = live_pose_processes(workers)
    else:  # 0 on a single core: inference stays in-process
        n = workers - 1 if workers else default_pose_processes()
    if n <= 0:
        return None
    pool = WarmPool(n)
    guess = _model_guess(argv)
    if guess is not None:
        pool.load(guess)  # the command names the model it checked later; mostly the same
    return pool


def _option(argv: list[str], name: str) -> str | None:
    """The value of `name` on the command line (last one wins), as given."""
    value = None
    for i, arg in enumerate(argv):
        if arg.startswith(name + "="):
            value = arg.split("=", 1)[1]
        elif arg == name and i + 1 < len(argv):
            value = argv[i + 1]
    return value


def _model_guess(argv: list[str]):
    """The model file the command will most likely use, named before the command line is
    parsed so that the pose processes load it as soon as they have imported MediaPipe:
    --model-path as given, else the cached --model. None when there is no such file yet
    (the command prepares one)."""
    from pathlib import Path

    given = _option(argv, "--model-path")
    if given is not None:
        path = Path(given).expanduser()
    else:
        from formcheck.pose.models.cache import cached_model
        from formcheck.pose.models.variants import VARIANTS

        variant = _option(argv, "--model") or "full"
        if variant not in VARIANTS:
            return None
        path = cached_model(variant)
    return path if path.is_file() else None


def main() -> None:
    from formcheck.cli.quiet import filter_native_stderr, quiet_environment

    debug = "--debug" in sys.argv
    stderr_filter = None
    if debug:
        sys.argv.remove("--debug")
    else:
        quiet_environment()
        stderr_filter = filter_native_stderr()
    code = _run(debug)
    _leave(code, stderr_filter)


def _run(debug: bool) -> int:
    """Run the command line; the exit code."""
    warm = _warm_pool(sys.argv[1:])
    try:
        _register()
        app(obj=warm)
    except SystemExit as exc:  # how typer ends every command
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 1
        return exc.code or 0
    except UserError as exc:
        if debug:
            raise
        print(f"formcheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("formcheck: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: say so in one line
        if debug:
            raise
        print(f"formcheck: error: unexpected {type(exc).__name__}: {exc} (run again with "
              "--debug for the traceback)", file=sys.stderr)
        return 1
    finally:
        if warm is not None:
            warm.close()
    return 0


def _leave(code: int, stderr_filter) -> None:
    """Exit without tearing the interpreter down. Every file is closed by now; freeing
    OpenCV, FFmpeg and thousands of modules' objects only kept the user waiting (measured
    0.14-0.49 s, median 0.25 s, after every command). Exit handlers still run, and what
    native libraries wrote to stderr is passed on first."""
    import atexit
    import os

    atexit._run_exitfuncs()  # e.g. multiprocessing's: no child is left behind
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # e.g. a reader that went away (`| head`)
            pass
    if stderr_filter is not None:
        stderr_filter.close()
    os._exit(code)
