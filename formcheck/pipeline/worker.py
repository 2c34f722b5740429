"""Pose inference in its own process, fed frames through a shared-memory ring.

MediaPipe's Python Tasks API funnels every native call through a one-thread executor, so a
landmarker running in a thread keeps handing the GIL back and forth with the decoder, the
overlay and the encoder: measured here, a busy Python thread beside it roughly doubles its
time per frame. In a separate process inference runs undisturbed while this process decodes,
draws and encodes. Frames are not pickled: they are written once into shared memory slots
and only slot numbers and landmarks (a few KB) cross the process boundary. One landmarker
sees every frame in order, so results equal the sequential path's.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from multiprocessing import shared_memory
from pathlib import Path

import numpy as np

from formcheck.pose.landmarks import PoseFrame

_STOP = None


def _serve(model_path: str, shm_name: str, shape: tuple[int, int, int], slots: int,
           jobs: mp.Queue, results: mp.Queue, census: bool) -> None:
    import signal

    from formcheck.cli.quiet import quiet_environment

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    quiet_environment()
    from formcheck.pose.estimator import PoseEstimator

    shm = shared_memory.SharedMemory(name=shm_name)
    try:
        ring = np.ndarray((slots, *shape), np.uint8, buffer=shm.buf)
        with PoseEstimator(model_path, census=census) as est:
            results.put(("ready", None, None))
            while True:
                job = jobs.get()
                if job is _STOP:
                    break
                slot, t_s, index, h, w = job
                try:
                    pose = est.detect(ring[slot, :h, :w], t_s, index)
                    results.put(("pose", slot, pose))
                except Exception as exc:  # reported to the parent, which raises it
                    results.put(("error", slot, f"{type(exc).__name__}: {exc}"))
    except Exception as exc:
        results.put(("error", None, f"{type(exc).__name__}: {exc}"))
    finally:
        shm.close()


class InferenceWorker:
    """A landmarker process with a ring of `slots` frame buffers of at most `shape`."""

    def __init__(self, model_path: str | Path, shape: tuple[int, int, int], slots: int = 6,
                 census: bool = True, wait: bool = True):
        self.shape, self.slots = shape, slots
        size = int(np.prod(shape)) * slots
        self._shm = shared_memory.SharedMemory(create=True, size=size)
        self.ring = np.ndarray((slots, *shape), np.uint8, buffer=self._shm.buf)
        ctx = mp.get_context("spawn")  # no fork of a process that already runs threads
        self._jobs: mp.Queue = ctx.Queue()
        self._results: mp.Queue = ctx.Queue()
        self._proc = ctx.Process(target=_serve, name="formcheck-pose", daemon=True,
                                 args=(str(model_path), self._shm.name, shape, slots,
                                       self._jobs, self._results, census))
        self._proc.start()
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        kind, _, info = self._get(timeout=120)
        if kind != "ready":
            self.close()
            raise RuntimeError(f"pose worker failed to start: {info}")

    def _get(self, timeout: float | None = None):
        while True:
            try:
                return self._results.get(timeout=0.5 if timeout is None else min(timeout, 0.5))
            except queue.Empty:
                if not self._proc.is_alive():
                    raise RuntimeError("the pose worker process died") from None
                if timeout is not None:
                    timeout -= 0.5
                    if timeout <= 0:
                        raise TimeoutError("the pose worker did not answer") from None

    def submit(self, slot: int, image: np.ndarray, t_s: float, index: int) -> None:
        """Copy `image` into `slot` and queue it for inference."""
        h, w = image.shape[:2]
        self.ring[slot, :h, :w] = image
        self._jobs.put((slot, t_s, index, h, w))

    def result(self) -> tuple[int, PoseFrame]:
        """The next result, in submission order: (slot, pose)."""
        kind, slot, payload = self._get()
        if kind == "error":
            raise RuntimeError(f"pose inference failed: {payload}")
        return slot, payload

    def view(self, slot: int, h: int, w: int) -> np.ndarray:
        return self.ring[slot, :h, :w]

    def close(self) -> None:
        try:
            if self._proc.is_alive():
                self._jobs.put(_STOP)
                self._proc.join(timeout=5)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(timeout=5)
        finally:
            del self.ring
            self._shm.close()
            self._shm.unlink()

    def __enter__(self) -> InferenceWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
