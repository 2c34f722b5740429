"""Issue #17's acceptance: a newcomer writes a ratio-based exercise from docs/exercise-format.md
alone, and it counts; the same file with degree-sized thresholds is refused by field and line.

The file uses only what the reference lists: `height_diff_ratio` ("how much higher a is than b,
in units of the scale segment"), point names `hip`, `knee`, `ankle`, direction "down", and the
ratio-key defaults for the bands it leaves out.
"""

from __future__ import annotations

from dataclasses import replace

import kinematics as k
import pytest
from test_exercises import analyse

from formcheck.analysis.exercise import ExerciseFileError, parse_text

SQUAT_DEPTH = """\
id = "squat_depth"
name = "Squat depth"
kind = "reps"

[camera]
view = "side"
posture = "upright"
required = ["hip", "knee", "ankle"]

[measures]
# hip above knee in shin lengths: about 1 standing, lower as the hips sink
hip_height = { fn = "height_diff_ratio", points = ["hip", "knee"], scale = ["knee", "ankle"] }

[rep]
key = "hip_height"
direction = "down"
top = 0.6
min_range = 0.3

[[faults]]
code = "too_shallow"
cue = "Sink your hips lower"
measure = "hip_height"
phase = "top"
stat = "min"
above = 0.5
"""


def test_a_ratio_exercise_from_the_reference_counts_every_squat():
    spec = parse_text(SQUAT_DEPTH, "squat_depth.toml")
    track, truth = k.reps(k.squat, 5).render()
    res, _ = analyse(track, None, spec=spec)
    assert len(res.reps) == truth.n_reps == 5
    assert [r.faults for r in res.reps] == [[]] * 5
    # Why the ratio defaults matter: the degree ones (start_band 6, ...) counted nothing here.
    degrees = replace(spec.rep, start_band=6.0, hold_band=8.0, min_range=15.0)
    assert analyse(track, None, spec=replace(spec, rep=degrees))[0].reps == []


@pytest.mark.parametrize("old,new,field,line", [
    ("min_range = 0.3", "min_range = 30", "rep.min_range", 18),
    ("top = 0.6", "top = 0.6\nstart_band = 6", "rep.start_band", 18),
    ("above = 0.5", "above = 50", "faults.0.above", 26),
])
def test_the_same_file_with_degree_sized_thresholds_is_refused(old, new, field, line):
    with pytest.raises(ExerciseFileError) as err:
        parse_text(SQUAT_DEPTH.replace(old, new), "squat_depth.toml")
    assert f"squat_depth.toml, line {line}: field '{field}'" in str(err.value)
    assert "looks like degrees" in str(err.value)
