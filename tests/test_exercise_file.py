"""User exercise files: a good one runs on the engine, a bad one names the field and line."""

from __future__ import annotations

import pytest

from formcheck.analysis.exercise import (
    RATIO_DEFAULTS,
    ExerciseFileError,
    FaultRule,
    get_exercise,
    load_exercise_file,
)

GOOD = """
id = "my_bridge"
name = "My bridge"
kind = "reps"

[camera]
view = "side"
posture = "lying"

[measures]
hip = { fn = "joint_angle", points = ["shoulder", "hip", "knee"], reflex_above = true }

[rep]
key = "hip"
top = 160
min_range = 20

[[faults]]
code = "low"
cue = "Higher"
measure = "hip"
stat = "max"
below = 170
"""


def _write(tmp_path, text):
    p = tmp_path / "ex.toml"
    p.write_text(text)
    return p


def test_good_file_loads(tmp_path):
    spec = load_exercise_file(_write(tmp_path, GOOD))
    assert spec.id == "my_bridge" and spec.rep.top == 160.0 and spec.faults[0].below == 170.0


@pytest.mark.parametrize("old,new,field,line", [
    ('top = 160', 'top = "high"', "rep.top", 15),
    ('fn = "joint_angle"', 'fn = "joint_angel"', "measures.hip.fn", 11),
    ('measure = "hip"', 'measure = "hips"', "faults.0.measure", 21),
    ('view = "side"', 'view = "sideways"', "camera.view", 7),
    ('key = "hip"', 'key = "knee"', "rep.key", 14),
    ('"shoulder", "hip"', '"shoulder", "hipp"', "measures.hip.points", 11),
    ('min_range = 20', 'min_range = 20\nspeed = 3', "rep.speed", 17),
    # the person's vertical is for elevations and from-vertical angles only
    ('reflex_above = true', 'up = "standing"', "measures.hip.up", 11),
    ('reflex_above = true', 'up = "floor"', "measures.hip.up", 11),
    ('posture = "lying"', 'posture = "lying"\nfaces = "sideways"', "camera.faces", 9),
    # a rep's position band: a known measure, low no higher than high
    ('min_range = 20', 'min_range = 20\nwithin = [["hips", 120, 180]]', "rep.within.0", 17),
    ('min_range = 20', 'min_range = 20\nwithin = [["hip", 180, 120]]', "rep.within", 17),
])
def test_bad_field_names_field_and_line(tmp_path, old, new, field, line):
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ExerciseFileError) as err:
        load_exercise_file(path)
    msg = str(err.value)
    assert f"field '{field}'" in msg
    assert f"line {line}" in msg
    assert str(path) in msg


def test_a_reps_position_band_is_read(tmp_path):
    text = GOOD.replace("min_range = 20", 'min_range = 20\nwithin = [["hip", 100, 200]]')
    assert load_exercise_file(_write(tmp_path, text)).rep.within == (("hip", 100.0, 200.0),)


def test_an_elevation_may_take_the_persons_vertical(tmp_path):
    text = GOOD.replace('[rep]', 'torso = { fn = "segment_elevation", points = ["hip", '
                        '"shoulder"], up = "standing" }\n\n[rep]')
    spec = load_exercise_file(_write(tmp_path, text))
    assert spec.measures["torso"].up == "standing" and spec.measures["hip"].up == "camera"
    assert get_exercise("forward_fold").measures["torso"].up == "standing"


def test_invalid_toml_is_reported(tmp_path):
    with pytest.raises(ExerciseFileError, match="not valid TOML"):
        load_exercise_file(_write(tmp_path, GOOD + "\n[rep\n"))


def test_unknown_exercise_lists_valid_ids():
    with pytest.raises(Exception) as err:
        get_exercise("bench_press")
    assert "unknown exercise 'bench_press'" in str(err.value)
    assert "glute_bridge" in str(err.value)


def test_side_works_is_read_and_checked(tmp_path):
    assert load_exercise_file(_write(tmp_path, GOOD)).side.works == "together"  # the default
    one = GOOD.replace('[measures]', '[side]\nworks = "one_at_a_time"\n\n[measures]')
    assert load_exercise_file(_write(tmp_path, one)).side.works == "one_at_a_time"
    with pytest.raises(ExerciseFileError, match="field 'side.works'.*one_at_a_time"):
        load_exercise_file(_write(tmp_path, one.replace("one_at_a_time", "alternating")))
    # The catalogue: the single-leg chair bridge works one side, the plank hold both legs.
    assert get_exercise("chair_bridge").side.works == "together"
    assert get_exercise("chair_bridge", variant="single-leg").side.works == "one_at_a_time"
    assert get_exercise("plank_hip_extension").side.works == "one_at_a_time"
    assert get_exercise("plank_hip_extension", variant="plank-hold").side.works == "together"


# --------------------------------------------------------------------------- units

RATIO = """
id = "heel_raise"
name = "Heel raise"
kind = "reps"

[measures]
heel = { fn = "height_diff_ratio", points = ["heel", "foot_index"], scale = ["knee", "ankle"] }
knee = { fn = "joint_angle", points = ["hip", "knee", "ankle"] }

[rep]
key = "heel"
top = 0.15

[[faults]]
code = "knees_bent"
cue = "Straight knees"
measure = "knee"
below = 160
"""


def test_a_ratio_measure_is_a_ratio_and_its_key_takes_ratio_defaults(tmp_path):
    spec = load_exercise_file(_write(tmp_path, RATIO))
    assert spec.measures["heel"].unit == "ratio" and spec.measures["knee"].unit == "deg"
    assert (spec.rep.min_range, spec.rep.start_band, spec.rep.hold_band) == (
        RATIO_DEFAULTS["min_range"], RATIO_DEFAULTS["start_band"], RATIO_DEFAULTS["hold_band"])
    # a degree key keeps the dataclass's degree defaults
    assert load_exercise_file(_write(tmp_path, GOOD)).rep.start_band == 6.0


@pytest.mark.parametrize("text,old,new,field,line,says", [
    (RATIO, "top = 0.15", "top = 0.15\nstart_band = 6", "rep.start_band", 13, "looks like degrees"),
    (RATIO, "top = 0.15", "top = 30", "rep.top", 12, "looks like degrees"),
    (RATIO, "top = 0.15", "top = 0.15\nmin_range = 15", "rep.min_range", 13, "looks like degrees"),
    (RATIO, 'measure = "knee"\nbelow = 160', 'measure = "heel"\nabove = 20', "faults.0.above",
     18, "looks like degrees"),
    (RATIO, 'scale = ["knee", "ankle"] }', 'scale = ["knee", "ankle"], unit = "deg" }',
     "measures.heel.unit", 7, "height_diff_ratio gives ratio"),
    (GOOD, "top = 160", "top = 0.3", "rep.top", 15, "looks like a ratio"),
    (GOOD, "min_range = 20", "min_range = 0.2", "rep.min_range", 16, "looks like a ratio"),
])
def test_a_threshold_in_the_wrong_unit_names_field_and_line(tmp_path, text, old, new, field,
                                                            line, says):
    _assert_rejected(tmp_path, text, old, new, f"line {line}: field '{field}'", says)


def _assert_rejected(tmp_path, text, old, new, *says):
    """`text` with `old` replaced by `new` fails to load with a message saying all of `says`."""
    assert old in text
    with pytest.raises(ExerciseFileError) as err:
        load_exercise_file(_write(tmp_path, text.replace(old, new)))
    assert all(part in str(err.value) for part in says), str(err.value)


def test_a_ratio_hold_rejects_a_degree_margin(tmp_path):
    hold = RATIO.replace('kind = "reps"', 'kind = "hold"').replace(
        '[rep]\nkey = "heel"\ntop = 0.15', '[hold]\nkey = "heel"\nlow = 0.1\nhigh = 0.5')
    assert load_exercise_file(_write(tmp_path, hold)).hold.margin == RATIO_DEFAULTS["margin"]
    with pytest.raises(ExerciseFileError, match="line 14: field 'hold.margin'.*degrees"):
        load_exercise_file(_write(tmp_path, hold.replace("high = 0.5", "high = 0.5\nmargin = 5")))


# --------------------------------------------------------------------------- variant faults

VARIANT = GOOD + """
[variants.easy]
name = "Easy bridge"
faults_remove = ["low"]

[[variants.easy.faults_add]]
code = "too_high"
cue = "Not so high"
measure = "hip"
stat = "max"
above = 200
"""


def test_a_variant_removes_and_adds_single_faults(tmp_path):
    spec = load_exercise_file(_write(tmp_path, VARIANT))
    assert [f.code for f in spec.faults] == ["low"]
    easy = get_exercise(exercise_file=str(_write(tmp_path, VARIANT)), variant="easy")
    assert [(f.code, f.above) for f in easy.faults] == [("too_high", 200.0)]


@pytest.mark.parametrize("old,new,field,line,says", [
    ('faults_remove = ["low"]', 'faults_remove = ["lo"]', "variants.easy.faults_remove", 27,
     "no fault 'lo' to remove"),
    ('measure = "hip"\nstat = "max"\nabove', 'measure = "hips"\nstat = "max"\nabove',
     "variants.easy.faults_add.0.measure", 32, "unknown measure 'hips'"),
    ('faults_remove = ["low"]', 'faults_remove = ["low"]\nfaults = []',
     "variants.easy.faults", 28, "not both"),
])
def test_a_bad_fault_edit_names_field_and_line(tmp_path, old, new, field, line, says):
    _assert_rejected(tmp_path, VARIANT, old, new, f"line {line}: field '{field}'", says)


def test_single_leg_chair_bridge_adds_one_fault_to_the_files_four():
    # Before faults_add the variant repeated the file's four faults in full, then this one.
    base, single = get_exercise("chair_bridge"), get_exercise("chair_bridge", variant="single-leg")
    assert single.faults == base.faults + (FaultRule(
        code="free_leg_dropping", cue="Keep the free leg up in line", measure="free_leg",
        phase="top", stat="median", below=-20.0),)
    assert [f.code for f in base.faults] == [
        "hips_low", "hold_short", "knees_too_bent", "knees_too_straight"]
