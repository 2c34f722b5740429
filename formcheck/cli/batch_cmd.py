"""`formcheck batch`: many videos into one folder of reports, resumable, on this machine or
a Ray cluster (formcheck/batch/)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from formcheck.cli.app import app
from formcheck.cli.common import (
    SECOND_LOOK_HELP,
    check_model,
    check_side,
    resolve_model_path,
    second_look_model,
)
from formcheck.errors import UserError
from formcheck.pipeline.ending import Interrupted, sigterm_as_interrupt


@app.command("batch")
def batch(
    inputs: list[Path] = typer.Argument(..., help="Video files, folders (searched "
                                        "recursively) or manifest CSVs (video, exercise, "
                                        "side, person, date)."),
    out_dir: Path = typer.Option(..., "--out-dir", "-d", help="Folder for the reports, "
                                 "tracks, state and summary (created; reused to resume)."),
    exercise: str = typer.Option("", "--exercise", "-e", help="Exercise id for every video "
                                 "(a manifest row's own exercise wins)."),
    exercise_file: Path = typer.Option(None, "--exercise-file", help="Your own exercise "
                                       "definition (TOML) for every video."),
    variant: str = typer.Option("", "--variant", help="Exercise variant, e.g. single-leg."),
    side: str = typer.Option("auto", "--side", help="Working side: left, right or auto."),
    model: str = typer.Option("full", "--model", help="Pose model: lite, full or heavy."),
    model_path: Path = typer.Option(None, "--model-path", help="Use this .task file."),
    video: bool = typer.Option(False, "--video", help="Also write an annotated video each."),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Run the videos that "
                                      "failed before again (changed ones always run)."),
    strict: bool = typer.Option(False, "--strict", help="Exit with 1 if any video failed."),
    executor: str = typer.Option("local", "--executor", help="local (processes on this "
                                 "machine) or ray (a Ray cluster)."),
    address: str = typer.Option("", "--address", help="Ray cluster address (host:port); "
                                "default RAY_ADDRESS, else a local Ray."),
    workers: int = typer.Option(0, "--workers", help="Videos at once: 0 = one per core "
                                "(local) or per cluster CPU (ray)."),
    second_look: bool = typer.Option(True, "--second-look/--no-second-look",
                                     help=SECOND_LOOK_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Analyse many videos: one report each, a summary, resumable after a stop."""
    from formcheck.batch.inputs import collect
    from formcheck.batch.run import BatchOptions, plan
    from formcheck.batch.state import BatchState

    if executor not in ("local", "ray"):
        raise UserError(f"--executor must be local or ray, not '{executor}'")
    if exercise and exercise_file:
        raise UserError("give --exercise or --exercise-file, not both")
    check_model(model)
    side_ = check_side(side) or ""
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out-dir {out_dir}: not a folder")
    items = collect(inputs, out_dir)
    if not items:
        raise UserError("no videos found in the inputs")
    model_name = model_path.name if model_path else f"pose_landmarker_{model}"
    look = second_look_model(model, model_path, second_look)
    if look is not None:  # other poses: other tracks, cached apart
        model_name += f"+{look.stem}"
    opts = BatchOptions(out_dir.resolve(), exercise, str(exercise_file or ""), variant,
                        side_, model_name, str(look or ""), video, retry_failed)
    state = BatchState(opts.out_dir)
    try:
        planned = plan(items, opts, state)
        pool = _executor(executor, address, workers) if planned.tasks else _Nothing()
        with sigterm_as_interrupt():  # SIGTERM ends the batch like Ctrl+C does
            rows = _run(planned, pool, state, opts, model, model_path, quiet)
    except (KeyboardInterrupt, Interrupted):
        print(f"formcheck: interrupted; the videos in flight were abandoned. Run the same "
              f"command again to finish: {opts.out_dir / 'summary.html'}", file=sys.stderr)
        raise typer.Exit(130) from None
    finally:
        state.close()
    failed = [r for r in rows if r.status == "failed"]
    done = sum(r.status == "done" for r in rows)
    print(f"{done} done ({len(planned.tasks)} analysed now, {planned.skipped} already "
          f"recorded), {len(failed)} failed: {opts.out_dir / 'summary.html'}")
    for r in failed:
        print(f"  failed: {r.video}: {r.reason}")
    if strict and failed:
        raise typer.Exit(1)


class _Nothing:
    """The executor of a batch with nothing left to run."""

    workers = 0

    def map(self, tasks):
        return iter(())

    def close(self) -> None:
        pass


def _executor(kind: str, address: str, workers: int):
    from formcheck.batch.executors import LocalExecutor, RayExecutor

    return RayExecutor(address or None, workers) if kind == "ray" else LocalExecutor(workers)


def _run(planned, pool, state, opts, model: str, model_path: Path | None, quiet: bool):
    from formcheck.batch.run import run_batch

    console = Console(stderr=True)
    with Progress(TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("videos"), TimeElapsedColumn(), TimeRemainingColumn(),
                  TextColumn("{task.description}"), console=console, disable=quiet,
                  transient=True) as bar:
        task = bar.add_task("", total=len(planned.tasks))

        def advance(row, result) -> None:
            bar.advance(task)

        return run_batch(planned, pool, state, opts,
                         lambda: resolve_model_path(model, model_path)[0], advance)
