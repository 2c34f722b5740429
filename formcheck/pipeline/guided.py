"""`formcheck session`: a day's plan run exercise by exercise, each through the live loop.

Each exercise is one live run (pipeline/live.py) with its own source and report; its steps
(sets, rests, side switches) come from guide.ExerciseGuide, which this module attaches to the
run: the step counts only while a set is under way (during a rest the person is shown, not
counted), the display gets the session's band and keys (n next, s skip, r redo the set;
space, f and q/Esc are the live loop's own: a pause stops the source, the clock and so the
rest timer). Everything the session says goes, as an Event, to `say` (the voice: see
voice_options), to `on_event` (the terminal, tests) and to the summary.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from formcheck.analysis.plan import Plan, PlanItem
from formcheck.atomic import write_text_atomic
from formcheck.overlay.session_panel import SessionPanel, draw_session_panel
from formcheck.pipeline.display import Display, NullDisplay
from formcheck.pipeline.guide import Event, ExerciseGuide, SetResult, set_goal, side_name
from formcheck.pipeline.keys import Action, action_of
from formcheck.pipeline.live import run_live
from formcheck.pipeline.session import SessionOutputs
from formcheck.report.build import now_iso
from formcheck.source.frame import FrameSource
from formcheck.voice import Voice

SKIP_KEY = ord("s")
KEYS_HELP = "n next · s skip · r redo · space pause · q quit"


@dataclass
class ExerciseOutcome:
    exercise: str
    name: str
    status: str  # done, skipped, quit, end of source, source failed, interrupted, not started
    sets: list[SetResult] = field(default_factory=list)
    reps: int = 0
    good_reps: int = 0
    holds: int = 0
    hold_s: float = 0.0
    report: str | None = None
    work_on: str = ""  # the fault cue most often given, if any
    note: str = ""

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "name": self.name, "status": self.status,
                "sets": [s.to_dict() for s in self.sets], "reps": self.reps,
                "good_reps": self.good_reps, "holds": self.holds,
                "hold_s": round(self.hold_s, 2), "report": self.report,
                "work_on": self.work_on, "note": self.note}


@dataclass
class SessionSummary:
    plan: str
    started_at: str
    ended: str = ""  # "done" (every exercise reached its end), "quit", "interrupted", "failed"
    exercises: list[ExerciseOutcome] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    path: Path | None = None  # where it was written

    def to_dict(self) -> dict:
        return {"kind": "formcheck session", "plan": self.plan, "started_at": self.started_at,
                "ended": self.ended, "exercises": [e.to_dict() for e in self.exercises],
                "events": [e.to_dict() for e in self.events]}

    def lines(self) -> list[str]:
        """The summary for people, one line an exercise."""
        out = []
        for e in self.exercises:
            sets = ", ".join(f"{s.done}" + (f" {s.side[0].upper()}" if s.side else "")
                             for s in e.sets)
            what = (f"{e.reps} reps ({e.good_reps} good)" if e.reps or not e.holds
                    else f"{e.holds} holds, {e.hold_s:.0f} s")
            out.append(f"{e.name}: {e.status}; {what}" + (f"; sets: {sets}" if sets else "")
                       + (f"; work on: {e.work_on}" if e.work_on else "")
                       + (f" ({e.note})" if e.note else ""))
        return out


class _Run:
    """One exercise's guide attached to its live run; see attach()."""

    def __init__(self, guide: ExerciseGuide, title: str):
        self.guide, self.title = guide, title
        self.t = 0.0
        self.count = 0
        self.started = False
        self.last_text = ""
        self.new_sets: list[int] = []

    def attach(self, step, display: Display):
        return _GuidedStep(step, self), _GuidedDisplay(display, self)

    def panel(self) -> SessionPanel:
        g = self.guide
        cur = g.sets[-1] if g.sets else None
        progress = None
        if g.phase == "set" and cur is not None:
            side = f" · {side_name(cur.side)}" if cur.side else ""
            main = f"Set {cur.set}/{g.item.sets}{side}: {cur.done}/{cur.target} {g.item.unit}s"
            progress = cur.done / max(cur.target, 1)
        elif g.phase in ("rest", "switch"):
            left = g.remaining
            total = (g.item.rest_s if g.phase == "rest" else 0) or 1.0
            word = "Rest" if g.phase == "rest" else "Switch sides"
            main = f"{word} {int(left) // 60}:{int(left) % 60:02d}"
            progress = 1.0 - min(left * g.time_scale / total, 1.0) if g.phase == "rest" else None
        else:
            main = f"{g.item.spec.name}: {g.ended or 'getting ready'}"
        note = self.last_text
        if g.phase == "set" and cur is not None and len(g.sets) == 1 and cur.done == 0:
            note = g.item.spec.camera.hint or note  # until the first rep: where the camera goes
        return SessionPanel(self.title, main, note, progress)


class _GuidedStep:
    """The live step, counting only while a set is under way; draws the session band."""

    def __init__(self, inner, run: _Run):
        self.inner, self.run = inner, run

    def __getattr__(self, name: str):
        return getattr(self.inner, name)  # mirrored, reset, session: the live step's

    def __call__(self, image, pose, **kw):
        """The live step's call (kw: fps, size, notice, set_number); the set shown is the
        guide's."""
        run, guide = self.run, self.run.guide
        engine = self.inner.session.engine
        run.t = pose.t_s
        if not run.started:
            run.started = True
            guide.start(run.t, run.count)
        for number in run.new_sets:
            engine.new_set(number)
        run.new_sets.clear()
        if guide.counting:
            kw["set_number"] = guide.sets[-1].set
            state, scene = self.inner(image, pose, **kw)
        else:  # resting: shown, not counted (still part of the exercise's session)
            state, scene = None, self._shown_only(image, pose, kw)
        run.count = len(engine.reps) if engine.counter is not None else len(engine.holds)
        guide.update(run.t, run.count)
        if scene is not None:
            scene = draw_session_panel(scene, run.panel())
        return state, scene

    def _shown_only(self, image, pose, kw: dict):
        step = self.inner
        step.session.observe(pose)
        smooth = step.smoother(pose)
        if step.overlay is None or image is None:
            return None
        return step.overlay.draw(image, smooth, None, kw.get("fps"), mirrored=step.mirrored,
                                 size=kw.get("size"), notice=kw.get("notice"))


class _GuidedDisplay:
    """The live display with the session's keys (n, s and r are the guide's: the live loop
    never sees them); `closed` once the exercise is over (which ends its live run). Closing
    is left to the session: one window for all exercises."""

    def __init__(self, inner: Display, run: _Run):
        self.inner, self.run = inner, run

    def show(self, image) -> int:
        return self._keys(self.inner.show(image))

    def refresh(self, image) -> int:
        """A still screen (getting ready, paused), with the session's band."""
        return self._keys(self.inner.refresh(draw_session_panel(image.copy(),
                                                                self.run.panel())))

    def size(self) -> tuple[int, int] | None:
        return self.inner.size()

    def toggle_fullscreen(self) -> None:
        self.inner.toggle_fullscreen()

    def _keys(self, key: int) -> int:
        run, action = self.run, action_of(key)
        if action is Action.NEXT:
            run.guide.next(run.t, run.count)
        elif action is Action.RESET:
            run.guide.redo(run.t, run.count)
        elif key >= 0 and chr(key & 0xFF).lower() == chr(SKIP_KEY):
            run.guide.skip(run.t, run.count)
        else:
            if action is Action.QUIT:
                run.guide.stop(run.t, run.count, "quit")
            return key
        return -1

    def closed(self) -> bool:
        return self.run.guide.phase == "done" or self.inner.closed()

    def close(self) -> None:
        pass


def voice_options(voice: Voice) -> dict:
    """run_session's keywords for one voice through the whole session, on one clock (one WAV
    track): each exercise's frame times placed after those of the exercises before it, the
    session's events (set done, rest, 3-2-1, switch sides, next exercise, session done) said
    at their times, and the counts, countdowns and cues of each exercise's live run."""

    def say(event: Event) -> None:
        voice.say(event.text, voice.offset_s + event.t)

    def before_exercise(item: PlanItem, offset_s: float) -> None:
        voice.exercise(item.spec, offset_s)

    return {"say": say, "before_exercise": before_exercise, "live_options": {"voice": voice}}


def free_path(folder: Path, stem: str, suffix: str) -> Path:
    """`folder/stem.suffix`, or with -2, -3... when taken: nothing is overwritten."""
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path


def run_session(plan: Plan, open_source: Callable[[PlanItem], FrameSource], model_path: Path,
                model_name: str, *, out_dir: Path, display: Display | None = None,
                say: Callable[[Event], None] = lambda event: None,
                on_event: Callable[[Event], None] | None = None, time_scale: float = 1.0,
                history: bool = True, workers: int | None = None,
                clock: Callable[[], float] = time.monotonic,
                mirror: Callable[[PlanItem], bool] = lambda item: False,
                overlay_factory: Callable[[], object] | None = None,
                live_options: dict | None = None,
                before_exercise: Callable[[PlanItem, float], None] | None = None
                ) -> SessionSummary:
    """Run the plan's exercises in order; write a report per exercise and the summary into
    `out_dir`. `time_scale` shortens rests and switches (tests, demos); `mirror(item)`: its
    source is a camera (shown as a mirror); `live_options`: further keywords for every
    exercise's run_live (e.g. its voice); `before_exercise(item, offset_s)` is called as each
    exercise starts, `offset_s` the frame time of the exercises before it (its own frame
    times, and its events' `t`, start again from 0: one session clock is `offset_s + t`)."""
    display = display or NullDisplay()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    summary = SessionSummary(plan.origin, now_iso())
    out_dir.mkdir(parents=True, exist_ok=True)
    runs: list[_Run] = []
    failure: Exception | None = None
    offset_s = 0.0

    def emit(event: Event) -> None:
        summary.events.append(event)
        if runs:
            runs[-1].last_text = event.text
            if event.kind in ("set", "redo") and event.set is not None:
                runs[-1].new_sets.append(event.set)
        say(event)
        if on_event is not None:
            on_event(event)

    try:
        for i, item in enumerate(plan.items, 1):
            outcome = ExerciseOutcome(item.id, item.spec.name, "not started")
            summary.exercises.append(outcome)
            try:
                source = open_source(item)
            except Exception as exc:  # noqa: BLE001 - one exercise's camera/file, not all
                outcome.note = f"source could not be opened: {exc}"
                emit(Event(0.0, "ended", f"{item.spec.name}: its video or camera could not be "
                           "opened; going on without it.", item.id))
                continue
            guide = ExerciseGuide(item, emit, time_scale)
            run = _Run(guide, f"{item.spec.name} · exercise {i} of {len(plan.items)} · "
                       f"{KEYS_HELP}")
            runs.append(run)
            if before_exercise is not None:
                before_exercise(item, offset_s)
            report_path = free_path(out_dir, f"{stamp}-{i:02d}-{item.id}", ".json")
            fixed = item.sides[0] if len(item.sides) == 1 else None
            result = run_live(source, item.spec, model_path, model_name, side=fixed,
                              outputs=SessionOutputs(report=report_path, history=history),
                              display=display, mirror=mirror(item), workers=workers, clock=clock,
                              overlay=overlay_factory() if overlay_factory else None,
                              guide=run, **(live_options or {}))
            if guide.phase != "done":  # the run ended before the exercise did
                reason = "quit" if result.reason == "quit" else result.reason
                guide.stop(run.t, run.count, reason)
            _fill(outcome, guide, result.report, report_path)
            offset_s += run.t
            if guide.ended in ("quit", "interrupted"):
                summary.ended = guide.ended
                break
    except KeyboardInterrupt:
        summary.ended = "interrupted"
    except Exception as exc:  # the summary of what was done is written, then the error told
        summary.ended, failure = "failed", exc
    finally:
        display.close()
    for item in plan.items[len(summary.exercises):]:
        summary.exercises.append(ExerciseOutcome(item.id, item.spec.name, "not started"))
    t = runs[-1].t if runs else 0.0
    if summary.ended:
        emit(Event(t, "stopped", "Session stopped: what you did is saved."))
    else:
        summary.ended = "done"
        reps = sum(e.reps for e in summary.exercises)
        holds = sum(e.holds for e in summary.exercises)
        n = len(summary.exercises)
        done = sum(e.status == "done" for e in summary.exercises)
        what = f"{n} exercise{'s' * (n != 1)}" if done == n else f"{done} of {n} exercises"
        emit(Event(t, "session_done", f"Session done: {what}, {reps} rep{'s' * (reps != 1)}"
                   + (f", {holds} hold{'s' * (holds != 1)}" if holds else "") + ". Well done."))
    summary.path = free_path(out_dir, f"session-{stamp}", ".json")
    write_text_atomic(summary.path, json.dumps(summary.to_dict(), indent=2) + "\n")
    if failure is not None:
        raise failure
    return summary


def _fill(outcome: ExerciseOutcome, guide: ExerciseGuide, report, path: Path) -> None:
    outcome.status = guide.ended
    outcome.sets = list(guide.sets)
    outcome.reps = len(report.reps)
    outcome.good_reps = sum(r.good for r in report.reps)
    outcome.holds = len(report.holds)
    outcome.hold_s = sum(h.hold_s for h in report.holds)
    outcome.report = str(path)
    cues = Counter(f.message for r in [*report.reps, *report.holds] for f in r.faults)
    outcome.work_on = cues.most_common(1)[0][0] if cues else ""
    if guide.ended == "end of source":
        outcome.note = (f"the source ended before the plan did ({set_goal(guide.item)} a set "
                        f"× {guide.item.sets})")
