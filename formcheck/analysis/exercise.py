"""Exercise definitions: data files (TOML) read into typed specs for the one engine.

A bad file raises ExerciseFileError naming the file, the field and (where it can be found)
the line, so a user writing their own exercise can fix it.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from formcheck.analysis.measures import (
    MEASURE_FUNCTIONS,
    SPACES,
    UNITS,
    UP_FNS,
    UPS,
    MeasureSpec,
    default_space,
    default_unit,
    point_names,
)
from formcheck.analysis.progression import Progression, parse_progression
from formcheck.errors import UserError
from formcheck.safe_paths import input_problem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

VIEWS = ("side", "front", "any")
POSTURES = ("lying", "upright", "any")
# Which way the front of the body faces while lying: up (on the back), down (face down), to
# the side (side-lying), or any.
FACES = ("up", "down", "side", "any")
SIDE_MODES = ("bilateral", "per_side")
# together: both sides work at once (a bridge), so left/right only says where the camera stood;
# one_at_a_time: a session does one side (a clamshell), and the other side must follow.
SIDE_WORKS = ("together", "one_at_a_time")
PHASES = ("up", "top", "down", "rep", "hold")
STATS = ("min", "max", "mean", "median", "p10", "p90", "std", "range", "first", "last")
REP_ATTRS = ("duration_s", "up_s", "hold_s", "down_s", "rest_s", "range")

# Thresholds are in the unit of the measure they apply to. RepSpec and HoldSpec default to
# degrees; a ratio key takes these defaults instead: the degree ones in radians (turning a
# segment by x degrees moves its far end about x/57 segment lengths).
RATIO_DEFAULTS = {"min_range": 0.25, "start_band": 0.1, "hold_band": 0.15, "margin": 0.1}
# A threshold the wrong size for its unit is refused rather than left to count nothing. Ratios
# are lengths in body segments: a level (top, low, fault limit) beyond MAX_RATIO of them, or a
# band or range (start_band, min_range, ...) beyond MAX_RATIO_BAND, is degrees, surely; and a
# non-zero angle under MIN_DEGREES is no movement a person shows: a ratio, surely.
MAX_RATIO = 5.0
MAX_RATIO_BAND = 2.0
MIN_DEGREES = 1.0
BANDS = ("min_range", "start_band", "hold_band", "margin", "confirm")


class ExerciseFileError(UserError):
    pass


@dataclass(frozen=True)
class CameraSpec:
    view: str = "side"
    posture: str = "any"
    required: tuple[str, ...] = ("shoulder", "hip", "knee", "ankle")
    hint: str = ""
    max_width: float | None = None  # overrides view.py's side-on / facing width-ratio limits
    min_width: float | None = None
    faces: str = "any"  # FACES


@dataclass(frozen=True)
class SideSpec:
    mode: str = "bilateral"  # bilateral: follow the better-seen side; per_side: count each side
    choose_by: str = "visibility"  # or a measure name: the side where it moves most works
    choose: str = "range"  # with a measure: the side where it reads highest (max), lowest (min)
    works: str = "together"  # SIDE_WORKS: whether reports check left/right balance


@dataclass(frozen=True)
class RepSpec:
    key: str
    direction: str = "up"  # "up": key rises into the rep; "down": it falls (squat depth);
    # "either": swings, whichever way the person first moves (no `top`: min_range decides)
    top: float = 0.0  # the key must pass this to count as a rep
    min_range: float = 15.0  # and move at least this far from the person's own rest
    start_band: float = 6.0  # leaving rest: key beyond rest + start_band
    return_fraction: float = 0.35  # back at start: within this fraction of the range from rest
    min_duration_s: float = 0.6
    hold_band: float = 8.0  # "at the top" = within hold_band of the rep's peak
    hold_min_s: float = 0.0  # a good rep holds the top at least this long
    max_hold_s: float = 0.0  # if > 0, a rep holding its top longer is not one (swings never stop)
    max_gap_s: float = 1.5  # a rep unseen for longer is abandoned
    # (measure, change): a rep counts only if that measure also moved at least this far from
    # where the rep began (negative: fell at least this far). A bridge's pelvis must rise: a
    # knee drawn up (a march) moves the hip angle but not the pelvis.
    confirm: tuple[tuple[str, float], ...] = ()
    # (measure, low, high): a rep counts only if that measure's median through the rep lies
    # within low..high: the body in the exercise's position (a push-up's hips straight, not
    # folded over the knees as in a child's pose with the arms reaching forward).
    within: tuple[tuple[str, float, float], ...] = ()
    # After the first reps, a rep counts from this fraction of the person's own typical range
    # (median of their reps so far) when that is below min_range: heel bridges, partial squats.
    own_range: float = 0.7
    # Reps start from a rest on this side of `start` (below it for "up", above for "down"):
    # pulses at the bottom of a squat held low are not squats.
    start: float | None = None
    # The measure that tells the working leg of a single-leg rep: it reads lowest on that side
    # (a bridge's shin slopes down to its foot on the leg that works, not on the free one).
    # While one leg works the key is read on it; each rep records its leg.
    working_leg: str | None = None
    # Limbs that move together (push-ups, squats): the other side, where it is seen through
    # the whole rep, must move at least this fraction of the key side's range; a bend read on
    # one limb while the other, in plain view, stays still is a tracking error. 0: not checked.
    both_sides: float = 0.0


@dataclass(frozen=True)
class HoldSpec:
    key: str
    low: float  # the position is held while low <= key <= high ...
    high: float
    enter_s: float = 0.5  # ... for at least enter_s (debounce), and ends after exit_s outside
    exit_s: float = 0.7
    margin: float = 5.0  # hysteresis: leaving needs the key outside the band by this much
    min_s: float = 0.0  # a good hold lasts at least this long
    also: tuple[tuple[str, float, float], ...] = ()  # further (measure, low, high) conditions


@dataclass(frozen=True)
class FaultRule:
    code: str
    cue: str
    measure: str  # a measure name, or a rep attribute (REP_ATTRS)
    phase: str = "top"
    stat: str = "median"
    below: float | str | None = None  # number, or the name of a rep attribute
    above: float | str | None = None
    live: bool = True  # also shown as a cue while the phase is under way
    factor: float = 1.0  # scales a rep-attribute limit: rest_s below 0.75 x hold_s


@dataclass(frozen=True)
class Prescription:
    sets: int | None = None
    reps: int | None = None
    hold_s: float | None = None
    frequency: str = ""
    per_day: int = 1
    every_n_days: int = 1


@dataclass(frozen=True)
class ExerciseSpec:
    id: str
    name: str
    kind: str  # "reps" | "hold"
    measures: dict[str, MeasureSpec]
    camera: CameraSpec = CameraSpec()
    side: SideSpec = SideSpec()
    rep: RepSpec | None = None
    hold: HoldSpec | None = None
    faults: tuple[FaultRule, ...] = ()
    prescription: Prescription = Prescription()
    setup: str = ""
    movement: str = ""
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""
    progression: Progression | None = None  # the ladder's next step (analysis/progression.py)

    @property
    def key(self) -> str:
        return self.rep.key if self.rep else self.hold.key  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- positions

MAX_DEPTH = 12  # tables and arrays nested deeper than this are no exercise file
MAX_BYTES = 1_000_000  # an exercise file is a few kB; a bigger one is not read


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


class _Stop(Exception):
    """Text the scanner does not follow: tomllib then names the TOML mistake."""


class _Positions:
    """Where each key and table of a TOML text is, by path (tomllib keeps no positions):
    ("rep", "top"), ("faults", "2", "cue") for the third [[faults]], ("measures", "hip",
    "points") inside an inline table. Also bounds the nesting, which tomllib would follow
    into a RecursionError."""

    BARE = re.compile(r"[A-Za-z0-9_-]+")
    SCALAR = re.compile(r"[^,\]\}\s#]+")

    def __init__(self, text: str):
        self.s, self.i, self.line = text, 0, 1
        self.lines: dict[tuple[str, ...], int] = {}
        self.arrays: dict[tuple[str, ...], int] = {}  # [[x]] path -> tables so far
        self.too_deep: int | None = None  # the line where nesting passed MAX_DEPTH
        try:
            self._document()
        except _Stop:
            pass
        except _TooDeep as exc:
            self.too_deep = exc.line

    # -- characters
    def _peek(self, n: int = 1) -> str:
        return self.s[self.i:self.i + n]

    def _advance(self, n: int = 1) -> None:
        self.line += self.s.count("\n", self.i, self.i + n)
        self.i += n

    def _blank(self, newlines: bool) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self._advance()
            elif c == "#":
                end = self.s.find("\n", self.i)
                self._advance((len(self.s) if end < 0 else end) - self.i)
            else:
                return

    def _to_line_end(self) -> None:
        self._blank(False)
        if self.i < len(self.s) and self.s[self.i] != "\n":
            raise _Stop
        self._advance()

    # -- keys and headers
    def _key(self) -> tuple[str, ...]:
        parts = []
        while True:
            self._blank(False)
            c = self._peek()
            if c in ('"', "'"):
                parts.append(self._string())
            else:
                m = self.BARE.match(self.s, self.i)
                if not m:
                    raise _Stop
                parts.append(m.group())
                self._advance(m.end() - self.i)
            self._blank(False)
            if self._peek() != ".":
                break
            self._advance()
        if len(parts) > MAX_DEPTH:
            raise _TooDeep(self.line)
        return tuple(parts)

    def _in_arrays(self, path: tuple[str, ...]) -> tuple[str, ...]:
        """`path` with the index of the current table of each [[array]] on the way."""
        out: tuple[str, ...] = ()
        for part in path:
            out += (part,)
            if out in self.arrays:
                out += (str(self.arrays[out] - 1),)
        return out

    def _document(self) -> None:
        table: tuple[str, ...] = ()
        while True:
            self._blank(True)
            if self.i >= len(self.s):
                return
            line = self.line
            if self._peek(2) == "[[":
                self._advance(2)
                full = self._key()
                base = self._in_arrays(full[:-1]) + full[-1:]
                if self._peek(2) != "]]":
                    raise _Stop
                self._advance(2)
                self.arrays[base] = self.arrays.get(base, 0) + 1
                self.lines.setdefault(base, line)
                table = base + (str(self.arrays[base] - 1),)
                self.lines[table] = line
            elif self._peek() == "[":
                self._advance()
                table = self._in_arrays(self._key())
                if self._peek() != "]":
                    raise _Stop
                self._advance()
                self.lines.setdefault(table, line)
            else:
                key = table + self._key()
                if len(key) > MAX_DEPTH:
                    raise _TooDeep(line)
                for n in range(len(table) + 1, len(key) + 1):  # a.b = 1 also places a
                    self.lines.setdefault(key[:n], line)
                if self._peek() != "=":
                    raise _Stop
                self._advance()
                self._value(key, len(key))
            self._to_line_end()

    # -- values
    def _string(self) -> str:
        q = self._peek()
        if self._peek(3) == q * 3:
            end = self.s.find(q * 3, self.i + 3)
            while q == '"' and end > 0 and self._escaped(end):
                end = self.s.find(q * 3, end + 1)
            if end < 0:
                raise _Stop
            while self.s[end + 3:end + 4] == q:  # up to two quotes may close the content
                end += 1
            text = self.s[self.i + 3:end]
            self._advance(end + 3 - self.i)
            return text
        j = self.i + 1
        while j < len(self.s) and self.s[j] != q and self.s[j] != "\n":
            j += 2 if (q == '"' and self.s[j] == "\\") else 1
        if j >= len(self.s) or self.s[j] != q:
            raise _Stop
        text = self.s[self.i + 1:j]
        self._advance(j + 1 - self.i)
        return text

    def _escaped(self, at: int) -> bool:
        n = 0
        while at - 1 - n >= 0 and self.s[at - 1 - n] == "\\":
            n += 1
        return n % 2 == 1

    def _value(self, path: tuple[str, ...], depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _TooDeep(self.line)
        self._blank(False)
        c = self._peek()
        if c in ('"', "'"):
            self._string()
        elif c == "[":
            self._array(path, depth)
        elif c == "{":
            self._inline_table(path, depth)
        else:
            m = self.SCALAR.match(self.s, self.i)
            if not m:
                raise _Stop
            self._advance(m.end() - self.i)

    def _array(self, path: tuple[str, ...], depth: int) -> None:
        self._advance()
        n = 0
        while True:
            self._blank(True)
            if self._peek() == "]":
                self._advance()
                return
            self.lines.setdefault(path + (str(n),), self.line)
            self._value(path + (str(n),), depth + 1)
            self._blank(True)
            if self._peek() == ",":
                self._advance()
                n += 1
            elif self._peek() != "]":
                raise _Stop

    def _inline_table(self, path: tuple[str, ...], depth: int) -> None:
        self._advance()
        while True:
            self._blank(False)
            if self._peek() == "}":
                self._advance()
                return
            key = path + self._key()
            if len(key) > MAX_DEPTH:
                raise _TooDeep(self.line)
            for n in range(len(path) + 1, len(key) + 1):
                self.lines.setdefault(key[:n], self.line)
            if self._peek() != "=":
                raise _Stop
            self._advance()
            self._value(key, depth + 1)
            self._blank(False)
            if self._peek() == ",":
                self._advance()
            elif self._peek() != "}":
                raise _Stop

    def line_of(self, path: tuple[str, ...]) -> int | None:
        """The line of `path`, else of the nearest table or key that holds it."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None


# ----------------------------------------------------------------------------- loading

def _has(d: dict, path: tuple[str, ...]) -> bool:
    """Whether a (possibly list-indexed) path exists in a parsed table."""
    node: Any = d
    for key in path:
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return False
    return True


# Numbers a file may not leave out of range (by field name): nan/inf anywhere are refused
# (they count nothing, silently); these bounds keep each field to what it can mean.
NON_NEGATIVE = ("min_range", "start_band", "min_duration_s", "hold_band", "hold_min_s",
                "enter_s", "exit_s", "margin", "min_s")
POSITIVE = ("max_gap_s", "factor", "max_width", "min_width", "hold_s")
FRACTIONS = ("return_fraction", "own_range", "both_sides")  # 0..1 (own_range above 0)
COUNTS = {"sets": 100, "reps": 1000, "per_day": 24, "every_n_days": 365}  # 1..this


def printable(text: str, multiline: bool = False) -> str:
    """`text` without control characters (terminal escapes, bidi overrides): text from a
    file goes to a terminal. Newlines and tabs stay in long texts, become spaces in short."""
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch if multiline else " ")
        elif unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"):
            out.append(ch)
    return "".join(out)


class _Reader:
    """Typed fields out of parsed TOML; a bad one raises `error` (ExerciseFileError, or a
    plan file's own) naming the file, the field and its line."""

    def __init__(self, data: dict, text: str, origin: str,
                 variant: tuple[str, dict] | None = None,
                 positions: _Positions | None = None,
                 error: type[UserError] = ExerciseFileError):
        self.data, self.text, self.origin, self.variant = data, text, origin, variant
        self.positions = positions or _Positions(text)
        self.error = error

    def fail(self, path: tuple[str, ...], msg: str) -> UserError:
        if self.variant and (_has(self.variant[1], path) or (
                _has(self.variant[1], path[:-1] or path)
                and path not in self.positions.lines)):
            path = ("variants", self.variant[0], *path)  # the field is the variant's own
        line = self.positions.line_of(path)
        where = f"{self.origin}" + (f", line {line}" if line else "")
        return self.error(printable(f"{where}: field '{'.'.join(path)}': {msg}"))

    def get(self, d: dict, path: tuple[str, ...], typ: type | tuple, default: Any = ...,
            choices: tuple | None = None) -> Any:
        key = path[-1]
        if key not in d:
            if default is ...:
                raise self.fail(path, "is required")
            return default
        val = d[key]
        if typ is float and isinstance(val, int) and not isinstance(val, bool):
            try:
                val = float(val)
            except OverflowError:
                raise self.fail(path, "number too large") from None
        ok_types = typ if isinstance(typ, tuple) else (typ,)
        if isinstance(val, bool) and bool not in ok_types or not isinstance(val, ok_types):
            names = "/".join(t.__name__ for t in ok_types)
            raise self.fail(path, f"must be {names}, got {type(val).__name__} "
                            f"{_short(val)}")
        if choices and val not in choices:
            raise self.fail(path, f"must be one of {', '.join(map(str, choices))}; got {val!r}")
        if isinstance(val, (int, float)) and not isinstance(val, bool):
            self.in_range(path, val)
        if isinstance(val, str):
            val = printable(val, multiline=key in ("setup", "movement", "hint"))
        return val

    def in_range(self, path: tuple[str, ...], val: float) -> None:
        """Refuse nan/inf, and a number outside what its field can mean."""
        key = path[-1]
        if not math.isfinite(val):
            raise self.fail(path, f"must be a finite number, got {val}")
        if key in NON_NEGATIVE and val < 0:
            raise self.fail(path, f"must be 0 or more, got {val:g}")
        if key in POSITIVE and val <= 0:
            raise self.fail(path, f"must be more than 0, got {val:g}")
        if key in FRACTIONS and not (0 <= val <= 1 and (val > 0 or key != "own_range")):
            raise self.fail(path, f"must be a fraction between 0 and 1, got {val:g}")
        if key in COUNTS and not 1 <= val <= COUNTS[key]:
            raise self.fail(path, f"must be 1 to {COUNTS[key]}, got {_short(val)}")

    def table(self, d: dict, path: tuple[str, ...], required: bool = False) -> dict:
        key = path[-1]
        if key not in d:
            if required:
                raise self.fail(path, "table is required")
            return {}
        if not isinstance(d[key], dict):
            raise self.fail(path, "must be a table")
        return d[key]

    def unknown(self, d: dict, path: tuple[str, ...], allowed: set[str]) -> None:
        for key in d:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail(path + (key,), f"unknown field (allowed: {known})")


def _num(r: _Reader, d: dict, path: tuple[str, ...], default: Any = ...) -> Any:
    return r.get(d, path, float, default)


def _short(val: Any) -> str:
    """A value for an error message: repr (escapes control characters), cut short."""
    text = repr(val)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(r: _Reader, path: tuple[str, ...], val: Any) -> float:
    """A number inside a list (`confirm`, `also`): finite."""
    if isinstance(val, bool) or not isinstance(val, (int, float)):
        raise r.fail(path, f"must be a number, got {_short(val)}")
    try:
        out = float(val)
    except OverflowError:
        raise r.fail(path, "number too large") from None
    if not math.isfinite(out):
        raise r.fail(path, f"must be a finite number, got {out}")
    return out


def _measures(r: _Reader, d: dict) -> dict[str, MeasureSpec]:
    table = r.table(d, ("measures",), required=True)
    names = point_names()
    out = {}
    for name, m in table.items():
        p = ("measures", name)
        if not isinstance(m, dict):
            raise r.fail(p, "must be a table like { fn = \"joint_angle\", points = [...] }")
        r.unknown(m, p, {"fn", "points", "scale", "reflex_above", "unit", "space", "up"})
        fn = r.get(m, p + ("fn",), str, choices=tuple(MEASURE_FUNCTIONS))
        unit = r.get(m, p + ("unit",), str, default_unit(fn), UNITS)
        if unit != default_unit(fn):
            raise r.fail(p + ("unit",), f"{fn} gives {default_unit(fn)}, not {unit}")
        n_points, needs_scale = MEASURE_FUNCTIONS[fn][1:]
        points = r.get(m, p + ("points",), list)
        if len(points) != n_points or not all(isinstance(x, str) for x in points):
            raise r.fail(p + ("points",), f"{fn} takes {n_points} point names")
        scale = r.get(m, p + ("scale",), list, [])
        if needs_scale and len(scale) != 2:
            raise r.fail(p + ("scale",), f"{fn} needs scale = [point, point]")
        for pt in list(points) + list(scale):
            if pt not in names:
                raise r.fail(p + ("points",), f"unknown point '{pt}' (e.g. hip, other_knee, "
                             "mid_shoulder, left_ankle)")
        up = r.get(m, p + ("up",), str, "camera", choices=UPS)
        if up != "camera" and fn not in UP_FNS:
            raise r.fail(p + ("up",), f"only {' and '.join(UP_FNS)} take up, not {fn}")
        out[name] = MeasureSpec(name, fn, tuple(points), tuple(scale),
                                r.get(m, p + ("reflex_above",), bool, False), unit,
                                space=r.get(m, p + ("space",), str, default_space(fn),
                                            choices=SPACES), up=up)
    if not out:
        raise r.fail(("measures",), "needs at least one measure")
    return out


def _rule_ref(r: _Reader, f: dict, p: tuple[str, ...], key: str) -> float | str | None:
    if key not in f:
        return None
    val = f[key]
    if isinstance(val, str):
        if val not in REP_ATTRS:
            raise r.fail(p + (key,), f"a reference must be one of {', '.join(REP_ATTRS)}")
        return val
    return _num(r, f, p + (key,))


def _check_unit(r: _Reader, path: tuple[str, ...], value: float | str | None,
                measure: MeasureSpec) -> None:
    """Refuse a threshold whose size belongs to the other unit (6 on a ratio key is degrees)."""
    if value is None or isinstance(value, str):
        return
    if measure.unit == "ratio" and abs(value) > (MAX_RATIO_BAND if path[-1] in BANDS
                                                 else MAX_RATIO):
        raise r.fail(path, f"{value:g} looks like degrees, but '{measure.name}' is a ratio "
                     f"(lengths of its scale segment, {measure.scale[0]}-{measure.scale[1]})")
    if measure.unit == "deg" and 0 < abs(value) < MIN_DEGREES:
        raise r.fail(path, f"{value:g} looks like a ratio, but '{measure.name}' is in degrees")


def _measure_name(r: _Reader, measures: dict[str, MeasureSpec], val: str,
                  path: tuple[str, ...]) -> str:
    if val not in measures:
        raise r.fail(path, f"unknown measure '{val}' (defined: {', '.join(measures)})")
    return val


def _camera(r: _Reader, data: dict) -> CameraSpec:
    cam = r.table(data, ("camera",))
    r.unknown(cam, ("camera",), {"view", "posture", "required", "hint", "max_width",
                                 "min_width", "faces"})
    required = r.get(cam, ("camera", "required"), list, list(CameraSpec.required))
    for pt in required:
        if not isinstance(pt, str) or pt not in point_names():
            raise r.fail(("camera", "required"), f"unknown point {pt!r}")
    return CameraSpec(
        r.get(cam, ("camera", "view"), str, "side", VIEWS),
        r.get(cam, ("camera", "posture"), str, "any", POSTURES),
        tuple(required),
        r.get(cam, ("camera", "hint"), str, ""),
        _num(r, cam, ("camera", "max_width"), None),
        _num(r, cam, ("camera", "min_width"), None),
        r.get(cam, ("camera", "faces"), str, "any", FACES),
    )


def _side(r: _Reader, data: dict, measures: dict[str, MeasureSpec]) -> SideSpec:
    sd = r.table(data, ("side",))
    r.unknown(sd, ("side",), {"mode", "choose_by", "choose", "works"})
    side = SideSpec(r.get(sd, ("side", "mode"), str, "bilateral", SIDE_MODES),
                    r.get(sd, ("side", "choose_by"), str, "visibility"),
                    r.get(sd, ("side", "choose"), str, "range", ("max", "min", "range")),
                    r.get(sd, ("side", "works"), str, "together", SIDE_WORKS))
    if side.choose_by != "visibility" and side.choose_by not in measures:
        raise r.fail(("side", "choose_by"), "must be 'visibility' or a measure name")
    return side


def _conditions(r: _Reader, t: dict, path: tuple[str, str], measures: dict[str, MeasureSpec],
                numbers: int, usage: str) -> list[tuple]:
    """[["measure", number, ...], ...] items: each a known measure and `numbers` numbers."""
    out = []
    for i, cond in enumerate(r.get(t, path, list, [])):
        at = path + (str(i),)
        if not (isinstance(cond, list) and len(cond) == numbers + 1
                and isinstance(cond[0], str)):
            raise r.fail(at, f"item {i}: use {usage}")
        out.append((_measure_name(r, measures, cond[0], at),
                    *(_number(r, at, x) for x in cond[1:])))
    return out


def _rep(r: _Reader, data: dict, measures: dict[str, MeasureSpec]) -> RepSpec:
    t = r.table(data, ("rep",), required=True)
    r.unknown(t, ("rep",), set(RepSpec.__dataclass_fields__))
    confirm = _conditions(r, t, ("rep", "confirm"), measures, 1, '["measure", change]')
    within = _conditions(r, t, ("rep", "within"), measures, 2, '["measure", low, high]')
    key = measures[_measure_name(r, measures, r.get(t, ("rep", "key"), str), ("rep", "key"))]
    kw = {k: _num(r, t, ("rep", k)) for k in RepSpec.__dataclass_fields__
          if k not in ("key", "direction", "confirm", "within", "working_leg") and k in t}
    for k in ("top", "start", "min_range", "start_band", "hold_band"):
        _check_unit(r, ("rep", k), kw.get(k), key)
    for name, change in confirm:
        _check_unit(r, ("rep", "confirm"), change, measures[name])
    for name, low, high in within:
        _check_unit(r, ("rep", "within"), low, measures[name])
        _check_unit(r, ("rep", "within"), high, measures[name])
        if low > high:
            raise r.fail(("rep", "within"), f"{name}: high must be at least low ({low:g})")
    if key.unit == "ratio":
        kw = {k: v for k, v in RATIO_DEFAULTS.items() if k in RepSpec.__dataclass_fields__
              } | kw
    rep = RepSpec(key=key.name,
                  direction=r.get(t, ("rep", "direction"), str, "up",
                                  ("up", "down", "either")),
                  confirm=tuple(confirm), within=tuple(within), **kw,
                  working_leg=_measure_name(r, measures, t["working_leg"],
                                            ("rep", "working_leg"))
                  if "working_leg" in t else None)
    if "top" not in t and rep.direction != "either":
        raise r.fail(("rep", "top"), "is required")
    return rep


def _hold(r: _Reader, data: dict, measures: dict[str, MeasureSpec]) -> HoldSpec:
    t = r.table(data, ("hold",), required=True)
    r.unknown(t, ("hold",), set(HoldSpec.__dataclass_fields__))
    also = _conditions(r, t, ("hold", "also"), measures, 2, '["measure", low, high]')
    key = measures[_measure_name(r, measures, r.get(t, ("hold", "key"), str),
                                 ("hold", "key"))]
    kw = {k: _num(r, t, ("hold", k)) for k in HoldSpec.__dataclass_fields__
          if k not in ("key", "also") and k in t}
    kw |= {"low": _num(r, t, ("hold", "low")), "high": _num(r, t, ("hold", "high"))}
    for k in ("low", "high", "margin"):
        _check_unit(r, ("hold", k), kw.get(k), key)
    for name, low, high in also:
        _check_unit(r, ("hold", "also"), low, measures[name])
        _check_unit(r, ("hold", "also"), high, measures[name])
    if key.unit == "ratio":
        kw = {k: v for k, v in RATIO_DEFAULTS.items() if k in HoldSpec.__dataclass_fields__
              } | kw
    if kw["low"] > kw["high"]:
        raise r.fail(("hold", "high"), f"must be at least low ({kw['low']:g})")
    return HoldSpec(key=key.name, also=tuple(also), **kw)


def _faults(r: _Reader, raw_faults: list, measures: dict[str, MeasureSpec],
            variant: tuple[str, dict] | None) -> list[FaultRule]:
    faults = []
    added = variant[1].get("faults_add", []) if variant else []
    for i, f in enumerate(raw_faults):
        # a fault a variant adds is named where it is written: variants.NAME.faults_add.N
        p = next((("faults_add", str(j)) for j, a in enumerate(added) if a is f),
                 ("faults", str(i)))
        if not isinstance(f, dict):
            raise r.fail(p, "must be a table")
        r.unknown(f, p, set(FaultRule.__dataclass_fields__))
        meas = r.get(f, p + ("measure",), str)
        if meas not in measures and meas not in REP_ATTRS:
            raise r.fail(p + ("measure",), f"unknown measure '{meas}' (defined: "
                         f"{', '.join(measures)}; rep attributes: {', '.join(REP_ATTRS)})")
        below, above = _rule_ref(r, f, p, "below"), _rule_ref(r, f, p, "above")
        if meas in measures and r.get(f, p + ("stat",), str, "median", STATS) != "std":
            _check_unit(r, p + ("below",), below, measures[meas])
            _check_unit(r, p + ("above",), above, measures[meas])
        if below is None and above is None:
            raise r.fail(p + ("below",), "a fault needs 'below' or 'above'")
        faults.append(FaultRule(
            code=r.get(f, p + ("code",), str), cue=r.get(f, p + ("cue",), str), measure=meas,
            phase=r.get(f, p + ("phase",), str, "top", PHASES),
            stat=r.get(f, p + ("stat",), str, "median", STATS), below=below, above=above,
            live=r.get(f, p + ("live",), bool, True),
            factor=_num(r, f, p + ("factor",), 1.0)))
    return faults


def _prescription(r: _Reader, data: dict) -> Prescription:
    pr = r.table(data, ("prescription",))
    r.unknown(pr, ("prescription",), set(Prescription.__dataclass_fields__))
    return Prescription(
        sets=r.get(pr, ("prescription", "sets"), int, None),
        reps=r.get(pr, ("prescription", "reps"), int, None),
        hold_s=_num(r, pr, ("prescription", "hold_s"), None),
        frequency=r.get(pr, ("prescription", "frequency"), str, ""),
        per_day=r.get(pr, ("prescription", "per_day"), int, 1),
        every_n_days=r.get(pr, ("prescription", "every_n_days"), int, 1))


def parse_exercise(data: dict, text: str, origin: str,
                   variant: tuple[str, dict] | None = None) -> ExerciseSpec:
    r = _Reader(data, text, origin, variant)
    r.unknown(data, (), {"id", "name", "kind", "setup", "movement", "camera", "side", "measures",
                         "rep", "hold", "faults", "prescription", "variants",
                         "progression"})
    ex_id = r.get(data, ("id",), str)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", ex_id):
        raise r.fail(("id",), "use lower-case letters, digits and underscores")
    kind = r.get(data, ("kind",), str, choices=("reps", "hold"))
    measures = _measures(r, data)
    camera = _camera(r, data)
    side = _side(r, data, measures)
    rep = _rep(r, data, measures) if kind == "reps" else None
    hold = _hold(r, data, measures) if kind != "reps" else None
    raw_faults = data.get("faults", [])
    if not isinstance(raw_faults, list):
        raise r.fail(("faults",), "must be an array of tables ([[faults]])")
    faults = _faults(r, raw_faults, measures, variant)
    prescription = _prescription(r, data)
    variants = r.table(data, ("variants",))
    for vname, vdata in variants.items():  # a broken variant fails when the file loads
        if not isinstance(vdata, dict):
            raise r.fail(("variants", vname), "must be a table")
        _check_fault_edits(r, raw_faults, vname, vdata)
        parse_exercise(merge_variant(data, vdata), text, f"{origin} (variant {vname})",
                       (vname, vdata))
    return ExerciseSpec(
        id=ex_id, name=r.get(data, ("name",), str), kind=kind, measures=measures,
        camera=camera, side=side, rep=rep, hold=hold, faults=tuple(faults),
        prescription=prescription, setup=r.get(data, ("setup",), str, ""),
        movement=r.get(data, ("movement",), str, ""), variants=variants, source=origin,
        progression=parse_progression(r, data))


def load_exercise_file(path: str | Path) -> ExerciseSpec:
    text = read_toml_file(path, "exercise file")
    return parse_text(text, str(path))


def read_toml_file(path: str | Path, what: str,
                   error: type[UserError] = ExerciseFileError) -> str:
    """The text of a small TOML data file (an exercise, a session plan); a missing, special,
    too big or undecodable file raises `error` saying which and why."""
    p = Path(path)
    problem = input_problem(p)  # a FIFO would block the read, a link loop is no "no such"
    if problem == "no such file":
        raise error(f"{p}: no such {what}")
    if problem is not None:
        raise error(f"{p}: {problem}")
    try:
        if p.stat().st_size > MAX_BYTES:
            article = "an" if what[0] in "aeiou" else "a"
            raise error(f"{p}: {p.stat().st_size} bytes is too big for {article} {what} "
                        f"(at most {MAX_BYTES})")
        return p.read_bytes().decode("utf-8-sig")  # a BOM, as some editors write, is fine
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{p}: cannot read ({printable(str(exc))})") from None


def parse_text(text: str, origin: str) -> ExerciseSpec:
    data, reader = read_toml(text, origin, "exercise file")
    return parse_exercise(data, reader.text, origin)


def read_toml(text: str, origin: str, what: str, error: type[UserError] = ExerciseFileError
              ) -> tuple[dict, _Reader]:
    """TOML text parsed, with a reader that names field and line in its errors (`error`)."""
    text = text.removeprefix("\ufeff")
    positions = _Positions(text)
    if positions.too_deep is not None:
        raise error(f"{origin}, line {positions.too_deep}: tables or arrays nested "
                    f"deeper than {MAX_DEPTH} levels")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{origin}: not valid TOML: {exc}") from None
    except (ValueError, RecursionError):  # an integer of 5000 digits, ...
        long = re.search(r"\d{4000,}", text)
        line = f", line {text.count(chr(10), 0, long.start()) + 1}" if long else ""
        raise error(f"{origin}{line}: not a readable {what} (a number "
                    "too long to read, or too deeply nested)") from None
    if _depth(data) > MAX_DEPTH:
        raise error(f"{origin}: tables or arrays nested deeper than {MAX_DEPTH} "
                    "levels")
    return data, _Reader(data, text, origin, positions=positions, error=error)


def _depth(data: Any) -> int:
    """How deep tables and arrays nest in parsed TOML (without recursion)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:  # no need to walk further down
            children = node.values() if isinstance(node, dict) else node
            todo += [(c, depth + 1) for c in children if isinstance(c, (dict, list))]
    return deepest


def _check_fault_edits(r: _Reader, faults: list, vname: str, vdata: dict) -> None:
    """A variant's faults_remove names faults the file has; faults_add is a list of tables;
    neither goes with a whole new `faults` list."""
    p = ("variants", vname)
    edits = [k for k in ("faults_add", "faults_remove") if k in vdata]
    if edits and "faults" in vdata:
        raise r.fail(p + ("faults",), "use either faults (the whole list) or faults_add / "
                     "faults_remove (changes to the file's list), not both")
    codes = [f.get("code") for f in faults if isinstance(f, dict)]
    remove = vdata.get("faults_remove", [])
    if not isinstance(remove, list) or not all(isinstance(c, str) for c in remove):
        raise r.fail(p + ("faults_remove",), 'must be a list of fault codes, e.g. ["hips_low"]')
    for code in remove:
        if code not in codes:
            raise r.fail(p + ("faults_remove",), f"no fault '{code}' to remove (the file's "
                         f"faults: {', '.join(map(str, codes)) or 'none'})")
    add = vdata.get("faults_add", [])
    if not isinstance(add, list) or not all(isinstance(f, dict) for f in add):
        raise r.fail(p + ("faults_add",), "must be an array of tables ([[variants."
                     f"{vname}.faults_add]])")


def merge_variant(base: dict, over: dict) -> dict:
    """The file with a variant's fields laid over it: tables merge key by key (a variant adds a
    measure or changes one threshold), anything else (e.g. the [[faults]] list) is replaced;
    `faults_remove` (codes) and `faults_add` (tables) change the file's faults one by one."""
    out = _merge({k: v for k, v in base.items() if k != "variants"},
                 {k: v for k, v in over.items() if k not in ("faults_add", "faults_remove")})
    if "faults_add" in over or "faults_remove" in over:
        gone = set(over.get("faults_remove", []))
        out["faults"] = [f for f in out.get("faults", []) if f.get("code") not in gone
                         ] + list(over.get("faults_add", []))
    return out


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def apply_variant(spec: ExerciseSpec, variant: str | None) -> ExerciseSpec:
    """A variant overrides fields of the file (e.g. `[variants.single-leg]`), see merge_variant."""
    if not variant:
        return spec
    if variant not in spec.variants:
        known = ", ".join(spec.variants) or "none"
        raise ExerciseFileError(printable(f"exercise '{spec.id}' has no variant '{variant}' "
                                          f"(known: {known})"))
    text = (Path(spec.source).read_bytes().decode("utf-8-sig").removeprefix("\ufeff")
            if Path(spec.source).is_file() else "")
    data = tomllib.loads(text) if text else {}
    merged = merge_variant(data, spec.variants[variant])
    out = parse_exercise(merged, text, f"{spec.source} (variant {variant})",
                         (variant, spec.variants[variant]))
    return out


def builtin_dir() -> Path:
    return Path(str(resources.files("formcheck.exercises")))


def builtin_exercises() -> dict[str, ExerciseSpec]:
    specs = {}
    for f in sorted(builtin_dir().glob("*.toml")):
        spec = load_exercise_file(f)
        specs[spec.id] = spec
    return specs


def get_exercise(ex_id: str | None = None, exercise_file: str | None = None,
                 variant: str | None = None) -> ExerciseSpec:
    """Resolve `--exercise ID` or `--exercise-file FILE` (+ `--variant`)."""
    if exercise_file and ex_id:
        raise UserError(f"give --exercise {printable(ex_id)} or --exercise-file "
                        f"{printable(exercise_file)}, not both")
    if exercise_file:
        return apply_variant(load_exercise_file(exercise_file), variant)
    catalogue = builtin_exercises()
    if not ex_id:
        raise UserError(f"choose an exercise with --exercise (one of: {', '.join(catalogue)})")
    if ex_id not in catalogue:
        raise UserError(f"unknown exercise '{ex_id}'; valid ids: {', '.join(catalogue)}")
    return apply_variant(catalogue[ex_id], variant)
