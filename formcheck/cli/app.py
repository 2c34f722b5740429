"""Entry point: `formcheck` / `python -m formcheck`."""

from __future__ import annotations

import sys

import typer

from formcheck import native_log
from formcheck.errors import UserError
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
        exercises_cmd,
        live_cmd,
        models_cmd,
        pain_cmd,
        report_cmd,
    )


# The options of `analyze` and `live` that take a value (tests check this against typer's).
VALUE_OPTIONS = frozenset({
    "-e", "--exercise", "--exercise-file", "--variant", "--side", "--model", "--model-path",
    "-o", "--out", "-r", "--report", "--save-pose", "--workers", "--camera", "--source",
    "--source-speed",
})


def _warm_pool(argv: list[str]):
    """Start the pose processes a video command will need before anything else: their
    MediaPipe import then overlaps this process's own imports, argument checks and video
    opening (about half a second saved on every run). Unused ones are ended at exit.
    Nothing starts unless the command line passes the cheap checks of _worth_a_model."""
    words = _positionals(argv)
    if not words or words[0] not in ("analyze", "live") or "--help" in argv:
        return None
    value = _option(argv, "--workers")
    workers = (int(value) if value.isdigit() else 1) if value is not None else 0
    if workers == 1 or not _worth_a_model(words, argv):
        return None
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


def _positionals(argv: list[str]) -> list[str]:
    """The command and its arguments, without options and their values."""
    words, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = arg in VALUE_OPTIONS
        else:
            words.append(arg)
    return words


def _worth_a_model(words: list[str], argv: list[str]) -> bool:
    """Cheap checks (nothing heavier to import than the list of model names) that the
    command will get as far as inference: an existing video (not a saved track, which needs
    no model), a known exercise id or an existing --exercise-file, a valid --side and
    --model, an existing --model-path. A command line that fails one starts nothing: the
    command itself then reports the mistake at once."""
    from importlib import resources
    from pathlib import Path

    def is_file(value: str | None) -> bool:
        return value is not None and Path(value).expanduser().is_file()

    if words[0] == "analyze":
        if len(words) != 2 or not is_file(words[1]) or words[1].lower().endswith(".npz"):
            return False
    elif (source := _option(argv, "--source")) is not None and not is_file(source):
        return False
    exercise_file = _option(argv, "--exercise-file")
    if exercise_file is not None:
        if not is_file(exercise_file):
            return False
    else:
        exercise = _option(argv, "--exercise", "-e")
        builtin = resources.files("formcheck.exercises")
        if not exercise or not builtin.joinpath(f"{exercise}.toml").is_file():
            return False
    from formcheck.pose.models.variants import VARIANTS

    model_path = _option(argv, "--model-path")
    return (_option(argv, "--side") in (None, "auto", "left", "right")
            and _option(argv, "--model") in (None, *VARIANTS)
            and (model_path is None or is_file(model_path)))


def _option(argv: list[str], *names: str) -> str | None:
    """The value of the option called any of `names` on the command line (last one wins),
    as given."""
    value = None
    for i, arg in enumerate(argv):
        for name in names:
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
    """The program: native output to the run's log (the terminal under --debug), then the
    command. The redirect comes first, so that every process started later inherits it."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    else:
        native_log.redirect()
    _leave(_run(debug))


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
    finally:
        if warm is not None:
            warm.close()
    return 0


def _leave(code: int) -> None:
    """Exit without tearing the interpreter down. Every file is closed by now; freeing
    OpenCV, FFmpeg and thousands of modules' objects only kept the user waiting (measured
    0.14-0.49 s, median 0.25 s, after every command). Exit handlers still run, and a
    native log nothing was written to is removed."""
    import atexit
    import os

    atexit._run_exitfuncs()  # e.g. multiprocessing's: no child is left behind
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # e.g. a reader that went away (`| head`)
            pass
    native_log.close()
    os._exit(code)
