"""Live sessions: a camera (or a file played at its own pace) -> overlay window, never behind.

A capture thread submits every frame to the pose backend in "latest" mode (backend.py: while
the model is busy, older frames are dropped); this thread takes each result through the step
shared with analyze (step.py), shows the scene at the display's size, records it at its
capture time, and answers the keys (keys.py). Until the first result it shows "Getting
ready"; while paused, the last scene with "Paused" (the capture waits, nothing is counted
or recorded).
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
from formcheck.pipeline.display import Display, NullDisplay, completed
from formcheck.pipeline.keys import (
    SPOKEN,
    Action,
    Listener,
    LiveEvent,
    SetControls,
    action_of,
)
from formcheck.pipeline.pose_process import WarmPool, WorkerTimes, live_pose_processes
from formcheck.pipeline.session import Session, SessionOutputs
from formcheck.pipeline.step import FrameStep
from formcheck.pipeline.writer import VideoOutput
from formcheck.report.schema import Report
from formcheck.source.frame import FrameSource
from formcheck.voice import Voice

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
    errors: list[str] = field(default_factory=list)  # outputs not written (Session.errors)
    events: list[LiveEvent] = field(default_factory=list)  # the keys' doings, in order


class _Capture:
    """The capture thread: every frame of the source to the backend, stamped by `clock`;
    while `running` is clear (paused) it waits, and so does the source."""

    def __init__(self, source: FrameSource, backend: PoseBackend, stats: LiveStats,
                 clock: Clock, running: threading.Event):
        self.failure: BaseException | None = None
        self.done = threading.Event()
        self._stop = threading.Event()
        self._running = running
        self._thread = threading.Thread(target=self._run, args=(source, backend, stats, clock),
                                        name="capture", daemon=True)
        self._thread.start()

    def _run(self, source: FrameSource, backend: PoseBackend, stats: LiveStats,
             clock: Clock) -> None:
        try:
            for frame in source:
                while not self._running.wait(0.1) and not self._stop.is_set():
                    pass
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


STILL_EVERY_S = 0.1  # how often a still screen (getting ready, paused) is shown again


@dataclass
class _Loop:
    """Shows results until the source ends (and the last frame in flight has landed), the
    user quits, or the backend fails; run() returns why."""

    backend: PoseBackend
    capture: _Capture
    step: FrameStep
    display: Display
    sink: VideoOutput | None
    stats: LiveStats
    clock: Clock
    controls: SetControls
    overlay: object  # formcheck.overlay.Overlay
    voice: Voice | None = None
    _last: tuple | None = None  # the last frame shown, its pose and state: for a still
    _last_t: float = 0.0  # its session time
    _still_at: float = -1e9  # when a still screen was last shown (the real clock)

    def run(self) -> str:
        while True:
            item = self.backend.get(timeout=0.05) or self._idle()
            if isinstance(item, str):
                return item
            key = self._still() if item is None else self._show(item)
            action = action_of(key)
            if action is Action.FULLSCREEN:
                self.display.toggle_fullscreen()
            elif action is not None and self.controls.apply(action, self._last_t):
                return "quit"
            if action is Action.PAUSE:
                self._still_at = -1e9  # show the change at once
            if self.display.closed():
                return "quit"

    def _idle(self) -> Posed | str | None:
        """No result came: why to stop, a result that landed just now, or None to wait on."""
        if self.backend.error is not None:  # a pose process died
            return "source failed"
        if (self.capture.done.is_set() and not self.backend.pending
                and not self.controls.paused):
            return self.backend.get(timeout=0) or "end of source"
        return "quit" if self.display.closed() else None

    def _still(self) -> int:
        """Between results: "Getting ready" until the first, the paused scene while paused,
        a few times a second so the keys are read."""
        now = time.monotonic()
        if now - self._still_at < STILL_EVERY_S or not (self._last is None
                                                         or self.controls.paused):
            return -1
        self._still_at = now
        size = self.display.size()
        if self._last is None:
            return self.display.refresh(self.overlay.waiting(  # type: ignore[attr-defined]
                "Getting ready...", size or (960, 540)))
        image, pose, state = self._last
        scene = self.overlay.draw(image, pose, state,  # type: ignore[attr-defined]
                                  mirrored=self.step.mirrored, size=size,
                                  notice=self.controls.notice(self._last_t))
        return self.display.refresh(scene)

    def _show(self, item: Posed) -> int:
        # The captured frame is ours to draw on (mirrored for a camera).
        image = item.frame.image
        image = cv2.flip(image, 1) if self.step.mirrored else image
        t = item.pose.t_s
        size = self.display.size()
        # Drawn at the display's size the frame is copied onto a canvas, and stays clean
        # for the paused screen; at its own size it is drawn on, so keep a copy.
        clean = image if size is not None else image.copy()
        state, scene = self.step(image, item.pose, fps=self.stats.fps or None, size=size,
                                 notice=self.controls.notice(t),
                                 set_number=self.controls.set_number)
        if self.voice is not None and state is not None:
            self.voice.update(state)
        elif self.voice is not None:  # a frame not analysed (a guided rest): time passes
            self.voice.tick(self.voice.offset_s + t)
        self._last, self._last_t = (clean, item.pose, state), t
        self.stats.analysed += 1
        key = self.display.show(scene)  # type: ignore[arg-type]
        self.stats.shown(self.clock(), item.captured_at)
        if self.sink is not None:
            self.sink.put(scene, t)
        return key


def spoken_events(voice: Voice) -> Listener:
    """The keys' doings said by `voice` when they happen ("paused", "set restarted"), on its
    clock (frame time + its offset)."""
    voice.prepare(list(SPOKEN.values()))

    def say(ev: LiveEvent) -> None:
        if ev.kind in SPOKEN:
            voice.say(SPOKEN[ev.kind], voice.offset_s + ev.t_s)
    return say


def run_live(source: FrameSource, spec: ExerciseSpec, model_path: Path, model_name: str, *,
             side: str | None, outputs: SessionOutputs, display: Display | None = None,
             mirror: bool = False, overlay=None, workers: int | None = None,
             warm: WarmPool | None = None, clock: Clock = time.monotonic,
             voice: Voice | None = None, listeners: list[Listener] | None = None,
             guide=None) -> LiveResult:
    """workers=1: the landmarker on a thread of this process; otherwise pose processes (see
    live_pose_processes), taken from `warm` when it has them started ahead. `clock` stamps
    captures and showings (the latency figures); tests pass their own. A pausable clock
    (source.clock.PauseClock), shared with the source, stops while the session is paused.
    `voice` hears each analysed frame's state and says what the keys did (the caller closes
    it: a guided session keeps one voice); `listeners` hear each key's event (paused, set
    restarted, ...) as it happens. `guide` (a guided session, pipeline/guided.py) wraps the
    step and the display with its own."""
    from formcheck.overlay import Overlay

    display = completed(display or NullDisplay())
    overlay = overlay or Overlay()
    info = source.info
    display.refresh(overlay.waiting("Getting ready...", display.size() or (960, 540)))
    engine = Engine(spec, side)
    session = Session(spec, engine, info.name, model_name, "live", side, info.fps,
                      info.width, info.height, poses=[] if outputs.pose else None)
    stats = LiveStats()
    controls = SetControls(engine, clock, list(listeners or []))
    if voice is not None:
        controls.listeners.append(spoken_events(voice))
    sink = VideoOutput(outputs.video, info.fps, display.size() or (info.width, info.height),
                       8, session.ending, timed=True) if outputs.video else None
    reason = "interrupted"
    backend = open_backend(model_path, "latest", (info.height, info.width, 3),
                           live_pose_processes(workers), warm)
    with session.ending.installed():  # signals while finishing: see ending.py
        with contextlib.closing(backend):
            capture = _Capture(source, backend, stats, clock, controls.running)
            step = FrameStep(session, overlay, mirror)
            if guide is not None:
                step, display = guide.attach(step, display)
            loop = _Loop(backend, capture, step, display, sink, stats, clock, controls,
                         overlay, voice=voice)
            try:
                with session.guard():
                    reason = loop.run()
            finally:
                controls.running.set()
                capture.stop()
                display.close()
                video = session.finish_video(sink)
        stats.model(backend.times)
        failure = capture.failure or backend.error
        reason = "source failed" if failure or getattr(source, "read_error", None) else reason
        session.source_ended(source, failure)
        source.close()
        return LiveResult(session.write(outputs), stats, video, reason, session.errors,
                          controls.events)
