"""The voice of a session: engine state in each frame, phrases out to the sinks (a sound
device, a WAV track) at their session-clock times. Everything here runs in microseconds per
frame; synthesis is in the phrase worker and playback in the device's audio thread."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from formcheck.analysis.exercise import ExerciseSpec
from formcheck.analysis.state import AnalysisState
from formcheck.voice.announcer import Announcer, Say, fixed_phrases
from formcheck.voice.line import Cut, Spoken, VoiceLine
from formcheck.voice.phrases import Phrases


class Sink(Protocol):
    def play(self, start_s: float, pcm) -> None: ...

    def cut(self, at_s: float) -> None: ...

    def close(self, end_s: float) -> None: ...


@dataclass
class Voice:
    announcer: Announcer
    phrases: Phrases
    sinks: list[Sink]
    blocking: bool = False  # wait for a phrase's synthesis (offline runs: nothing is real-time)
    spoken: list[Spoken] = field(default_factory=list)
    last_t: float = 0.0  # on the voice's clock: frame time + offset_s
    offset_s: float = 0.0
    _forgotten: int = 0  # dropped phrases already reported to the announcer

    def __post_init__(self) -> None:
        pcm = self.phrases.wait if self.blocking else self.phrases.get
        self.line = VoiceLine(pcm, self.phrases.rate)

    def update(self, state: AnalysisState) -> None:
        """One analysed frame."""
        for say in self.announcer.update(state):
            self.line.ask(say)
        self._tick(state.t_s + self.offset_s)

    def exercise(self, spec: ExerciseSpec, offset_s: float) -> None:
        """The next exercise of a guided session, whose frame times start again from 0: they
        are placed `offset_s` later on this voice's clock (one track for the whole session)."""
        self.announcer = Announcer(spec, auto_sets=self.announcer.auto_sets)
        self.offset_s = offset_s
        self.prepare(fixed_phrases(spec))

    def say(self, text: str, t_s: float | None = None) -> None:
        """An event to announce ("rest 60 seconds", "switch sides"): in turn, never dropped.
        `t_s` is on the voice's clock (default: the last frame's time)."""
        self.line.ask(Say(text, "event", self.last_t if t_s is None else t_s))
        self._tick(self.last_t if t_s is None else t_s)

    def prepare(self, texts: list[str]) -> None:
        """Have these phrases made now, ahead of their time ("rest 60 seconds")."""
        for text in texts:
            self.phrases.get(text)

    def tick(self, t_s: float) -> None:
        """Time passes without frames (a rest timer; `t_s` on the voice's clock): waiting
        phrases get their turn."""
        self._tick(t_s)

    def _tick(self, t: float) -> None:
        self.last_t = max(self.last_t, t)
        self._send(self.line.tick(self.last_t, self.announcer.topics))
        for say in self.line.dropped[self._forgotten:]:
            self.announcer.unsaid(say)  # a stale cue may be said when it is true again
        self._forgotten = len(self.line.dropped)

    def _send(self, actions: list[Spoken | Cut]) -> None:
        for act in actions:
            for sink in self.sinks:
                if isinstance(act, Cut):
                    sink.cut(act.at_s)
                else:
                    sink.play(act.start_s, act.pcm)
            if isinstance(act, Spoken):
                self.spoken.append(act)

    @property
    def dropped(self) -> list[Say]:
        return self.line.dropped

    def close(self, end_s: float | None = None, farewell: str | None = "session done") -> None:
        """Say the waiting events (and `farewell`) after the last frame, finish the sinks."""
        end = max(self.last_t if end_s is None else end_s, self.last_t)
        if farewell:
            self.line.ask(Say(farewell, "event", end))
        self._send(self.line.drain(end, set()))
        last = max((s.end_s for s in self.spoken), default=end)
        for sink in self.sinks:
            sink.close(max(end, last))
        self.phrases.close()


def note(message: str) -> None:
    print(f"formcheck: note: {message}", file=sys.stderr)


def open_voice(spec: ExerciseSpec, *, device: bool, wav: Path | None,
               make_engine: Callable[[], object] | None = None,
               open_device: Callable | None = None, blocking: bool = False,
               auto_sets: bool = True) -> Voice | None:
    """A voice speaking to the sound device (when `device` and one exists) and/or into `wav`;
    None, after one note on stderr, when there is nothing to speak with or to."""
    from formcheck.voice.engine import EspeakEngine
    from formcheck.voice.player import DevicePlayer, NoDevice
    from formcheck.voice.wav_track import WavTrack

    phrases = Phrases(make_engine or EspeakEngine, fixed_phrases(spec))
    if phrases.error:
        note(f"voice off: {phrases.error}")
        phrases.close()
        return None
    sinks: list[Sink] = []
    if device:
        try:
            sinks.append(DevicePlayer(phrases.rate, *(open_device,) if open_device else ()))
        except NoDevice as exc:
            if wav is None:
                note(f"voice off: {exc}")
    if wav is not None:
        sinks.append(WavTrack(wav, phrases.rate))
    if not sinks:
        phrases.close()
        return None
    return Voice(Announcer(spec, auto_sets=auto_sets), phrases, sinks, blocking=blocking)
