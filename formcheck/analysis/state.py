"""What the analysis says about the current frame: read by the overlay and the live UI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")
# waiting: not yet in position; rest: at the start position; up/top/down: a rep under way;
# hold: a hold under way
Phase = Literal["waiting", "rest", "up", "top", "down", "hold"]


@dataclass(frozen=True)
class Cue:
    code: str
    message: str  # short enough to read mid-exercise
    kind: str = "fault"  # "fault" | "setup" | "info"


@dataclass(frozen=True)
class AnalysisState:
    t_s: float
    exercise_id: str
    exercise_name: str
    side: str | None  # working side in use, None until decided
    key_name: str  # e.g. "hip_angle"
    key_value: float | None  # degrees (or the measurement's unit) at this frame
    key_joint: int | None  # landmark index where the key angle is drawn
    phase: Phase
    rep_count: int
    good_rep_count: int
    set_count: int
    target_reps: int | None
    hold_s: float  # current hold so far (0 when not holding)
    hold_target_s: float | None
    total_hold_s: float  # for hold exercises: all holds so far
    person_visible: bool
    view_ok: bool
    cue: Cue | None  # the one cue to show now (setup cues win over faults)
    last_rep_good: bool | None = None
    key_unit: str = "deg"  # the key measure's unit ("deg", "ratio")
    holds_exercise: bool = False  # counts holds, not reps: the screen shows the hold time
    last_end_s: float | None = None  # when the last rep or hold was recorded (its end)
