"""Where the per-video tasks run: local processes (one per core by default) or Ray actors on
a cluster. Both keep one Worker (task.py) per process for its whole life, send a worker its
next video only when it is free, and yield each result as it comes, so the driver records it
at once and an interruption loses only the videos in flight."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any

from formcheck.batch.task import TaskResult, VideoTask, Worker
from formcheck.errors import UserError


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when the driver dies, even by SIGKILL (its video
    in flight is abandoned, not finished behind the next run's back)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _serve(conn: Connection) -> None:
    """A local worker process: videos in, results out, until told to stop (None)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the driver's to handle
    _die_with_parent()
    worker = Worker()
    try:
        while (task := conn.recv()) is not None:
            conn.send(worker.run(task))
    except (EOFError, OSError):  # the driver is gone
        pass
    os._exit(0)  # no MediaPipe teardown: nobody waits for it


class LocalExecutor:
    """`workers` processes on this machine, each analysing one video at a time."""

    name = "local"

    def __init__(self, workers: int = 0):
        if workers < 0:
            raise UserError(f"--workers must be 0 (one per core) or more, not {workers}")
        self.workers = workers or os.cpu_count() or 1
        self._ctx = mp.get_context("spawn")  # a new interpreter: no threads or locks forked
        self._procs: dict[Connection, Any] = {}

    def _start(self) -> Connection:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_serve, args=(child,), name="formcheck-batch",
                                 daemon=True)
        proc.start()
        child.close()
        self._procs[parent] = proc
        return parent

    def map(self, tasks: Iterable[VideoTask]) -> Iterator[tuple[VideoTask, TaskResult]]:
        pending = deque(tasks)
        idle = [self._start() for _ in range(min(self.workers, len(pending)))]
        busy: dict[Connection, VideoTask] = {}
        while pending or busy:
            while idle and pending:
                conn = idle.pop()
                busy[conn] = pending.popleft()
                conn.send(busy[conn])
            for ready in wait(list(busy)):
                conn = ready  # type: ignore[assignment]  # one of busy's pipes
                task = busy.pop(conn)
                try:
                    result = conn.recv()
                    idle.append(conn)
                except (EOFError, OSError):
                    code = self._procs.pop(conn).exitcode
                    result = TaskResult(task.video, False,
                                        f"the worker process died (exit code {code})")
                    if pending:
                        idle.append(self._start())
                yield task, result

    def close(self) -> None:
        """Stop every worker now: a video in flight is abandoned (its row stays to do)."""
        for conn, proc in self._procs.items():
            if proc.is_alive():
                proc.kill()
            proc.join(timeout=10)
            conn.close()
        self._procs.clear()


class RayExecutor:
    """One actor per CPU of the cluster at `address` (or RAY_ADDRESS; a local Ray when
    neither is given), each a Worker that keeps its landmarker across videos."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int = 0):
        try:
            import ray
        except ImportError:
            raise UserError("--executor ray needs Ray: pip install 'formcheck[cluster]'"
                            ) from None
        self._ray = ray
        try:
            # "local": a new private Ray, never a cluster someone else started here
            ray.init(address=address or os.environ.get("RAY_ADDRESS") or "local",
                     log_to_driver=False, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise UserError(f"cannot reach the Ray cluster at {address}: {exc}") from None
        # An actor takes a CPU for its life: more than the cluster has would never start.
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.workers = min(workers, cpus) if workers else cpus
        self._actor = ray.remote(num_cpus=1)(Worker)
        self._actors: list[Any] = []

    def map(self, tasks: Iterable[VideoTask]) -> Iterator[tuple[VideoTask, TaskResult]]:
        ray = self._ray
        pending = deque(tasks)
        self._actors = [self._actor.remote() for _ in range(min(self.workers, len(pending)))]
        idle = list(self._actors)
        busy: dict[Any, tuple[Any, VideoTask]] = {}
        while pending or busy:
            while idle and pending:
                actor, task = idle.pop(), pending.popleft()
                busy[actor.run.remote(task)] = (actor, task)
            ready, _ = ray.wait(list(busy), num_returns=1)
            actor, task = busy.pop(ready[0])
            try:
                result = ray.get(ready[0])
                idle.append(actor)
            except ray.exceptions.RayError as exc:  # the actor or its node died
                result = TaskResult(task.video, False,
                                    f"the Ray worker failed: {type(exc).__name__}")
                self._actors.remove(actor)
                if pending:
                    fresh = self._actor.remote()
                    self._actors.append(fresh)
                    idle.append(fresh)
            yield task, result

    def close(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []
        self._ray.shutdown()
