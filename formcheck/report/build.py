"""Assemble a Report from what the engine found and what the session was."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from formcheck.analysis.engine import EngineResult
from formcheck.analysis.exercise import ExerciseSpec
from formcheck.report.rules import rules_of
from formcheck.report.schema import Report, Summary


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def build_report(spec: ExerciseSpec, result: EngineResult, *, source: str, started_at: str,
                 duration_s: float, fps: float, model: str, mode: str = "analyze",
                 partial: bool = False, warnings: list[str] | None = None,
                 side_requested: str | None = None) -> Report:
    records = result.reps if spec.kind == "reps" else result.holds
    faults = Counter(f.code for r in records for f in r.faults)
    per_side: dict[str, dict[str, float]] = {}
    for r in records:
        d = per_side.setdefault(r.side, {"reps": 0, "good": 0, "hold_s": 0.0})
        d["reps"] += 1
        d["good"] += int(r.good)
        d["hold_s"] += r.hold_s
    sides = {r.side for r in records}
    side = (side_requested if side_requested in ("left", "right")
            else sides.pop() if len(sides) == 1 else "both" if sides else result.side)
    p = spec.prescription
    summary = Summary(
        rep_count=len(records), good_rep_count=sum(r.good for r in records),
        hold_seconds=round(sum(r.hold_s for r in records), 3), fault_counts=dict(faults),
        set_count=max((getattr(r, "set_index", 1) for r in records), default=0)
        if spec.kind == "reps" else (1 if records else 0),
        per_side=per_side)
    return Report(
        exercise=spec.id, exercise_name=spec.name, side=side, source=source,
        started_at=started_at, duration_s=round(duration_s, 3), fps=round(fps, 3), model=model,
        summary=summary, reps=list(result.reps), holds=list(result.holds), mode=mode,
        partial=partial, warnings=[*result.warnings, *(warnings or [])], frames=result.frames,
        frames_with_person=result.frames_with_person, series=result.series,
        prescription={"sets": p.sets, "reps": p.reps, "hold_s": p.hold_s,
                      "frequency": p.frequency, "per_day": p.per_day,
                      "every_n_days": p.every_n_days},
        works=spec.side.works,
        progression=spec.progression.to_dict() if spec.progression else {},
        rules=rules_of(spec),
    )
