"""The live keys and what they do to the set under way: space pauses everything (the capture,
the session clock, the counting), `r` counts the set again from 0, `n` moves to the next set,
`f` toggles full screen, q/Esc end the session. Each change is a `LiveEvent`: shown on the
screen for a moment, kept in `events`, and passed to listeners (the spoken feedback)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from formcheck.analysis.engine import Engine

NOTICE_S = 1.5  # session seconds an event's text stays on screen


class Action(Enum):
    QUIT = "quit"
    PAUSE = "pause"
    RESET = "reset"
    NEXT = "next"
    FULLSCREEN = "fullscreen"


KEYMAP: dict[int, Action] = {
    ord("q"): Action.QUIT, 27: Action.QUIT,  # Esc
    ord(" "): Action.PAUSE,
    ord("r"): Action.RESET,
    ord("n"): Action.NEXT,
    ord("f"): Action.FULLSCREEN,
}


def action_of(key: int) -> Action | None:
    if key < 0:
        return None
    return KEYMAP.get(key & 0xFF) or KEYMAP.get(ord(chr(key & 0xFF).lower()))


@dataclass(frozen=True)
class LiveEvent:
    t_s: float  # session time (frame timestamps) when it happened
    kind: str  # "paused" | "resumed" | "reset" | "next_set" | "quit"
    text: str  # what the screen shows (and the voice may say)


Listener = Callable[[LiveEvent], None]

# What the voice says for each event (few words, made before the session: see live.py);
# "quit" says nothing here: the voice's farewell ends the session.
SPOKEN = {"paused": "paused", "resumed": "go", "reset": "set restarted",
          "next_set": "next set"}


@dataclass
class SetControls:
    """Applies the keys to a live set. `clock`: the session clock (source.clock.PauseClock),
    stopped while paused; the capture thread waits on `running` before each frame."""

    engine: Engine
    clock: object | None = None
    listeners: list[Listener] = field(default_factory=list)
    events: list[LiveEvent] = field(default_factory=list)
    set_number: int = 1
    running: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.running.set()

    @property
    def paused(self) -> bool:
        return not self.running.is_set()

    def apply(self, action: Action | None, t_s: float) -> bool:
        """Do what the action asks at session time `t_s`; True: the session ends."""
        if action is Action.QUIT:
            self.running.set()  # never leave the capture thread waiting
            self._event(t_s, "quit", "Session over")
            return True
        if action is Action.PAUSE:
            self.resume(t_s) if self.paused else self.pause(t_s)
        elif action is Action.RESET:
            self.engine.new_set()
            self._event(t_s, "reset", f"Set {self.set_number} restarted")
        elif action is Action.NEXT:
            self.engine.new_set()
            self.set_number += 1
            self._event(t_s, "next_set", f"Set {self.set_number}")
        return False

    def pause(self, t_s: float) -> None:
        self.running.clear()
        getattr(self.clock, "pause", lambda: None)()
        self._event(t_s, "paused", "Paused")

    def resume(self, t_s: float) -> None:
        getattr(self.clock, "resume", lambda: None)()
        self.running.set()
        self._event(t_s, "resumed", "Go")

    def notice(self, t_s: float) -> str | None:
        """The text for the middle of the screen at `t_s`: "Paused" while paused, else the
        last event's for NOTICE_S."""
        if self.paused:
            return "Paused - space to go on"
        if self.events and 0 <= t_s - self.events[-1].t_s <= NOTICE_S:
            return self.events[-1].text
        return None

    def _event(self, t_s: float, kind: str, text: str) -> None:
        ev = LiveEvent(t_s, kind, text)
        self.events.append(ev)
        for listener in self.listeners:
            listener(ev)
