"""docs/exercise-format.md is the reference a newcomer writes an exercise from: it must be
what the code reads today."""

from __future__ import annotations

from pathlib import Path

from formcheck.analysis import exercise_doc
from formcheck.analysis.exercise import PHASES, REP_ATTRS, STATS
from formcheck.analysis.measures import MEASURE_FUNCTIONS

DOC = Path(__file__).resolve().parents[1] / "docs" / "exercise-format.md"


def test_the_committed_reference_is_current():
    assert DOC.read_text(encoding="utf-8") == exercise_doc.render(), (
        "docs/exercise-format.md is out of date: regenerate it with "
        "`python -m formcheck.analysis.exercise_doc > docs/exercise-format.md`")


def test_the_reference_lists_every_function_phase_statistic_and_attribute():
    text = exercise_doc.render()
    for name in [*MEASURE_FUNCTIONS, *PHASES, *STATS, *REP_ATTRS, "knee", "faults_add"]:
        assert f"`{name}`" in text, name
