"""The one cue to show: a fault seen live in the phase under way, else the verdict on the rep
or hold just finished, for a while."""

from __future__ import annotations

from formcheck.analysis import faults as fault_rules
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.analysis.records import FaultEvent
from formcheck.analysis.samples import SampleWindow, side_arrays
from formcheck.analysis.state import Cue, Phase, Side

CUE_AFTER_REP_S = 2.5  # a fault found in the rep just finished: shown this long at most
GOOD_CUE_S = 1.0  # "Good rep": a glance, not a banner through the next rep
UNDER_WAY = ("up", "top", "down", "hold")
LIVE_MIN_PHASE_S = 0.4


class CueChooser:
    def __init__(self, spec: ExerciseSpec, names: list[str]):
        self.spec, self.names = spec, names
        self._last: tuple[Cue, float] | None = None

    def recorded(self, found: list[FaultEvent], t: float) -> None:
        """A rep or hold was recorded at `t` with these faults."""
        cue = Cue(found[0].code, found[0].message) if found else Cue("good", "Good rep", "info")
        self._last = (cue, t)

    def live(self, t: float, phase: Phase, phase_start: float, side: Side | None,
             samples: SampleWindow, top_floor: float | None, sign: float = 1.0
             ) -> Cue | None:
        """The phase's samples are read only when a fault can be judged live (every frame
        otherwise: a rest between reps may be long); at the top only those with `sign` x key
        above `top_floor` count (near the peak, as a finished rep's top is)."""
        if side and phase in ("top", "up", "down", "hold") and t - phase_start >= (
                LIVE_MIN_PHASE_S):
            frames = samples.between(phase_start, t)
            if phase == "top" and top_floor is not None:
                frames = [f for f in frames if sign * f.key >= top_floor]
            times, values = side_arrays(frames, side)
            # none near the peak (the key unread there since the top began): nothing to judge
            for rule in self.spec.faults if frames else []:
                rp = "top" if rule.phase == "hold" and phase == "top" else rule.phase
                if rp == "rep" and phase != "hold":
                    rp = phase  # a whole-rep rule (body line, elbows) holds in every phase
                if not rule.live or rp != phase and not (phase == "hold"):
                    continue
                if rule.measure not in self.names:
                    continue
                ev = fault_rules.check(rule, values[:, self.names.index(rule.measure)],
                                       times, {})
                if ev:
                    return Cue(rule.code, rule.cue)
        if self._last:
            # The verdict belongs to the rep it judged: gone once the next one is under way.
            cue, at = self._last
            shown_for = GOOD_CUE_S if cue.code == "good" else CUE_AFTER_REP_S
            if t - at <= shown_for and not (phase in UNDER_WAY and phase_start > at):
                return cue
        return None
