"""A day's programme for `formcheck session`: a plain TOML plan file, or the prescriptions.

    rest = 60                 # seconds between sets (each exercise may say its own)
    [[exercise]]
    id = "glute_bridge"
    sets = 3
    reps = 10                 # reps a set; for a hold exercise, holds a set
    hold = 3                  # seconds a hold lasts (or the top of a rep is held)
    rest = 45
    side = "both"             # left, right, both (one side, switch, the other), auto
    source = "bridge.mp4"     # a video to play instead of the camera (relative to the plan)

Fields an exercise leaves out come from its prescription. Mistakes are named with field and
line, by the exercise files' own reader (exercise.read_toml).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from formcheck.analysis.exercise import ExerciseSpec, apply_variant, read_toml, read_toml_file
from formcheck.errors import UserError

REST_S = 60.0  # between sets, when neither the plan nor the exercise says
MAX_REST_S = 3600.0
PLAN_SIDES = ("left", "right", "both", "auto")
ITEM_FIELDS = {"id", "variant", "sets", "reps", "hold", "rest", "side", "source"}


class PlanFileError(UserError):
    pass


@dataclass(frozen=True)
class PlanItem:
    """One exercise of the day, as it will be run."""

    spec: ExerciseSpec  # variant applied; its prescription set to the plan's sets/reps/hold
    sets: int
    units: int  # reps a set (holds a set for a hold exercise), per side
    hold_s: float | None
    rest_s: float
    sides: tuple[str | None, ...]  # ("left", "right") switches; (None,) = whichever side works
    source: Path | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def unit(self) -> str:
        return "rep" if self.spec.kind == "reps" else "hold"


@dataclass(frozen=True)
class Plan:
    items: tuple[PlanItem, ...]
    origin: str  # the plan file, or what the default plan was made from


def default_sides(spec: ExerciseSpec) -> tuple[str | None, ...]:
    """Sides worked one at a time (a clamshell) are done both, one after the other."""
    return ("left", "right") if spec.side.works == "one_at_a_time" else (None,)


def item_from_prescription(spec: ExerciseSpec, rest_s: float = REST_S) -> PlanItem:
    p = spec.prescription
    units = p.reps or 1  # a hold exercise without reps: one hold a set (a plank)
    return PlanItem(spec, p.sets or 1, units, p.hold_s, rest_s, default_sides(spec))


def load_plan(path: str | Path, catalogue: dict[str, ExerciseSpec]) -> Plan:
    text = read_toml_file(path, "session plan", PlanFileError)
    return parse_plan(text, str(path), catalogue, Path(path).parent)


def parse_plan(text: str, origin: str, catalogue: dict[str, ExerciseSpec],
               base: Path | None = None) -> Plan:
    """The plan in `text`; `catalogue` the exercises it may name; `base` the folder that
    relative `source` paths start from."""
    data, r = read_toml(text, origin, "session plan", PlanFileError)
    r.unknown(data, (), {"rest", "exercise"})
    rest = r.get(data, ("rest",), float, REST_S)
    _check_rest(r, ("rest",), rest)
    raw = data.get("exercise")
    if not isinstance(raw, list) or not raw:
        raise r.fail(("exercise",), "the plan needs at least one [[exercise]] table")
    items = []
    for n, t in enumerate(raw):
        p = ("exercise", str(n))
        if not isinstance(t, dict):
            raise r.fail(p, "must be a table ([[exercise]])")
        r.unknown(t, p, ITEM_FIELDS)
        ex_id = r.get(t, p + ("id",), str)
        if ex_id not in catalogue:
            raise r.fail(p + ("id",), f"unknown exercise '{ex_id}' (known: "
                         f"{', '.join(sorted(catalogue))})")
        spec = catalogue[ex_id]
        variant = r.get(t, p + ("variant",), str, None)
        if variant is not None:
            if variant not in spec.variants:
                raise r.fail(p + ("variant",), f"'{ex_id}' has no variant '{variant}' (known: "
                             f"{', '.join(spec.variants) or 'none'})")
            spec = apply_variant(spec, variant)
        base_item = item_from_prescription(spec, rest)
        sets = r.get(t, p + ("sets",), int, base_item.sets)
        units = r.get(t, p + ("reps",), int, base_item.units)
        hold = r.get(t, p + ("hold",), float, base_item.hold_s)
        if hold is not None and hold <= 0:
            raise r.fail(p + ("hold",), f"must be more than 0 seconds, got {hold:g}")
        item_rest = r.get(t, p + ("rest",), float, rest)
        _check_rest(r, p + ("rest",), item_rest)
        side = r.get(t, p + ("side",), str, None, PLAN_SIDES)
        sides = (default_sides(spec) if side is None else ("left", "right") if side == "both"
                 else (None,) if side == "auto" else (side,))
        source = r.get(t, p + ("source",), str, None)
        src = None if source is None else (base or Path()) / Path(source).expanduser()
        prescription = replace(spec.prescription, sets=sets, reps=units, hold_s=hold)
        items.append(PlanItem(replace(spec, prescription=prescription), sets, units, hold,
                              item_rest, sides, src))
    return Plan(tuple(items), origin)


def _check_rest(r, path: tuple[str, ...], value: float) -> None:
    if not 0 <= value <= MAX_REST_S:
        raise r.fail(path, f"must be 0 to {MAX_REST_S:g} seconds, got {value:g}")
