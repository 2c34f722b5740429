"""The lines a reviewer checks a session against: the rep or hold rule of the key measure and
each fault's limit, with their units. Written into the report when it is built (so a user's own
exercise file and a variant keep theirs); older reports get the catalogue's."""

from __future__ import annotations

import functools
from typing import Any

from formcheck.analysis.exercise import REP_ATTRS, ExerciseSpec

# A rep attribute's unit: the times are seconds, `range` is in the key measure's unit.
ATTR_UNITS = {a: "s" for a in REP_ATTRS if a.endswith("_s")}


def unit_of(spec: ExerciseSpec, measure: str) -> str:
    """"deg", "ratio:KNEE-ANKLE" (lengths of that segment) or "s"."""
    if measure in ATTR_UNITS:
        return ATTR_UNITS[measure]
    m = spec.measures.get(spec.key if measure == "range" else measure)
    if m is None:
        return ""
    return f"ratio:{m.scale[0]}-{m.scale[1]}" if m.unit == "ratio" and m.scale else m.unit


def rules_of(spec: ExerciseSpec) -> dict[str, Any]:
    """{"key", "key_unit", "lines": [{kind, label, value, measure, unit, code?}]}."""
    key = spec.key
    lines: list[dict[str, Any]] = []
    if spec.rep is not None and spec.rep.direction != "either":
        word = "above" if spec.rep.direction == "up" else "below"
        lines.append({"kind": "target", "label": f"a rep counts {word} this", "measure": key,
                      "value": spec.rep.top, "unit": unit_of(spec, key)})
    if spec.hold is not None:
        for edge, bound in (("low", spec.hold.low), ("high", spec.hold.high)):
            lines.append({"kind": "target", "label": f"hold position: {edge} edge",
                          "measure": key, "value": bound, "unit": unit_of(spec, key)})
    for f in spec.faults:
        for side, value in (("below", f.below), ("above", f.above)):
            if isinstance(value, (int, float)):
                lines.append({"kind": "fault", "code": f.code, "label": f.cue, "side": side,
                              "measure": f.measure, "value": float(value),
                              "unit": unit_of(spec, f.measure), "stat": f.stat,
                              "phase": f.phase, "points": _points(spec, f.measure)})
    return {"key": key, "key_unit": unit_of(spec, key), "key_points": _points(spec, key),
            "lines": lines}


def _points(spec: ExerciseSpec, measure: str) -> list[str]:
    """The point names a measure is taken from (drawn on evidence frames); [] for a rep's
    times."""
    m = spec.measures.get(measure)
    return list(m.points) if m is not None else []


@functools.cache
def _catalogue_rules() -> dict[str, dict[str, Any]]:
    from formcheck.analysis.exercise import builtin_exercises

    return {ex_id: rules_of(spec) for ex_id, spec in builtin_exercises().items()}


def report_rules(report: Any) -> dict[str, Any]:
    """The report's own rules, else the catalogue's for its exercise id, else none."""
    own = getattr(report, "rules", None)
    if isinstance(own, dict) and isinstance(own.get("lines"), list):
        return _clean(own)
    return _catalogue_rules().get(str(report.exercise), {"key": "", "key_unit": "",
                                                          "lines": []})


def _strs(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _clean(rules: dict[str, Any]) -> dict[str, Any]:
    """A report's rules as the renderers expect them, whatever the file held: strings,
    lists of point names, finite numbers or None."""
    from formcheck.report.terminal import num

    lines = []
    for ln in rules["lines"]:
        if not isinstance(ln, dict):
            continue
        clean: dict[str, Any] = {
            k: str(v) for k, v in ln.items() if isinstance(v, (str, int, float))
            and not isinstance(v, bool) and k not in ("value", "points")}
        clean["value"] = num(ln.get("value"))
        clean["points"] = _strs(ln.get("points"))
        lines.append(clean)
    return {"key": str(rules.get("key") or ""), "key_unit": str(rules.get("key_unit") or ""),
            "key_points": _strs(rules.get("key_points")), "lines": lines}


def _unit(unit: str, deg: str, sec: str, ratio: str, unknown: str) -> str:
    if unit == "deg":
        return deg
    if unit == "s":
        return sec
    if unit.startswith("ratio:"):
        a, _, b = unit[6:].partition("-")
        return ratio.format(f"{a}–{b}")
    return unknown


def unit_suffix(unit: str) -> str:
    """How a value's unit is written after it: '°', ' s', ' × knee–ankle length'."""
    return _unit(unit, "°", " s", " × {} length", "")


def unit_name(unit: str) -> str:
    """The unit as an axis names it: '°', 's', 'knee–ankle lengths'."""
    return _unit(unit, "°", "s", "{} lengths", "unit unknown")
