"""Live sessions: a camera (or a file played at its own pace) -> overlay window, never behind.

A capture thread submits every frame to the pose backend in "latest" mode (backend.py: while
the model is busy, older frames are dropped); this thread takes each result through the step
shared with analyze (step.py), shows and records the scene, and answers the keys.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.pipeline.backend import PoseBackend, Posed, open_backend
from formcheck.pipeline.display import PAUSE_KEY, QUIT_KEYS, RESET_KEY, Display, NullDisplay
from formcheck.pipeline.pose_process import WarmPool, WorkerTimes, live_pose_processes
from formcheck.pipeline.session import Session, SessionOutputs
from formcheck.pipeline.stages import Sink
from formcheck.pipeline.step import FrameStep
from formcheck.pipeline.writer import AnnotatedVideoWriter, finish_video
from formcheck.report.schema import Report
from formcheck.source.frame import FrameSource

Clock = Callable[[], float]


@dataclass
class LiveStats:
    captured: int = 0
    skipped: int = 0  # dropped at capture because inference was busy
    analysed: int = 0
    latencies_s: list[float] = field(default_factory=list)  # capture -> overlay shown
    first_shown: float | None = None
    model_ms: float | None = None  # the pose process's own time per frame, when it has one
    model_idle_ms: float | None = None  # and its wait for the next frame
    last_shown: float | None = None

    @property
    def fps(self) -> float:
        if self.first_shown is None or self.last_shown is None or self.analysed < 2:
            return 0.0
        return (self.analysed - 1) / max(self.last_shown - self.first_shown, 1e-9)

    def shown(self, now: float, captured_at: float) -> None:
        self.latencies_s.append(now - captured_at)
        self.first_shown = self.first_shown or now
        self.last_shown = now

    def model(self, times: WorkerTimes | None) -> None:
        if times is not None and times.frames:
            self.model_ms, self.model_idle_ms = times.busy_ms, times.idle_ms

    @property
    def median_latency_ms(self) -> float:
        return float(np.median(self.latencies_s) * 1000) if self.latencies_s else float("nan")


@dataclass
class LiveResult:
    report: Report
    stats: LiveStats
    video: Path | None
    reason: str  # why it ended: "end of source", "quit", "interrupted", "source failed", ...


class _Capture:
    """The capture thread: every frame of the source to the backend, stamped by `clock`."""

    def __init__(self, source: FrameSource, backend: PoseBackend, stats: LiveStats,
                 clock: Clock):
        self.failure: BaseException | None = None
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(source, backend, stats, clock),
                                        name="capture", daemon=True)
        self._thread.start()

    def _run(self, source: FrameSource, backend: PoseBackend, stats: LiveStats,
             clock: Clock) -> None:
        try:
            for frame in source:
                if self._stop.is_set():
                    break
                stats.captured += 1
                stats.skipped += backend.submit(frame, clock())
        except BaseException as exc:  # reported by the session
            self.failure = exc
        finally:
            self.done.set()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class _Loop:
    """Shows results until the source ends (and the last frame in flight has landed), the
    user quits, or the backend fails; run() returns why."""

    backend: PoseBackend
    capture: _Capture
    step: FrameStep
    display: Display
    sink: Sink | None
    stats: LiveStats
    clock: Clock
    paused: bool = False

    def run(self) -> str:
        while True:
            item = self.backend.get(timeout=0.05) or self._idle()
            if isinstance(item, str):
                return item
            if item is None:
                continue
            key = self._show(item)
            if key in QUIT_KEYS or self.display.closed():
                return "quit"
            if key == PAUSE_KEY:
                self.paused = not self.paused
            elif key == RESET_KEY:
                self.step.reset()

    def _idle(self) -> Posed | str | None:
        """No result came: why to stop, a result that landed just now, or None to wait on."""
        if self.backend.error is not None:  # a pose process died
            return "source failed"
        if self.capture.done.is_set() and not self.backend.pending:
            return self.backend.get(timeout=0) or "end of source"
        return "quit" if self.display.closed() else None

    def _show(self, item: Posed) -> int:
        # The captured frame is ours to draw on (mirrored for a camera).
        image = item.frame.image
        image = cv2.flip(image, 1) if self.step.mirrored else image
        _, scene = self.step(image, item.pose, paused=self.paused, fps=self.stats.fps or None)
        self.stats.analysed += not self.paused
        key = self.display.show(scene)  # type: ignore[arg-type]
        self.stats.shown(self.clock(), item.captured_at)
        if self.sink is not None:
            self.sink.put(scene)
        return key


def run_live(source: FrameSource, spec: ExerciseSpec, model_path: Path, model_name: str, *,
             side: str | None, outputs: SessionOutputs, display: Display | None = None,
             mirror: bool = False, overlay=None, workers: int | None = None,
             warm: WarmPool | None = None, clock: Clock = time.monotonic,
             guide=None) -> LiveResult:
    """workers=1: the landmarker on a thread of this process; otherwise pose processes (see
    live_pose_processes), taken from `warm` when it has them started ahead. `clock` stamps
    captures and showings (the latency figures); tests pass their own. `guide` (a guided
    session, pipeline/guided.py) wraps the step and the display with its own."""
    from formcheck.overlay import Overlay

    display = display or NullDisplay()
    info = source.info
    session = Session(spec, Engine(spec, side), info.name, model_name, "live", side, info.fps,
                      info.width, info.height, poses=[] if outputs.pose else None)
    stats = LiveStats()
    writer = AnnotatedVideoWriter(outputs.video, info.fps, (info.width, info.height)) \
        if outputs.video else None
    sink = Sink(writer.write, maxsize=8, name="encode") if writer else None
    reason = "interrupted"
    backend = open_backend(model_path, "latest", (info.height, info.width, 3),
                           live_pose_processes(workers), warm)
    with contextlib.closing(backend):
        capture = _Capture(source, backend, stats, clock)
        step = FrameStep(session, overlay or Overlay(), mirror)
        if guide is not None:
            step, display = guide.attach(step, display)
        loop = _Loop(backend, capture, step, display, sink, stats, clock)
        try:
            with session.guard():
                reason = loop.run()
        finally:
            capture.stop()
            display.close()
            video = finish_video(sink, writer)
    stats.model(backend.times)
    failure = capture.failure or backend.error
    reason = "source failed" if failure or getattr(source, "read_error", None) else reason
    session.source_ended(source, failure)
    source.close()
    return LiveResult(session.write(outputs), stats, video, reason)
