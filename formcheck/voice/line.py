"""One voice, one phrase at a time: when each asked-for phrase plays, on the session clock.

- A count or countdown word (urgent) plays at once: it cuts a cue or event being spoken, and
  waits only for another urgent phrase to end; a newer one replaces an older one still
  waiting (only the latest number is worth saying).
- At most one cue waits; a newer cue replaces it. A waiting phrase with a topic is dropped
  when its topic is no longer true, and one being spoken is cut then.
- Events (set done, rest, switch sides) wait their turn in order and are never dropped: one
  cut by a count as it starts (the last rep of a set is counted in the frame that ends the
  set) is said whole after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from formcheck.voice.announcer import URGENT, Say

Pcm = Callable[[str], "np.ndarray | None"]  # the phrase's PCM, None while not yet made


@dataclass
class Spoken:
    """A phrase as placed on the session clock; `end_s` moves to the cut time if cut."""

    say: Say
    start_s: float
    end_s: float
    pcm: np.ndarray
    cut: bool = False

    @property
    def text(self) -> str:
        return self.say.text


@dataclass
class Cut:
    at_s: float


class VoiceLine:
    def __init__(self, pcm: Pcm, rate: int):
        self._pcm, self.rate = pcm, rate
        self._urgent: Say | None = None
        self._cue: Say | None = None
        self._events: list[Say] = []
        self.playing: Spoken | None = None
        self.dropped: list[Say] = []  # stale phrases never spoken (for tests and --verbose)

    def ask(self, say: Say) -> None:
        if say.kind in URGENT:
            if self._urgent is not None:
                self.dropped.append(self._urgent)
            self._urgent = say
        elif say.kind == "cue":
            if self._cue is not None:
                self.dropped.append(self._cue)
            self._cue = say
        else:
            self._events.append(say)

    def tick(self, t: float, topics: set[str]) -> list[Spoken | Cut]:
        """What happens at time t: cuts, and the phrase that starts (at t), if any."""
        out: list[Spoken | Cut] = []
        for name in ("_urgent", "_cue"):
            say = getattr(self, name)
            if say is not None and say.topic is not None and say.topic not in topics:
                self.dropped.append(say)
                setattr(self, name, None)
        playing = self.playing
        busy = playing is not None and playing.end_s > t
        if busy and self._stale(playing, topics, urgent_waiting=self._urgent is not None):
            out.append(self._cut(t))
            busy = False
        if busy:
            return out
        nxt = self._next()
        if nxt is None:
            return out
        pcm = self._pcm(nxt.text)
        if pcm is None:  # not made yet: it waits (only phrases never asked before)
            return out
        self._take(nxt)
        self.playing = Spoken(nxt, t, t + len(pcm) / self.rate, pcm)
        out.append(self.playing)
        return out

    def drain(self, t: float, topics: set[str]) -> list[Spoken | Cut]:
        """After the last frame: the waiting events, one after another (cues and countdowns
        are no longer true)."""
        self._urgent = self._cue = None
        out: list[Spoken | Cut] = []
        while self._events:
            if self.playing is not None:
                t = max(t, self.playing.end_s)
            before = len(self._events)
            out += self.tick(t, topics)
            if len(self._events) == before:  # its sound never came: say nothing more
                break
        return out

    def _stale(self, playing: Spoken | None, topics: set[str], urgent_waiting: bool) -> bool:
        if playing is None:
            return False
        say = playing.say
        if say.topic is not None and say.topic not in topics:
            return True
        return urgent_waiting and say.kind not in URGENT

    def _cut(self, t: float) -> Cut:
        playing = self.playing
        assert playing is not None
        if playing.say.kind == "event" and t <= playing.start_s:
            self._events.insert(0, playing.say)  # not heard yet: its turn comes again
        playing.end_s, playing.cut = t, True
        self.playing = None
        return Cut(t)

    def _next(self) -> Say | None:
        return self._urgent or (self._events[0] if self._events else None) or self._cue

    def _take(self, say: Say) -> None:
        if say is self._urgent:
            self._urgent = None
        elif say is self._cue:
            self._cue = None
        else:
            self._events.pop(0)
