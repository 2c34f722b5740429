"""User exercise files: a good one runs on the engine, a bad one names the field and line."""

from __future__ import annotations

import pytest

from formcheck.analysis.exercise import ExerciseFileError, get_exercise, load_exercise_file

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
])
def test_bad_field_names_field_and_line(tmp_path, old, new, field, line):
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ExerciseFileError) as err:
        load_exercise_file(path)
    msg = str(err.value)
    assert f"field '{field}'" in msg
    assert f"line {line}" in msg
    assert str(path) in msg


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
