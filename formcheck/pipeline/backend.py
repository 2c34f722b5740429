"""PoseBackend: frames in, poses out. The one way analyze and live run the pose model.

A backend schedules frames over pose servers, each a landmarker that answers the frames it
is sent in order: one thread in this process (InProcessBackend) or pose processes
(ProcessPoolBackend, see pose_process.py). Two modes:

- "ordered" (files): every frame gets its pose, in frame order. Frames go round-robin to the
  servers (each tracks every n-th frame, so every core works on one video with no seams),
  each server a few frames ahead of the results handed on.
- "latest" (cameras): the overlay stays about one inference behind the camera. A frame goes
  to an idle server, or, when all are busy, waits staged on the one that started first,
  replacing the frame waiting there (dropped); it goes out the moment that server's result
  is back. Results older than one already handed on are dropped, so time only moves on.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from formcheck.pipeline.pose_process import (
    Done,
    Job,
    PoseProcess,
    ServerStopped,
    WarmPool,
    WorkerTimes,
)
from formcheck.pose.landmarks import PoseFrame
from formcheck.source.frame import Frame

if TYPE_CHECKING:  # imported where used: MediaPipe only when a landmarker is made here
    from formcheck.pose.estimator import PoseEstimator

Mode = Literal["ordered", "latest"]

# Live frames reach the model with their longer side at most this: the landmarker looks at a
# 256x256 crop of the person anyway, and a 1080p frame costs the pose process 1-2 ms more
# a frame just to take in (landmarks move by a median 0.003 of the frame).
POSE_MAX_SIDE = 960


@dataclass(frozen=True)
class Posed:
    """A frame with its pose; `captured_at` as given to submit (live: the capture clock)."""

    frame: Frame
    pose: PoseFrame
    captured_at: float = 0.0


class PoseServer(Protocol):
    """One landmarker fed through `slots` frame buffers; answers in submission order."""

    slots: int
    times: WorkerTimes | None

    def wait_ready(self) -> None: ...
    def stage(self, slot: int, image: np.ndarray, max_side: int | None = None
              ) -> tuple[int, int]: ...
    def send(self, job: Job) -> None: ...
    def result(self, timeout: float | None = None) -> Done: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


def _job(frame: Frame, slot: int, staged: tuple[int, int]) -> Job:
    h, w = frame.image.shape[:2]
    return Job(slot, frame.t_s, frame.index, staged, (w, h))


class ThreadServer:
    """A landmarker on a thread of this process (one core, or --workers 1): it runs beside
    decoding and drawing, which release the GIL for most of their time."""

    times: WorkerTimes | None = None

    def __init__(self, model_path: Path, slots: int, census: bool = True,
                 estimator: PoseEstimator | None = None, second_look: Path | None = None):
        """`estimator`: a landmarker kept by the caller across videos (a batch worker loads
        the model once), restarted here for this stream and left open by close()."""
        from formcheck.pose.estimator import PoseEstimator

        self.slots = slots
        self._owned = estimator is None
        if estimator is None:
            estimator = PoseEstimator(model_path, census=census, second_look=second_look)
        else:
            estimator.restart()
        self._est = estimator
        self._staged: list[tuple[np.ndarray, tuple[int, int]] | None] = [None] * slots
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[Done | BaseException | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="pose", daemon=True)
        self._thread.start()

    def wait_ready(self) -> None:
        pass  # the landmarker was made by __init__

    def stage(self, slot: int, image: np.ndarray, max_side: int | None = None
              ) -> tuple[int, int]:
        """Keep a reference (converted on the pose thread); the (height, width) it gets."""
        h, w = image.shape[:2]
        scale = min(1.0, max_side / max(h, w)) if max_side else 1.0
        staged = (max(1, int(h * scale)), max(1, int(w * scale))) if scale < 1 else (h, w)
        self._staged[slot] = (image, staged)
        return staged

    def send(self, job: Job) -> None:
        self._jobs.put(job)

    def _run(self) -> None:
        import cv2

        while (job := self._jobs.get()) is not None:
            image, (h, w) = self._staged[job.slot]  # type: ignore[misc]
            try:
                if image.shape[:2] != (h, w):
                    image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
                rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
                self._results.put(Done(job.slot, self._est.detect_rgb(rgb, job.t_s, job.index,
                                                                      size=job.size)))
            except BaseException as exc:  # raised to the reader
                self._results.put(exc)
        self._results.put(None)

    def result(self, timeout: float | None = None) -> Done:
        try:
            msg = self._results.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError("the pose thread did not answer") from None
        if msg is None:
            raise ServerStopped
        if isinstance(msg, BaseException):
            raise msg
        return msg

    def stop(self) -> None:
        self._jobs.put(None)

    def close(self) -> None:
        self.stop()
        self._thread.join(timeout=30)
        if self._owned:
            self._est.close()


class _Mailbox:
    """One slot: a newer result replaces an unread older one."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._item: Posed | None = None

    def put(self, item: Posed) -> None:
        with self._cv:
            self._item = item
            self._cv.notify()

    def get(self, timeout: float | None) -> Posed | None:
        with self._cv:
            if self._item is None:
                self._cv.wait(timeout)
            item, self._item = self._item, None
            return item


@dataclass(frozen=True)
class _Flight:
    """A frame staged in a server's slot, waiting to go or in flight."""

    server: int
    slot: int
    frame: Frame
    captured_at: float
    staged: tuple[int, int]


class _InOrder:
    """Ordered mode: round-robin, every frame answered, results in frame order. Frames may be
    submitted before the servers are ready (they start on them as soon as they are); nothing
    is handed on until all are (one that fails to start then leaves no half-made output)."""

    def __init__(self, servers: list[PoseServer]):
        self._servers = servers
        self.depth = sum(s.slots for s in servers)
        self._flying: deque[_Flight] = deque()
        self._count = 0
        self._ready = False

    @property
    def pending(self) -> int:
        return len(self._flying)

    def submit(self, frame: Frame, captured_at: float) -> int:
        if len(self._flying) >= self.depth:
            raise RuntimeError("ordered backend is full: get() a result first")
        n = len(self._servers)
        si = self._count % n
        server = self._servers[si]
        slot = (self._count // n) % server.slots  # in order, so the oldest is free by now
        staged = server.stage(slot, frame.image)
        server.send(_job(frame, slot, staged))
        self._flying.append(_Flight(si, slot, frame, captured_at, staged))
        self._count += 1
        return 0

    def get(self, timeout: float | None) -> Posed | None:
        if not self._ready:
            for server in self._servers:
                server.wait_ready()
            self._ready = True
        flight = self._flying.popleft()
        done = self._servers[flight.server].result(timeout)
        assert done.slot == flight.slot, "each server answers in submission order"
        return Posed(flight.frame, done.pose, flight.captured_at)  # type: ignore[arg-type]


class _LatestWins:
    """Latest mode (see the module docstring). Capture calls submit on its thread, one
    reader thread per server collects results; the lock guards the slots and flights."""

    def __init__(self, servers: list[PoseServer], max_side: int | None):
        self._servers = servers
        self._max_side = max_side
        for s in servers:  # started together, so their start-ups overlap
            s.wait_ready()
        self.error: BaseException | None = None
        self._free = [list(range(s.slots)) for s in servers]
        self._lock = threading.Lock()
        self._waiting: _Flight | None = None
        self._flying: list[_Flight | None] = [None] * len(servers)
        self._handed_on = -1  # index of the newest frame whose result was handed on
        # People counted in results dropped as stale (only the first server counts them, and
        # its counting frames are its slowest): passed on with the next result that goes.
        self._people_dropped = 0
        self._mailbox = _Mailbox()
        self._readers = [threading.Thread(target=self._collect, args=(si,),
                                          name=f"pose-results-{si}", daemon=True)
                         for si in range(len(servers))]
        for t in self._readers:
            t.start()

    @property
    def pending(self) -> int:
        """Frames waiting to go or in flight."""
        with self._lock:
            return (self._waiting is not None) + sum(f is not None for f in self._flying)

    def _target(self) -> int:
        """Under the lock: an idle server, else the busy one that started first (frames go
        out in capture order, so: the one with the oldest frame)."""
        for si, flight in enumerate(self._flying):
            if flight is None:
                return si
        return min(range(len(self._servers)),
                   key=lambda si: self._flying[si].frame.index)  # type: ignore[union-attr]

    def submit(self, frame: Frame, captured_at: float) -> int:
        with self._lock:
            si = self._target()
            if not self._free[si]:
                return 1
            slot = self._free[si].pop()
        # Outside the lock: a result may land meanwhile.
        staged = self._servers[si].stage(slot, frame.image, self._max_side)
        with self._lock:
            dropped = 0
            if self._waiting is not None:
                self._free[self._waiting.server].append(self._waiting.slot)
                dropped = 1
            self._waiting = _Flight(si, slot, frame, captured_at, staged)
            self._send()
        return dropped

    def _send(self) -> None:
        """Under the lock: start the waiting frame if its server is idle."""
        flight = self._waiting
        if flight is None or self._flying[flight.server] is not None:
            return
        self._waiting = None
        self._flying[flight.server] = flight
        self._servers[flight.server].send(_job(flight.frame, flight.slot, flight.staged))

    def _collect(self, si: int) -> None:
        while True:
            try:
                done = self._servers[si].result()
            except ServerStopped:
                return
            except Exception as exc:
                self.error = exc
                return
            with self._lock:
                flight = self._flying[si]
                assert flight is not None and flight.slot == done.slot, "one frame in flight"
                self._flying[si] = None
                self._free[si].append(done.slot)
                self._send()
                self._hand_on(flight, done.pose)  # type: ignore[arg-type]

    def _hand_on(self, flight: _Flight, pose: PoseFrame) -> None:
        """Under the lock: results go on in frame order; older ones are dropped."""
        if flight.frame.index <= self._handed_on:
            self._people_dropped = max(self._people_dropped, pose.n_people)
            return
        if self._people_dropped and self._people_dropped > pose.n_people:
            pose = replace(pose, n_people=self._people_dropped)
        self._people_dropped = 0
        self._handed_on = flight.frame.index
        self._mailbox.put(Posed(flight.frame, pose, flight.captured_at))

    def get(self, timeout: float | None) -> Posed | None:
        return self._mailbox.get(timeout)

    def join(self) -> None:
        for t in self._readers:
            t.join(timeout=5)  # each reads its last results and its server's times


class PoseBackend:
    """Submit frames, get poses back (see the module docstring for the two modes).

    ordered: `poses(frames)` yields a Posed for every frame in order (or use submit/get,
    keeping at most `depth` frames pending). latest: `submit(frame, captured_at)` returns
    how many frames it dropped (0 or 1); `get(timeout)` the newest result not yet handed on,
    or None; `error` is set if a server failed. close() stops and reaps every server."""

    def __init__(self, servers: list[PoseServer], mode: Mode, max_side: int | None = None):
        self.mode = mode
        self._servers = servers
        try:
            self._schedule: _InOrder | _LatestWins = (
                _InOrder(servers) if mode == "ordered" else _LatestWins(servers, max_side))
        except BaseException:  # e.g. a pose process that failed to start
            for s in servers:
                s.stop()
                s.close()
            raise

    @property
    def error(self) -> BaseException | None:
        return getattr(self._schedule, "error", None)

    @property
    def pending(self) -> int:
        return self._schedule.pending

    def submit(self, frame: Frame, captured_at: float = 0.0) -> int:
        return self._schedule.submit(frame, captured_at)

    def get(self, timeout: float | None = None) -> Posed | None:
        return self._schedule.get(timeout)

    def poses(self, frames: Iterable[Frame]) -> Iterator[Posed]:
        """Ordered mode: every frame with its pose, in order."""
        depth = self._schedule.depth  # type: ignore[union-attr]
        for frame in frames:
            if self.pending >= depth:
                yield self.get()  # type: ignore[misc]
            self.submit(frame)
        while self.pending:
            yield self.get()  # type: ignore[misc]

    @property
    def times(self) -> WorkerTimes | None:
        """The pose processes' own times, together (None until they have stopped)."""
        done = [s.times for s in self._servers if s.times is not None and s.times.frames]
        if not done:
            return None
        frames = sum(t.frames for t in done)
        return WorkerTimes(frames, sum(t.busy_ms * t.frames for t in done) / frames,
                           sum(t.idle_ms * t.frames for t in done) / frames)

    def _close_servers(self) -> None:
        for s in self._servers:  # all asked first, so that they end together
            s.stop()
        if isinstance(self._schedule, _LatestWins):
            self._schedule.join()
        for s in self._servers:
            s.close()

    def close(self) -> None:
        self._close_servers()

    def __enter__(self) -> PoseBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessBackend(PoseBackend):
    """The landmarker on a thread of this process."""

    def __init__(self, model_path: Path, mode: Mode, estimator: PoseEstimator | None = None,
                 second_look: Path | None = None):
        super().__init__([ThreadServer(model_path, slots=4 if mode == "ordered" else 3,
                                       estimator=estimator, second_look=second_look)],
                         mode, POSE_MAX_SIDE if mode == "latest" else None)


class ProcessPoolBackend(PoseBackend):
    """`processes` pose processes (pose_process.py), taken from `warm` while it has them
    (started ahead by the command: WarmPool), else started here. The first counts people."""

    def __init__(self, model_path: Path, mode: Mode, shape: tuple[int, int, int],
                 processes: int, warm: WarmPool | None = None,
                 second_look: Path | None = None):
        # Ordered: a few frames ahead per process; latest: one in flight, one waiting, one
        # being filled.
        slots = 6 if mode == "ordered" else 3
        servers: list[PoseProcess] = []
        try:
            for i in range(processes):
                proc = (warm.take() if warm else None) or PoseProcess()
                servers.append(proc)
                # nothing to do if told already
                proc.load(model_path, census=(i == 0), second_look=second_look)
                proc.open_ring(shape, slots)
        except BaseException:
            for proc in servers:
                proc.close()
            raise
        super().__init__(servers, mode, POSE_MAX_SIDE if mode == "latest" else None)  # type: ignore[arg-type]


def open_backend(model_path: Path, mode: Mode, shape: tuple[int, int, int], processes: int,
                 warm: WarmPool | None = None, estimator: PoseEstimator | None = None,
                 second_look: Path | None = None) -> PoseBackend:
    """A pool of `processes` pose processes, or with none the in-process landmarker (the
    caller's `estimator` when given, with its own second look). `second_look`: a larger
    model for the frames the first is unsure of (pose/second_look.py)."""
    if processes > 0:
        return ProcessPoolBackend(model_path, mode, shape, processes, warm, second_look)
    return InProcessBackend(model_path, mode, estimator, second_look)
