"""The exercise-file reference, docs/exercise-format.md, written from the code that reads the
files so that it cannot drift. Regenerate with
    python -m formcheck.analysis.exercise_doc > docs/exercise-format.md
(tests/test_exercise_doc.py fails when the committed file differs).

Field meanings live here, keyed by table; render() refuses a dataclass field without one.
"""

from __future__ import annotations

import json
import re
from dataclasses import MISSING, fields

from formcheck.analysis import exercise as ex
from formcheck.analysis import measures as ms
from formcheck.analysis.progression import Progression

DOCS: dict[str, dict[str, str]] = {
    "": {
        "id": "lower-case letters, digits and underscores; what `--exercise` is given",
        "name": "the name shown to the person",
        "kind": '"reps" (a [rep] table) or "hold" (a [hold] table)',
        "setup": "how to get into position (shown by `formcheck exercises show`)",
        "movement": "what to do",
    },
    "camera": {
        "view": "where the camera should stand: advice, counting goes on from any view",
        "posture": "the body's position while in place; out of it nothing is counted",
        "faces": '"up" (on the back), "down" (face down), "side" (side-lying) or "any": '
                 "which way the front of the body faces in place; facing otherwise, nothing "
                 "is counted",
        "required": "point names that must be seen for the person to be in view",
        "hint": "camera placement advice shown to the person",
        "max_width": "overrides the view check's shoulder/hip width-ratio limit (side-on)",
        "min_width": "overrides the view check's width-ratio limit (facing)",
    },
    "side": {
        "mode": "bilateral: follow the better-seen side; per_side: count each side",
        "choose_by": '"visibility", or a measure: the side where it moves most works',
        "choose": "with a measure: the side where it reads highest (max), lowest (min), or "
                  "moves most (range)",
        "works": "whether reports check left/right balance (one_at_a_time) or not (together)",
    },
    "measures": {
        "fn": "a measure function (below)",
        "points": "point names, as many as the function takes",
        "scale": "[point, point]: the segment a ratio is divided by (ratio functions only)",
        "reflex_above": "joint_angle: continue past 180 when the middle point is above the line",
        "unit": "optional; it follows from fn (a declared unit that contradicts fn is an error)",
        "space": "the coordinates it is taken in (spaces, below)",
        "up": '"camera" (image up) or "standing": the person\'s own vertical, learnt while they '
              "stand straight, the same from a camera looking down (segment_elevation, "
              "segment_vertical; upright exercises)",
    },
    "rep": {
        "key": "the measure that counts reps",
        "direction": '"up": the key rises into the rep; "down": it falls (squat depth); '
                     '"either": swings (no `top`: min_range decides)',
        "top": "the key must pass this to count as a rep (required unless direction = either)",
        "min_range": "and move at least this far from the person's own rest",
        "start_band": "a rep starts when the key leaves rest by this much",
        "return_fraction": "back at rest: within this fraction of the rep's range from rest",
        "min_duration_s": "a shorter movement is not a rep (seconds)",
        "hold_band": '"at the top" = within this of the rep\'s peak',
        "hold_min_s": "a good rep holds the top at least this long (seconds)",
        "max_hold_s": "if above 0, a movement that holds its top longer is not a rep: a swing "
                      "never stops at the end, holding the leg there is a stretch (seconds)",
        "max_gap_s": "a rep unseen for longer is abandoned (seconds)",
        "confirm": '[["measure", change], ...]: a rep counts only if that measure also moved '
                   "this far from where the rep began (negative: fell this far)",
        "within": '[["measure", low, high], ...]: a rep counts only if that measure\'s median '
                  "through the rep lies within low..high (the body in the exercise's position)",
        "own_range": "after the first reps, a rep counts from this fraction of the person's "
                     "typical range when that is below min_range",
        "start": "reps start from a rest on this side of it (below for up, above for down)",
        "working_leg": "single-leg reps: the measure that reads lowest on the working "
                       "side, by more than 30 deg while one foot is down and the other "
                       "lifted: the key is read on that leg through its rep (legs may "
                       "alternate), and each rep records its leg",
        "both_sides": "limbs that move together: the other side, where seen through the whole "
                      "rep, must move at least this fraction of the key side's range (0: not "
                      "checked)",
    },
    "hold": {
        "key": "the measure that times the hold",
        "low": "the position is held while low <= key <= high ...",
        "high": "... (both in the key's unit)",
        "enter_s": "... for at least this long (seconds) ...",
        "exit_s": "... and ends after this long outside (seconds)",
        "margin": "leaving needs the key outside low..high by this much",
        "min_s": "a good hold lasts at least this long (seconds)",
        "also": '[["measure", low, high], ...]: further conditions of the position',
    },
    "faults": {
        "code": "a short name, unique in the file (reports and faults_remove use it)",
        "cue": "what the person is told",
        "measure": "a measure, or a rep attribute (below)",
        "phase": "the part of the rep (or hold) the statistic is taken over",
        "stat": "the statistic of the measure over the phase",
        "below": "fault when the statistic is below this: a number in the measure's unit, or "
                 "a rep attribute's name",
        "above": "fault when above (at least one of below / above)",
        "live": "also shown as a cue while the phase is under way",
        "factor": "scales a rep-attribute limit: rest_s below 0.75 x hold_s",
    },
    "prescription": {
        "sets": "sets a session",
        "reps": "reps a set",
        "hold_s": "seconds each rep (or hold) is held",
        "frequency": "how often, in words",
        "per_day": "sessions a day",
        "every_n_days": "one day in this many",
    },
    "progression": {
        "reps_step": "once the pain rules allow a step (pain <= 3 during and the next morning, "
                     "the prescription met, good reps >= 80%): this many more reps a set ...",
        "reps_max": "... up to this many reps a set",
        "hold_step_s": "then this many more seconds a hold (seconds) ...",
        "hold_max_s": "... up to this long (seconds)",
        "next": "then the ladder's next exercise (its id); none: the top of the ladder",
        "next_variant": "... in this variant of it",
        "note": "shown with the suggestion of the next exercise",
    },
    "variants.NAME": {
        "(any field or table above)": "overrides the file's: tables merge key by key, "
                                      "anything else (such as a whole [[faults]] list) is "
                                      "replaced",
        "faults_remove": '["code", ...]: drop these faults of the file',
        "faults_add": "[[variants.NAME.faults_add]] tables: faults added after the file's",
    },
}
# (type, default) of the fields that no dataclass holds
PLAIN = {
    "": {"id": ("string", "required"), "name": ("string", "required"),
         "kind": ("string", "required"), "setup": ("string", "-"), "movement": ("string", "-")},
    "measures": {"fn": ("string", "required"), "points": ("array of strings", "required"),
                 "scale": ("array of strings", "-"), "reflex_above": ("true/false", "`false`"),
                 "unit": ("string", "from fn"), "space": ("string", "from fn"),
                 "up": ("string", '`"camera"`')},
    "variants.NAME": {"(any field or table above)": ("", ""),
                      "faults_remove": ("array of strings", "-"),
                      "faults_add": ("array of tables", "-")},
}
SPECS = {"camera": ex.CameraSpec, "side": ex.SideSpec, "rep": ex.RepSpec, "hold": ex.HoldSpec,
         "faults": ex.FaultRule, "prescription": ex.Prescription, "progression": Progression}
HEADINGS = {"": "Top level", "camera": "[camera]", "side": "[side]",
            "measures": "[measures]: NAME = { ... }", "rep": '[rep] (kind = "reps")',
            "hold": '[hold] (kind = "hold")', "faults": "[[faults]] (any number)",
            "prescription": "[prescription]",
            "progression": "[progression] (optional)",
            "variants.NAME": "[variants.NAME] (optional)"}
TYPES = {"str": "string", "float": "number", "int": "integer", "bool": "true/false",
         "float | None": "number", "int | None": "integer", "str | None": "string",
         "tuple[str, ...]": "array of strings", "float | str | None": "number or string",
         "tuple[tuple[str, float], ...]": "array of [string, number]",
         "tuple[tuple[str, float, float], ...]": "array of [string, number, number]"}
PHASES = {"up": "from leaving rest to reaching the top", "top": "at the top",
          "down": "from leaving the top to back at rest", "rep": "the whole rep",
          "hold": "the whole hold (kind = hold)"}
REP_ATTRS = {"duration_s": "the rep's length", "up_s": "time going up", "hold_s": "time at "
             "the top", "down_s": "time coming down", "rest_s": "time at rest before it",
             "range": "how far the key moved (its unit)"}


def _default(f, table: str) -> str:
    if f.default is MISSING:
        return "required"
    value = list(f.default) if isinstance(f.default, tuple) else f.default
    text = "-" if value in (None, "", []) else f"`{json.dumps(value)}`"
    if table in ("rep", "hold") and f.name in ex.RATIO_DEFAULTS:
        text += f" (ratio key: `{ex.RATIO_DEFAULTS[f.name]}`)"
    return text


def _table(table: str) -> list[str]:
    out = [f"### {HEADINGS[table]}", "", "| field | type | default | meaning |",
           "| --- | --- | --- | --- |"]
    docs = DOCS[table]
    if table in SPECS:
        names = {f.name for f in fields(SPECS[table])}
        if names != set(docs):
            raise KeyError(f"DOCS['{table}'] must describe exactly {sorted(names)}")
        rows = [(f.name, TYPES.get(str(f.type), str(f.type)), _default(f, table))
                for f in fields(SPECS[table])]
    else:
        rows = [(name, *PLAIN[table][name]) for name in docs]
    out += [f"| `{n}` | {t} | {d} | {docs[n]} |" for n, t, d in rows]
    return out + [""]


def _first_sentence(doc: str | None) -> str:
    text = " ".join((doc or "").split())
    return re.split(r"\.\s+(?=[A-Z])", text)[0].rstrip(".").replace("|", "\\|") + "."


def _words(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


def render() -> str:
    """The reference as Markdown."""
    fns = [f"| `{name}` | {n} | {'yes' if scale else 'no'} | {ms.default_unit(name)} | "
           f"{ms.default_space(name)} | {_first_sentence(fn.__doc__)} |"
           for name, (fn, n, scale) in ms.MEASURE_FUNCTIONS.items()]
    names = ms.point_names()
    bases = sorted(n for n in names if f"other_{n}" in names)
    lines = [
        "# Exercise file format",
        "",
        "<!-- Generated by `python -m formcheck.analysis.exercise_doc > docs/exercise-format.md`;"
        " do not edit. -->",
        "",
        "An exercise is one TOML file (`formcheck/exercises/*.toml` are examples), run with "
        "`formcheck analyze VIDEO --exercise-file my.toml [--variant NAME]`. A mistake is "
        "reported with the field and its line.",
        "",
        "## Units",
        "",
        f"Every measure has a unit ({_words(ms.UNITS)}), fixed by its function: `ratio` "
        "functions divide a length by the measure's `scale` segment (0.5 = half that segment), "
        "the rest give degrees. Every threshold is in the unit of the measure it applies to: "
        "`top`, `start`, `min_range`, `start_band`, `hold_band`, `low`, `high`, `margin` in "
        "the key's, a `confirm`, `within` or `also` value and a fault's `below` / `above` in its "
        "measure's. A ratio key takes the ratio defaults in the tables below.",
        "",
        "A value the wrong size for its unit is refused: on a ratio measure, a level (`top`, "
        f"`low`, a fault limit, ...) beyond {ex.MAX_RATIO:g} or a band or range "
        f"({_words(ex.BANDS)}) beyond {ex.MAX_RATIO_BAND:g} segment lengths looks like degrees; "
        f"on a degree measure, a non-zero value under {ex.MIN_DEGREES:g} looks like a ratio "
        "(a fault on the `std` statistic is not checked).",
        "",
        "Numbers must be finite (`nan` and `inf` are refused) and within what their field can "
        f"mean: 0 or more for {_words(ex.NON_NEGATIVE)}; more than 0 for "
        f"{_words(ex.POSITIVE)}; a fraction from 0 to 1 for {_words(ex.FRACTIONS)}; "
        + "; ".join(f"`{k}` from 1 to {v}" for k, v in ex.COUNTS.items())
        + f". Tables and arrays nest at most {ex.MAX_DEPTH} levels deep; a file is UTF-8 (a "
        f"byte-order mark is fine) of at most {ex.MAX_BYTES // 1000} kB.",
        "",
        "## Fields",
        "",
    ]
    for table in DOCS:
        lines += _table(table)
    lines += [
        "## Measure functions (`fn`)",
        "",
        "| fn | points | needs scale | unit | default space | what it gives |",
        "| --- | --- | --- | --- | --- | --- |",
        *fns,
        "",
        "## Point names",
        "",
        "For a body part NAME: `NAME` is the working side's, `other_NAME` the other side's, "
        "`mid_NAME` the midpoint of both, `left_NAME` / `right_NAME` a fixed side; and `nose`.",
        "",
        f"NAME is one of: {_words(bases)}.",
        "",
        "## Values",
        "",
        f"Spaces (`space`, {_words(ms.SPACES)}): `space` says" + (
            ms.__doc__ or "").split("`space` says", 1)[1].rstrip(),
        "",
        f"- views (`camera.view`): {_words(ex.VIEWS)}",
        f"- postures (`camera.posture`): {_words(ex.POSTURES)}",
        f"- facing (`camera.faces`): {_words(ex.FACES)}",
        f"- side modes (`side.mode`): {_words(ex.SIDE_MODES)}",
        f"- side works (`side.works`): {_words(ex.SIDE_WORKS)}",
        f"- statistics (`stat`): {_words(ex.STATS)}",
        "",
        "Phases (`phase`):",
        "",
        *[f"- `{p}`: {PHASES[p]}" for p in ex.PHASES],
        "",
        "Rep attributes (a fault's `measure`, or its `below` / `above` as a reference):",
        "",
        *[f"- `{a}`: {REP_ATTRS[a]}" for a in ex.REP_ATTRS],
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
