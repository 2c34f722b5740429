"""The batch driver: decide what each video needs (skip, fail now, replay its cached track,
or run the model), hand the tasks to an executor, record each result in the state as it
comes, and write the summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from formcheck import __version__
from formcheck.batch.cache import content_hash, output_names, spec_signature
from formcheck.batch.inputs import BatchItem
from formcheck.batch.state import BatchState, VideoRow
from formcheck.batch.summary import write_summary
from formcheck.batch.task import TaskResult, VideoTask
from formcheck.errors import UserError


@dataclass(frozen=True)
class BatchOptions:
    out_dir: Path
    exercise: str = ""  # --exercise (a manifest row's own exercise wins)
    exercise_file: str = ""
    variant: str = ""
    side: str = ""  # '' = auto
    model_name: str = "pose_landmarker_full"  # names the tracks: with a second look, says so
    second_look: str = ""  # the second-look model's file; '' none
    annotate: bool = False
    retry_failed: bool = False


@dataclass
class Planned:
    """The batch after planning: rows in input order, and the tasks to run."""

    rows: list[VideoRow]
    tasks: list[VideoTask]
    skipped: int = 0

    @property
    def needs_model(self) -> bool:
        return any(not t.cached_track and not t.video.lower().endswith(".npz")
                   for t in self.tasks)


def _exercise(item: BatchItem, opts: BatchOptions) -> tuple[str, str, str, str]:
    """(exercise id, exercise file, its definition's digest, '' or why it cannot be used):
    a manifest row's exercise, else --exercise or --exercise-file."""
    from formcheck.analysis.exercise import get_exercise

    ex_id = item.exercise or ("" if opts.exercise_file else opts.exercise)
    ex_file = "" if ex_id else opts.exercise_file
    if not ex_id and not ex_file:
        return "", "", "", "no exercise: give --exercise or an 'exercise' manifest column"
    try:
        spec = get_exercise(ex_id or None, ex_file or None, opts.variant or None)
    except UserError as exc:
        return ex_id, ex_file, "", str(exc)
    return ex_id, ex_file, spec_signature(spec), ""


def _side(item: BatchItem, opts: BatchOptions) -> tuple[str, str]:
    side = (item.side or opts.side).lower()
    side = "" if side == "auto" else side
    return side, ("" if side in ("", "left", "right")
                  else f"side must be left, right or auto, not '{side}'")


def plan(items: list[BatchItem], opts: BatchOptions, state: BatchState) -> Planned:
    planned = Planned([], [])
    for item in items:
        video = str(item.video.resolve())
        ex_id, ex_file, sig, bad = _exercise(item, opts)
        exercise = ex_id or ex_file
        side, bad_side = _side(item, opts)
        try:
            digest = content_hash(item.video)
        except OSError as exc:
            digest, bad = "", bad or f"cannot read the video: {exc.strerror or exc}"
        row = VideoRow(video, digest, exercise, sig, side, opts.model_name,
                       int(opts.annotate), __version__, item.person, item.date,
                       status="pending", reason=bad or bad_side)
        old = state.get(video)
        if row.reason:  # failed before any work: recorded unless recorded so already
            row.status = "failed"
            if old is not None and old.same_job(row) and old.reason == row.reason:
                row = old
                planned.skipped += 1
            else:
                state.put(row)
            planned.rows.append(row)
            continue
        if old is not None and old.same_job(row) and (
                (old.status == "done" and Path(old.report).is_file())  # else: made again
                or (old.status == "failed" and not opts.retry_failed)):
            if (old.person, old.date) != (row.person, row.date):  # the manifest's latest
                old = replace(old, person=row.person, date=row.date)
                state.put(old)
            planned.rows.append(old)
            planned.skipped += 1
            continue
        names = output_names(opts.out_dir, item.video, digest, exercise, sig, opts.model_name)
        cached = state.track(digest, opts.model_name)
        planned.tasks.append(VideoTask(
            video, ex_id, ex_file, opts.variant, side,
            "", opts.model_name, str(names.report),
            str(names.annotated) if opts.annotate else "", str(names.track),
            str(cached or ""), opts.second_look))
        state.put(row)
        planned.rows.append(row)
    return planned


def record(state: BatchState, row: VideoRow, result: TaskResult) -> VideoRow:
    done = replace(row, status="done" if result.ok else "failed", reason=result.reason,
                   report=result.report, annotated=result.annotated, track=result.track,
                   replayed=int(result.replayed), seconds=round(result.seconds, 3),
                   worker=result.worker, rss_mb=round(result.rss_mb, 1))
    if result.track:
        state.add_track(row.hash, row.model, result.track)
    state.put(done)
    return done


def run_batch(planned: Planned, executor, state: BatchState, opts: BatchOptions,
              model_file: Callable[[], Path],
              on_result: Callable[[VideoRow, TaskResult], None] | None = None) -> list[VideoRow]:
    """Run the planned tasks; the rows of the whole batch, as recorded. The summary is
    written at the end, interrupted or not."""
    tasks = planned.tasks
    if planned.needs_model:
        path = str(model_file())
        tasks = [replace(t, model_file=path) for t in tasks]
    index = {row.video: i for i, row in enumerate(planned.rows)}
    try:
        for task, result in executor.map(tasks):
            i = index[task.video]
            planned.rows[i] = record(state, planned.rows[i], result)
            if on_result:
                on_result(planned.rows[i], result)
    finally:
        executor.close()
        write_summary(opts.out_dir, planned.rows)
    return planned.rows
