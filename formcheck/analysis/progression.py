"""The `[progression]` table of an exercise file: the next step once the pain rules allow one.

Tendinopathy rehab progresses in stages (isometric holds near hip neutral -> slow bridges ->
more hip flexion -> single-leg and faster loading). A physiotherapist writes the ladder as data:
first more reps (or a longer hold) up to a ceiling, then the next exercise. The pain rules that
decide *whether* to step up live with the history (report/advice.py); this only reads the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol


class _Reader(Protocol):  # exercise._Reader: field + line in every error
    def get(self, d: dict, path: tuple[str, ...], typ: Any, default: Any = ...,
            choices: tuple | None = None) -> Any: ...
    def table(self, d: dict, path: tuple[str, ...], required: bool = False) -> dict: ...
    def unknown(self, d: dict, path: tuple[str, ...], allowed: set[str]) -> None: ...
    def fail(self, path: tuple[str, ...], msg: str) -> Exception: ...


@dataclass(frozen=True)
class Progression:
    reps_step: int = 0  # add this many reps a set per step ...
    reps_max: int | None = None  # ... up to this many; then the next exercise
    hold_step_s: float = 0.0  # add this many seconds to each hold per step ...
    hold_max_s: float | None = None  # ... up to this long
    next: str = ""  # the exercise id of the ladder's next step ("" = top of the ladder)
    next_variant: str = ""  # ... and its variant (e.g. "single-leg")
    note: str = ""  # shown with the suggestion (e.g. "start with 2 x 8 per leg")

    def to_dict(self) -> dict[str, Any]:
        return {"reps_step": self.reps_step, "reps_max": self.reps_max,
                "hold_step_s": self.hold_step_s, "hold_max_s": self.hold_max_s,
                "next": self.next, "next_variant": self.next_variant, "note": self.note}


def parse_progression(r: _Reader, data: dict) -> Progression | None:
    """The file's `[progression]`, or None when it has none."""
    p = ("progression",)
    if "progression" not in data:
        return None
    t = r.table(data, p)
    r.unknown(t, p, set(Progression.__dataclass_fields__))

    def positive(key: str, typ: type, default: Any) -> Any:
        value = r.get(t, p + (key,), typ, default)
        if value is not None and not (value >= 0 and value == value and value != float("inf")):
            raise r.fail(p + (key,), f"must be a finite number >= 0, got {value!r}")
        return value

    out = Progression(
        reps_step=positive("reps_step", int, 0), reps_max=positive("reps_max", int, None),
        hold_step_s=positive("hold_step_s", float, 0.0),
        hold_max_s=positive("hold_max_s", float, None),
        next=r.get(t, p + ("next",), str, ""), next_variant=r.get(t, p + ("next_variant",),
                                                                   str, ""),
        note=r.get(t, p + ("note",), str, ""))
    if out.next and not re.fullmatch(r"[a-z][a-z0-9_]*", out.next):
        raise r.fail(p + ("next",), "must be an exercise id (lower-case letters, digits, _)")
    if out.next_variant and not out.next:
        raise r.fail(p + ("next_variant",), "needs `next` (the exercise it is a variant of)")
    return out
