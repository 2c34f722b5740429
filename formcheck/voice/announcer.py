"""What to say, and when, from the engine's per-frame state: the count as each rep (or hold)
is counted, a hold's countdown, the current cue, set done. Pure logic on the session clock
(the frames' timestamps); the voice line decides when each phrase actually plays.

Every phrase but an event carries a topic: it may be spoken only while its topic is in
`topics` (the cue is still shown, the hold still runs), so a phrase that waited its turn is
dropped once it is no longer true."""

from __future__ import annotations

from dataclasses import dataclass, field

from formcheck.analysis.exercise import ExerciseSpec
from formcheck.analysis.state import AnalysisState

CUE_SETTLE_S = 0.3  # a cue is spoken once it has been shown this long (not a one-frame flicker)
CUE_REPEAT_S = 8.0  # ... and the same cue not again sooner than this
COUNTDOWN = (3, 2, 1)  # seconds left when the numbers are said
LONG_HOLD_S = 15.0  # holds at least this long also get "10 seconds" left
FIRST_MARK_S = 0.6  # no countdown word this soon after "hold" (it would talk over it)

URGENT = ("count", "countdown")  # kinds that must be heard on time: they pre-empt cues


@dataclass(frozen=True)
class Say:
    text: str
    kind: str  # "count" | "countdown" | "cue" | "event"
    t_s: float  # when it was asked for (session clock)
    topic: str | None = None  # spoken only while this is true (see Announcer.topics)


def fixed_phrases(spec: ExerciseSpec, up_to: int = 30) -> list[str]:
    """Every phrase the announcer can say for this exercise (made before the session starts)."""
    from formcheck.analysis.view import CUES as SETUP_CUES

    cues = [f.cue for f in spec.faults] + [c.message for c in SETUP_CUES.values()]
    words = ["hold", "down", "10 seconds", "set done", "session done", "switch sides"]
    return [str(n) for n in range(1, up_to + 1)] + words + cues


@dataclass
class Announcer:
    spec: ExerciseSpec
    auto_sets: bool = True  # say "set done" when a set's reps are done (a guided session
    # that runs the sets itself turns it off)
    topics: set[str] = field(default_factory=set)
    _count: int = 0
    _set: int = 0
    _base: int = 0  # the count when the current set began
    _hold: int = 0  # holds seen (a topic per hold)
    _holding: bool = False
    _marks: set[float] = field(default_factory=set)
    _cue: str | None = None
    _cue_since: float = 0.0
    _cue_said: dict[str, float] = field(default_factory=dict)  # code -> when last asked for

    @property
    def target(self) -> int | None:
        """Reps (or holds) in a set: a hold exercise without a rep count holds once a set."""
        p = self.spec.prescription
        return p.reps or (1 if self.spec.kind == "hold" else None)

    def update(self, state: AnalysisState) -> list[Say]:
        says = self._counts(state) + self._countdown(state) + self._cues(state)
        self.topics = {t for t in (self._hold_topic if self._holding else None,
                                   f"cue:{self._cue}" if self._cue else None) if t}
        return says

    def unsaid(self, say: Say) -> None:
        """`say` was dropped unspoken: a cue may be asked for again as soon as it is true."""
        if say.kind == "cue" and say.topic:
            self._cue_said.pop(say.topic.removeprefix("cue:"), None)

    def new_set(self) -> None:
        """The next rep is the first of a new set (a guided session's set, a reset)."""
        self._base = self._count

    # ------------------------------------------------------------------ parts
    def _counts(self, s: AnalysisState) -> list[Say]:
        if s.rep_count < self._count:  # counting started afresh (reset)
            self._count = self._base = s.rep_count
        if s.set_count != self._set:
            if self._set:
                self._base = self._count  # the engine saw a long pause: a new set
            self._set = s.set_count
        if s.rep_count == self._count:
            return []
        before, self._count = self._count - self._base, s.rep_count
        n = self._count - self._base
        says = [Say(str(n), "count", s.t_s)]  # several at once (a confirmed pair): the last
        if self.auto_sets and self.target and before < self.target <= n:
            says.append(Say("set done", "event", s.t_s))
            self._base = self._count  # the next rep is the next set's first
        return says

    @property
    def _hold_topic(self) -> str:
        return f"hold:{self._hold}"

    def _countdown(self, s: AnalysisState) -> list[Say]:
        target = s.hold_target_s
        holding = bool(target) and (s.phase == "hold" or s.phase == "top" and s.hold_s > 0)
        if not holding:
            self._holding = False
            return []
        assert target is not None
        says = []
        if not self._holding:
            self._holding, self._hold, self._marks = True, self._hold + 1, set()
            says.append(Say("hold", "countdown", s.t_s, self._hold_topic))
        marks = [(target - n, str(n)) for n in COUNTDOWN]
        if target >= LONG_HOLD_S:
            marks.insert(0, (target - 10, "10 seconds"))
        marks.append((target, "down"))
        due = [(at, word) for at, word in marks
               if at >= FIRST_MARK_S and at not in self._marks and s.hold_s >= at]
        if due:  # a late frame: only the latest word
            self._marks.update(at for at, _ in due)
            says.append(Say(due[-1][1], "countdown", s.t_s, self._hold_topic))
        return says

    def _cues(self, s: AnalysisState) -> list[Say]:
        cue = s.cue if s.cue is not None and s.cue.kind != "info" else None
        code = cue.code if cue else None
        if code != self._cue:
            self._cue, self._cue_since = code, s.t_s
        if cue is None or s.t_s - self._cue_since < CUE_SETTLE_S:
            return []
        if s.t_s - self._cue_said.get(cue.code, -CUE_REPEAT_S) < CUE_REPEAT_S:
            return []  # said a moment ago, in this stretch or the last one: no nagging
        self._cue_said[cue.code] = s.t_s
        return [Say(cue.message, "cue", s.t_s, f"cue:{code}")]
