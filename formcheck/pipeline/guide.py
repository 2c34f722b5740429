"""The steps of one exercise in a guided session, in time: set -> (switch sides -> set) ->
rest -> set ... -> done. No I/O: fed the frame time and the reps (holds) counted so far,
answered the session keys; it says what happens as events (spoken and shown by the runner).
Time is the frames' own (a paused or fake clock moves it as it moves them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from formcheck.analysis.plan import PlanItem

SWITCH_S = 10.0  # to turn over for the other side
# A longer gap between two frames is no rest taken (a pause that held the frames back, a
# stalled camera): a rest counts at most this much of it.
MAX_FRAME_GAP_S = 1.0
COUNTDOWN = (3, 2, 1)  # the last seconds of a rest (switch), said
# Event kinds, in the order a session may give them.
EVENT_KINDS = ("exercise", "set", "redo", "set_done", "rest", "switch", "countdown", "skip",
               "exercise_done", "ended", "stopped", "session_done")
# How an exercise may end early without a word from the person (said: "ended").
QUIET_ENDS = ("quit", "interrupted")


@dataclass(frozen=True)
class Event:
    t: float  # frame time of the exercise's source (seconds)
    kind: str  # EVENT_KINDS
    text: str  # said and shown
    exercise: str = ""
    set: int | None = None
    side: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SetResult:
    set: int
    side: str | None
    target: int
    done: int = 0  # reps (holds) counted in it
    ended: str = ""  # "done", "next" (the n key), "skipped", or why the exercise stopped

    def to_dict(self) -> dict:
        return asdict(self)


def _plural(n: float, word: str) -> str:
    return f"{n:g} {word}" + ("" if n == 1 else "s")


def set_goal(item: PlanItem) -> str:
    """'10 reps', 'hold 30 seconds', '5 holds of 45 seconds'."""
    if item.unit == "rep":
        return _plural(item.units, "rep")
    if item.units == 1 and item.hold_s:
        return f"hold {_plural(item.hold_s, 'second')}"
    return _plural(item.units, "hold") + (f" of {_plural(item.hold_s, 'second')}"
                                          if item.hold_s else "")


def side_name(side: str | None) -> str:
    return f"{side} side" if side else ""


@dataclass
class ExerciseGuide:
    """`update(t, count, paused)` each frame; `next`, `redo`, `skip`, `stop` on keys and
    endings."""

    item: PlanItem
    emit: Callable[[Event], None]
    time_scale: float = 1.0  # rests and switches last 1/time_scale as long (tests, demos)
    phase: str = "ready"  # ready, set, rest, switch, done
    sets: list[SetResult] = field(default_factory=list)
    ended: str = ""  # why the exercise ended: "done", "skipped", "quit", "end of source", ...
    wait_s: float = 0.0  # how long the rest (switch) lasts, time_scale applied ...
    waited_s: float = 0.0  # ... and how much of it has gone
    _steps: list[tuple[int, str | None]] = field(default_factory=list)
    _step: int = -1
    _start_count: int = 0
    _last_t: float | None = None
    _counted_down: int | None = None  # the last countdown number said in this wait

    def __post_init__(self) -> None:
        self._steps = [(s, side) for s in range(1, self.item.sets + 1) for side in self.item.sides]

    # ------------------------------------------------------------------ what is on now
    @property
    def counting(self) -> bool:
        """Reps (holds) count now: a set is under way."""
        return self.phase == "set"

    @property
    def remaining(self) -> float:
        """Seconds of the rest (switch) left."""
        return max(self.wait_s - self.waited_s, 0.0) if self.phase in ("rest", "switch") else 0.0

    # ------------------------------------------------------------------ events in
    def start(self, t: float, count: int) -> None:
        item = self.item
        sides = " each side" if len(item.sides) > 1 else (
            f", {side_name(item.sides[0])}" if item.sides[0] else "")
        hint = item.spec.camera.hint
        self._say(t, "exercise", f"{item.spec.name}, {_plural(item.sets, 'set')}: "
                  f"{set_goal(item)}{sides}." + (f" {hint}" if hint else ""))
        self._begin_set(t, count)

    def update(self, t: float, count: int, paused: bool = False) -> None:
        dt = 0.0 if self._last_t is None else max(t - self._last_t, 0.0)
        self._last_t = t
        if self.phase == "set":
            cur = self.sets[-1]
            cur.done = count - self._start_count
            if cur.done >= cur.target:
                self._end_set(t, "done")
        elif self.phase in ("rest", "switch") and not paused:  # a pause stops the timer too
            self.waited_s += min(dt, MAX_FRAME_GAP_S)
            if self.waited_s >= self.wait_s - 1e-9:
                self._begin_set(t, count)
            else:
                self._count_down(t)

    def _count_down(self, t: float) -> None:
        """3, 2, 1 before the set: only the latest number passed (a coarse or scaled clock
        passes several at once: no backlog of stale ones)."""
        left = self.remaining * self.time_scale
        passed = min((n for n in COUNTDOWN if left <= n + 1e-6), default=None)
        if passed is not None and (self._counted_down is None or passed < self._counted_down):
            self._counted_down = passed
            number, side = self._steps[self._step + 1]
            self._say(t, "countdown", str(passed), number, side)

    def next(self, t: float, count: int) -> None:
        """The n key: end this set as it is, or cut the rest short."""
        if self.phase == "set":
            self.sets[-1].done = count - self._start_count
            self._end_set(t, "next")
        elif self.phase in ("rest", "switch"):
            self._begin_set(t, count)

    def redo(self, t: float, count: int) -> None:
        """The r key: count the set under way again from 0 (its reps so far stay in the
        report)."""
        if self.phase != "set":
            return
        cur = self.sets[-1]
        self._start_count, cur.done = count, 0
        self._say(t, "redo", f"Set {cur.set} again, from 0.", cur.set, cur.side)

    def skip(self, t: float, count: int) -> None:
        """The s key: leave the exercise (what was done stays in its report)."""
        if self.phase == "done":
            return
        self._close_set(count, "skipped")
        self._say(t, "skip", f"Skipping {self.item.spec.name}.")
        self._finish("skipped")

    def stop(self, t: float, count: int, reason: str) -> None:
        """The exercise ends early: quit, end of its source, a failure (said, unless the
        person ended it)."""
        if self.phase == "done":
            return
        self._close_set(count, reason)
        if reason not in QUIET_ENDS:
            self._say(t, "ended", f"{self.item.spec.name} ended early: {reason}. What you did "
                      "is saved.")
        self._finish(reason)

    # ------------------------------------------------------------------ steps
    def _begin_set(self, t: float, count: int) -> None:
        self._step += 1
        self._counted_down = None
        number, side = self._steps[self._step]
        self.phase, self._start_count = "set", count
        self.sets.append(SetResult(number, side, self.item.units))
        where = f", {side_name(side)}" if side else ""
        self._say(t, "set", f"Set {number} of {self.item.sets}{where}: {set_goal(self.item)}.",
                  number, side)

    def _end_set(self, t: float, how: str) -> None:
        cur = self.sets[-1]
        cur.ended = how
        which = (f"{side_name(cur.side).capitalize()}, set {cur.set}" if cur.side
                 else f"Set {cur.set}")
        self._say(t, "set_done", f"{which} done: {_plural(cur.done, self.item.unit)}.",
                  cur.set, cur.side)
        if self._step + 1 >= len(self._steps):
            self._say(t, "exercise_done", f"{self.item.spec.name} done.")
            self._finish("done")
            return
        number, side = self._steps[self._step + 1]
        if number == cur.set:
            self._wait("switch", SWITCH_S)
            self._say(t, "switch", f"Switch sides: {side_name(side)} next.", number, side)
        elif self.item.rest_s > 0:
            self._wait("rest", self.item.rest_s)
            self._say(t, "rest", f"Rest {_plural(self.item.rest_s, 'second')}.", number, side)
        else:
            self._begin_set(t, count=self._start_count + cur.done)

    def _wait(self, phase: str, seconds: float) -> None:
        self.phase, self.wait_s, self.waited_s = phase, seconds / self.time_scale, 0.0

    def _close_set(self, count: int, how: str) -> None:
        if self.phase == "set":
            self.sets[-1].done = count - self._start_count
            self.sets[-1].ended = how

    def _finish(self, why: str) -> None:
        self.phase, self.ended = "done", why

    def _say(self, t: float, kind: str, text: str, number: int | None = None,
             side: str | None = None) -> None:
        self.emit(Event(round(t, 3), kind, text, self.item.id, number, side))
