"""Rep counter with hysteresis, relative to the person's own rest position.

A rep starts when the key measure leaves the person's rest by `start_band`, must pass the
absolute `top` and move at least `min_range` from rest, and is counted only on return to
within `return_fraction` of the range from rest and if it lasted `min_duration_s`. The gap
between entering the top and the return level is the hysteresis: jitter around a single
threshold, or pulses while holding the top, cannot count twice.

Direction "either" is for swings, which have no rest between reps: the first clear move away
from where the person starts fixes the direction for the session, so a swing that starts at
either end counts once per cycle.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from formcheck.analysis.exercise import RepSpec
from formcheck.analysis.state import Phase

REST_WINDOW_S = 3.0
SMALL_RANGE = 0.5  # a movement of half the range may be a small-range variant's rep
END_RETURN = 0.75  # a clip that ends this far back from the top ends a rep (not half way) ...
END_STILL = 0.6  # ... or this far back with the descent over: still for END_STILL_S at the end
END_STILL_S = 0.25
START_CONFIRM_S = 0.5  # a return short of `start` may still reach it this soon after
PEAK_HOLD_S = 0.06  # a peak must last this long (3 frames at 30 fps): a glitch does not count
RETURN_CONFIRM_S = 0.1  # the return must last this long: one glitched frame is not a return
# Where reps start from a named position (`start`: a squat from standing, not held low), a rep
# begun less than REST_SEEN_S after the person was first seen had its start unobserved, and
# counts only if it reached the top within FIRST_DESCENT_S of first sight.
REST_SEEN_S = 0.5
FIRST_DESCENT_S = 1.5
# A rep begun as the stream did (its rest never seen still) that was near its peak this soon
# after was there already (a clip that starts at the top): the pose model settling on the
# person reads as a quick rise (near the peak 0.3-0.4 s after MediaPipe's first frame; real
# reps begun with the stream on the clips got there after 0.7 s or more). Not for swings: they
# have no rest, and a clip starts anywhere in one; nor where reps start from a named `start`.
FIRST_RISE_S = 0.5
SETTLE_S = 0.8  # a descent that settles this long, 40% or more of the way down, ends the rep, even
# if the person's rest has moved (feet shifted between reps) and the return level is never met
VALLEY_BACK = 0.6  # a descent this far back that turns into a new rise (by start_band) ends the
# rep at its lowest point: continuous reps that stop short of the rest each time


@dataclass(frozen=True)
class RepEvent:
    start_s: float
    end_s: float
    rest: float  # natural units
    peak: float  # natural units (max for "up", min for "down")
    small: bool = False  # short of min_range: counts only if the person repeats it


class RepCounter:
    def __init__(self, spec: RepSpec):
        self.spec = spec
        self._stream_t: float | None = None  # the first sample fed, measurable or not
        self.reset()

    def reset(self) -> None:
        spec = self.spec
        self.sign = {"up": 1.0, "down": -1.0}.get(spec.direction, 0.0)  # 0: not yet decided
        self.ranges: list[float] = []  # the last counted reps' ranges (natural units)
        self._limb_ranges: dict[str, list[float]] = {}  # single-leg work: each leg's ranges
        self.top = self.sign * spec.top if self.sign else -math.inf
        self._undecided: deque[tuple[float, float]] = deque()
        self.phase: Phase = "rest"
        self._rest_buf: deque[tuple[float, float]] = deque()
        self.rest: float | None = None
        self._peak = -math.inf
        self._start_t = 0.0
        self._last_low_t: float | None = None
        self._last_t: float | None = None
        self.top_since: float | None = None
        self._return_t: float | None = None
        self._valley: tuple[float, float] | None = None  # lowest (t, v) since leaving the top
        self._early_peak = -math.inf  # the rep under way's highest held value in the stream's
        # first FIRST_RISE_S
        self._prev: float | None = None  # the previous sample (natural units)
        self._tail: deque[tuple[float, float]] = deque()  # the last PEAK_HOLD_S of samples
        self._recent: deque[tuple[float, float]] = deque()
        self._doubt: tuple[RepEvent, float] | None = None  # a rep and when it returned
        self._first_t: float | None = None  # the first measured sample since the reset
        self._held: bool = False  # the rep under way was first seen held part-way: not a rep

    @property
    def peak(self) -> float:
        """The furthest point of the rep under way, held (natural units: sign x key)."""
        return self._peak

    @property
    def min_range(self) -> float:
        """The range a rep must cover: the spec's, or less once the person's own reps have
        shown a smaller range (own_range x their median)."""
        if not self.ranges:
            return self.spec.min_range
        return min(self.spec.min_range, self.spec.own_range * float(np.median(self.ranges)))

    def new_limb(self, was: str, limb: str, history: list[tuple[float, float]]) -> None:
        """At rest, the key moves from limb `was` to `limb` (single-leg work: the other leg
        now works): its own rest, learnt from its own recent `history` (t, value), and its own
        ranges; without a direction yet (a swing), a fresh start."""
        if not self.sign:
            self.reset()
            return
        self._limb_ranges[was] = self.ranges
        self.ranges = self._limb_ranges.get(limb, [])
        if history:  # else (not seen at rest) the rest learnt so far stands
            self._rest_buf = deque((t, self.sign * v) for t, v in history)
            self.rest = self._rest_level()
            # a rep starts from the last time this limb was at its rest, as in `_rest`
            low = [t for t, x in self._rest_buf if x <= self.rest + self.spec.start_band / 2]
            self._last_low_t = low[-1] if low else None
        self._tail.clear()
        self._recent.clear()
        self._prev = None

    def counted(self, event: RepEvent) -> None:
        """The engine kept this rep (it passed the exercise's other checks)."""
        self.ranges.append(abs(event.peak - event.rest))
        del self.ranges[:-5]

    def _natural(self, v: float) -> float:
        return self.sign * v

    def update(self, t: float, value: float) -> RepEvent | None:
        """Feed one sample (NaN = not measurable). Returns a RepEvent when a rep completes."""
        s = self.spec
        if self._stream_t is None:
            self._stream_t = t
        if not math.isfinite(value):
            if self.phase != "rest" and self._last_t is not None and t - self._last_t > s.max_gap_s:
                self.phase, self.top_since = "rest", None  # unseen too long: abandon the attempt
            return None
        if not self.sign:
            self._undecided.append((t, value))
            while t - self._undecided[0][0] > REST_WINDOW_S:
                self._undecided.popleft()
            ref = float(np.median([x for _, x in self._undecided]))
            if abs(value - ref) <= s.start_band:
                return None
            self.sign = 1.0 if value > ref else -1.0
            for ti, vi in list(self._undecided)[:-1]:  # replay the start as rest
                self._rest(ti, self.sign * vi)
        v = self.sign * value
        self._last_t = t
        if self._first_t is None:
            self._first_t = t
        self._prev = v
        self._tail.append((t, v))
        while len(self._tail) > 2 and t - self._tail[1][0] >= PEAK_HOLD_S:
            self._tail.popleft()
        # The peak is what was held for PEAK_HOLD_S (two samples at least): a glitch of a
        # frame or two can neither reach the top nor raise the return level out of reach.
        held = min(x for _, x in self._tail)
        if self._doubt is not None:
            event = self._confirm_start(t, v)
            if event is not None:
                return event
        if self.phase == "rest":
            self._rest(t, v)
            if self.phase == "up":
                self._peak = held
            return None
        return self._moving(t, v, held)

    def _rest_level(self) -> float:
        """The rest: low in the recent rest values, not their lowest (one noisy frame)."""
        return float(np.percentile([x for _, x in self._rest_buf], 20))

    def _rest(self, t: float, v: float) -> None:
        s = self.spec
        self._rest_buf.append((t, v))
        while self._rest_buf and t - self._rest_buf[0][0] > REST_WINDOW_S:
            self._rest_buf.popleft()
        self.rest = self._rest_level()
        if v <= self.rest + s.start_band / 2 or self._last_low_t is None:
            self._last_low_t = t
        if v > self.rest + s.start_band:
            self.phase, self._peak = "up", v
            self._start_t = self._last_low_t
            self._early_peak, self._valley = -math.inf, None

    def _moving(self, t: float, v: float, held: float) -> RepEvent | None:
        s = self.spec
        assert self.rest is not None
        self._peak = max(self._peak, held)
        if self._stream_t is not None and t - self._stream_t < FIRST_RISE_S:
            self._early_peak = max(self._early_peak, held)
        reached = self._peak >= self.top and self._peak - self.rest >= self.min_range
        if self.phase == "up":
            if reached:
                self.phase, self.top_since = "top", t
                first = t if self._first_t is None else self._first_t
                self._held = (self.spec.start is not None and not self._start_seen()
                              and t - first > FIRST_DESCENT_S)
            elif v <= self.rest + s.start_band / 2:
                self.phase = "rest"  # a small movement: a rep only if repeated (`small`)
                event = self._small(t)
                self._last_low_t = t
                return event
            elif self._came_to_rest(t, v):  # ... or one that settled where the rest moved to
                end = self._recent[0][0]
                self.phase = "rest"
                event = self._small(end)
                self._rest_again(t, v)
                return event
            return None
        # top / down
        if v >= self._peak - s.hold_band:
            if self.phase == "down":
                self.phase = "top"
        elif self.phase == "top":
            self.phase = "down"
        back = self.rest + s.return_fraction * (self._peak - self.rest)
        if v > back:
            self._return_t = None
            return self._turned(t, v) or self._settled(t, v)
        if self._return_t is None:
            self._return_t = t
        if t - self._return_t < RETURN_CONFIRM_S:
            return None
        return self._complete(t, v)

    def _small(self, t: float) -> RepEvent | None:
        """A movement short of a full rep that may still be one if the person repeats it (a
        small-range variant): at least SMALL_RANGE of the range, within min_range/2 of the
        top, from a rest at the start position, as long as a rep must last."""
        s = self.spec
        assert self.rest is not None
        rise = self._peak - self.rest
        if (rise >= SMALL_RANGE * self.min_range and self._peak >= self.top - s.min_range / 2
                and self._from_start() and t - self._start_t >= s.min_duration_s):
            return RepEvent(self._start_t, t, self._natural(self.rest),
                            self._natural(self._peak), small=True)
        return None

    def _start_seen(self) -> bool:
        """The person was seen at rest before the rep under way began (not first seen already
        on the way into it)."""
        return self._first_t is not None and self._start_t - self._first_t >= REST_SEEN_S

    def _from_start(self, v: float | None = None) -> bool:
        """The rest (or `v`) lies on the start side of the spec's `start` (when given)."""
        if self.spec.start is None or self.rest is None or not self.sign:
            return True
        return (self.rest if v is None else v) <= self.sign * self.spec.start

    def _confirm_start(self, t: float, v: float) -> RepEvent | None:
        """A rep whose rest was short of `start` (the person was first seen already on the
        way down) counts if its return reaches the start side within START_CONFIRM_S;
        pulses at the bottom of a squat held low never do."""
        assert self._doubt is not None
        event, returned = self._doubt
        if self._from_start(v):
            self._doubt = None
            return event
        if t - returned > START_CONFIRM_S or self.phase != "rest":
            self._doubt = None
        return None

    def _back_at_end(self) -> bool:
        """The stream ended with the person most of the way back, or well back and no longer
        moving (where they rest now; a clip cut mid-descent is still moving)."""
        if self.rest is None or self._prev is None or self._last_t is None:
            return False
        back = (self._peak - self._prev) / max(self._peak - self.rest, 1e-9)
        if back >= END_RETURN:
            return True
        tail = [(t, x) for t, x in self._recent if self._last_t - t <= END_STILL_S]
        if back < END_STILL or len(tail) < 3 or self._last_t - tail[0][0] < 0.6 * END_STILL_S:
            return False
        vals = [x for _, x in tail]
        return max(vals) - min(vals) <= self.spec.start_band / 2

    def _came_to_rest(self, t: float, v: float) -> bool:
        """The movement under way has come back 40% or more of the way from its peak and
        stayed still (within start_band) for SETTLE_S: the person rests again, maybe higher
        than before (feet shifted), where the old return level is never met."""
        assert self.rest is not None
        self._recent.append((t, v))
        while self._recent and t - self._recent[0][0] > SETTLE_S:
            self._recent.popleft()
        if v > self._peak - 0.4 * (self._peak - self.rest):
            return False
        vals = [x for _, x in self._recent]
        return (t - self._recent[0][0] >= SETTLE_S * 0.9
                and max(vals) - min(vals) <= self.spec.start_band)

    def _turned(self, t: float, v: float) -> RepEvent | None:
        """Complete a rep whose descent, VALLEY_BACK or more of the way back, turned into the
        next rise: it ends at the lowest point, where the next rep starts."""
        assert self.rest is not None
        if self.phase == "top":
            self._valley = None
            return None
        if self._valley is None or v < self._valley[1]:
            self._valley = (t, v)
            return None
        low_t, low = self._valley
        if (low > self._peak - VALLEY_BACK * (self._peak - self.rest)
                or v < low + self.spec.start_band):
            return None
        self._return_t = low_t
        event = self._complete(low_t, low)  # at rest from the valley ...
        self._rest(t, v)  # ... and rising since: the next rep may be under way
        return event

    def _settled(self, t: float, v: float) -> RepEvent | None:
        """Complete a rep whose descent has come to rest above the old return level."""
        if not self._came_to_rest(t, v) or self.phase != "down":
            return None
        self._return_t = self._recent[0][0]
        return self._complete(t, v)

    def _rest_again(self, t: float, v: float) -> None:
        """At rest from `t` (value `v`): the rest is learnt afresh from here."""
        assert self.rest is not None
        self.top_since, self._last_low_t, self._return_t = None, t, None
        self._valley = None
        self._held = False
        self._recent.clear()
        self._rest_buf.clear()
        self._rest_buf.append((t, v))
        self.rest = min(self.rest, v)  # re-learnt from here on

    def _complete(self, t: float, v: float) -> RepEvent | None:
        """Back at the start (since `_return_t`): a rep if it lasted long enough."""
        assert self.rest is not None and self._return_t is not None
        end, event = self._return_t, None
        # First seen part-way and slow to reach the top: the person was holding low (pulses
        # at the bottom of a squat), and rising from there is not a rep.
        if (end - self._start_t >= self.spec.min_duration_s and not self._held
                and not self._there_at_first_sight()):
            event = RepEvent(self._start_t, end, self._natural(self.rest),
                             self._natural(self._peak))
            if not self._from_start():  # a rep if the return goes on to the start side
                self._doubt, event = (event, t), None
        self.phase = "rest"
        self._rest_again(t, v)
        return event

    def _there_at_first_sight(self) -> bool:
        """The rep under way began as the stream did (the person seen from its first frame)
        and was near its peak (within hold_band) FIRST_RISE_S later: they were at the top
        already. A key first measurable later (the person getting into position) is not
        this: its first reading is no model settling."""
        first = self._stream_t
        if (self.spec.direction == "either" or self.spec.start is not None
                or first is None or self._first_t is None):
            return False  # a `start` position rules reps first seen part-way (_held, _doubt)
        if self._first_t - first >= FIRST_RISE_S or self._start_t - first >= FIRST_RISE_S:
            return False
        return self._early_peak >= self._peak - self.spec.hold_band

    def finish(self) -> RepEvent | None:
        """End of stream: a return that had begun but not yet lasted RETURN_CONFIRM_S, or a
        recording stopped while the person was lowering, most of the way back (END_RETURN)."""
        if self.phase == "rest" or self._last_t is None:
            return None
        if self._return_t is None and self.phase == "down" and self._back_at_end():
            self._return_t = self._last_t
        if self._return_t is not None:
            return self._complete(self._last_t, math.inf)
        return None
