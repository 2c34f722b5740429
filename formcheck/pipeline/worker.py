"""Pose inference in its own process, fed frames through a shared-memory ring.

MediaPipe's Python Tasks API funnels every native call through a one-thread executor, so a
landmarker running in a thread keeps handing the GIL back and forth with the decoder, the
overlay and the encoder: measured here, a busy Python thread beside it roughly doubles its
time per frame. In a separate process inference runs undisturbed while this process decodes,
draws and encodes. Frames are not pickled: the sender converts each one to RGB straight into
a shared memory slot (the conversion the landmarker needs anyway, done in the same pass as
the copy, off the pose process's time), and only slot numbers and landmarks (a few KB) cross
the process boundary. The sender keeps its own BGR frame to draw on, so a slot is free again
as soon as its result is back. One landmarker sees every frame it is given in order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from pathlib import Path

import cv2
import numpy as np

from formcheck.pipeline.pose_process import STOP as _STOP
from formcheck.pipeline.pose_process import PoseProcess, PoseProcessError
from formcheck.pose.landmarks import PoseFrame


@dataclass
class WorkerTimes:
    """How the pose process spent its time: inference per frame in situ (next to whatever
    else the machine is doing) and waiting for the next frame, both in ms per frame."""

    frames: int = 0
    busy_ms: float = 0.0
    idle_ms: float = 0.0


def _serve(jobs: Connection, results: Connection) -> None:
    """The pose process: import MediaPipe first (the slow part, while the parent is still
    getting ready), then load the model as soon as the parent names it (`load`: it may do
    so before it has opened the video), then take the frame ring (`ring`) and serve frames.
    Once stopped it reports its times and exits at once: tearing MediaPipe down would only
    keep the parent waiting (~0.1 s), and the OS frees everything anyway."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    from formcheck.pose.estimator import PoseEstimator
    from formcheck.pose.tasks_api import import_tasks

    import_tasks()
    est, failed = None, "frames came before any model"
    try:
        while True:
            job = jobs.recv()
            if job is _STOP:
                return
            if job[0] != "load":
                break
            # ("load", model, census): a later one replaces the landmarker. A load that
            # fails is reported only if no later one works: the first may be a guess made
            # before the command line checked the model (see WarmPool.load).
            est = None
            try:
                est = PoseEstimator(job[1], census=job[2])
                est.prepare_census()
            except Exception as exc:
                est, failed = None, f"{type(exc).__name__}: {exc}"
        if est is None:
            results.send(("error", None, failed))
            return
        _, shm_name, shape, slots = job  # ("ring", shared memory, frame shape, slots)
        results.send(("times", None, _serve_frames(est, jobs, results, shm_name, shape, slots)))
    except (EOFError, OSError):  # the parent is gone: nobody to report to
        pass
    finally:
        if est is not None:
            os._exit(0)  # no MediaPipe teardown: the OS frees it all, and nobody waits


def _serve_frames(est, jobs: Connection, results: Connection, shm_name: str,
                  shape: tuple[int, int, int], slots: int) -> WorkerTimes:
    import time

    shm = shared_memory.SharedMemory(name=shm_name)
    times = WorkerTimes()
    ring = np.ndarray((slots, int(np.prod(shape))), np.uint8, buffer=shm.buf)
    try:
        results.send(("ready", None, None))
        done: float | None = None
        while True:
            job = jobs.recv()
            start = time.perf_counter()
            if job is _STOP:
                break
            if done is not None:
                times.idle_ms += 1000 * (start - done)
            slot, t_s, index, h, w, width, height = job
            try:
                pose = est.detect_rgb(ring[slot, :h * w * 3].reshape(h, w, 3), t_s, index,
                                      size=(width, height))
                results.send(("pose", slot, pose))
            except Exception as exc:  # reported to the parent, which raises it
                results.send(("error", slot, f"{type(exc).__name__}: {exc}"))
            done = time.perf_counter()
            times.busy_ms += 1000 * (done - start)
            times.frames += 1
    except Exception as exc:
        results.send(("error", None, f"{type(exc).__name__}: {exc}"))
    finally:
        del ring  # the ring is a view on the segment: released before closing it
        shm.close()
    if times.frames:
        times.busy_ms /= times.frames
        times.idle_ms /= max(times.frames - 1, 1)
    return times


class WorkerStopped(Exception):
    """The pose process finished after stop(); its times are in `InferenceWorker.times`."""


class InferenceWorker:
    """A landmarker process with a ring of `slots` frame buffers of at most `shape`.

    Jobs and results travel over pipes (a direct write that wakes the other side, no feeder
    thread in between): what a live session waits on between two frames."""

    def __init__(self, model_path: str | Path, shape: tuple[int, int, int], slots: int = 6,
                 census: bool = True, wait: bool = True, process: PoseProcess | None = None):
        self.slots = slots
        self.times: WorkerTimes | None = None  # known after stop(), once results are read
        self._ready = False
        self._stopping = False
        self._closed = False
        frame_bytes = int(np.prod(shape))
        self._shm = shared_memory.SharedMemory(create=True, size=frame_bytes * slots)
        # Flat slots: a smaller frame is still one contiguous block, as cvtColor's dst must be.
        self.ring = np.ndarray((slots, frame_bytes), np.uint8, buffer=self._shm.buf)
        self._process = process or PoseProcess()
        self._proc = self._process.proc
        self._jobs, self._results = self._process.jobs, self._process.results
        try:
            self._process.load(model_path, census)  # nothing to do if told already (warm)
            self._jobs.send(("ring", self._shm.name, shape, slots))
        except OSError:
            pass  # a process that died already: wait_ready says so
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until the process has its model and ring (frames may be submitted before:
        they wait in the pipe); raise if it failed to start."""
        if self._ready:
            return
        try:
            kind, _, info = self._get(timeout=120)
        except (RuntimeError, TimeoutError) as exc:
            self.close()
            raise PoseProcessError(f"pose worker failed to start: {exc}") from None
        if kind != "ready":
            self.close()
            raise PoseProcessError(f"pose worker failed to start: {info}")
        self._ready = True

    def _get(self, timeout: float | None = None):
        while True:
            try:
                if self._results.poll(0.5 if timeout is None else min(timeout, 0.5)):
                    return self._results.recv()
            except (EOFError, OSError):
                raise PoseProcessError("the pose worker process died") from None
            if not self._proc.is_alive():
                raise PoseProcessError("the pose worker process died")
            if timeout is not None:
                timeout -= 0.5
                if timeout <= 0:
                    raise TimeoutError("the pose worker did not answer")

    def stage(self, slot: int, image: np.ndarray, max_side: int | None = None
              ) -> tuple[int, int]:
        """Convert the BGR `image` into `slot` as RGB, first shrunk so that its longer side
        is at most `max_side` if given, and so that it fits the slot (a stream whose frames
        grow midway); returns the staged (height, width). Not yet queued."""
        h, w = image.shape[:2]
        scale = min(1.0, max_side / max(h, w)) if max_side else 1.0
        scale = min(scale, (self.ring.shape[1] / (h * w * 3)) ** 0.5)
        sh, sw = h, w
        if scale < 1:  # rounded down, so that it always fits
            sh, sw = max(1, int(h * scale)), max(1, int(w * scale))
        dst = self.ring[slot, :sh * sw * 3].reshape(sh, sw, 3)
        if (sh, sw) != (h, w):
            cv2.resize(image, (sw, sh), dst=dst, interpolation=cv2.INTER_AREA)
            cv2.cvtColor(dst, cv2.COLOR_BGR2RGB, dst=dst)
        else:
            cv2.cvtColor(image, cv2.COLOR_BGR2RGB, dst=dst)
        return sh, sw

    def send(self, slot: int, t_s: float, index: int, staged: tuple[int, int],
             size: tuple[int, int]) -> None:
        """Queue the frame staged in `slot` ((height, width) as staged) for inference; the
        pose is reported for a frame of `size` (width, height), the caller's own."""
        try:
            self._jobs.send((slot, t_s, index, *staged, *size))
        except OSError:
            pass  # the process is gone: wait_ready or result says why

    def submit(self, slot: int, image: np.ndarray, t_s: float, index: int) -> None:
        """Stage `image` in `slot` and queue it for inference."""
        staged = self.stage(slot, image)
        self.send(slot, t_s, index, staged, (image.shape[1], image.shape[0]))

    def result(self, timeout: float | None = None) -> tuple[int, PoseFrame]:
        """The next result, in submission order: (slot, pose). WorkerStopped after stop()."""
        self.wait_ready()
        kind, slot, payload = self._get(timeout)
        if kind == "times":
            self.times = payload
            raise WorkerStopped
        if kind == "error":
            raise PoseProcessError(f"pose inference failed: {payload}")
        return slot, payload

    def stop(self) -> None:
        """Ask the process to finish (results already queued still come first)."""
        if not self._stopping:
            self._stopping = True
            try:
                self._jobs.send(_STOP)
            except OSError:
                pass

    def close(self) -> None:
        if self._closed:  # wait_ready closes a worker that failed; its owner closes it too
            return
        self._closed = True
        try:
            if self._proc.is_alive():
                self.stop()
                try:
                    while self.times is None:  # unless a reader thread already got them
                        self.result(timeout=5)
                except (WorkerStopped, OSError, RuntimeError, TimeoutError):
                    pass
                self._proc.join(timeout=5)
        finally:
            self._process.end()  # at once if it did not finish by itself; closes the pipes
            del self.ring
            self._shm.close()
            self._shm.unlink()

    def __enter__(self) -> InferenceWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
