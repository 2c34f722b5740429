"""Finished reps and holds into records: the side that worked, the checks a rep must pass,
the fault rules, the set it belongs to, and the rules the camera angle did not let us judge."""

from __future__ import annotations

import math

import numpy as np

from formcheck.analysis import faults as fault_rules
from formcheck.analysis.exercise import REP_ATTRS, ExerciseSpec
from formcheck.analysis.holds import HoldEvent
from formcheck.analysis.records import FaultEvent, HoldRecord, RepRecord
from formcheck.analysis.reps import RepEvent
from formcheck.analysis.samples import Sample, side_arrays
from formcheck.analysis.side import working_leg
from formcheck.analysis.state import SIDES, Side

SET_GAP_S = 30.0  # a pause longer than this starts a new set
SEEN_THROUGH = 0.8  # `both_sides`, `within`: judged on a measure read in this share of frames


class Recorder:
    def __init__(self, spec: ExerciseSpec, names: list[str], per_side: bool):
        self.spec, self.names, self.per_side = spec, names, per_side
        self.key_index = names.index(spec.key)
        self.reps: list[RepRecord] = []
        self.holds: list[HoldRecord] = []
        self.not_judged: dict[str, int] = {}  # fault cue -> reps (holds) it could not judge
        self.set_index = 0
        self.last_end: float | None = None
        self._set_asked = False  # the person asked for a new set (live 'r'/'n' keys)

    def start_set(self, index: int | None = None) -> None:
        """The next rep or hold opens a new set, however soon it comes: set `index` when
        given (a guided session numbers its sets; one-sided work has each number twice),
        else the next one."""
        self._set_asked = True
        if index is not None:
            self.set_index = index - 1

    def _opens_set(self, start_s: float, gap_s: float) -> bool:
        opens = self._set_asked or self.last_end is None or start_s - self.last_end > gap_s
        self._set_asked = False
        return opens

    # ------------------------------------------------------------------ reps
    def rep_side(self, frames: list[Sample], sign: float, fallback: Side | None) -> Side:
        """per_side: where the key went furthest; else the side seen most."""
        side: Side | None = None
        if self.per_side:
            k = [sign * f.key if math.isfinite(f.key) else -math.inf for f in frames]
            side = frames[int(np.argmax(k))].side if frames else None
        else:
            sides: list[Side] = [f.side for f in frames if f.side is not None]
            if sides:
                most: Side = max(SIDES, key=sides.count)
                side = most
        return side or fallback or "left"

    def confirmed(self, times: np.ndarray, values: np.ndarray) -> bool:
        """The rep's `confirm` measures moved as far as required from where the rep began: the
        lowest (for a fall: the highest) they read in its first 0.3 s, as the pelvis may start
        rising before the key leaves its rest. A measure not seen during the rep is not
        judged."""
        assert self.spec.rep is not None
        for name, change in self.spec.rep.confirm:
            if not len(values):
                return False
            col = values[:, self.names.index(name)]
            ok = np.isfinite(col)
            if not ok.any():
                continue
            early = col[ok][times[ok] <= times[ok][0] + 0.3]
            start = float(np.min(early) if change >= 0 else np.max(early))
            moved = float(np.max(col[ok]) - start if change >= 0 else start - np.min(col[ok]))
            if moved < abs(change):
                return False
        return True

    def in_position(self, values: np.ndarray) -> bool:
        """The rep's `within` measures, by their median through the rep, inside their bands.
        Judged only on a measure seen in SEEN_THROUGH of the rep's frames: legs hidden behind
        the body (a push-up filmed head-on) are the model's guess."""
        assert self.spec.rep is not None
        for name, low, high in self.spec.rep.within:
            col = values[:, self.names.index(name)]
            seen = col[np.isfinite(col)]
            if len(seen) >= SEEN_THROUGH * len(col) and not low <= np.median(seen) <= high:
                return False
        return True

    def both_sides_moved(self, frames: list[Sample], side: Side) -> bool:
        """With `both_sides`, the other side moved with the key side: its range over the rep
        is at least that fraction of the key side's. Not judged unless the other side was
        measured through the rep (in a side view the far limb is mostly hidden)."""
        assert self.spec.rep is not None
        need = self.spec.rep.both_sides
        if not need or not frames:
            return True
        col = np.array([f.values[:, self.key_index] for f in frames])  # (n, 2)
        own, other = col[:, SIDES.index(side)], col[:, 1 - SIDES.index(side)]
        if np.isfinite(other).mean() < SEEN_THROUGH or np.isfinite(own).sum() < 2:
            return True

        def spread(v: np.ndarray) -> float:
            v = v[np.isfinite(v)]
            return float(np.percentile(v, 95) - np.percentile(v, 5))

        return spread(other) >= need * spread(own)

    def rep(self, ev: RepEvent, frames: list[Sample], side: Side, sign: float
            ) -> RepRecord | None:
        """The rep's record, or None when it is not a rep after all (unmeasured, not
        confirmed, or held at the far end past `max_hold_s`)."""
        rule = self.spec.rep
        assert rule is not None
        times, values = side_arrays(frames, side)
        key = values[:, self.key_index] if len(values) else np.array([])
        finite = np.isfinite(key)
        if (not finite.any() or not self.confirmed(times, values)
                or not self.in_position(values)):
            return None
        if not self.both_sides_moved(frames, side):
            return None
        # The top is measured from a robust peak, so a one-frame spike doesn't shrink it.
        extreme = float(np.percentile((sign * key)[finite], 95))
        near = np.where(finite & (sign * key >= extreme - rule.hold_band))[0]
        top0, top1 = float(times[near[0]]), float(times[near[-1]])
        if rule.max_hold_s and top1 - top0 > rule.max_hold_s:
            return None  # held at the far end: a stretch or a pose, not a swing
        masks = {"up": times < top0, "top": (times >= top0) & (times <= top1),
                 "down": times > top1, "rep": np.ones_like(times, bool)}
        masks["hold"] = masks["top"]
        if self._opens_set(ev.start_s, SET_GAP_S):
            self.set_index += 1
        attrs = {"duration_s": ev.end_s - ev.start_s, "up_s": top0 - ev.start_s,
                 "hold_s": top1 - top0, "down_s": ev.end_s - top1,
                 "rest_s": (ev.start_s - self.last_end) if self.last_end is not None
                 else math.nan,
                 "range": float(np.nanmax(key) - np.nanmin(key)), "end_s": ev.end_s}
        found = self._apply_rules(values, times, masks, attrs)
        record = RepRecord(
            index=len(self.reps) + 1, side=side, start_s=ev.start_s, end_s=ev.end_s,
            duration_s=attrs["duration_s"], key_angle=self.spec.key,
            peak_angle=float(np.nanmax(key)), trough_angle=float(np.nanmin(key)),
            range_of_motion=attrs["range"], up_s=attrs["up_s"], hold_s=attrs["hold_s"],
            down_s=attrs["down_s"], good=not found, set_index=self.set_index, faults=found,
            leg=self._working_leg(frames, masks["top"]))
        self.reps.append(record)
        if len(self.reps) > 1 and record.start_s < self.reps[-2].start_s:
            # a small rep recorded once its leg repeated it, after the other leg's reps
            self.reps.sort(key=lambda r: r.start_s)
            for i, r in enumerate(self.reps, 1):
                r.index = i
        self.last_end = max(ev.end_s, self.last_end if self.last_end is not None else ev.end_s)
        return record

    def _working_leg(self, frames: list[Sample], top: np.ndarray) -> str:
        """Which leg worked the rep (RepSpec.working_leg): the side where that measure reads
        lowest at the top when the two differ by more than SINGLE_LEG_GAP; else both."""
        name = self.spec.rep.working_leg if self.spec.rep else None
        if name is None or not top.any():
            return ""
        i = self.names.index(name)
        at_top = np.array([f.values[:, i] for f, t in zip(frames, top, strict=True) if t])
        seen = [col[np.isfinite(col)] for col in at_top.T]
        if not all(len(c) for c in seen):
            return ""  # one leg hidden all along: unknown
        return working_leg(*(float(np.median(c)) for c in seen)) or "both"

    # ------------------------------------------------------------------ holds
    def hold(self, ev: HoldEvent, frames: list[Sample], side: Side) -> HoldRecord:
        times, values = side_arrays(frames, side)
        all_mask = np.ones_like(times, bool)
        masks = dict.fromkeys(("up", "top", "down", "rep", "hold"), all_mask)
        if self._opens_set(ev.start_s, SET_GAP_S * 4):
            self.set_index += 1
        attrs = {"duration_s": ev.hold_s, "hold_s": ev.hold_s, "up_s": 0.0, "down_s": 0.0,
                 "rest_s": (ev.start_s - self.last_end) if self.last_end is not None
                 else math.nan, "range": math.nan, "end_s": ev.end_s}
        found = self._apply_rules(values, times, masks, attrs) if len(times) else []
        record = HoldRecord(len(self.holds) + 1, side, ev.start_s, ev.end_s, ev.hold_s,
                            not found, found)
        self.holds.append(record)
        self.last_end = ev.end_s
        return record

    # ------------------------------------------------------------------ rules
    def _apply_rules(self, values: np.ndarray, times: np.ndarray,
                     masks: dict[str, np.ndarray], attrs: dict[str, float]) -> list[FaultEvent]:
        found = []
        for rule in self.spec.faults:
            mask = masks[rule.phase]
            if rule.measure in REP_ATTRS and rule.measure not in self.names:
                vals = None
            else:
                vals = values[mask, self.names.index(rule.measure)]
            if vals is not None and len(vals) and not np.isfinite(vals).any():
                # hidden or end-on to the camera the whole phase: not judged, and said so
                self.not_judged[rule.cue] = self.not_judged.get(rule.cue, 0) + 1
                continue
            ev = fault_rules.check(rule, vals, times[mask], attrs)
            if ev:
                found.append(ev)
        return found
