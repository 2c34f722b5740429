"""Live sessions: a camera (or a file played in real time) -> overlay window, never behind.

Capture runs on its own thread and hands every frame to the landmarker in LIVE_STREAM mode,
which returns at once and drops frames that arrive while it is busy: inference of one frame
overlaps the capture of the next. Results arrive on MediaPipe's thread and go through a
one-slot mailbox (latest wins) to the main thread, which analyses, draws and shows them;
drawing never waits on the next frame's inference.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from formcheck.analysis.engine import Engine
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.pipeline.display import PAUSE_KEY, QUIT_KEYS, RESET_KEY, Display, NullDisplay
from formcheck.pipeline.pose_process import live_pose_processes
from formcheck.pipeline.session import Interrupted, Session, SessionOutputs, sigterm_as_interrupt
from formcheck.pipeline.stages import Sink
from formcheck.pipeline.writer import AnnotatedVideoWriter, finish_video
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
    model_ms: float | None = None  # the pose process's own time per frame, when it has one
    model_idle_ms: float | None = None  # and its wait for the next frame
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


class _StreamBackend:
    """In-process landmarker in LIVE_STREAM mode (asynchronous, MediaPipe's own threads)."""

    def __init__(self, model_path: Path, mailbox: _Mailbox):
        from formcheck.pose.estimator import PoseEstimator

        self.error: BaseException | None = None
        self._est = PoseEstimator(
            model_path, live=True,
            on_result=lambda pose, bgr, tag: mailbox.put((pose, bgr, tag)))

    def offer(self, frame, captured_at: float) -> int:
        """Submit if the landmarker is idle; else drop the frame (returns 1)."""
        if self._est.in_flight:
            return 1
        self._est.submit(frame.image, frame.t_s, frame.index, captured_at)
        return 0

    def close(self) -> None:
        self._est.close()


# Live frames reach the model with their longer side at most this: the landmarker looks at a
# 256x256 crop of the person anyway, and a 1080p frame costs the pose process 1-2 ms more
# a frame just to take in (landmarks move by a median 0.003 of the frame).
POSE_MAX_SIDE = 960


class _WorkerBackend:
    """Pose processes (see worker.py): inference runs beside capture and drawing without
    sharing this process's GIL, each process with at most one frame in flight. A captured
    frame is converted at once into a spare slot of an idle process and sent, or, when all
    are busy, of the one that started first, where it waits, replacing the frame waiting
    before it (dropped): the moment that process's result is back the newest frame goes out
    with a message of a few bytes, so the model never idles for a capture or a copy.

    With one process a frame waits up to a whole inference whenever the model is about as
    slow as the camera; with two taking turns (the default on two or more cores) it rarely
    waits at all, so the overlay is about one inference behind the camera. Each process's
    landmarker tracks the frames it is given; results older than one already handed on are
    dropped, so the session always moves forward in time."""

    def __init__(self, model_path: Path, shape: tuple[int, int, int], mailbox: _Mailbox,
                 warm=None, processes: int = 1):
        from formcheck.pipeline.worker import InferenceWorker

        self.error: BaseException | None = None
        # Three slots each: one in flight, one waiting, one being filled.
        self._workers = [InferenceWorker(model_path, shape, slots=3, census=(i == 0),
                                         wait=False, process=warm.take() if warm else None)
                         for i in range(processes)]
        for w in self._workers:  # started together, so their start-ups overlap
            w.wait_ready()
        self._free = [list(range(w.slots)) for w in self._workers]
        self._lock = threading.Lock()
        self._waiting: tuple | None = None  # (worker, slot, frame, captured_at, staged)
        # Per worker: (slot, frame, captured_at) in flight, or None when idle.
        self._in_flight: list[tuple | None] = [None] * processes
        self._handed_on = -1  # index of the newest frame whose result went to the mailbox
        # People counted in results dropped as stale (only the first process counts them, and
        # its counting frames are its slowest): passed on with the next result that goes.
        self._people_dropped = 0
        self._mailbox = mailbox
        self._threads = [threading.Thread(target=self._collect, args=(wi,),
                                          name=f"pose-results-{wi}", daemon=True)
                         for wi in range(processes)]
        for t in self._threads:
            t.start()

    def _target(self) -> int:
        """Under the lock: an idle process, else the busy one that started first (frames go
        out in capture order, so: the one with the oldest frame)."""
        for wi, flight in enumerate(self._in_flight):
            if flight is None:
                return wi
        return min(range(len(self._workers)), key=lambda wi: self._in_flight[wi][1].index)

    def offer(self, frame, captured_at: float) -> int:
        """Take a captured frame; returns how many frames this dropped (0 or 1)."""
        with self._lock:
            wi = self._target()
            if not self._free[wi]:
                return 1
            slot = self._free[wi].pop()
        # Outside the lock: a result may land meanwhile.
        staged = self._workers[wi].stage(slot, frame.image, POSE_MAX_SIDE)
        with self._lock:
            dropped = 0
            if self._waiting is not None:
                self._free[self._waiting[0]].append(self._waiting[1])
                dropped = 1
            self._waiting = (wi, slot, frame, captured_at, staged)
            self._send()
        return dropped

    def _send(self) -> None:
        """Under the lock: start the waiting frame if its process is idle."""
        if self._waiting is None or self._in_flight[self._waiting[0]] is not None:
            return
        (wi, slot, frame, captured_at, staged), self._waiting = self._waiting, None
        self._in_flight[wi] = (slot, frame, captured_at)
        h, w = frame.image.shape[:2]
        self._workers[wi].send(slot, frame.t_s, frame.index, staged, (w, h))

    def _collect(self, wi: int) -> None:
        from formcheck.pipeline.worker import WorkerStopped

        while True:
            try:
                slot, pose = self._workers[wi].result()
            except WorkerStopped:
                return
            except RuntimeError as exc:
                self.error = exc
                return
            with self._lock:
                sent, frame, captured_at = self._in_flight[wi]
                assert sent == slot, "one frame in flight per process"
                self._in_flight[wi] = None
                self._free[wi].append(slot)
                self._send()
                if frame.index <= self._handed_on:  # under the lock: in frame order
                    self._people_dropped = max(self._people_dropped, pose.n_people)
                    continue
                if self._people_dropped and self._people_dropped > pose.n_people:
                    pose = replace(pose, n_people=self._people_dropped)
                self._people_dropped = 0
                self._handed_on = frame.index
                self._mailbox.put((pose, frame.image, captured_at))

    @property
    def times(self):
        """The pose processes' times, together (None until they have stopped)."""
        from formcheck.pipeline.worker import WorkerTimes

        done = [w.times for w in self._workers if w.times is not None and w.times.frames]
        if not done:
            return None
        frames = sum(t.frames for t in done)
        return WorkerTimes(frames, sum(t.busy_ms * t.frames for t in done) / frames,
                           sum(t.idle_ms * t.frames for t in done) / frames)

    def close(self) -> None:
        for w in self._workers:
            w.stop()
        for t in self._threads:
            t.join(timeout=5)  # each reads its last results and its process's times
        for w in self._workers:
            w.close()


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
             mirror: bool = False, overlay=None, workers: int | None = None,
             warm=None) -> LiveResult:
    """workers=1: in-process LIVE_STREAM landmarker; otherwise pose processes (see
    live_pose_processes), taken from the WarmPool `warm` when it has them started ahead."""
    from formcheck.overlay import Overlay

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

    writer = AnnotatedVideoWriter(outputs.video, info.fps, (info.width, info.height)) \
        if outputs.video else None
    sink = Sink(writer.write, maxsize=8, name="encode") if writer else None
    smoother = PoseSmoother()
    reason = "end of source"
    paused = False
    processes = live_pose_processes(workers)
    backend = (_WorkerBackend(model_path, (info.height, info.width, 3), mailbox, warm,
                              processes)
               if processes
               else _StreamBackend(model_path, mailbox))
    with contextlib.closing(backend):

        def capture() -> None:
            try:
                for frame in source:
                    if stop.is_set():
                        break
                    stats.captured += 1
                    # Latest frame wins: while the model is busy, older frames are dropped
                    # here, before they cost a colour conversion and a copy.
                    stats.skipped += backend.offer(frame, time.monotonic())
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
                        if backend.error is not None:  # the pose process died
                            failure.append(backend.error)
                            break
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
                    pose, image, captured_at = item
                    # The captured frame is ours to draw on (mirrored for a camera).
                    scene = cv2.flip(image, 1) if mirror else image
                    if not paused:
                        session.observe(pose)
                        smooth = smoother(pose)
                        state = session.engine.update(smooth)
                        stats.analysed += 1
                    else:
                        smooth, state = smoother(pose), None
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
    times = getattr(backend, "times", None)
    if times is not None and times.frames:
        stats.model_ms, stats.model_idle_ms = times.busy_ms, times.idle_ms
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
