"""The records the analysis produces: reps, holds, faults and the key measurement over time.

The session report (report/schema.py) stores them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FaultEvent:
    code: str
    message: str
    t_s: float
    value: float | None = None  # the measurement that triggered it (degrees, seconds, ...)


@dataclass
class RepRecord:
    index: int  # 1-based
    side: str  # "left" | "right"
    start_s: float
    end_s: float
    duration_s: float
    key_angle: str  # measurement name, e.g. "hip_angle"
    peak_angle: float
    trough_angle: float
    range_of_motion: float
    up_s: float
    hold_s: float
    down_s: float
    good: bool
    set_index: int = 1
    faults: list[FaultEvent] = field(default_factory=list)
    leg: str = ""  # the working leg of a single-leg rep ("left"/"right"), "both", or unknown


@dataclass
class HoldRecord:
    """A timed hold of a hold-type exercise (glute squeeze, stretch)."""

    index: int
    side: str
    start_s: float
    end_s: float
    hold_s: float
    good: bool
    faults: list[FaultEvent] = field(default_factory=list)


@dataclass
class Series:
    """Key measurement over time, downsampled, for plots."""

    name: str = ""
    t_s: list[float] = field(default_factory=list)
    value: list[float | None] = field(default_factory=list)
