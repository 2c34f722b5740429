"""Offline analysis of a video file or a saved pose track."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.pipeline.session import Interrupted, Session, SessionOutputs, sigterm_as_interrupt
from formcheck.pipeline.stages import Sink, Stage
from formcheck.pipeline.writer import AnnotatedVideoWriter
from formcheck.pose.landmarks import PoseFrame, PoseTrack
from formcheck.pose.smoothing import PoseSmoother
from formcheck.report.schema import Report
from formcheck.source.frame import Frame
from formcheck.source.video import VideoFileSource

Progress = Callable[[int, int | None], None]


@dataclass
class AnalyzeResult:
    report: Report
    video: Path | None
    interrupted: bool


def _overlay():
    from formcheck.overlay import Overlay

    return Overlay()


def _run(session: Session, items: Iterable[tuple[np.ndarray | None, PoseFrame]],
         outputs: SessionOutputs, size: tuple[int, int], progress: Progress | None,
         total: int | None, canvas: Callable[[], np.ndarray] | None = None) -> AnalyzeResult:
    """The consumer: smooth, analyse, draw, hand to the encoder. Always finishes the session."""
    smoother = PoseSmoother()
    overlay = _overlay() if outputs.video else None
    writer = AnnotatedVideoWriter(outputs.video, session.fps, size) if outputs.video else None
    sink = Sink(writer.write, maxsize=8, name="encode") if writer else None
    interrupted = False
    done = 0
    try:
        with sigterm_as_interrupt():
            for image, pose in items:
                session.observe(pose)
                smooth = smoother(pose)
                state = session.engine.update(smooth)
                if overlay is not None and sink is not None:
                    scene = image if image is not None else canvas()  # type: ignore[misc]
                    sink.put(overlay.draw(scene, smooth, state, None))
                done += 1
                if progress:
                    progress(done, total)
    except (KeyboardInterrupt, Interrupted):
        interrupted = True
        session.partial = True
        session.warnings.append("interrupted: the report covers the video up to "
                                f"{session.last_t:.1f} s")
    finally:
        video = None
        if sink is not None and writer is not None:
            try:
                sink.close()
            finally:
                video = writer.close()
    report = session.write(outputs)
    return AnalyzeResult(report, video, interrupted)


def analyze_video(path: Path, spec: ExerciseSpec, model_path: Path, model_name: str, *,
                  side: str | None, outputs: SessionOutputs,
                  progress: Progress | None = None) -> AnalyzeResult:
    from formcheck.pose.estimator import PoseEstimator

    source = VideoFileSource(path)
    info = source.info
    session = Session(spec, Engine(spec, side), str(path), model_name, "analyze", side,
                      info.fps, info.width, info.height,
                      poses=[] if outputs.pose else None)
    with PoseEstimator(model_path) as est:
        decode = Stage(source, maxsize=6, name="decode")

        def infer(frame: Frame) -> tuple[np.ndarray, PoseFrame]:
            return frame.image, est.detect(frame.image, frame.t_s, frame.index)

        inference = Stage(decode, infer, maxsize=6, name="infer")
        try:
            result = _run(session, _checked(inference, source, session), outputs,
                          (info.width, info.height), progress, info.frame_count)
        finally:
            inference.stop()
            decode.stop()
            source.close()
    return result


def _checked(items: Iterable, source: VideoFileSource, session: Session) -> Iterator:
    """Pass items through; note a source that ended early (damaged file) as partial."""
    yield from items
    if source.read_error:
        session.partial = True
        session.warnings.append(f"{source.path.name}: {source.read_error}; "
                                f"analysed what could be read (up to {session.last_t:.1f} s)")
    session.warnings.extend(source.warnings)


def analyze_track(path: Path, spec: ExerciseSpec, *, side: str | None,
                  outputs: SessionOutputs, progress: Progress | None = None) -> AnalyzeResult:
    """Replay a saved pose track without the model; with --out, draw on a plain canvas."""
    from formcheck.overlay import blank_canvas

    track = PoseTrack.load(path)
    session = Session(spec, Engine(spec, side), str(path),
                      str(track.meta.get("model", "pose-track")), "analyze", side,
                      track.fps, track.width, track.height,
                      poses=[] if outputs.pose else None)
    items = ((None, f) for f in track.frames())
    return _run(session, items, outputs, (track.width, track.height), progress, len(track),
                canvas=lambda: blank_canvas(track.width, track.height))
