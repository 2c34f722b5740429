"""Pose processes started ahead of their work, and how many a video gets.

This module is light on purpose (no numpy, OpenCV or MediaPipe): the command line imports it
first thing and starts the processes, whose start-up then overlaps the command line's own
imports. The work they do once given a job is in worker.py.

Where the platform has it, the processes are forked by multiprocessing's fork server, which
imports numpy, OpenCV and MediaPipe once (pose_preload.py) for all of them: every further
pose process starts with them loaded, about half a second of CPU saved per process at the
moment this machine is busiest. The server is started single-threaded (no BLAS threads), so
forking it is safe, and it is a new program, not a fork of this one, so threads here do not
matter. Elsewhere each process is spawned and imports for itself.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading

STOP = None  # the message that ends a pose process
PRELOAD = "formcheck.pipeline.pose_preload"


class PoseProcessError(RuntimeError):
    """A pose process failed to start, load its model or run it, or died: MediaPipe's own
    account of it is in the run's native log."""


def _child(jobs, results) -> None:
    from formcheck.pipeline.worker import _serve

    _serve(jobs, results)


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


def default_pose_processes() -> int:
    """Pose processes for one video: one per core (up to 4) beside this process, which
    decodes, draws and encodes; none on a single core."""
    cores = os.cpu_count() or 1
    return min(cores, 4) if cores >= 2 else 0


def live_pose_processes(workers: int | None) -> int:
    """Pose processes for a live session: `workers` - 1 when given (processes in all, as for
    analyze), else two on two or more cores (taking turns, so that a frame rarely waits for
    the model: see live.py), none on one core (the landmarker's own LIVE_STREAM mode)."""
    if workers:
        return max(workers - 1, 0)
    return min(2, default_pose_processes())


class PoseProcess:
    """A pose process started ahead of its work: it imports MediaPipe (most of its start-up)
    while the caller is still parsing arguments and opening the video."""

    def __init__(self, start: bool = True, ctx=None) -> None:
        ctx = ctx or _context()
        jobs_out, self.jobs = ctx.Pipe(duplex=False)
        self.results, results_in = ctx.Pipe(duplex=False)
        self._child_ends = (jobs_out, results_in)
        self.proc = ctx.Process(target=_child, name="formcheck-pose", daemon=True,
                                args=self._child_ends)
        self.loaded: tuple[str, bool] | None = None  # (model, census) it was told to load
        if start:
            self.start()

    def start(self) -> None:
        """Start the process (with the fork server, this waits until the server has
        imported MediaPipe: see WarmPool). Messages sent before wait in the pipe."""
        self.proc.start()
        for end in self._child_ends:  # closed here so that a dead child shows as EOF
            end.close()

    def load(self, model_path, census: bool) -> None:
        """Have it load the model (and the crowd-census landmarker) now, unless told so
        already; its frame ring comes later (InferenceWorker)."""
        if self.loaded == (str(model_path), census):
            return
        self.jobs.send(("load", str(model_path), census))
        self.loaded = (str(model_path), census)

    def end(self) -> None:
        """End the process now if it is still running (one never given work holds nothing:
        no need to wait for it to finish importing) and close its pipes."""
        if self.proc.pid is not None:
            self.proc.terminate()
            self.proc.join(timeout=5)
        for end in self._child_ends:
            end.close()
        self.jobs.close()
        self.results.close()


class WarmPool:
    """Pose processes started at program start for the command about to need them; what is
    not taken is ended by close()."""

    def __init__(self, n: int) -> None:
        ctx = _context()
        self._procs = [PoseProcess(start=False, ctx=ctx) for _ in range(n)]
        # Started from a thread: with the fork server, the first start waits for its
        # imports, while this process has its own to do.
        self._starter = threading.Thread(target=self._start, name="pose-start", daemon=True)
        self._starter.start()

    def _start(self) -> None:
        for proc in self._procs:
            try:
                proc.start()
            except Exception:  # noqa: BLE001  # it shows as a dead process when taken
                pass

    def load(self, model_path) -> None:
        """Name the model as soon as it is known, so that the processes load it while this
        one still parses arguments and opens the video: the command line names its guess
        (the cached model) at once and the checked model later; the same one is not loaded
        twice, and a guess that fails to load is forgotten once the right one loads. The
        first does the crowd census (as analyze and live ask of the first process they
        take)."""
        for i, proc in enumerate(self._procs):
            try:
                proc.load(model_path, census=(i == 0))
            except OSError:
                pass  # a process that died already: InferenceWorker.wait_ready says so

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
