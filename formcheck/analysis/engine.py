"""The one engine that runs any exercise spec: pose frames in, per-frame state and per-rep
records out. Time comes only from frame timestamps.

Each frame goes through small parts in turn: measure (FrameMeasurer), choose the side
(side selectors), check the view (ViewCheck), count reps (RepCounter) or time holds
(HoldTimer), record what finished (Recorder) and choose the cue (CueChooser)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from formcheck.analysis.cues import CueChooser
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.analysis.frame_measures import FrameMeasurer
from formcheck.analysis.holds import HoldEvent, HoldTimer
from formcheck.analysis.measures import Points
from formcheck.analysis.recorder import Recorder
from formcheck.analysis.records import HoldRecord, RepRecord, Series
from formcheck.analysis.reps import REST_WINDOW_S, RepCounter, RepEvent
from formcheck.analysis.samples import Sample, SampleWindow, side_arrays
from formcheck.analysis.session_notes import SessionFacts, session_notes
from formcheck.analysis.side import MeasureSideSelector, SideSelector, working_leg
from formcheck.analysis.state import SIDES, AnalysisState, Cue, Phase, Side
from formcheck.analysis.view import ViewCheck
from formcheck.pose.landmarks import PoseFrame

WINDOW_S = 180.0  # frames kept for rep/hold records: the longest rep or hold we expect
SERIES_DT = 0.1  # report plot resolution
REPEAT_GAP_S = 10.0  # a small rep repeated within this long counts (see Engine._on_rep)
SIMILAR_RANGE = 0.6  # ... if the two ranges are within this ratio of each other
STRANDED_S = 0.5  # a rep's side unmeasured this long while the other side is measured: switch
# A hold's extra conditions are judged only on landmarks seen at least this well (the usual
# MediaPipe presence cut, as the overlay draws them): a limb the model guesses (far from the
# camera, end-on, backlit) neither blocks nor ends a hold its key measure shows.
HOLD_ALSO_MIN_VIS = 0.5
# A hold starts once the measures it is judged on have settled within this many exit margins
# of their held values (HoldTimer settle).
SETTLE_MARGINS = 2.0
# A hold goes on through this long with no pose found (the model losing a backlit or occluded
# person who stays put) when the position is seen again after; leaving it is seen, not unseen.
UNSEEN_S = 3.0


def _span(ev: RepEvent) -> float:
    return abs(ev.peak - ev.rest)


@dataclass
class EngineResult:
    reps: list[RepRecord]
    holds: list[HoldRecord]
    series: Series
    side: str
    warnings: list[str]
    frames: int
    frames_with_person: int
    view_cue_seconds: dict[str, float] = field(default_factory=dict)


class Engine:
    def __init__(self, spec: ExerciseSpec, side: str | None = None):
        if side not in (None, "auto", "left", "right"):
            raise ValueError(f"side must be left, right or auto, not {side!r}")
        self.spec = spec
        self.fixed_side: Side | None = side if side in SIDES else None  # type: ignore[assignment]
        self.measurer = FrameMeasurer(spec, self.fixed_side)
        # single-leg work: the measure that tells the working leg from the free one
        self._leg_col = (self.measurer.index(spec.rep.working_leg)
                         if spec.rep and spec.rep.working_leg and self.fixed_side is None
                         and not self.measurer.per_side else None)
        # the measures a hold is judged on: its key and its extra conditions
        self._hold_cols = ([self.measurer.key_index] + [
            self.measurer.index(m) for m, _, _ in spec.hold.also] if spec.hold else [])
        self.frames = 0
        self.frames_with_person = 0
        self.absences: list[tuple[float, float]] = []  # (left_s, back_s) after first seen
        self._seen = False
        self.reset()

    @property
    def _sign(self) -> float:
        """+1 when the key rises into a rep, -1 when it falls (a swing: once decided)."""
        return (self.counter.sign or 1.0) if self.counter is not None else 1.0

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> None:
        """Start afresh: no side, view, records or counts; the frame totals are kept."""
        spec = self.spec
        self.sides: SideSelector
        if spec.side.choose_by == "visibility":
            self.sides = SideSelector(spec.camera.required, self.fixed_side)
        else:
            unit = spec.measures[spec.side.choose_by].unit
            self.sides = MeasureSideSelector(spec.camera.required, self.fixed_side,
                                             spec.side.choose,
                                             floor=5.0 if unit == "deg" else 0.05)
            self._choose_i = self.measurer.index(spec.side.choose_by)
        self.view = ViewCheck(spec.camera)
        self.samples = SampleWindow(WINDOW_S)
        self.recorder = Recorder(spec, self.measurer.names, self.measurer.per_side)
        self._set_from = 0  # records before the set under way (live 'r'/'n' keys)
        self._restart_counting()
        self._placed = False
        self._unmeasured_s = 0.0  # in position, but the key measure could not be taken
        self.series = Series(name=spec.key)
        self._last_series_t = -math.inf
        self._key_side: Side | None = None
        self._by_leg = False  # the key is read on the working leg of a single-leg stance
        self._absent_since: float | None = None
        self._stranded: list[tuple[float, float]] = []  # (t, other side's key) meanwhile

    def _restart_counting(self) -> None:
        spec = self.spec
        self.counter = RepCounter(spec.rep) if spec.rep else None
        self.timer = (HoldTimer(spec.hold.enter_s, spec.hold.exit_s,
                                settle=SETTLE_MARGINS * spec.hold.margin, bridge_s=UNSEEN_S)
                      if spec.hold else None)
        self.cues = CueChooser(spec, self.measurer.names)
        # a small rep waiting to be repeated, per leg in single-leg work (else one, under None)
        self._pending: dict[Side | None, RepEvent] = {}
        self._phase_start = 0.0
        self._phase: Phase = "waiting"

    def new_set(self, index: int | None = None) -> None:
        """Count a new set from 0 (live 'r' redoes the set, 'n' goes to the next; a guided
        session starts its set `index`): the records so far stay in the report, in their own
        set; a rep or hold under way is dropped. Side, view and samples carry on."""
        self.recorder.start_set(index)
        self._set_from = len(self.reps if self.counter is not None else self.holds)
        self._restart_counting()

    @property
    def reps(self) -> list[RepRecord]:
        return self.recorder.reps

    @property
    def holds(self) -> list[HoldRecord]:
        return self.recorder.holds

    @property
    def not_judged(self) -> dict[str, int]:
        return self.recorder.not_judged

    # ------------------------------------------------------------------ per frame
    def update(self, pose: PoseFrame) -> AnalysisState:
        t = pose.t_s
        self.frames += 1
        self.frames_with_person += int(pose.detected)
        self._track_presence(pose)
        in_rep = self.counter is not None and self.counter.phase != "rest"
        moving = in_rep or bool(self.timer and self.timer.running)
        values = self.measurer.measure(pose)
        side = self._choose_side(pose, values, moving)
        placed = self.view.update(pose, side or "left", moving)
        by_leg = self._by_leg
        key, key_side = self.measurer.key(values, self._key_leg(values, side), self._sign)
        if self._switch_side(t, values, key, key_side):
            side = self.sides.switch()
            key, key_side = self.measurer.key(values, self._key_leg(values, side), self._sign)
            assert self.counter is not None
            self.counter.reset()  # the other limb: its own rest
        if (self.counter is not None and self.counter.phase == "rest"
                and self.spec.side.mode != "per_side"  # there the side follows the key
                and key_side != self._key_side and self._key_side is not None):
            if key_side is not None and (by_leg or self._by_leg):
                self.counter.new_limb(self._key_side, key_side, self._limb_history(key_side, t))
            else:
                self.counter.reset()  # another limb: its own rest (and a swing's direction)
        self._key_side = key_side
        counted_key = self._borrowed(values, key, key_side) if placed else math.nan
        if placed and math.isnan(counted_key):
            self._unmeasured_s += self.view.dt
        self.samples.append(Sample(t, values, key_side, counted_key))
        self._add_to_series(t, key)
        if self.counter is not None:
            phase, hold_s = self._count(t, counted_key, placed)
        else:
            phase, hold_s = self._time_hold(t, self._hold_values(pose, values), side, placed,
                                            pose.detected)
        self._placed = placed
        if phase != self._phase:
            self._phase, self._phase_start = phase, t
        return self._state(pose, key, key_side or side, phase, hold_s, placed)

    def _switch_side(self, t: float, values: np.ndarray, key: float, side: Side | None) -> bool:
        """Limbs that work together: the side's key can no longer be measured while the other
        side's can, and that side holds still (the near arm hidden after a cut to another
        view). After STRANDED_S counting moves to the other side, its rest learnt there afresh,
        which only a limb held still at the start position allows: never once a rep reached its
        top, and during its start only if the other limb is still where the rep began (a start
        read across the cut is no rep)."""
        other = math.nan if side is None else values[1 - SIDES.index(side),
                                                     self.measurer.key_index]
        if (self.counter is None or self.counter.phase in ("top", "down") or side is None
                or self.measurer.per_side or self.spec.side.works != "together" or self._by_leg
                or self.sides.fixed or not math.isnan(key) or math.isnan(other)):
            self._stranded = []
            return False
        assert self.spec.rep is not None
        self._stranded.append((t, other))
        # Drop a sample only once the next one spans the window: at a low frame rate no run
        # of samples strictly within STRANDED_S spans 0.9 of it (12 fps: 0.42 s).
        while len(self._stranded) > 1 and t - self._stranded[1][0] >= STRANDED_S:
            self._stranded.pop(0)
        seen = [v for _, v in self._stranded]
        band = self.spec.rep.start_band
        if t - self._stranded[0][0] < 0.9 * STRANDED_S or max(seen) - min(seen) > band:
            return False
        rest = self.counter.rest
        if self.counter.phase == "up" and rest is not None and abs(
                self._sign * other - rest) > band:
            return False  # the other limb is not at the rep's start: the rep is under way
        self._stranded = []
        return True

    def _borrowed(self, values: np.ndarray, key: float, side: Side | None) -> float:
        """Limbs that work together, mid-rep: where the side's key cannot be read (a limb
        end-on to the camera: a squatting shin along the line of sight of a phone looking
        down) while the other side's can and is itself into the rep (past the rest by more
        than start_band), that side reads the frame: both bend alike, and the other knee,
        turned out a little, is seldom end-on at once. A leg held still meanwhile (the
        standing leg of a quad stretch) is not doing the rep. The rep stays the side's."""
        if (not math.isnan(key) or side is None or self.counter is None
                or self.counter.phase == "rest" or self.counter.rest is None
                or self.measurer.per_side or self._by_leg or self.sides.fixed
                or self.spec.side.works != "together"):
            return key
        assert self.spec.rep is not None
        other = float(values[1 - SIDES.index(side), self.measurer.key_index])
        into = self._sign * other - self.counter.rest > self.spec.rep.start_band
        return other if into else key

    def _key_leg(self, values: np.ndarray, side: Side | None) -> Side | None:
        """Single-leg work (RepSpec.working_leg): while one foot is down and the other leg
        lifted, the key is read on the working leg, whichever is better seen (the free leg's
        hip bends as it lifts: no bridge there); with both feet down, on the chosen side. The
        choice is kept through a rep and released once the person is back at rest, so
        alternating legs each count on their own leg. Where that leg can no longer be measured
        with both feet down again, or on the way down, the other leg reads the rest of the rep
        (the pelvis is one piece: it shows the return as well)."""
        if self._leg_col is None or side is None:
            return side
        leg = working_leg(*values[:, self._leg_col])
        held = self._key_side
        if self.counter is not None and self.counter.phase != "rest" and held:
            k = self.measurer.key_index
            if math.isfinite(values[SIDES.index(held), k]) or (
                    leg is not None and self.counter.phase != "down"):
                return held  # unseen a moment at the top or on the way up: max_gap_s decides
            other: Side = "left" if held == "right" else "right"
            if not math.isfinite(values[SIDES.index(other), k]):
                return held
            self._by_leg = False
            return other
        self._by_leg = leg is not None
        return leg or side

    def _limb_history(self, side: Side, t: float) -> list[tuple[float, float]]:
        """The key on `side` over the last REST_WINDOW_S, where that leg was not the free
        one of a single-leg stance: where its rest is learnt."""
        i, k, col = SIDES.index(side), self.measurer.key_index, self._leg_col
        out = []
        for s in self.samples.between(t - REST_WINDOW_S, t):
            if col is not None and working_leg(*s.values[:, col]) not in (None, side):
                continue
            if math.isfinite(s.values[i, k]):
                out.append((s.t, float(s.values[i, k])))
        return out

    def _choose_side(self, pose: PoseFrame, values: np.ndarray, moving: bool) -> Side | None:
        if isinstance(self.sides, MeasureSideSelector):
            return self.sides.update(pose, moving, tuple(values[:, self._choose_i]))
        # Never over to a side whose key cannot be measured (the hidden arm): no rep there.
        cur = self.sides.side
        hidden = cur is not None and math.isnan(
            values[1 - SIDES.index(cur), self.measurer.key_index])
        return self.sides.update(pose, locked=moving or hidden)

    def _add_to_series(self, t: float, key: float) -> None:
        if t - self._last_series_t >= SERIES_DT:
            self.series.t_s.append(round(t, 3))
            self.series.value.append(None if math.isnan(key) else round(key, 2))
            self._last_series_t = t

    def _count(self, t: float, key: float, placed: bool) -> tuple[Phase, float]:
        """Reps: feed the counter; the phase and how long the top has been held."""
        assert self.counter is not None
        if placed and not self._placed:
            self._replay_settling(t)
        event = self.counter.update(t, key)
        if event:
            self._on_rep(event)
        phase: Phase = self.counter.phase if self.counter.rest is not None else "waiting"
        held = (t - self.counter.top_since if self.counter.phase in ("top", "down")
                and self.counter.top_since is not None else 0.0)
        return phase, held

    def _time_hold(self, t: float, values: np.ndarray, side: Side | None, placed: bool,
                   pose_found: bool) -> tuple[Phase, float]:
        """Holds: in the position (with hysteresis) or not; the phase and the hold so far."""
        assert self.timer is not None and self.spec.hold is not None
        h = self.spec.hold
        # A frame in the posture counts before the gate's debounce confirms it: the timer has
        # its own (enter_s, exit_s), and a hold is timed from when the position was taken.
        posture = placed or self.view.frame_in_position
        inside = self._hold_ok(values, side, h.low, h.high, 0.0) if posture else False
        stay = self._hold_ok(values, side, h.low, h.high, h.margin) if posture else False
        judged = (values[SIDES.index(side), self._hold_cols] if side
                  else np.full(len(self._hold_cols), np.nan))
        seen = pose_found and bool(np.isfinite(judged).any())
        event = self.timer.update(t, inside, stay, [float(v) for v in judged], seen)
        if event:
            self._finish_hold(event)
        phase: Phase = "hold" if self.timer.running else ("rest" if placed else "waiting")
        return phase, self.timer.current(t)

    def _state(self, pose: PoseFrame, key: float, side: Side | None, phase: Phase,
               hold_s: float, placed: bool) -> AnalysisState:
        t = pose.t_s
        cue = self.view.cue if not placed else (self._live_cue(t, side) or self.view.cue)
        records = (self.reps if self.counter else self.holds)[self._set_from:]
        p = self.spec.prescription
        return AnalysisState(
            t_s=t, exercise_id=self.spec.id, exercise_name=self.spec.name,
            side=side, key_name=self.spec.key,
            key_value=None if math.isnan(key) else key, key_joint=self._key_joint(pose, side),
            phase=phase, rep_count=len(records),
            good_rep_count=sum(r.good for r in records),
            set_count=max(self.recorder.set_index, 1 if self.reps or self.holds else 0),
            target_reps=p.reps, hold_s=hold_s, hold_target_s=self._hold_target(),
            total_hold_s=sum(h.hold_s for h in self.holds[self._set_from:])
            + (hold_s if self.timer else 0.0),
            person_visible=pose.detected, view_ok=placed and self.view.ok, cue=cue,
            last_rep_good=records[-1].good if records else None,
            holds_exercise=self.counter is None, last_end_s=self.recorder.last_end,
            key_unit=self.spec.measures[self.spec.key].unit,
        )

    def _replay_settling(self, now: float) -> None:
        """In position since `in_position_since`, confirmed only now: the samples of that
        settling time count too, so a rep begun at once keeps its start."""
        assert self.counter is not None
        since = self.view.in_position_since
        if since is None:
            return

        def key(s: Sample) -> float:
            return self.measurer.key(s.values, s.side, self._sign)[0]

        for smp in list(self.samples.recount(since, now, key)):
            event = self.counter.update(smp.t, smp.key)
            if event:
                self._on_rep(event)

    def _hold_target(self) -> float | None:
        if self.spec.hold:
            return self.spec.hold.min_s or self.spec.prescription.hold_s
        if self.spec.rep and self.spec.rep.hold_min_s:
            return self.spec.rep.hold_min_s
        return None

    def _hold_values(self, pose: PoseFrame, values: np.ndarray) -> np.ndarray:
        """The measures a hold is judged on: its extra conditions (`also`) NaN, so not judged,
        where a landmark they use is seen with less than HOLD_ALSO_MIN_VIS; the key is read
        as measured."""
        if not pose.detected or pose.visibility is None or self.spec.hold is None:
            return values
        out = values.copy()
        for si, s in enumerate(SIDES):
            pts = Points(pose.pixels, pose.visibility, s)
            for name, _, _ in self.spec.hold.also:
                mi = self.measurer.index(name)
                idx = [pts.index(n) for n in self.spec.measures[name].points]
                if any(i is not None and pose.visibility[i] < HOLD_ALSO_MIN_VIS for i in idx):
                    out[si, mi] = math.nan
        return out

    def _hold_ok(self, values: np.ndarray, side: Side | None, low: float, high: float,
                 margin: float) -> bool:
        if side is None or self.spec.hold is None:
            return False
        row = values[SIDES.index(side)]
        conds = [(self.measurer.key_index, low, high)] + [
            (self.measurer.index(m), lo, hi) for m, lo, hi in self.spec.hold.also]
        # A condition that cannot be measured from this view (hidden, or end-on to the
        # camera) is not judged; the others must hold, and at least one must be seen.
        seen = [(row[i], lo, hi) for i, lo, hi in conds if math.isfinite(row[i])]
        return bool(seen) and all(lo - margin <= v <= hi + margin for v, lo, hi in seen)

    def _key_joint(self, pose: PoseFrame, side: Side | None) -> int | None:
        if not pose.detected or side is None:
            return None
        spec = self.spec.measures[self.spec.key]
        return Points(pose.pixels, pose.visibility, side).index(spec.vertex)

    def _track_presence(self, pose: PoseFrame) -> None:
        """Note when the person leaves the view for more than a second and comes back."""
        if pose.detected:
            if self._absent_since is not None and pose.t_s - self._absent_since > 1.0:
                self.absences.append((self._absent_since, pose.t_s))
            self._absent_since, self._seen = None, True
        elif self._seen and self._absent_since is None:
            self._absent_since = pose.t_s

    # ------------------------------------------------------------------ records
    def _on_rep(self, ev: RepEvent) -> None:
        """A full rep is recorded at once; a small one (short of min_range) only when the
        person repeats it: the next rep, small or full, of a similar range within
        REPEAT_GAP_S makes both count. A lone small movement never does. In single-leg work
        each leg's reps are compared with that leg's own (legs may alternate)."""
        frames = self.samples.between(ev.start_s, ev.end_s)
        side = self.recorder.rep_side(frames, self._sign, self.sides.side)
        limb = side if self._leg_col is not None else None
        pending = self._pending.pop(limb, None)
        similar = pending is not None and ev.start_s - pending.end_s <= REPEAT_GAP_S and (
            SIMILAR_RANGE <= _span(ev) / max(_span(pending), 1e-9) <= 1 / SIMILAR_RANGE)
        if ev.small and not similar:
            if self.recorder.confirmed(*side_arrays(frames, side)):
                self._pending[limb] = ev
            return
        if similar and pending is not None:
            self._finish_rep(pending)
        self._finish_rep(ev)

    def _finish_rep(self, ev: RepEvent) -> None:
        assert self.counter is not None
        frames = self.samples.between(ev.start_s, ev.end_s)
        side = self.recorder.rep_side(frames, self._sign, self.sides.side)
        record = self.recorder.rep(ev, frames, side, self._sign)
        if record is not None:
            self.counter.counted(ev)
            self.cues.recorded(record.faults, ev.end_s)

    def _finish_hold(self, ev: HoldEvent) -> None:
        side = self.sides.side or "left"
        record = self.recorder.hold(ev, self.samples.between(ev.start_s, ev.end_s), side)
        self.cues.recorded(record.faults, ev.end_s)

    def _live_cue(self, t: float, side: Side | None) -> Cue | None:
        floor = None
        if self._phase == "top" and self.counter is not None and self.spec.rep is not None:
            floor = self.counter.peak - self.spec.rep.hold_band
        return self.cues.live(t, self._phase, self._phase_start, side, self.samples, floor,
                              self._sign)

    # ------------------------------------------------------------------ end
    def finish(self, multi_person: bool = False) -> EngineResult:
        if self.counter is not None:
            ev_r = self.counter.finish()
            if ev_r:
                self._on_rep(ev_r)
        if self.timer is not None:
            ev = self.timer.finish()
            if ev:
                self._finish_hold(ev)
        facts = SessionFacts(
            key=self.spec.key, frames=self.frames, frames_with_person=self.frames_with_person,
            unmeasured_s=self._unmeasured_s, not_judged=self.not_judged,
            records=len(self.reps) if self.counter is not None else len(self.holds),
            absences=self.absences, multi_person=multi_person,
            held_through=sum(any(h.start_s <= a and b <= h.end_s for h in self.holds)
                             for a, b in self.absences))
        return EngineResult(self.reps, self.holds, self.series, self.sides.side or "unknown",
                            session_notes(facts, self.view), self.frames,
                            self.frames_with_person, dict(self.view.cue_seconds))
