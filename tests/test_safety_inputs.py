"""Issue 18: hostile or clumsy input files get one clear line naming the right cause, exit
code 2, and every file is left as it was. The command line runs in-process here (the same
`_run` as `formcheck`, without the exit) for speed; test_safety.py runs it as a program."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from test_safety import SAMPLE, snapshot

from formcheck.cli import app as cli

REPO = Path(__file__).resolve().parent.parent
BRIDGE = (REPO / "formcheck" / "exercises" / "glute_bridge.toml").read_text(encoding="utf-8")


def run_cli(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["formcheck", *map(str, args)])
    code = cli._run(debug=False)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cmd(monkeypatch, capsys, tmp_path):
    """Run formcheck in `tmp_path`; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    return lambda *args: run_cli(monkeypatch, capsys, *args)


def refused(folder: Path, cmd, args, message: str, code: int = 2) -> str:
    before = snapshot(folder)
    got, out, err = cmd(*args)
    assert got == code, err
    assert message in err, err
    assert "Traceback" not in err and "unexpected" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert snapshot(folder) == before
    return err


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def exercise_args(tmp_path: Path, text: str) -> list:
    (tmp_path / "t.npz").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "mine.toml").write_bytes(text.encode("utf-8"))
    return ["analyze", "t.npz", "--exercise-file", "mine.toml", "--no-history", "-q"]


# ----------------------------------------------------------------------------- item 10

@pytest.mark.parametrize("old,new,field,says", [
    ("top = 155", "top = nan", "rep.top", "must be a finite number, got nan"),
    ("min_range = 20", "min_range = inf", "rep.min_range", "must be a finite number, got inf"),
    ("min_duration_s = 1.0", "min_duration_s = -5", "rep.min_duration_s",
     "must be 0 or more, got -5"),
    ("every_n_days = 1", "every_n_days = 0", "prescription.every_n_days",
     "must be 1 to 365, got 0"),
    ("sets = 3", "sets = 1000000", "prescription.sets", "must be 1 to 100"),
    ("return_fraction = 0.2", "return_fraction = 2", "rep.return_fraction",
     "must be a fraction between 0 and 1"),
    ('confirm = [["pelvis", 5]]', 'confirm = [["pelvis", nan]]', "rep.confirm.0",
     "must be a finite number"),
    ("top = 155", "top = " + "9" * 400, "rep.top", "number too large"),
    ("below = 165", "below = -inf", "faults.0.below", "must be a finite number, got -inf"),
])
def test_non_finite_and_out_of_range_numbers_name_field_and_line(tmp_path, cmd, old, new,
                                                                  field, says):
    text = BRIDGE.replace(old, new, 1)
    line = line_of(text, new)
    refused(tmp_path, cmd, exercise_args(tmp_path, text),
            f"mine.toml, line {line}: field '{field}': {says}")


def test_a_hold_band_upside_down_and_a_bad_also_item(tmp_path, cmd):
    text = (REPO / "formcheck" / "exercises" / "glute_squeeze.toml").read_text(encoding="utf-8")
    upside_down = text.replace("high = 120", "high = 20", 1)
    refused(tmp_path, cmd, exercise_args(tmp_path, upside_down),
            f"line {line_of(upside_down, 'high = 20')}: field 'hold.high': must be at least "
            "low (50)")
    also = text.replace('also = [["hip", 90, 170]]', 'also = [["hip", "low", 170]]', 1)
    refused(tmp_path, cmd, exercise_args(tmp_path, also),
            f"line {line_of(also, 'also = ')}: field 'hold.also.0': must be a number, got "
            "'low'")


# Each error path, with the line it must name. Old code named the wrong line for these:
# a key inside an inline table (the first table's `points`), a dotted key in a variant
# (line 1), a key named in a comment, a missing key (a later table's), a quoted [reps]
# header (prescription's `reps = 10`), a dotted typo in a variant (its table's header).
LINE_CASES = [
    ('points = ["hip", "knee", "ankle"]', 'points = ["hip", "knee", "ankel"]',
     'points = ["hip", "knee", "ankel"]', "measures.knee.points"),
    ("", '\n[variants.deep]\nname = "x"\nrep.tops = 150\n', "rep.tops",
     "variants.deep.rep.tops"),
    ("start_band = 6\nreturn_fraction = 0.2\nmin_duration_s = 1.0",
     'start_band = 6  # was {min_duration_s = 0.5}\nreturn_fraction = 0.2\n'
     'min_duration_s = "slow"', 'min_duration_s = "slow"', "rep.min_duration_s"),
    ("top = 155            # counted once the hips pass this ...\n", "", "[rep]", "rep.top"),
    ("[rep]\n", '["reps"]\n', '["reps"]', "reps"),
    ("", "\n[variants.single-leg]\nreps.top = 150\n", "reps.top", "variants.single-leg.reps"),
    ('cue = "Lower more slowly"', "cue = 7", "cue = 7", "faults.4.cue"),
    ('stat = "max"', 'stat = "maxx"', 'stat = "maxx"', "faults.0.stat"),
    ('key = "hip"', 'key = "hipp"', 'key = "hipp"', "rep.key"),
    ('view = "side"', 'view = "top"', 'view = "top"', "camera.view"),
    ("per_day = 2", "per_day = 2\nweekly = true", "weekly", "prescription.weekly"),
    ('confirm = [["pelvis", 5]]', 'confirm = [\n  ["pelvis", 5],\n  ["pelvix", 5],\n]',
     '["pelvix"', "rep.confirm.1"),
    ("", '\n[variants.x]\nfaults_remove = ["no_such"]\n', "faults_remove",
     "variants.x.faults_remove"),
    ("", '\n[[variants.x.faults_add]]\ncode = "c"\ncue = "c"\nmeasure = "knee"\nbelow = 0.2\n',
     "below = 0.2", "variants.x.faults_add.0.below"),
]


@pytest.mark.parametrize("old,new,at,field", LINE_CASES,
                         ids=[c[3] for c in LINE_CASES])
def test_every_error_names_its_real_line(tmp_path, cmd, old, new, at, field):
    text = BRIDGE.replace(old, new, 1) if old else BRIDGE + new
    err = refused(tmp_path, cmd, exercise_args(tmp_path, text), f"field '{field}'")
    assert f"mine.toml, line {line_of(text, at)}: " in err or (
        f"(variant {field.split('.')[1]}), line {line_of(text, at)}: " in err), err


def test_a_utf8_bom_is_accepted(tmp_path, cmd):
    args = exercise_args(tmp_path, "\ufeff" + BRIDGE)
    assert (tmp_path / "mine.toml").read_bytes().startswith(b"\xef\xbb\xbf")
    code, out, err = cmd(*args)
    assert code == 0, err
    assert out.startswith("Double-leg glute bridge: 3 reps")


@pytest.mark.parametrize("deep,at", [
    ("x = " + "[" * 100_000 + "]" * 100_000, 0),
    ("x = " + "{a = " * 3000 + "1" + "}" * 3000, 0),
    ("[variants.v]\n" + ".".join(["k"] * 50_000) + " = 1", 1),
    ("[" + ".".join(["t"] * 50_000) + "]", 0),
])
def test_nesting_depth_is_bounded(tmp_path, cmd, deep, at):
    text = BRIDGE + "\n" + deep + "\n"
    refused(tmp_path, cmd, exercise_args(tmp_path, text),
            f"mine.toml, line {BRIDGE.count(chr(10)) + 2 + at}: tables or arrays nested deeper "
            "than 12 levels")


def test_a_5000_digit_number_is_named_at_its_line(tmp_path, cmd):
    text = BRIDGE.replace("sets = 3", "sets = " + "7" * 5001)
    refused(tmp_path, cmd, exercise_args(tmp_path, text),
            f"mine.toml, line {line_of(text, 'sets = 7')}: not a readable exercise file")


def test_a_fifo_as_exercise_file_is_named_not_read(tmp_path, cmd):
    import os

    args = exercise_args(tmp_path, BRIDGE)
    (tmp_path / "mine.toml").unlink()
    os.mkfifo(tmp_path / "mine.toml")  # reading it would wait forever for a writer
    refused(tmp_path, cmd, args, "mine.toml: is a FIFO (named pipe), not a file")


# ----------------------------------------------------------------------------- item 13

def test_control_characters_from_a_file_never_reach_the_terminal(tmp_path, cmd):
    text = (BRIDGE.replace('name = "Double-leg glute bridge"',
                           'name = "Bridge\\u001b[2J\\u001b]0;owned\\u0007\\u202e"')
            .replace('cue = "Lift your hips higher"', 'cue = "Up\\u001b[31m!\\u009b"')
            .replace("below = 165          #", "below = 200          #"))  # every rep faults
    code, out, err = cmd(*exercise_args(tmp_path, text), "--report", "r.json")
    assert code == 0, err
    assert out.startswith("Bridge[2J]0;owned: 3 reps (0 good)")
    assert "Up[31m!" in out
    for ch in "\x1b\x07\x9b\u202e":
        assert ch not in out and ch not in err
    assert "\\u001b" not in (tmp_path / "r.json").read_text(encoding="utf-8")


def test_a_bad_key_with_escapes_is_named_without_them(tmp_path, cmd):
    text = BRIDGE.replace("[rep]\n", '[rep]\n"\\u001b[2Jx" = 1\n')
    err = refused(tmp_path, cmd, exercise_args(tmp_path, text), "field 'rep.[2Jx'")
    assert "\x1b" not in err


def test_exercise_and_exercise_file_together_are_refused(tmp_path, cmd):
    args = exercise_args(tmp_path, BRIDGE)
    refused(tmp_path, cmd, [*args, "--exercise", "clamshell"],
            "give --exercise clamshell or --exercise-file mine.toml, not both")
