"""A pose process's whole life: started (ahead of its work, from a preloaded fork server),
told its model, given a frame ring, fed frames, stopped, reaped. The one module that knows
the messages crossing the process boundary (typed dataclasses below).

Why a process: MediaPipe's Python Tasks API funnels every native call through a one-thread
executor, so a landmarker running in a thread keeps handing the GIL back and forth with the
decoder, the overlay and the encoder (measured here: a busy Python thread beside it roughly
doubles its time a frame). Frames are not pickled: the parent converts each one to RGB
straight into a shared-memory slot (the conversion the landmarker needs anyway, done in the
same pass as the copy, off the pose process's time); only small messages and landmarks (a few
KB) cross the pipes. The parent keeps its own BGR frame to draw on, so a slot is free again as
soon as its result is back. A landmarker sees every frame it is given, in order.

Where the platform has it, processes are forked by multiprocessing's fork server, which
imports numpy, OpenCV and MediaPipe once (pose_preload.py) for all of them: every pose process
then starts with them loaded. The server is started single-threaded (no BLAS threads), so
forking it is safe, and it is a new program, not a fork of this one. Elsewhere each process is
spawned and imports for itself. `start_server` lets a program begin that import at its very
start (see its contract).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from multiprocessing import shared_memory
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: the fork server imports it once
    import numpy as np

PRELOAD = "formcheck.pipeline.pose_preload"

# Frame rings are named with the owner's PID, so that a later run removes the ones a killed
# run left in /dev/shm (see atomic.remove_orphans).
SHM_PREFIX = "formcheck-"
_SHM = re.compile(rf"{SHM_PREFIX}(\d+)-[0-9a-f]{{8}}")
SHM_DIR = Path("/dev/shm")


class PoseProcessError(RuntimeError):
    """A pose process failed to start, load its model or run it, or died: MediaPipe's own
    account of it is in the run's native log."""


class ServerStopped(Exception):
    """A pose server finished after stop(); its times are in its `times`."""


@dataclass
class WorkerTimes:
    """How a pose process spent its time: inference per frame in situ (next to whatever else
    the machine is doing) and waiting for the next frame, both in ms per frame."""

    frames: int = 0
    busy_ms: float = 0.0
    idle_ms: float = 0.0


# Messages to a pose process.
@dataclass(frozen=True)
class Load:
    """Load this model (a later Load replaces the landmarker: see WarmPool.load). `file`:
    the model file's identity when named (inode, size, mtime), so that a file replaced at the
    same path (a corrupt cached model rebuilt) is loaded again, never the failed load kept."""

    model: str
    census: bool
    file: tuple[int, int, int] = (0, 0, 0)
    second_look: str = ""  # a larger model for the frames the first is unsure of; "" none
    second_file: tuple[int, int, int] = (0, 0, 0)


def _identity(path) -> tuple[int, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class OpenRing:
    """Serve frames from this shared-memory ring of `slots` frames of at most `shape`."""

    shm_name: str
    shape: tuple[int, int, int]
    slots: int


@dataclass(frozen=True)
class Job:
    """Infer the frame staged in `slot` (`staged`: its height, width there); report the pose
    for a frame of `size` (width, height), the sender's own."""

    slot: int
    t_s: float
    index: int
    staged: tuple[int, int]
    size: tuple[int, int]


@dataclass(frozen=True)
class Stop:
    """Finish: report the times and exit (jobs sent before are answered first)."""


# Messages from a pose process.
@dataclass(frozen=True)
class Ready:
    """Model loaded and ring open."""


@dataclass(frozen=True)
class Done:
    slot: int
    pose: object  # PoseFrame


@dataclass(frozen=True)
class Failed:
    slot: int | None  # None: the process itself failed
    reason: str


@dataclass(frozen=True)
class Finished:
    times: WorkerTimes


# ----------------------------------------------------------------------- the child's side

def _serve(jobs: Connection, results: Connection) -> None:
    """The pose process: import MediaPipe first (the slow part, while the parent is still
    getting ready), load the model as soon as the parent names it (it may do so before it
    has opened the video), then take the frame ring and serve frames. Once stopped it reports
    its times and exits at once: tearing MediaPipe down would only keep the parent waiting
    (~0.1 s), and the OS frees everything anyway."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    from formcheck.pose.estimator import PoseEstimator
    from formcheck.pose.tasks_api import import_tasks

    import_tasks()
    est, failed = None, "frames came before any model"
    try:
        while isinstance(job := jobs.recv(), Load):
            # A load that fails is reported only if no later one works: the first may be a
            # guess made before the command line checked the model.
            est = None
            try:
                est = PoseEstimator(job.model, census=job.census,
                                    second_look=job.second_look or None)
                est.prepare_census()
            except Exception as exc:
                est, failed = None, f"{type(exc).__name__}: {exc}"
        if not isinstance(job, OpenRing):
            return  # Stop before any frame ring
        if est is None:
            results.send(Failed(None, failed))
            return
        results.send(Finished(_serve_frames(est, jobs, results, job)))
    except (EOFError, OSError):  # the parent is gone: nobody to report to
        pass
    finally:
        if est is not None:
            os._exit(0)  # no MediaPipe teardown: the OS frees it all, and nobody waits


def _serve_frames(est, jobs: Connection, results: Connection, ring_msg: OpenRing
                  ) -> WorkerTimes:
    import numpy as np

    shm = shared_memory.SharedMemory(name=ring_msg.shm_name)
    times = WorkerTimes()
    ring = np.ndarray((ring_msg.slots, int(np.prod(ring_msg.shape))), np.uint8, buffer=shm.buf)
    try:
        results.send(Ready())
        done: float | None = None
        while True:
            job = jobs.recv()
            start = time.perf_counter()
            if not isinstance(job, Job):
                break
            if done is not None:
                times.idle_ms += 1000 * (start - done)
            h, w = job.staged
            try:
                pose = est.detect_rgb(ring[job.slot, :h * w * 3].reshape(h, w, 3), job.t_s,
                                      job.index, size=job.size)
                results.send(Done(job.slot, pose))
            except Exception as exc:  # reported to the parent, which raises it
                results.send(Failed(job.slot, f"{type(exc).__name__}: {exc}"))
            done = time.perf_counter()
            times.busy_ms += 1000 * (done - start)
            times.frames += 1
    except Exception as exc:
        results.send(Failed(None, f"{type(exc).__name__}: {exc}"))
    finally:
        del ring  # the ring is a view on the segment: released before closing it
        shm.close()
    if times.frames:
        times.busy_ms /= times.frames
        times.idle_ms /= max(times.frames - 1, 1)
    return times


def _child(jobs, results) -> None:
    _serve(jobs, results)


# ---------------------------------------------------------------------- the parent's side

def _context():
    """The fork server, preloaded and running, where there is one; else spawn."""
    try:
        ctx = mp.get_context("forkserver")
    except ValueError:  # e.g. Windows
        return mp.get_context("spawn")
    from multiprocessing import forkserver

    ctx.set_forkserver_preload([PRELOAD])
    # numpy's BLAS would start a thread per core at import: none in the server (a forked
    # thread-pool is unsafe, and pose processes have no use for it).
    before = os.environ.get("OPENBLAS_NUM_THREADS")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        forkserver.ensure_running()  # returns at once; the server imports meanwhile
    finally:
        if before is None:
            del os.environ["OPENBLAS_NUM_THREADS"]
        else:
            os.environ["OPENBLAS_NUM_THREADS"] = before
    return ctx


def start_server() -> None:
    """Contract: call as early as a program knows it may run pose processes; returns at once.
    Starts (once) the fork server that imports numpy, OpenCV and MediaPipe for every pose
    process this program will start, so that the import (most of a pose process's start-up)
    overlaps the program's own imports and checks. Starts no pose process and loads no
    model; a program that ends up needing none loses only that background import. The
    server ends by itself when this process exits. No-op where there is no fork server."""
    _context()


def default_pose_processes() -> int:
    """Pose processes for one video: one beside this process, which decodes, draws and
    encodes (one tracker: see analyze_pose_processes); none on a single core."""
    return 1 if (os.cpu_count() or 1) >= 2 else 0


# Memory a pose process needs: measured 165 MB resident with the full model loaded (72 MB
# of it its own, the rest shared with the fork server), plus its frame ring (up to 37 MB
# at 1080p) and room while inferring.
POSE_PROCESS_BYTES = 250 * 2**20


def free_memory() -> int | None:
    """Bytes of memory available to new processes (Linux: MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def max_workers(cores: int, free: int | None) -> int:
    """The most `--workers` (processes in all) worth starting: one pose process per core
    (more only wait for a core), as many as the free memory holds, and this process."""
    fit = cores if free is None else min(cores, free // POSE_PROCESS_BYTES)
    return max(fit, 0) + 1


def analyze_pose_processes(workers: int | None) -> int:
    """Pose processes for `analyze --workers N`: N - 1 (processes in all), by default one
    (with one core or more). One, because the landmarker tracks the body from frame to frame:
    two processes taking turns are two trackers each seeing every other frame, whose poses
    disagree from one frame to the next (measured on the 29 dev rep clips: 23 counted
    exactly that way, 26 with one). Decoding and drawing still run beside it."""
    return (workers or default_pose_processes() + 1) - 1


def live_pose_processes(workers: int | None) -> int:
    """Pose processes for a live session: `workers` - 1 when given (processes in all, as for
    analyze), else one on two or more cores, none on one core (inference in-process). One,
    as for analyze: two taking turns are two trackers whose poses disagree from frame to
    frame (7 dev clips played live: one process analysed as many frames, within 3%, and
    counted 2 of them better, none worse)."""
    if workers:
        return max(workers - 1, 0)
    return default_pose_processes()


class PoseProcess:
    """The parent's handle on one pose process, from start to reaping. Jobs and results
    travel over pipes (a direct write that wakes the other side, no feeder thread): what a
    live session waits on between two frames.

    Order of use: start() (or via WarmPool), load() any number of times, open_ring() once,
    then stage()/send() frames and read result()s in submission order; stop(), close()."""

    def __init__(self, start: bool = True, ctx=None) -> None:
        ctx = ctx or _context()
        jobs_out, self._jobs = ctx.Pipe(duplex=False)
        self._results, results_in = ctx.Pipe(duplex=False)
        self._child_ends = (jobs_out, results_in)
        self.proc = ctx.Process(target=_child, name="formcheck-pose", daemon=True,
                                args=self._child_ends)
        self.loaded: Load | None = None
        self.slots = 0
        self.times: WorkerTimes | None = None  # known after stop(), once results are read
        self._ring: np.ndarray | None = None  # (slots, bytes) over the shared memory
        self._shm: shared_memory.SharedMemory | None = None
        self._ready = self._stopping = self._closed = False
        if start:
            self.start()

    def start(self) -> None:
        """Start the process (with the fork server, this waits until the server has
        imported MediaPipe). Messages sent before wait in the pipe."""
        self.proc.start()
        for end in self._child_ends:  # closed here so that a dead child shows as EOF
            end.close()

    def _send(self, msg) -> None:
        try:
            self._jobs.send(msg)
        except OSError:
            pass  # a process that died already: wait_ready or result says so

    def load(self, model_path, census: bool, second_look=None) -> None:
        """Have it load the model (and the crowd-census landmarker, and the `second_look`
        model if any) now, unless told so already (the same files, unchanged)."""
        msg = Load(str(model_path), census, _identity(model_path), str(second_look or ""),
                   _identity(second_look) if second_look else (0, 0, 0))
        if self.loaded != msg:
            self._send(msg)
            self.loaded = msg

    def open_ring(self, shape: tuple[int, int, int], slots: int) -> None:
        """Give it a ring of `slots` frame buffers of at most `shape` (after load)."""
        import numpy as np

        from formcheck.atomic import remove_orphans

        frame_bytes = int(np.prod(shape))
        self.slots = slots
        remove_orphans(SHM_DIR, _SHM)
        self._shm = shared_memory.SharedMemory(
            name=f"{SHM_PREFIX}{os.getpid()}-{secrets.token_hex(4)}", create=True,
            size=frame_bytes * slots)
        # Flat slots: a smaller frame is still one contiguous block, as cvtColor's dst must be.
        self._ring = np.ndarray((slots, frame_bytes), np.uint8, buffer=self._shm.buf)
        self._send(OpenRing(self._shm.name, shape, slots))

    def wait_ready(self) -> None:
        """Wait until the process has its model and ring (frames may be sent before: they
        wait in the pipe); raise PoseProcessError if it failed to start."""
        if self._ready:
            return
        try:
            msg = self._get(timeout=120)
        except (RuntimeError, TimeoutError) as exc:
            self.close()
            raise PoseProcessError(f"pose worker failed to start: {exc}") from None
        if not isinstance(msg, Ready):
            self.close()
            reason = msg.reason if isinstance(msg, Failed) else msg
            raise PoseProcessError(f"pose worker failed to start: {reason}")
        self._ready = True

    def _get(self, timeout: float | None = None):
        while True:
            try:
                if self._results.poll(0.5 if timeout is None else min(timeout, 0.5)):
                    return self._results.recv()
            except (EOFError, OSError):
                raise PoseProcessError("the pose worker process died") from None
            if not self.proc.is_alive():
                raise PoseProcessError("the pose worker process died")
            if timeout is not None:
                timeout -= 0.5
                if timeout <= 0:
                    raise TimeoutError("the pose worker did not answer")

    def stage(self, slot: int, image, max_side: int | None = None) -> tuple[int, int]:
        """Convert the BGR `image` into `slot` as RGB, first shrunk so that its longer side
        is at most `max_side` if given, and so that it fits the slot (a stream whose frames
        grow midway); returns the staged (height, width). Not yet sent."""
        import cv2

        assert self._ring is not None, "open_ring first"
        h, w = image.shape[:2]
        scale = min(1.0, max_side / max(h, w)) if max_side else 1.0
        scale = min(scale, (self._ring.shape[1] / (h * w * 3)) ** 0.5)
        sh, sw = h, w
        if scale < 1:  # rounded down, so that it always fits
            sh, sw = max(1, int(h * scale)), max(1, int(w * scale))
        dst = self._ring[slot, :sh * sw * 3].reshape(sh, sw, 3)
        if (sh, sw) != (h, w):
            cv2.resize(image, (sw, sh), dst=dst, interpolation=cv2.INTER_AREA)
            cv2.cvtColor(dst, cv2.COLOR_BGR2RGB, dst=dst)
        else:
            cv2.cvtColor(image, cv2.COLOR_BGR2RGB, dst=dst)
        return sh, sw

    def send(self, job: Job) -> None:
        """Queue a staged frame for inference."""
        self._send(job)

    def result(self, timeout: float | None = None) -> Done:
        """The next result, in submission order. ServerStopped after stop()."""
        self.wait_ready()
        msg = self._get(timeout)
        if isinstance(msg, Finished):
            self.times = msg.times
            raise ServerStopped
        if isinstance(msg, Failed):
            raise PoseProcessError(f"pose inference failed: {msg.reason}")
        return msg

    def stop(self) -> None:
        """Ask the process to finish (results already queued still come first)."""
        if not self._stopping:
            self._stopping = True
            self._send(Stop())

    def close(self) -> None:
        """Stop, collect its times, reap it; release the ring. Safe to call twice. One not
        ready yet (e.g. interrupted while starting) is ended at once, not waited for."""
        if self._closed:  # wait_ready closes a process that failed; its owner closes it too
            return
        self._closed = True
        try:
            if self._ready and self.proc.is_alive():
                self.stop()
                try:
                    while self.times is None:  # unless a reader thread already got them
                        self.result(timeout=5)
                except (ServerStopped, OSError, RuntimeError, TimeoutError):
                    pass
                self.proc.join(timeout=5)
        finally:
            self.end()
            if self._shm is not None:
                self._ring = None
                self._shm.close()
                self._shm.unlink()

    def end(self) -> None:
        """End the process now if it is still running (one never given work holds nothing:
        no need to wait for it to finish importing) and close its pipes."""
        self._closed = True
        if self.proc.pid is not None:
            self.proc.terminate()
            self.proc.join(timeout=5)
        for end in (*self._child_ends, self._jobs, self._results):
            end.close()


class WarmPool:
    """Pose processes started before the command knows everything it will do with them
    (the backend takes them: ProcessPoolBackend's `warm`); what is not taken is ended by
    close(). Contract: WarmPool(n) returns at once (the processes are started from a thread:
    with the fork server the first start waits for its imports); load(model) may be called
    any number of times before the processes are taken; take() hands out a started process
    or None."""

    def __init__(self, n: int) -> None:
        ctx = _context()
        self._procs = [PoseProcess(start=False, ctx=ctx) for _ in range(n)]
        self._starter = threading.Thread(target=self._start, name="pose-start", daemon=True)
        self._starter.start()

    def _start(self) -> None:
        for proc in self._procs:
            try:
                proc.start()
            except Exception:  # noqa: BLE001  # it shows as a dead process when taken
                pass

    def load(self, model_path: Path | str, second_look: Path | None = None) -> None:
        """Name the model as soon as it is known, so that the processes load it while this
        one still opens the video; the same one is not loaded twice, and one that fails to
        load is forgotten once a later one loads. The first does the crowd census (as the
        backends ask of the first process they take)."""
        for i, proc in enumerate(self._procs):
            proc.load(model_path, census=(i == 0), second_look=second_look)

    def started(self) -> list[PoseProcess]:
        """The processes not taken yet, once all have been started."""
        self._starter.join()
        return list(self._procs)

    def take(self) -> PoseProcess | None:
        self._starter.join()
        return self._procs.pop(0) if self._procs else None

    def close(self) -> None:
        self._starter.join()
        for proc in self._procs:
            proc.end()
        self._procs.clear()
