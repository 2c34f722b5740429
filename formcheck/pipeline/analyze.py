"""Offline analysis of a video file or a saved pose track."""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.pipeline.pose_process import WarmPool, default_pose_processes
from formcheck.pipeline.session import Interrupted, Session, SessionOutputs, sigterm_as_interrupt
from formcheck.pipeline.stages import Sink, Stage
from formcheck.pipeline.writer import AnnotatedVideoWriter, finish_video
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


def _writer(session: Session, outputs: SessionOutputs, size: tuple[int, int]
            ) -> AnnotatedVideoWriter | None:
    return AnnotatedVideoWriter(outputs.video, session.fps, size) if outputs.video else None


def _run(session: Session, items: Iterable[tuple[np.ndarray | None, PoseFrame]],
         outputs: SessionOutputs, writer: AnnotatedVideoWriter | None,
         progress: Progress | None, total: int | None,
         canvas: Callable[[], np.ndarray] | None = None) -> AnalyzeResult:
    """The consumer: smooth, analyse, draw, hand to `writer` (whose file it finishes).
    Always finishes the session."""
    smoother = PoseSmoother()
    overlay = _overlay() if writer else None
    sink = Sink(writer.write, maxsize=4, name="encode") if writer else None
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
        video = finish_video(sink, writer)
    report = session.write(outputs)
    return AnalyzeResult(report, video, interrupted)


def analyze_video(path: Path, spec: ExerciseSpec, model_path: Path, model_name: str, *,
                  side: str | None, outputs: SessionOutputs,
                  progress: Progress | None = None, workers: int | None = None,
                  warm: WarmPool | None = None) -> AnalyzeResult:
    """Analyse a video. workers=1: everything in this process (decode and encode threads
    around in-process inference); workers>=2: inference in workers-1 pose processes (by
    default one per core), taken from `warm` when it has them already started."""
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
        n = workers or default_pose_processes() + 1
        if n >= 2:
            from formcheck.pipeline.worker import InferenceWorker

            with contextlib.ExitStack() as stack:
                # Started together so that their start-ups overlap; _via_workers gives
                # them frames before they are ready.
                pool = [stack.enter_context(InferenceWorker(
                    model_path, (info.height, info.width, 3), census=(i == 0), wait=False,
                    process=warm.take() if warm else None))
                    for i in range(n - 1)]
                stack.callback(lambda: [w.stop() for w in pool])  # all end at once
                items = _via_workers(decode, pool)
                return _run(session, _checked(items, source, session), outputs, writer,
                            progress, info.frame_count)
        from formcheck.pose.estimator import PoseEstimator

        with PoseEstimator(model_path) as est:

            def infer(frame: Frame) -> tuple[np.ndarray, PoseFrame]:
                return frame.image, est.detect(frame.image, frame.t_s, frame.index)

            inference = Stage(decode, infer, maxsize=4, name="infer")
            try:
                return _run(session, _checked(inference, source, session), outputs, writer,
                            progress, info.frame_count)
            finally:
                inference.stop()
    finally:
        if writer is not None:
            writer.close()  # done already by _run; if it never ran, no file is left behind
        decode.stop()
        source.close()


def _via_workers(frames: Iterable[Frame], pool: list) -> Iterator[tuple[np.ndarray, PoseFrame]]:
    """Keep the inference processes busy. Frames go round-robin to the workers (each tracks
    every n-th frame, so every core works on one video with no seams and no buffering),
    each worker a few frames ahead of the results we hand on, in frame order. A worker's
    slot is free again once its result is back: we draw on our own BGR frame.

    The first frames are queued before the workers are ready, so that each starts on them
    as soon as it is; nothing is handed on until all are (one that fails to start then
    leaves no half-made output)."""
    inflight: deque[tuple[int, int, Frame]] = deque()
    depth = sum(w.slots for w in pool)
    started = False

    def handed_on() -> tuple[np.ndarray, PoseFrame]:
        nonlocal started
        if not started:
            for worker in pool:
                worker.wait_ready()
            started = True
        wi, slot, frame = inflight.popleft()
        got, pose = pool[wi].result()
        assert got == slot, "each worker answers in submission order"
        return frame.image, pose

    for i, frame in enumerate(frames):
        wi = i % len(pool)
        if len(inflight) >= depth:
            yield handed_on()
        slot = (i // len(pool)) % pool[wi].slots  # in order, so the oldest is free by now
        pool[wi].submit(slot, frame.image, frame.t_s, frame.index)
        inflight.append((wi, slot, frame))
    while inflight:
        yield handed_on()


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
    writer = _writer(session, outputs, (track.width, track.height))
    return _run(session, items, outputs, writer, progress, len(track),
                canvas=lambda: blank_canvas(track.width, track.height))
