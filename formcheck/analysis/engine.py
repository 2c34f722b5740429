"""The one engine that runs any exercise spec: pose frames in, per-frame state and per-rep
records out. Time comes only from frame timestamps."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field, replace

import numpy as np

from formcheck.analysis import faults as fault_rules
from formcheck.analysis.exercise import REP_ATTRS, ExerciseSpec
from formcheck.analysis.holds import HoldEvent, HoldTimer
from formcheck.analysis.measures import (
    Points,
    evaluate,
    hybrid_points,
    observable,
    sagittal_points,
)
from formcheck.analysis.records import FaultEvent, HoldRecord, RepRecord, Series
from formcheck.analysis.reps import RepCounter, RepEvent
from formcheck.analysis.side import MeasureSideSelector, SideSelector
from formcheck.analysis.state import AnalysisState, Cue
from formcheck.analysis.view import CUES, ViewCheck
from formcheck.pose.landmarks import PoseFrame

SIDES = ("left", "right")
WINDOW_S = 180.0  # frames kept for rep/hold records: the longest rep or hold we expect
SET_GAP_S = 30.0  # a pause longer than this starts a new set
SERIES_DT = 0.1  # report plot resolution
CUE_AFTER_REP_S = 2.5
LIVE_MIN_PHASE_S = 0.4
REPEAT_GAP_S = 10.0  # a small rep repeated within this long counts (see Engine._on_rep)
SIMILAR_RANGE = 0.6  # ... if the two ranges are within this ratio of each other
SINGLE_LEG_GAP = 30.0  # degrees between the legs' `working_leg` measure: one leg works


def _span(ev: RepEvent) -> float:
    return abs(ev.peak - ev.rest)


@dataclass
class _Sample:
    t: float
    values: np.ndarray  # (2, n_measures): left, right
    side: str | None
    key: float


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
        self.fixed_side = None if side in (None, "auto") else side
        self._names = list(spec.measures)
        self._key_i = self._names.index(spec.key)
        self._spaces = {m.space for m in spec.measures.values()}
        # depth is needed for 3-D spaces and to judge whether an angle can be seen at all
        self._depth = bool(self._spaces & {"hybrid", "sagittal"}) or any(
            m.space != "world" and m.unit == "deg" for m in spec.measures.values())
        self.reset()

    @property
    def _sign(self) -> float:
        """+1 when the key rises into a rep, -1 when it falls (a swing: once decided)."""
        return (self.counter.sign or 1.0) if self.counter is not None else 1.0

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> None:
        """Start counting afresh (live 'r' key); the session's frame totals are kept."""
        spec = self.spec
        if spec.side.choose_by == "visibility":
            self.sides = SideSelector(spec.camera.required, self.fixed_side)
        else:
            unit = spec.measures[spec.side.choose_by].unit
            self.sides = MeasureSideSelector(spec.camera.required, self.fixed_side,
                                             spec.side.choose,
                                             floor=5.0 if unit == "deg" else 0.05)
            self._choose_i = self._names.index(spec.side.choose_by)
        self.view = ViewCheck(spec.camera)
        self.counter = RepCounter(spec.rep) if spec.rep else None
        self.timer = (HoldTimer(spec.hold.enter_s, spec.hold.exit_s) if spec.hold else None)
        self._buf: deque[_Sample] = deque()
        self._placed = False
        self._pending: RepEvent | None = None  # a small rep waiting to be repeated
        self.not_judged: dict[str, int] = {}  # fault cue -> reps (holds) it could not be judged
        self._unmeasured_s = 0.0  # in position, but the key measure could not be taken
        self.reps: list[RepRecord] = []
        self.holds: list[HoldRecord] = []
        self.series = Series(name=spec.key)
        self._last_series_t = -math.inf
        self._phase_start = 0.0
        self._phase = "waiting"
        self._last_cue: tuple[Cue, float] | None = None
        self._set = 0
        self._last_end: float | None = None
        self._key_side: str | None = None
        self.frames = getattr(self, "frames", 0)
        self.frames_with_person = getattr(self, "frames_with_person", 0)
        self.absences = getattr(self, "absences", [])  # (left_s, back_s) after first seen
        self._absent_since: float | None = None
        self._seen = getattr(self, "_seen", False)

    # ------------------------------------------------------------------ per frame
    def _measure(self, pose: PoseFrame) -> np.ndarray:
        out = np.full((2, len(self._names)), np.nan)
        if not pose.detected:
            return out
        px = pose.pixels
        # 3-D points only where this exercise needs them (hybrid also judges observability)
        hybrid = hybrid_points(px, pose.world) if self._depth else None
        coords = {"image": px, "world": pose.world, "hybrid": hybrid,
                  "sagittal": sagittal_points(hybrid) if "sagittal" in self._spaces else None}
        for si, s in enumerate(SIDES):
            pts = {space: Points(c, pose.visibility, s, world=pose.world)
                   for space, c in coords.items() if c is not None}
            for mi, name in enumerate(self._names):
                m = self.spec.measures[name]
                if m.space in pts and observable(m, pts.get("hybrid")):
                    out[si, mi] = evaluate(m, pts[m.space])
        return out

    def _key(self, values: np.ndarray, side: str | None) -> tuple[float, str | None]:
        col = values[:, self._key_i]
        if self.spec.side.mode == "per_side" and not self.fixed_side:
            if np.isnan(col).all():
                return math.nan, side
            i = int(np.nanargmax(self._sign * col))
            return float(col[i]), SIDES[i]
        if side is None:
            return math.nan, None
        return float(col[SIDES.index(side)]), side

    def update(self, pose: PoseFrame) -> AnalysisState:
        t = pose.t_s
        self.frames += 1
        self.frames_with_person += int(pose.detected)
        self._track_presence(pose)
        in_rep = self.counter is not None and self.counter.phase != "rest"
        moving = in_rep or bool(self.timer and self.timer.running)
        values = self._measure(pose)
        if isinstance(self.sides, MeasureSideSelector):
            side = self.sides.update(pose, moving, tuple(values[:, self._choose_i]))
        else:
            side = self.sides.update(pose, locked=moving)
        placed = self.view.update(pose, side or "left", moving)
        key, key_side = self._key(values, side)
        if (self.counter is not None and self.counter.phase == "rest"
                and self.spec.side.mode != "per_side"  # there the side follows the key
                and key_side != self._key_side and self._key_side is not None):
            self.counter.reset()  # another limb: its own rest (and a swing's own direction)
        self._key_side = key_side
        counted_key = key if placed else math.nan
        if placed and math.isnan(key):
            self._unmeasured_s += self.view.dt
        self._buf.append(_Sample(t, values, key_side, counted_key))
        while self._buf and t - self._buf[0].t > WINDOW_S:
            self._buf.popleft()
        if t - self._last_series_t >= SERIES_DT:
            self.series.t_s.append(round(t, 3))
            self.series.value.append(None if math.isnan(key) else round(key, 2))
            self._last_series_t = t

        hold_s = 0.0
        if self.counter is not None:
            if placed and not self._placed:
                self._replay_settling(t)
            event = self.counter.update(t, counted_key)
            if event:
                self._on_rep(event)
            phase = self.counter.phase if self.counter.rest is not None else "waiting"
            if self.counter.phase in ("top", "down") and self.counter.top_since is not None:
                hold_s = t - self.counter.top_since
        else:
            assert self.timer is not None and self.spec.hold is not None
            h = self.spec.hold
            inside = self._hold_ok(values, side, h.low, h.high, 0.0) if placed else False
            stay = self._hold_ok(values, side, h.low, h.high, h.margin) if placed else False
            event_h = self.timer.update(t, inside, stay)
            if event_h:
                self._finish_hold(event_h)
            hold_s = self.timer.current(t)
            phase = "hold" if self.timer.running else ("rest" if placed else "waiting")
        self._placed = placed
        if phase != self._phase:
            self._phase, self._phase_start = phase, t
        cue = self.view.cue if not placed else (self._live_cue(t, key_side or side)
                                                 or self.view.cue)
        joint = self._key_joint(pose, key_side or side)
        last = self.reps[-1].good if self.reps else None
        p = self.spec.prescription
        return AnalysisState(
            t_s=t, exercise_id=self.spec.id, exercise_name=self.spec.name,
            side=key_side or side, key_name=self.spec.key,
            key_value=None if math.isnan(key) else key, key_joint=joint, phase=phase,
            rep_count=len(self.reps) if self.counter else len(self.holds),
            good_rep_count=sum(r.good for r in (self.reps if self.counter else self.holds)),
            set_count=max(self._set, 1 if self.reps or self.holds else 0),
            target_reps=p.reps, hold_s=hold_s, hold_target_s=self._hold_target(),
            total_hold_s=sum(h.hold_s for h in self.holds) + (hold_s if self.timer else 0.0),
            person_visible=pose.detected, view_ok=placed and self.view.ok, cue=cue,
            last_rep_good=last, key_unit=self.spec.measures[self.spec.key].unit,
        )

    def _replay_settling(self, now: float) -> None:
        """In position since `in_position_since`, confirmed only now: the samples of that
        settling time count too, so a rep begun at once keeps its start."""
        assert self.counter is not None
        since = self.view.in_position_since
        if since is None:
            return
        for i, smp in enumerate(self._buf):
            if since <= smp.t < now:
                key = self._key(smp.values, smp.side)[0]
                self._buf[i] = replace(smp, key=key)
                event = self.counter.update(smp.t, key)
                if event:
                    self._on_rep(event)

    def _hold_target(self) -> float | None:
        if self.spec.hold:
            return self.spec.hold.min_s or self.spec.prescription.hold_s
        if self.spec.rep and self.spec.rep.hold_min_s:
            return self.spec.rep.hold_min_s
        return None

    def _hold_ok(self, values: np.ndarray, side: str | None, low: float, high: float,
                 margin: float) -> bool:
        if side is None:
            return False
        row = values[SIDES.index(side)]
        conds = [(self._key_i, low, high)] + [
            (self._names.index(m), lo, hi) for m, lo, hi in self.spec.hold.also]  # type: ignore[union-attr]
        # A condition that cannot be measured from this view (hidden, or end-on to the
        # camera) is not judged; the others must hold, and at least one must be seen.
        seen = [(row[i], lo, hi) for i, lo, hi in conds if math.isfinite(row[i])]
        return bool(seen) and all(lo - margin <= v <= hi + margin for v, lo, hi in seen)

    def _key_joint(self, pose: PoseFrame, side: str | None) -> int | None:
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
    def _window(self, start: float, end: float) -> list[_Sample]:
        # Walk back from the newest sample: called every frame for live cues, so it must
        # cost the window's length, not the whole buffer's.
        out = []
        for s in reversed(self._buf):
            if s.t < start - 1e-9:
                break
            if s.t <= end + 1e-9:
                out.append(s)
        out.reverse()
        return out

    def _arrays(self, frames: list[_Sample], side: str) -> tuple[np.ndarray, np.ndarray]:
        si = SIDES.index(side)
        times = np.array([f.t for f in frames])
        values = np.array([f.values[si] for f in frames]) if frames else np.empty((0, 0))
        return times, values

    def _rule_values(self, rule_measure: str, values: np.ndarray, mask: np.ndarray
                     ) -> np.ndarray | None:
        if rule_measure in REP_ATTRS and rule_measure not in self._names:
            return None
        return values[mask, self._names.index(rule_measure)]

    def _on_rep(self, ev: RepEvent) -> None:
        """A full rep is recorded at once; a small one (short of min_range) only when the
        person repeats it: the next rep, small or full, of a similar range within
        REPEAT_GAP_S makes both count. A lone small movement never does."""
        pending, self._pending = self._pending, None
        similar = pending is not None and ev.start_s - pending.end_s <= REPEAT_GAP_S and (
            SIMILAR_RANGE <= _span(ev) / max(_span(pending), 1e-9) <= 1 / SIMILAR_RANGE)
        if ev.small and not similar:
            self._pending = ev if self._confirmed(*self._rep_frames(ev)[2:]) else None
            return
        if similar and pending is not None:
            self._finish_rep(pending)
        self._finish_rep(ev)

    def _rep_frames(self, ev: RepEvent
                    ) -> tuple[list[_Sample], str, np.ndarray, np.ndarray]:
        """A rep's frames, its side (per_side: where the key went furthest; else the side
        seen most) and that side's times and measure values."""
        frames = self._window(ev.start_s, ev.end_s)
        sides = [f.side for f in frames if f.side]
        if self.spec.side.mode == "per_side" and not self.fixed_side:
            k = [self._sign * f.key if math.isfinite(f.key) else -math.inf for f in frames]
            side = frames[int(np.argmax(k))].side if frames else None
        else:
            side = max(set(sides), key=sides.count) if sides else None
        side = side or self.sides.side or "left"
        return (frames, side, *self._arrays(frames, side))

    def _finish_rep(self, ev: RepEvent) -> None:
        assert self.spec.rep is not None
        frames, side, times, values = self._rep_frames(ev)
        key = values[:, self._key_i] if len(values) else np.array([])
        finite = np.isfinite(key)
        if not finite.any() or not self._confirmed(times, values):
            return
        s = self._sign
        # The top is measured from a robust peak, so a one-frame spike doesn't shrink it.
        extreme = float(np.percentile((s * key)[finite], 95))
        near = np.where(finite & (s * key >= extreme - self.spec.rep.hold_band))[0]
        top0, top1 = float(times[near[0]]), float(times[near[-1]])
        if self.spec.rep.max_hold_s and top1 - top0 > self.spec.rep.max_hold_s:
            return  # held at the far end: a stretch or a pose, not a swing
        self.counter.counted(ev)
        masks = {"up": times < top0, "top": (times >= top0) & (times <= top1),
                 "down": times > top1, "rep": np.ones_like(times, bool)}
        masks["hold"] = masks["top"]
        if self._last_end is None or ev.start_s - self._last_end > SET_GAP_S:
            self._set += 1
        attrs = {"duration_s": ev.end_s - ev.start_s, "up_s": top0 - ev.start_s,
                 "hold_s": top1 - top0, "down_s": ev.end_s - top1,
                 "rest_s": (ev.start_s - self._last_end) if self._last_end is not None
                 else math.nan,
                 "range": float(np.nanmax(key) - np.nanmin(key)), "end_s": ev.end_s}
        found = self._apply_rules(values, times, masks, attrs)
        self.reps.append(RepRecord(
            index=len(self.reps) + 1, side=side, start_s=ev.start_s, end_s=ev.end_s,
            duration_s=attrs["duration_s"], key_angle=self.spec.key,
            peak_angle=float(np.nanmax(key)), trough_angle=float(np.nanmin(key)),
            range_of_motion=attrs["range"], up_s=attrs["up_s"], hold_s=attrs["hold_s"],
            down_s=attrs["down_s"], good=not found, set_index=self._set, faults=found,
            leg=self._working_leg(frames, masks["top"])))
        self._last_end = ev.end_s
        self._after_record(found, ev.end_s)

    def _working_leg(self, frames: list[_Sample], top: np.ndarray) -> str:
        """Which leg worked the rep (RepSpec.working_leg): the side where that measure reads
        lowest at the top when the two differ by more than SINGLE_LEG_GAP; else both."""
        name = self.spec.rep.working_leg if self.spec.rep else None
        if name is None or not top.any():
            return ""
        i = self._names.index(name)
        at_top = np.array([f.values[:, i] for f, t in zip(frames, top, strict=True) if t])
        seen = [col[np.isfinite(col)] for col in at_top.T]
        if not all(len(c) for c in seen):
            return ""  # one leg hidden all along: unknown
        left, right = (float(np.median(c)) for c in seen)
        if abs(left - right) <= SINGLE_LEG_GAP:
            return "both"
        return "left" if left < right else "right"

    def _confirmed(self, times: np.ndarray, values: np.ndarray) -> bool:
        """The rep's `confirm` measures moved as far as required from where the rep began (a
        measure that could not be seen during the rep is not judged)."""
        assert self.spec.rep is not None
        for name, change in self.spec.rep.confirm:
            if not len(values):
                return False
            col = values[:, self._names.index(name)]
            ok = np.isfinite(col)
            if not ok.any():
                continue
            start = float(np.median(col[ok][times[ok] <= times[ok][0] + 0.3]))
            moved = float(np.max(col[ok]) - start if change >= 0 else start - np.min(col[ok]))
            if moved < abs(change):
                return False
        return True

    def _finish_hold(self, ev: HoldEvent) -> None:
        side = self.sides.side or "left"
        frames = self._window(ev.start_s, ev.end_s)
        times, values = self._arrays(frames, side)
        all_mask = np.ones_like(times, bool)
        masks = dict.fromkeys(("up", "top", "down", "rep", "hold"), all_mask)
        if self._last_end is None or ev.start_s - self._last_end > SET_GAP_S * 4:
            self._set += 1
        attrs = {"duration_s": ev.hold_s, "hold_s": ev.hold_s, "up_s": 0.0, "down_s": 0.0,
                 "rest_s": (ev.start_s - self._last_end) if self._last_end is not None
                 else math.nan, "range": math.nan, "end_s": ev.end_s}
        found = self._apply_rules(values, times, masks, attrs) if len(times) else []
        self.holds.append(HoldRecord(len(self.holds) + 1, side, ev.start_s, ev.end_s,
                                     ev.hold_s, not found, found))
        self._last_end = ev.end_s
        self._after_record(found, ev.end_s)

    def _apply_rules(self, values: np.ndarray, times: np.ndarray,
                     masks: dict[str, np.ndarray], attrs: dict[str, float]) -> list[FaultEvent]:
        found = []
        for rule in self.spec.faults:
            mask = masks[rule.phase]
            vals = self._rule_values(rule.measure, values, mask)
            if vals is not None and len(vals) and not np.isfinite(vals).any():
                # hidden or end-on to the camera the whole phase: not judged, and said so
                self.not_judged[rule.cue] = self.not_judged.get(rule.cue, 0) + 1
                continue
            ev = fault_rules.check(rule, vals, times[mask], attrs)
            if ev:
                found.append(ev)
        return found

    def _after_record(self, found: list[FaultEvent], t: float) -> None:
        if found:
            self._last_cue = (Cue(found[0].code, found[0].message), t)
        else:
            self._last_cue = (Cue("good", "Good rep", "info"), t)

    # ------------------------------------------------------------------ live cue
    def _live_cue(self, t: float, side: str | None) -> Cue | None:
        phase = self._phase
        if side and phase in ("top", "up", "down", "hold") and t - self._phase_start >= (
                LIVE_MIN_PHASE_S):
            frames = self._window(self._phase_start, t)
            if phase == "top" and self.counter is not None and self.spec.rep is not None:
                # the same "top" as a finished rep's: near the peak, not the last of the way up
                floor = self.counter._peak - self.spec.rep.hold_band
                frames = [f for f in frames if self._sign * f.key >= floor]
            times, values = self._arrays(frames, side)
            for rule in self.spec.faults:
                rp = "top" if rule.phase == "hold" and phase == "top" else rule.phase
                if rp == "rep" and phase != "hold":
                    rp = phase  # a whole-rep rule (body line, elbows) holds in every phase
                if not rule.live or rp != phase and not (phase == "hold"):
                    continue
                if rule.measure not in self._names:
                    continue
                ev = fault_rules.check(rule, values[:, self._names.index(rule.measure)],
                                       times, {})
                if ev:
                    return Cue(rule.code, rule.cue)
        if self._last_cue and t - self._last_cue[1] <= CUE_AFTER_REP_S:
            return self._last_cue[0]
        return None

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
        warnings = []
        if self.frames and not self.frames_with_person:
            warnings.append("no person was seen in the video")
        elif self.frames and self.frames_with_person < 0.5 * self.frames:
            warnings.append(f"a person was seen in only {self.frames_with_person} of "
                            f"{self.frames} frames")
        v = self.view
        total = v.ok_time + v.bad_time + v.out_time
        advice = {c: s for c, s in v.cue_seconds.items() if c in ("turn_side", "turn_front",
                                                                   "whole_body")}
        if self.frames_with_person and total and v.bad_time > 0.3 * total and advice:
            worst = max(advice, key=advice.__getitem__)
            warnings.append(f"for {v.bad_time:.0f} s of {total:.0f} s the camera was not placed "
                            f"as advised ({CUES[worst].message.lower()}); counted wherever the "
                            "movement could still be measured")
        placed_s = v.ok_time + v.bad_time
        if placed_s and self._unmeasured_s > 0.3 * placed_s:
            advice = f" ({v.cue.message.lower()})" if v.cue else ""
            warnings.append(f"the {self.spec.key} could not be measured for "
                            f"{self._unmeasured_s:.0f} s of {placed_s:.0f} s in position from "
                            f"where the camera stood{advice}; nothing was counted then")
        if self.not_judged:
            n = len(self.reps) if self.counter is not None else len(self.holds)
            checks = "; ".join(f'"{cue}" ({k} of {n})' for cue, k in self.not_judged.items())
            warnings.append(f"not judged, not measurable from this camera angle: {checks}")
        if self.frames_with_person and total and v.out_time > 0.5 * total:
            worst = max(v.cue_seconds, key=v.cue_seconds.__getitem__, default="no_person")
            warnings.append(f"the person was out of position for {v.out_time:.0f} s of "
                            f"{total:.0f} s ({CUES[worst].message.lower()}); no counting then")
        if self.absences:
            gone = sum(b - a for a, b in self.absences)
            times = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in self.absences[:5])
            warnings.append(f"the person left the view {len(self.absences)} time(s) "
                            f"({times}; {gone:.0f} s in all); nothing was counted meanwhile")
        if multi_person:
            warnings.append("more than one person was in view; followed the one who started")
        return EngineResult(self.reps, self.holds, self.series, self.sides.side or "unknown",
                            warnings, self.frames, self.frames_with_person,
                            dict(self.view.cue_seconds))
