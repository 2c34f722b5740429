"""Fault rules evaluated over a rep's (or hold's) frames, by phase."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from formcheck.analysis.exercise import FaultRule
from formcheck.analysis.records import FaultEvent


def stat_of(values: np.ndarray, times: np.ndarray, stat: str) -> tuple[float, float]:
    """(value, time it refers to) of `stat` over finite values; NaN if none."""
    ok = np.isfinite(values)
    if not ok.any():
        return math.nan, math.nan
    v, t = values[ok], times[ok]
    mid = float(t[len(t) // 2])
    if stat == "min":
        i = int(np.argmin(v))
        return float(v[i]), float(t[i])
    if stat == "max":
        i = int(np.argmax(v))
        return float(v[i]), float(t[i])
    if stat == "first":
        return float(v[0]), float(t[0])
    if stat == "last":
        return float(v[-1]), float(t[-1])
    fns: dict[str, Callable[[np.ndarray], Any]] = {
        "mean": np.mean, "median": np.median, "std": np.std, "range": np.ptp,
        "p10": lambda x: np.percentile(x, 10), "p90": lambda x: np.percentile(x, 90)}
    fn = fns[stat]
    return float(fn(v)), mid


def _limit(ref: float | str | None, attrs: dict[str, float], factor: float = 1.0
           ) -> float | None:
    if ref is None:
        return None
    if isinstance(ref, str):
        val = attrs.get(ref, math.nan) * factor
        return val if math.isfinite(val) else None
    return float(ref)


def check(rule: FaultRule, values: np.ndarray | None, times: np.ndarray,
          attrs: dict[str, float]) -> FaultEvent | None:
    """Evaluate one rule. `values` is the measure over the phase's frames, or None when the
    rule's measure is a rep attribute (up_s, hold_s, ...) taken from `attrs`."""
    if values is None:
        value = attrs.get(rule.measure, math.nan)
        t = attrs.get("end_s", math.nan)
    else:
        if len(values) == 0:
            return None
        value, t = stat_of(values, times, rule.stat)
    if not math.isfinite(value):
        return None
    below = _limit(rule.below, attrs, rule.factor)
    above = _limit(rule.above, attrs, rule.factor)
    if below is not None and value < below or above is not None and value > above:
        return FaultEvent(rule.code, rule.cue, float(t), float(value))
    return None
