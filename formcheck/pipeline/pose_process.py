"""Pose processes started ahead of their work, and how many a video gets.

This module is light on purpose (no numpy, OpenCV or MediaPipe): the command line imports it
first thing and starts the processes, which then import MediaPipe while the command line
imports everything else. The work they do once given a job is in worker.py.
"""

from __future__ import annotations

import multiprocessing as mp
import os

STOP = None  # the message that ends a pose process


def _child(jobs, results) -> None:
    from formcheck.pipeline.worker import _serve

    _serve(jobs, results)


def default_pose_processes() -> int:
    """Pose processes for one video: one per core (up to 4) beside this process, which
    decodes, draws and encodes; none on a single core."""
    cores = os.cpu_count() or 1
    return min(cores, 4) if cores >= 2 else 0


class PoseProcess:
    """A pose process started ahead of its work: it imports MediaPipe (most of its start-up)
    while the caller is still parsing arguments and opening the video."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")  # no fork of a process that already runs threads
        jobs_out, self.jobs = ctx.Pipe(duplex=False)
        self.results, results_in = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, name="formcheck-pose", daemon=True,
                                args=(jobs_out, results_in))
        self.proc.start()
        jobs_out.close()  # the child's ends: closed here so a dead child shows as EOF
        results_in.close()
        self.loaded: tuple[str, bool] | None = None  # (model, census) it was told to load

    def load(self, model_path, census: bool) -> None:
        """Have it load the model (and the crowd-census landmarker) now; its frame ring
        comes later (InferenceWorker)."""
        self.jobs.send(("load", str(model_path), census))
        self.loaded = (str(model_path), census)

    def end(self) -> None:
        """End the process now if it is still running (one never given work holds nothing:
        no need to wait for it to finish importing) and close its pipes."""
        self.proc.terminate()
        self.proc.join(timeout=5)
        self.jobs.close()
        self.results.close()


class WarmPool:
    """Pose processes started at program start for the command about to need them; what is
    not taken is ended by close()."""

    def __init__(self, n: int) -> None:
        self._procs = [PoseProcess() for _ in range(n)]

    def load(self, model_path) -> None:
        """Name the model as soon as it is known, so that the processes load it while this
        one still opens the video. The first does the crowd census (as analyze and live ask
        of the first process they take)."""
        for i, proc in enumerate(self._procs):
            try:
                proc.load(model_path, census=(i == 0))
            except OSError:
                pass  # a process that died already: InferenceWorker.wait_ready says so

    def take(self) -> PoseProcess | None:
        return self._procs.pop(0) if self._procs else None

    def close(self) -> None:
        for proc in self._procs:
            proc.end()
        self._procs.clear()
