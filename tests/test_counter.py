"""The rep counter and hold timer on controlled signals: each rule in isolation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from formcheck.analysis.exercise import RepSpec
from formcheck.analysis.holds import HoldTimer
from formcheck.analysis.reps import RepCounter

SPEC = RepSpec(key="hip", top=155, min_range=20, start_band=6, return_fraction=0.2,
               min_duration_s=1.0, hold_band=8)


def _signal(segments, fps=30.0):
    """segments: (duration_s, start_value, end_value) pieces, cosine-interpolated."""
    t0, ts, vs = 0.0, [], []
    for dur, a, b in segments:
        n = max(int(round(dur * fps)), 1)
        for i in range(n):
            u = (1 - math.cos(math.pi * i / n)) / 2
            ts.append(t0 + i / fps)
            vs.append(a + (b - a) * u)
        t0 += n / fps
    return np.array(ts), np.array(vs)


def _events(ts, vs, spec=SPEC):
    c = RepCounter(spec)
    return [e for t, v in zip(ts, vs, strict=True) if (e := c.update(t, v))]


def _run(ts, vs, spec=SPEC):
    """Full reps; movements short of min_range come out as `small` events, which the engine
    counts only when the person repeats them."""
    return [e for e in _events(ts, vs, spec) if not e.small]


def _reps(n, rest=130.0, top=178.0):
    seg = [(1.5, rest, rest)]
    for _ in range(n):
        seg += [(1.0, rest, top), (0.8, top, top), (1.2, top, rest), (1.0, rest, rest)]
    return _signal(seg)


def test_clean_reps_count_exactly_on_return():
    ts, vs = _reps(5)
    events = _run(ts, vs)
    assert len(events) == 5
    for i, e in enumerate(events):
        # each rep: starts after the 1.5 s lead-in plus i * 4 s, ends on the way back down
        assert 1.4 + 4 * i <= e.start_s <= 1.7 + 4 * i
        assert 3.4 + 4 * i <= e.end_s <= 4.5 + 4 * i
        assert e.peak > 176 and e.rest < 131


def test_jitter_around_a_threshold_counts_once():
    # Hovering at the top threshold with +-4 degree jitter: a single threshold at 155
    # would count every crossing; hysteresis counts the one real rep.
    ts, vs = _signal([(1.5, 130, 130), (1.0, 130, 160), (3.0, 160, 160), (1.0, 160, 130),
                      (1.0, 130, 130)])
    rng = np.random.default_rng(1)
    vs = vs + np.where((ts > 2.5) & (ts < 5.5), 4 * np.sin(ts * 40) + rng.normal(0, 1, ts.size), 0)
    naive = int(np.sum((vs[1:] >= 155) & (vs[:-1] < 155)))
    assert naive > 3
    assert len(_run(ts, vs)) == 1


def test_a_two_frame_tracking_spike_is_not_the_peak():
    # A 1.2 s rep topping out at 168, with two frames (30 fps) glitched to 192 just after
    # the top is reached (seen on a bridge filmed at 45 degrees): had the spike set the
    # peak, the real top would read as "on the way down", settle there and end the rep
    # after 0.8 s, too short to count.
    ts, vs = _signal([(1.5, 130, 130), (0.6, 130, 168), (1.2, 168, 168), (0.8, 168, 130),
                      (1.0, 130, 130)])
    spike = np.flatnonzero(ts >= 2.2)[:2]
    vs[spike] = 192.0
    events = _run(ts, vs)
    assert len(events) == 1 and events[0].peak == pytest.approx(168, abs=0.5)
    vs[spike[0] + 5:spike[0] + 9] = 192.0  # held for four frames: a real peak
    assert _run(ts, vs)[0].peak == pytest.approx(192)


def test_pulses_while_holding_the_top_do_not_count():
    ts, vs = _signal([(1.5, 130, 130), (1.0, 130, 178)] + [(0.3, 178, 165), (0.3, 165, 178)] * 5
                     + [(1.0, 178, 130), (1.0, 130, 130)])
    assert len(_run(ts, vs)) == 1


def test_too_fast_or_too_small_movements_are_not_reps():
    ts, vs = _signal([(1.5, 130, 130), (0.3, 130, 178), (0.3, 178, 130), (1.0, 130, 130)])
    assert _run(ts, vs) == []  # 0.6 s < min_duration_s
    ts, vs = _signal([(1.5, 130, 130), (1.0, 130, 148), (1.0, 148, 130), (1.0, 130, 130)])
    assert _run(ts, vs) == []  # never reaches the top


def test_rest_is_the_persons_own():
    # Someone whose rest sits at 150 (heel bridge, portrait video) still counts, and must
    # still rise min_range above their own rest.
    ts, vs = _reps(3, rest=150.0, top=180.0)
    assert len(_run(ts, vs)) == 3
    ts, vs = _reps(3, rest=150.0, top=162.0)
    assert _run(ts, vs) == []
    small = _events(ts, vs)  # 12 of 20 degrees: a small-range variant's reps, if repeated
    assert len(small) == 3 and all(e.small and e.peak == pytest.approx(162) for e in small)


def test_the_persons_own_range_lowers_min_range_after_full_reps():
    c = RepCounter(SPEC)
    for e in _events(*_reps(2, rest=150.0, top=176.0), spec=SPEC):
        c.counted(e)  # two reps of 26 degrees
    assert c.min_range == pytest.approx(0.7 * 26.0)
    ts, vs = _reps(1, rest=150.0, top=169.0)  # 19 degrees: short of 20, but 73% of theirs
    events = [e for t, v in zip(ts, vs, strict=True) if (e := c.update(t, v))]
    assert len(events) == 1 and not events[0].small


def test_a_rep_starts_from_the_start_position_when_the_spec_names_one():
    spec = RepSpec(key="knee", direction="down", top=120, min_range=35, start=145)
    ts, vs = _signal([(1.5, 120, 120)] + [(0.4, 120, 90), (0.4, 90, 120)] * 6
                     + [(1.0, 120, 170), (1.0, 170, 170)])
    assert _events(ts, vs, spec) == []  # pulses in a squat held low, then standing up
    ts, vs = _reps(2, rest=172.0, top=95.0)
    assert len(_run(ts, vs, spec)) == 2
    # First seen already on the way down (rest read at 140): a squat if the return goes on
    # to standing, not if it stops short of the start position.
    ts, vs = _signal([(0.2, 140, 140), (0.8, 140, 60), (1.0, 60, 170), (1.0, 170, 170)])
    assert len(_run(ts, vs, spec)) == 1
    ts, vs = _signal([(0.2, 140, 140), (0.8, 140, 60), (1.0, 60, 138), (1.0, 138, 138)])
    assert _run(ts, vs, spec) == []


def test_short_occlusion_keeps_the_rep_long_one_abandons_it():
    ts, vs = _reps(1)
    short = vs.copy()
    short[(ts > 2.8) & (ts < 3.6)] = np.nan  # 0.8 s gap at the top
    assert len(_run(ts, short)) == 1
    long_gap = vs.copy()
    long_gap[(ts > 2.6) & (ts < 4.6)] = np.nan  # 2 s gap > max_gap_s
    assert len(_run(ts, long_gap)) == 0


def test_direction_down_counts_squat_like_reps():
    spec = RepSpec(key="knee", direction="down", top=100, min_range=30, min_duration_s=0.8)
    ts, vs = _reps(4, rest=175.0, top=80.0)
    events = _run(ts, vs, spec)
    assert len(events) == 4
    assert all(e.peak < 82 and e.rest > 170 for e in events)


def test_dropped_frames_do_not_change_the_count():
    ts, vs = _reps(4)
    keep = np.random.default_rng(3).random(ts.size) > 0.3
    assert len(_run(ts[keep], vs[keep])) == 4


def test_a_small_rise_that_settles_higher_ends_and_the_next_rep_counts():
    """Heel bridges: rest 150, a rise of 19.8 (0.2 short of min_range) that comes back only to
    160 (the feet shifted) and stays there, then a full rep from 160. The small rise ends
    where it settled (a `small` event, for the engine to pair with a repeat) instead of
    leaving the counter waiting for a return to 150 that never comes, which lost the next rep;
    a rise of 20.2 was a rep either way: a count hung on 0.4 degrees."""
    def events(peak: float) -> list:
        ts, vs = _signal([(1.5, 150, 150), (1.0, 150, peak), (0.8, peak, peak),
                          (1.0, peak, 160), (1.5, 160, 160), (1.0, 160, 185), (0.8, 185, 185),
                          (1.0, 185, 160), (1.0, 160, 160)])
        return _events(ts, vs)

    short = events(169.8)
    assert [e.small for e in short] == [True, False]
    assert short[0].start_s < 1.8 and 3.6 < short[0].end_s < 4.4  # still within 6 from 3.7 s
    assert [e.small for e in events(170.2)] == [False, False]


def test_hold_timer_uses_frame_time_and_debounces():
    timer = HoldTimer(enter_s=0.5, exit_s=0.7)
    events = []
    fps = 30.0
    for i in range(int(12 * fps)):
        t = i / fps
        inside = 2.0 <= t < 8.0 and not (5.0 <= t < 5.3)  # a 0.3 s glitch mid-hold
        if (e := timer.update(t, inside, inside)):
            events.append(e)
    assert len(events) == 1
    assert events[0].start_s == 2.0
    assert abs(events[0].end_s - (8.0 - 1 / fps)) < 1e-6
    assert abs(events[0].hold_s - 6.0) < 0.05


def test_hold_timer_starts_once_the_key_has_settled():
    """A front thigh swinging up through the limits (45-135) to 106, back to 95 and held: the
    hold starts where it settled within `settle` of the held value, not where it crossed 45;
    without `settle` the start is when the limits were first met."""
    ts, vs = _signal([(1.0, 10, 10), (0.3, 10, 106), (0.3, 106, 95), (6.0, 95, 95)])
    starts = []
    for settle in (10.0, None):
        timer = HoldTimer(enter_s=1.0, exit_s=1.0, settle=settle)
        for t, v in zip(ts, vs, strict=True):
            timer.update(t, 45 <= v <= 135, 40 <= v <= 140, v)
        e = timer.finish()
        assert e is not None
        starts.append(e.start_s)
    crossed = ts[np.argmax(vs >= 45)]
    back_within = ts[(ts > 1.3) & (vs <= 105)][0]  # on the way back from the 106 overshoot
    assert starts == [back_within, crossed]
    assert 1.3 < back_within < 1.6 and crossed < 1.2


def test_hold_timer_waits_for_every_measure_to_settle():
    """The body line is straight at once but the knees are still straightening (130 -> 176
    over 0.5 s, in range from 155): the plank starts when they are done, within `settle` of
    their held value, not when they reached the range."""
    timer = HoldTimer(enter_s=0.5, exit_s=1.5, settle=10.0)
    for i in range(90):
        t = i / 30
        knee = 130 + 46 * min(t / 0.5, 1.0)
        timer.update(t, knee >= 155, knee >= 150, (175.0, knee))
    e = timer.finish()
    assert e is not None
    assert e.start_s == pytest.approx(0.4, abs=1 / 30)  # knee 166.8, 9.2 from 176


def test_hold_timer_settle_ignores_unmeasured_frames():
    timer = HoldTimer(enter_s=0.5, exit_s=0.7, settle=10.0)
    for i in range(60):
        timer.update(i / 30, True, True, math.nan if i < 15 else 170.0)
    e = timer.finish()
    assert e is not None and e.start_s == 0.0  # nothing says it was still moving


def test_hold_timer_entry_bridges_frames_without_a_person():
    """A frame or two where the model found nobody, while the person takes the position,
    neither restarts the entry nor delays the start (3% lost frames moved a plank's start by
    1 s); seen out of position, the entry starts again."""
    def start(lost: tuple[int, ...], out: tuple[int, ...] = ()) -> float:
        timer = HoldTimer(enter_s=0.5, exit_s=0.7, bridge_s=3.0)
        for i in range(120):
            timer.update(i / 30, i not in out, i not in out, 170.0, seen=i not in lost)
        e = timer.finish()
        assert e is not None
        return e.start_s

    assert start(()) == 0.0
    assert start((4, 9, 13)) == 0.0
    assert start((), out=(9,)) == pytest.approx(10 / 30)


def test_hold_timer_finish_closes_a_running_hold():
    timer = HoldTimer(enter_s=0.5, exit_s=0.7)
    for i in range(90):
        timer.update(i / 30, True, True)
    e = timer.finish()
    assert e is not None and abs(e.hold_s - 89 / 30) < 1e-6


def test_a_clip_ending_mid_lowering_counts_only_most_of_the_way_down():
    def ending(at):  # rest 130, top 178, the clip stops on the way down at `at`
        ts, vs = _signal([(1.5, 130, 130), (1.0, 130, 178), (0.8, 178, 178), (1.0, 178, at)])
        c = RepCounter(SPEC)
        events = [e for t, v in zip(ts, vs, strict=True) if (e := c.update(t, v))]
        return events + [e for e in [c.finish()] if e]

    assert len(ending(140)) == 1  # 79% of the way back down
    assert ending(154) == []  # half way: the rep is not done


def test_a_clip_ending_still_two_thirds_of_the_way_down_ends_the_rep():
    """Where the person stopped is where they rest now (a far-off camera reads their rest a
    little higher); a clip cut while they are still lowering is not a rep."""
    def ending(tail):
        ts, vs = _signal([(1.5, 130, 130), (1.0, 130, 178), (0.8, 178, 178)] + tail)
        c = RepCounter(SPEC)
        events = [e for t, v in zip(ts, vs, strict=True) if (e := c.update(t, v))]
        return events + [e for e in [c.finish()] if e]

    assert len(ending([(1.0, 178, 147), (0.3, 147, 147)])) == 1  # 65% back, then still
    # cut mid-descent at the same point: still moving (the linear piece of a longer lowering)
    ts, vs = _signal([(1.5, 130, 130), (1.0, 130, 178), (0.8, 178, 178)])
    lower = np.arange(1, 31) / 30.0
    c = RepCounter(SPEC)
    feed = list(zip(ts, vs, strict=True)) + [(ts[-1] + u, 178 - 31 * u) for u in lower]
    assert [e for t, v in feed if (e := c.update(t, v))] == [] and c.finish() is None


def test_a_squat_first_seen_held_low_is_not_a_rep_when_the_person_stands_up():
    """First seen part-way down (though above `start`), sinking slowly and pulsing at the
    bottom for seconds, then standing up: the start was never seen, the person was already
    holding low, and rising from there is not a squat. Seen standing first, the same is one
    slow squat with a long hold at the bottom."""
    spec = RepSpec(key="knee", direction="down", top=120, min_range=35, start=145,
                   min_duration_s=0.8)
    low = [(0.6, 155, 138), (1.4, 138, 125)] + [(0.4, 125, 100), (0.4, 100, 125)] * 8 + [
        (0.4, 125, 100)]
    ts, vs = _signal([(0.1, 155, 155)] + low + [(0.7, 100, 175), (0.5, 175, 175)])
    assert _run(ts, vs, spec) == []
    ts, vs = _signal([(1.5, 175, 175), (0.5, 175, 155)] + low + [(0.7, 100, 175),
                                                               (0.5, 175, 175)])
    assert len(_run(ts, vs, spec)) == 1



def test_continuous_reps_that_stop_short_of_rest_each_count_from_their_valley():
    # Bridges done without a pause (filmed from the feet end or above): the hips come back
    # three quarters of the way between reps and rise again at once, never within
    # return_fraction of the rest. Each descent that turns into the next rise ends its rep
    # at the lowest point, where the next one starts.
    seg = [(1.5, 145, 145), (1.0, 145, 185), (0.4, 185, 185)]
    for _ in range(2):
        seg += [(0.8, 185, 155), (0.8, 155, 185), (0.4, 185, 185)]
    ts, vs = _signal(seg + [(1.0, 185, 145), (1.0, 145, 145)])
    events = _run(ts, vs)
    assert len(events) == 3
    # the first descent ends 75% of the way back: at its valley. The next rep's rest is
    # learnt from that valley, so the second descent is back within return_fraction of it
    # and ends as any rep does; each rep starts where the last one ended, or as it leaves
    # the valley
    assert events[0].end_s == pytest.approx(3.7, abs=0.05)
    assert events[1].start_s == pytest.approx(3.7, abs=0.05)
    assert 5.4 <= events[1].end_s <= 5.75 and 5.6 <= events[2].start_s <= 5.95
    assert events[0].rest == 145 and all(155 <= e.rest <= 159 for e in events[1:])


def test_a_dip_short_of_the_valley_or_a_wobble_on_the_way_down_is_not_a_new_rep():
    # back a third of the way and up again: still the same rep (a pulse at the top)
    ts, vs = _signal([(1.5, 145, 145), (1.0, 145, 185), (0.6, 185, 172), (0.6, 172, 185),
                      (1.0, 185, 145), (1.0, 145, 145)])
    assert len(_run(ts, vs)) == 1
    # a 3-degree wobble 70% of the way down (less than start_band): one rep
    ts, vs = _signal([(1.5, 145, 145), (1.0, 145, 185), (0.4, 185, 185), (0.6, 185, 157),
                      (0.2, 157, 160), (0.6, 160, 145), (1.0, 145, 145)])
    assert len(_run(ts, vs)) == 1


def test_a_clip_that_starts_at_the_top_counts_only_the_rep_seen_from_its_start():
    # The first frames read a rest and then the top 0.2 s later: MediaPipe settling on a
    # person who was already up (a clip cut at the top), not a rise. The descent from there
    # is not a rep; the next full one is.
    ts, vs = _signal([(0.2, 150, 188), (2.5, 188, 188), (1.0, 188, 135), (1.0, 135, 135),
                      (1.0, 135, 188), (1.0, 188, 188), (1.0, 188, 135), (1.0, 135, 135)])
    events = _run(ts, vs)
    assert len(events) == 1 and events[0].start_s > 4.5
    # seen from the first frame rising at a person's pace: a rep
    ts, vs = _signal([(0.8, 150, 188), (1.0, 188, 188), (1.0, 188, 150), (1.0, 150, 150)])
    assert len(_run(ts, vs)) == 1
    # the key first readable a second into the stream (the person getting into position),
    # a rep from there: no model settling, a rep
    ts, vs = _signal([(1.0, 150, 150), (0.4, 150, 188), (1.0, 188, 188), (1.0, 188, 150),
                      (1.0, 150, 150)])
    vs[ts < 1.0] = np.nan
    assert len(_run(ts, vs)) == 1
    # swings have no rest: one starting at either end at the first frame still counts
    swing = RepSpec(key="hip", direction="either", min_range=30, start_band=8,
                    return_fraction=0.6, min_duration_s=0.5, hold_band=10)
    ts, vs = _signal([(0.2, 150, 190), (0.5, 190, 150), (0.5, 150, 190), (0.5, 190, 150)])
    assert len(_run(ts, vs, swing)) >= 1
