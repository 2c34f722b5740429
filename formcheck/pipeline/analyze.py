"""Offline analysis of a video file or a saved pose track."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.pipeline.backend import open_backend
from formcheck.pipeline.pose_process import WarmPool, analyze_pose_processes
from formcheck.pipeline.session import Session, SessionOutputs
from formcheck.pipeline.stages import Stage
from formcheck.pipeline.step import FrameStep
from formcheck.pipeline.writer import VideoOutput
from formcheck.pose.landmarks import PoseFrame, PoseTrack
from formcheck.report.schema import Report
from formcheck.source.video import VideoFileSource
from formcheck.voice import Voice

if TYPE_CHECKING:
    from formcheck.pose.estimator import PoseEstimator

Progress = Callable[[int, int | None], None]


@dataclass
class AnalyzeResult:
    report: Report
    video: Path | None
    interrupted: bool
    errors: list[str]  # what was not done (the analysis stopped early, an output not written)


def _overlay():
    from formcheck.overlay import Overlay

    return Overlay()


def _writer(session: Session, outputs: SessionOutputs, size: tuple[int, int]
            ) -> VideoOutput | None:
    return (VideoOutput(outputs.video, session.fps, size, 4, session.ending)
            if outputs.video else None)


def _run(session: Session, items: Iterable[tuple[np.ndarray | None, PoseFrame]],
         outputs: SessionOutputs, writer: VideoOutput | None,
         progress: Progress | None, total: int | None,
         canvas: Callable[[], np.ndarray] | None = None, voice: Voice | None = None
         ) -> AnalyzeResult:
    """The consumer: each frame through the shared step, drawn frames to `writer` (whose file
    it finishes), states to `voice` (the caller closes it). Always finishes the session
    (see pipeline/ending.py for signals)."""
    step = FrameStep(session, _overlay() if writer else None)
    done = 0
    with session.ending.installed():
        try:
            with session.guard():
                for image, pose in items:
                    if image is None and writer is not None:
                        image = canvas()  # type: ignore[misc]
                    state, scene = step(image, pose)
                    if voice is not None and state is not None:
                        voice.update(state)
                    if writer is not None:
                        writer.put(scene)
                    done += 1
                    if progress:
                        progress(done, total)
        finally:
            video = session.finish_video(writer)
        report = session.write(outputs)
    return AnalyzeResult(report, video, session.interrupted, session.errors)


@dataclass
class _VideoRun:
    """What a run over a video file's frames holds open: its decoder and output video."""
    source: VideoFileSource
    session: Session
    decode: Stage
    writer: VideoOutput | None


@contextmanager
def _video_run(path: Path, spec: ExerciseSpec, side: str | None, model_name: str,
               outputs: SessionOutputs) -> Iterator[_VideoRun]:
    """Open `path` for one analysis (session at the video's rate and size, decode thread, the
    output video) and close all of it however the run ends."""
    source = VideoFileSource(path)
    info = source.info
    session = Session(spec, Engine(spec, side), str(path), model_name, "analyze", side,
                      info.fps, info.width, info.height,
                      poses=[] if outputs.pose else None)
    decode = Stage(source, maxsize=4, name="decode")
    writer = None
    try:
        # Opened before the model is waited for: its set-up (PyAV, x264) overlaps that.
        writer = _writer(session, outputs, (info.width, info.height))
        yield _VideoRun(source, session, decode, writer)
    finally:
        if writer is not None:
            writer.close()  # finished already by _run; if it never ran, no file is left
        decode.stop()
        source.close()


def analyze_video(path: Path, spec: ExerciseSpec, model_path: Path, model_name: str, *,
                  side: str | None, outputs: SessionOutputs,
                  progress: Progress | None = None, workers: int | None = None,
                  warm: WarmPool | None = None, voice: Voice | None = None,
                  estimator: PoseEstimator | None = None,
                  second_look: Path | None = None) -> AnalyzeResult:
    """Analyse a video. workers=1: everything in this process (decode and encode threads
    around a pose thread); workers>=2: inference in workers-1 pose processes (by default one:
    one tracker), taken from `warm` when it has them already started. `estimator`: the
    in-process landmarker to use (restarted for this video: a batch worker keeps one).
    `second_look`: a larger model for the frames the first is unsure of."""
    with _video_run(path, spec, side, model_name, outputs) as run:
        info = run.source.info
        processes = 0 if estimator is not None else analyze_pose_processes(workers)
        with open_backend(model_path, "ordered", (info.height, info.width, 3),
                          processes, warm, estimator, second_look) as backend:
            items = ((p.frame.image, p.pose) for p in backend.poses(run.decode))
            return _run(run.session, _checked(items, run.source, run.session), outputs,
                        run.writer, progress, info.frame_count, voice=voice)


def _checked(items: Iterable, source: VideoFileSource, session: Session) -> Iterator:
    """Pass items through; once the source has ended, note how (session.source_ended)."""
    yield from items
    session.source_ended(source)


def analyze_track(path: Path, spec: ExerciseSpec, *, side: str | None,
                  outputs: SessionOutputs, progress: Progress | None = None,
                  voice: Voice | None = None, source: Path | None = None) -> AnalyzeResult:
    """Replay a saved pose track without the model; with --out, draw on a plain canvas, or
    on the frames of `source` (the video the track was taken from; it names the report)."""
    from formcheck.overlay import blank_canvas

    track = PoseTrack.load(path)
    if source is not None and outputs.video:
        return _replay_on_video(source, track, spec, side, outputs, progress, voice)
    session = Session(spec, Engine(spec, side), str(source or path),
                      str(track.meta.get("model", "pose-track")), "analyze", side,
                      track.fps, track.width, track.height,
                      poses=[] if outputs.pose else None)
    items = ((None, f) for f in track.frames())
    writer = _writer(session, outputs, (track.width, track.height))
    return _run(session, items, outputs, writer, progress, len(track),
                canvas=lambda: blank_canvas(track.width, track.height), voice=voice)


def _replay_on_video(path: Path, track: PoseTrack, spec: ExerciseSpec, side: str | None,
                     outputs: SessionOutputs, progress: Progress | None,
                     voice: Voice | None) -> AnalyzeResult:
    """A saved track's poses drawn on its own video's frames: the annotated video again
    without the model (frames past the end of the track have no pose and are not drawn)."""
    model = str(track.meta.get("model", "pose-track"))
    with _video_run(path, spec, side, model, outputs) as run:
        items = ((frame.image, pose)
                 for frame, pose in zip(run.decode, track.frames(), strict=False))
        return _run(run.session, items, outputs, run.writer, progress, len(track),
                    voice=voice)
