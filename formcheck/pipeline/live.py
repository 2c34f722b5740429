"""Live sessions: a camera (or a file played in real time) -> overlay window, never behind.

Capture runs on its own thread and hands every frame to the landmarker in LIVE_STREAM mode,
which returns at once and drops frames that arrive while it is busy: inference of one frame
overlaps the capture of the next. Results arrive on MediaPipe's thread and go through a
one-slot mailbox (latest wins) to the main thread, which analyses, draws and shows them;
drawing never waits on the next frame's inference.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.pipeline.display import PAUSE_KEY, QUIT_KEYS, RESET_KEY, Display, NullDisplay
from formcheck.pipeline.session import Interrupted, Session, SessionOutputs, sigterm_as_interrupt
from formcheck.pipeline.stages import Sink
from formcheck.pipeline.writer import AnnotatedVideoWriter, finish_video
from formcheck.pose.landmarks import PoseFrame
from formcheck.pose.smoothing import PoseSmoother
from formcheck.report.schema import Report
from formcheck.source.frame import FrameSource


@dataclass
class LiveStats:
    captured: int = 0
    skipped: int = 0  # dropped at capture because inference was busy
    analysed: int = 0
    latencies_s: list[float] = field(default_factory=list)  # capture -> overlay shown
    first_shown: float | None = None
    last_shown: float | None = None

    @property
    def fps(self) -> float:
        if self.first_shown is None or self.last_shown is None or self.analysed < 2:
            return 0.0
        return (self.analysed - 1) / max(self.last_shown - self.first_shown, 1e-9)

    @property
    def median_latency_ms(self) -> float:
        return float(np.median(self.latencies_s) * 1000) if self.latencies_s else float("nan")


@dataclass
class LiveResult:
    report: Report
    stats: LiveStats
    video: Path | None
    reason: str  # why it ended: "end of source", "quit", "interrupted", "source failed", ...


class _Mailbox:
    """One slot: a newer result replaces an unread older one."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._item: tuple | None = None
        self.replaced = 0

    def put(self, item: tuple) -> None:
        with self._cv:
            if self._item is not None:
                self.replaced += 1
            self._item = item
            self._cv.notify()

    def get(self, timeout: float) -> tuple | None:
        with self._cv:
            if self._item is None:
                self._cv.wait(timeout)
            item, self._item = self._item, None
            return item


def run_live(source: FrameSource, spec: ExerciseSpec, model_path: Path, model_name: str, *,
             side: str | None, outputs: SessionOutputs, display: Display | None = None,
             mirror: bool = False, overlay=None) -> LiveResult:
    from formcheck.overlay import Overlay
    from formcheck.pose.estimator import PoseEstimator

    display = display or NullDisplay()
    overlay = overlay or Overlay()
    info = source.info
    session = Session(spec, Engine(spec, side), info.name, model_name, "live", side, info.fps,
                      info.width, info.height, poses=[] if outputs.pose else None)
    stats = LiveStats()
    mailbox = _Mailbox()
    capture_done = threading.Event()
    stop = threading.Event()
    failure: list[BaseException] = []

    def on_result(pose: PoseFrame, bgr: np.ndarray, captured_at: object) -> None:
        mailbox.put((pose, bgr, captured_at))

    writer = AnnotatedVideoWriter(outputs.video, info.fps, (info.width, info.height)) \
        if outputs.video else None
    sink = Sink(writer.write, maxsize=8, name="encode") if writer else None
    smoother = PoseSmoother()
    reason = "end of source"
    paused = False
    with PoseEstimator(model_path, live=True, on_result=on_result) as est:

        def capture() -> None:
            try:
                for frame in source:
                    if stop.is_set():
                        break
                    stats.captured += 1
                    if est.in_flight:
                        # Latest frame wins: while the model is busy, a frame is dropped here,
                        # before it costs a colour conversion and a copy.
                        stats.skipped += 1
                        continue
                    est.submit(frame.image, frame.t_s, frame.index, time.monotonic())
            except BaseException as exc:  # reported by the main thread
                failure.append(exc)
            finally:
                capture_done.set()

        thread = threading.Thread(target=capture, name="capture", daemon=True)
        thread.start()
        try:
            with sigterm_as_interrupt():
                idle_since: float | None = None
                while True:
                    item = mailbox.get(timeout=0.05)
                    if item is None:
                        if capture_done.is_set():
                            # Let the last in-flight inference land before ending.
                            idle_since = idle_since or time.monotonic()
                            if time.monotonic() - idle_since > 0.5:
                                break
                        key = display.show_idle() if hasattr(display, "show_idle") else -1
                        if key in QUIT_KEYS or display.closed():
                            reason = "quit"
                            break
                        continue
                    idle_since = None
                    pose, bgr, captured_at = item
                    if not paused:
                        session.observe(pose)
                        smooth = smoother(pose)
                        state = session.engine.update(smooth)
                        stats.analysed += 1
                    else:
                        smooth, state = smoother(pose), None
                    scene = cv2.flip(bgr, 1) if mirror else bgr.copy()
                    scene = overlay.draw(scene, smooth, state, stats.fps or None, mirrored=mirror)
                    if paused:
                        cv2.putText(scene, "PAUSED (space to resume)", (20, scene.shape[0] - 30),
                                    cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 200, 255), 2)
                    key = display.show(scene)
                    now = time.monotonic()
                    stats.latencies_s.append(now - captured_at)
                    stats.first_shown = stats.first_shown or now
                    stats.last_shown = now
                    if sink is not None:
                        sink.put(scene)
                    if key in QUIT_KEYS or display.closed():
                        reason = "quit"
                        break
                    if key == PAUSE_KEY:
                        paused = not paused
                    elif key == RESET_KEY:
                        session.engine.reset()
        except (KeyboardInterrupt, Interrupted):
            reason = "interrupted"
        finally:
            stop.set()
            thread.join(timeout=5)
            display.close()
            video = finish_video(sink, writer)
    read_error = getattr(source, "read_error", None)
    if failure:
        reason = "source failed"
        session.partial = True
        session.warnings.append(f"the source failed: {failure[0]}")
    elif read_error:
        reason = "source failed"
        session.partial = True
        session.warnings.append(f"{read_error}; the report covers the session up to then")
    session.warnings.extend(getattr(source, "warnings", []))
    if reason == "interrupted":
        session.partial = True
        session.warnings.append("interrupted: the report covers the session up to "
                                f"{session.last_t:.1f} s")
    source.close()
    report = session.write(outputs)
    return LiveResult(report, stats, video, reason)
