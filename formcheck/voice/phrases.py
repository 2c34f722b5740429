"""Each phrase's PCM, synthesised once by a worker thread so a frame never waits on speech.

The fixed phrases (numbers, countdown words, the exercise's own cues) are made at start;
any other phrase is made on first request and is ready a moment later."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable

import numpy as np

from formcheck.voice.engine import EngineUnavailable

Synth = Callable[[str], np.ndarray]


class Phrases:
    """`make_engine` runs in the worker: the engine is created and used on that one thread."""

    def __init__(self, make_engine: Callable[[], object], fixed: Iterable[str],
                 ready_timeout_s: float = 10.0):
        self._cache: dict[str, np.ndarray] = {}
        self._asked: set[str] = set()
        self._todo: queue.Queue[str | None] = queue.Queue()
        self._ready = threading.Event()
        self.rate = 0
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, args=(make_engine, list(fixed)),
                                        name="speech", daemon=True)
        self._thread.start()
        self._ready.wait(ready_timeout_s)
        if not self._ready.is_set() and self.error is None:
            self.error = "the speech engine took too long to start"

    def _run(self, make_engine: Callable[[], object], fixed: list[str]) -> None:
        try:
            engine = make_engine()
            synth: Synth = engine.synth  # type: ignore[attr-defined]
            self.rate = engine.rate  # type: ignore[attr-defined]
            for phrase in fixed:
                self._cache[phrase] = synth(phrase)
        except EngineUnavailable as exc:
            self.error = str(exc)
            return
        except Exception as exc:  # a broken install: the session goes on without speech
            self.error = f"the speech engine failed: {exc}"
            return
        finally:
            self._ready.set()
        while (text := self._todo.get()) is not None:
            try:
                self._cache[text] = synth(text)
            except Exception:  # that phrase stays unsaid; the fixed ones still work
                continue

    @property
    def ok(self) -> bool:
        return self.error is None and self._ready.is_set()

    def get(self, text: str) -> np.ndarray | None:
        """The phrase's PCM, or None while it is being made (asked for on first call)."""
        pcm = self._cache.get(text)
        if pcm is None and text not in self._asked and self.ok:
            self._asked.add(text)
            self._todo.put(text)
        return pcm

    def wait(self, text: str, timeout_s: float = 5.0) -> np.ndarray | None:
        """The phrase's PCM, made now if need be (offline runs, where nothing is real-time)."""
        if self.get(text) is None and self.ok:
            poll = threading.Event()
            for _ in range(int(timeout_s / 0.002)):
                if text in self._cache:
                    break
                poll.wait(0.002)
        return self._cache.get(text)

    def close(self) -> None:
        self._todo.put(None)
        self._thread.join(timeout=2)
