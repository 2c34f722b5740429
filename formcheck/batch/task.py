"""The per-video task, the same whichever executor runs it: one video start to end in one
worker, through the analyze pipeline (pipeline/analyze.py), with the worker's landmarker
loaded once and restarted for each video. Everything crossing to a worker and back is a
small picklable dataclass; the outputs go straight to their final names in the batch folder
(each written atomically), and the state is updated by the driver from the result."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from formcheck.pose.estimator import PoseEstimator


@dataclass(frozen=True)
class VideoTask:
    video: str
    exercise: str  # an id, or '' with exercise_file
    exercise_file: str
    variant: str
    side: str  # '' = auto
    model_file: str  # resolved by the driver (checked once, not per worker)
    model_name: str
    report: str
    annotated: str  # '' = no annotated video
    track: str  # where to save the pose track (the cache entry)
    cached_track: str  # '' = run the model; else replay this track
    second_look_file: str = ""  # a larger model for the frames the first is unsure of


@dataclass(frozen=True)
class TaskResult:
    video: str
    ok: bool
    reason: str = ""  # why it failed
    report: str = ""
    annotated: str = ""
    track: str = ""  # the track now holding this video's poses ('' if none was made)
    replayed: bool = False
    seconds: float = 0.0
    worker: str = ""  # host:pid, to see how work spread
    rss_mb: float = 0.0  # the worker's peak resident memory after this video


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Worker:
    """One worker's state across videos: the landmarker, made on the first video that needs
    the model (a batch served from the track cache never loads it)."""

    def __init__(self) -> None:
        self._estimator: PoseEstimator | None = None
        self._models = ("", "")

    def _landmarker(self, model_file: str, second_look: str) -> PoseEstimator:
        from formcheck.pose.estimator import PoseEstimator

        if self._estimator is None or self._models != (model_file, second_look):
            if self._estimator is not None:
                self._estimator.close()
            self._estimator = PoseEstimator(model_file, second_look=second_look or None)
            self._estimator.prepare_census()
            self._models = (model_file, second_look)
        return self._estimator

    def run(self, task: VideoTask) -> TaskResult:
        """Analyse one video; any failure is a result with its reason, never an exception."""
        import socket

        start = time.monotonic()
        where = f"{socket.gethostname()}:{os.getpid()}"
        try:
            result = self._analyze(task)
        except Exception as exc:  # the batch goes on: the row says why
            result = TaskResult(task.video, False, _reason(exc, task.video))
        return TaskResult(**{**result.__dict__, "seconds": time.monotonic() - start,
                             "worker": where, "rss_mb": _peak_rss_mb()})

    def _analyze(self, task: VideoTask) -> TaskResult:
        from formcheck.analysis.exercise import get_exercise
        from formcheck.pipeline.analyze import analyze_track, analyze_video
        from formcheck.pipeline.session import SessionOutputs
        from formcheck.pose.landmarks import is_track_file

        spec = get_exercise(task.exercise or None, task.exercise_file or None,
                            task.variant or None)
        side = task.side or None
        video = Path(task.video)
        annotated = Path(task.annotated) if task.annotated else None
        if is_track_file(video) or task.cached_track:
            # A saved track (given as input, or the cache): no model; the annotated video
            # is drawn on the video's own frames when there is one, else on a canvas.
            outputs = SessionOutputs(report=Path(task.report), video=annotated, history=False)
            track = Path(task.cached_track) if task.cached_track else video
            result = analyze_track(track, spec, side=side, outputs=outputs,
                                   source=None if is_track_file(video) else video)
            made_track = "" if is_track_file(video) else task.cached_track
        else:
            outputs = SessionOutputs(report=Path(task.report), video=annotated,
                                     pose=Path(task.track), history=False)
            result = analyze_video(video, spec, Path(task.model_file), task.model_name,
                                   side=side, outputs=outputs,
                                   estimator=self._landmarker(task.model_file,
                                                              task.second_look_file))
            made_track = task.track
        if result.interrupted:
            raise InterruptedError("interrupted")
        report = result.report
        reason = ("no frame could be read" if report.frames == 0 else
                  "no person found in the video" if report.frames_with_person == 0 else "")
        return TaskResult(task.video, not reason, reason, task.report,
                          str(result.video or ""), made_track,
                          replayed=bool(task.cached_track))

    def close(self) -> None:
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None


def _reason(exc: Exception, video: str) -> str:
    """One line for the row (which names the video already): the message of a known
    failure, the type of a bug."""
    from formcheck.errors import UserError
    from formcheck.source.video import SourceError

    text = " ".join(str(exc).split()).removeprefix(f"{video}: ")
    if isinstance(exc, UserError | SourceError | OSError | ValueError):
        return text or type(exc).__name__
    return f"unexpected {type(exc).__name__}: {text}"
