"""The pain log and the advice by the pain rules, over scripted histories: safe (<= 3),
acceptable (4-5), too much (> 5), the 24-hour response, and a step up only when every
condition holds (pain during and the next morning <= 3 over the last 3 days, prescription
met, good reps >= 80%), along the [progression] ladder of the exercise data."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from test_report_render import make_report

from formcheck.report.advice import KEEP, LOG, PROGRESS, STOP, TOP, advise
from formcheck.report.history import file_report
from formcheck.report.pain_log import ask_pain
from formcheck.report.store import HistoryStore, PainEntry

BRIDGE_RX = {"sets": 3, "reps": 10, "hold_s": 0, "frequency": "twice a day", "per_day": 2,
             "every_n_days": 1}
TODAY = date(2024, 5, 10)
DAYS = [date(2024, 5, 6), date(2024, 5, 7), date(2024, 5, 8)]


def bridge_day(day: date, n: int = 30, good: int | None = None, rx=BRIDGE_RX,
               exercise: str = "glute_bridge"):
    """The day's two sessions of `n` bridges (`good` of them good)."""
    good = n if good is None else good
    reps = [("left", i < good, [] if i < good else ["hips_low"]) for i in range(n)]
    return [make_report(exercise, reps=reps, prescription=rx, sets=3,
                        started_at=f"{day.isoformat()}T{hour:02d}:00:00+01:00")
            for hour in (8, 19)]


def pain(day: date, during: int | None, morning: int | None, exercise="glute_bridge"):
    out = []
    if during is not None:
        out.append(PainEntry(exercise, day, "during", during))
    if morning is not None:
        out.append(PainEntry(exercise, day, "next_morning", morning))
    return out


def history(scores=((2, 1), (1, 0), (3, 2)), n=30, good=None, days=DAYS):
    reports = [r for d in days for r in bridge_day(d, n, good)]
    entries = [e for d, (a, b) in zip(days, scores, strict=True) for e in pain(d, a, b)]
    return reports, entries


def test_all_conditions_hold_suggests_more_reps_first():
    reports, entries = history()
    a = advise("glute_bridge", reports, entries, TODAY)
    assert a.level == PROGRESS
    assert a.next_step == "3 × 12 reps (from 3 × 10)"
    assert "step up to 3 × 12 reps" in a.text
    assert "pain during 2, 1, 3, next morning 1, 0, 2" in a.reason
    assert "volume 60/60, 60/60, 60/60; good reps 100%" in a.reason
    assert "push" not in a.text.lower()


@pytest.mark.parametrize("scores, level, words", [
    (((2, 1), (1, 0), (6, None)), STOP, "above 5 is too much"),       # too much during
    (((2, 1), (1, 0), (2, 7)), STOP, "above 5 is too much"),          # 24-hour response
    (((2, 1), (1, 0), (5, None)), KEEP, "4-5 is acceptable"),        # acceptable
    (((2, 1), (1, 0), (2, 4)), KEEP, "4-5 is acceptable"),           # acceptable next morning
    (((2, 1), (4, 2), (2, 1)), KEEP, "pain during above 3: 4/10 on 2024-05-07"),
    (((2, 5), (1, 0), (2, 1)), KEEP, "next-morning pain above 3: 5/10 on 2024-05-06"),
    (((2, 1), (1, 0), (2, None)), KEEP, "log the next-morning pain for 2024-05-08"),
    (((2, 1), (None, 0), (2, 1)), KEEP, "log the pain during for 2024-05-07"),
])
def test_pain_decides_before_anything_else(scores, level, words):
    reports, entries = history(scores)
    a = advise("glute_bridge", reports, entries, TODAY)
    assert a.level == level, a
    assert words in a.reason or words in a.text
    if level == STOP:
        assert "stop this exercise and rest" in a.text
        assert "If the pain persists, see a doctor or physiotherapist" in a.text
    else:
        assert "keep the current load" in a.text.lower()
    assert "push" not in a.text.lower()


def test_the_24_hour_response_comes_after_the_session_it_follows():
    # 05-08's pain during was fine, but the morning after (logged later) was 7: stop.
    reports, entries = history(((2, 1), (1, 0), (2, None)))
    entries.append(PainEntry("glute_bridge", DAYS[2], "next_morning", 7))
    assert advise("glute_bridge", reports, entries, TODAY).level == STOP
    # A later day's pain during (2) comes after the previous morning's 7: the latest
    # entry is safe, but 7 inside the window still forbids a step up.
    later = date(2024, 5, 9)
    reports += bridge_day(later)
    entries += pain(later, 2, None)
    a = advise("glute_bridge", reports, entries, TODAY)
    assert a.level == KEEP and "next-morning pain above 3: 7/10 on 2024-05-08" in a.reason


def test_progression_needs_the_prescribed_volume():
    reports, entries = history()
    reports = [r for r in reports if not (r.started_at.startswith("2024-05-07T19"))]
    a = advise("glute_bridge", reports, entries, TODAY)
    assert a.level == KEEP
    assert "prescription not met on 2024-05-07 (30 of 60)" in a.reason


def test_progression_needs_80_percent_good_reps():
    reports, entries = history(good=23)  # 23 of 30 = 77%
    a = advise("glute_bridge", reports, entries, TODAY)
    assert a.level == KEEP and "good reps 77% (a step up needs 80%)" in a.reason
    reports, entries = history(good=24)  # 80%
    assert advise("glute_bridge", reports, entries, TODAY).level == PROGRESS


def test_progression_needs_three_days():
    reports, entries = history(scores=((1, 1), (1, 1)), days=DAYS[:2])
    a = advise("glute_bridge", reports, entries, TODAY)
    assert a.level == KEEP and "2 of the 3 days of this exercise a step up needs" in a.reason


def test_no_pain_logged_asks_for_it():
    reports, _ = history()
    a = advise("glute_bridge", reports, [], TODAY)
    assert a.level == LOG and "formcheck pain" in a.text


def test_at_the_rep_ceiling_the_ladder_names_the_next_exercise():
    reports, entries = history(n=45)  # 3 × 15 a session: the bridge's reps_max
    a = advise("glute_bridge", reports, entries, TODAY)
    assert a.level == PROGRESS
    assert a.next_step.startswith("the next exercise: Hamstring bridge, heels on a chair")


def test_a_hold_exercise_steps_up_its_hold_then_moves_on():
    rx = {"sets": 1, "reps": 5, "hold_s": 30, "frequency": "twice a day", "per_day": 2,
          "every_n_days": 1}
    prog = {"hold_step_s": 5, "hold_max_s": 45, "next": "glute_bridge"}

    def squeeze(day, seconds):
        return [make_report("glute_squeeze", holds=[("left", seconds, True)] * 5,
                            prescription=rx, progression=prog,
                            started_at=f"{day.isoformat()}T{h:02d}:00:00") for h in (8, 19)]

    entries = [e for d in DAYS for e in pain(d, 1, 1, "glute_squeeze")]
    a = advise("glute_squeeze", [r for d in DAYS for r in squeeze(d, 30.0)], entries, TODAY)
    assert (a.level, a.next_step) == (PROGRESS, "hold 35 s each time (from 30 s)")
    a = advise("glute_squeeze", [r for d in DAYS for r in squeeze(d, 45.0)], entries, TODAY)
    assert a.level == PROGRESS
    assert a.next_step.startswith("the next exercise: Double-leg glute bridge")
    # holds cut short are not the prescribed volume
    a = advise("glute_squeeze", [r for d in DAYS for r in squeeze(d, 20.0)], entries, TODAY)
    assert a.level == KEEP and "prescription not met" in a.reason


def test_the_top_of_the_ladder_says_so():
    rx = {"sets": 2, "reps": 15, "hold_s": 10, "every_n_days": 2, "per_day": 1}

    def rdl(day):
        reps = [(side, True, []) for side in ("left", "right") for _ in range(30)]
        r = make_report("single_leg_rdl", reps=reps, prescription=rx, sets=2,
                        started_at=f"{day.isoformat()}T09:00:00", works="one_at_a_time")
        for rep in r.reps:
            rep.hold_s = 10.0
        return r

    days = [date(2024, 5, 2), date(2024, 5, 4), date(2024, 5, 6)]
    entries = [e for d in days for e in pain(d, 0, 0, "single_leg_rdl")]
    a = advise("single_leg_rdl", [rdl(d) for d in days], entries, TODAY)
    assert a.level == TOP and "top of the ladder" in a.text


def test_ladders_in_the_exercise_data_name_real_exercises():
    from formcheck.analysis.exercise import apply_variant, builtin_exercises

    catalogue = builtin_exercises()
    specs = list(catalogue.values()) + [apply_variant(s, v) for s in catalogue.values()
                                        for v in s.variants]
    ladders = [s.progression for s in specs if s.progression]
    assert len(ladders) >= 9
    for p in ladders:
        if p.next:
            assert p.next in catalogue
            assert not p.next_variant or p.next_variant in catalogue[p.next].variants
    # The tendinopathy ladder: holds -> bridges -> chair bridge -> single-leg -> RDL
    assert catalogue["glute_squeeze"].progression.next == "glute_bridge"
    assert catalogue["glute_bridge"].progression.next == "chair_bridge"
    assert catalogue["chair_bridge"].progression.next_variant == "single-leg"
    single = apply_variant(catalogue["chair_bridge"], "single-leg")
    assert single.progression.next == "single_leg_rdl"


def test_a_mistake_in_the_progression_table_names_field_and_line(tmp_path: Path):
    from formcheck.analysis.exercise import ExerciseFileError, builtin_dir, load_exercise_file

    text = (builtin_dir() / "glute_bridge.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("reps_max = 15", "reps_max = -3"))
    with pytest.raises(ExerciseFileError) as err:
        load_exercise_file(bad)
    line = bad.read_text().splitlines().index("reps_max = -3") + 1
    assert f"line {line}: field 'progression.reps_max': must be a finite number >= 0" in str(
        err.value)
    bad.write_text(text.replace("reps_step = 2", "reps_stepp = 2"))
    with pytest.raises(ExerciseFileError, match="progression.reps_stepp': unknown field"):
        load_exercise_file(bad)


# --- the store and the command -------------------------------------------------------------

def run_pain(*args: str, folder: Path):
    return subprocess.run([sys.executable, "-m", "formcheck", "pain", *args,
                           "--history-dir", str(folder)], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.slow
def test_pain_command_logs_and_stores_the_advice_with_its_reason(tmp_path: Path):
    today = date.today()
    days = [today - timedelta(days=n) for n in (3, 2, 1)]
    for d in days:
        for r in bridge_day(d):
            file_report(r, tmp_path)
    for d in days[:2]:
        assert run_pain("-e", "glute_bridge", "--during", "2", "--date", d.isoformat(),
                        folder=tmp_path).returncode == 0
        assert run_pain("-e", "glute_bridge", "--next-morning", "1", "--date", d.isoformat(),
                        folder=tmp_path).returncode == 0
    done = run_pain("-e", "glute_bridge", "--during", "3", folder=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Logged: pain 3/10 during glute_bridge on {today.isoformat()}." in done.stdout
    assert "Keep the current load for now" in done.stdout  # today's session is not filed
    # The morning after yesterday's session (the default --date of --next-morning): now every
    # condition holds over the last three days.
    done = run_pain("-e", "glute_bridge", "--during", "1", "--date", days[2].isoformat(),
                    folder=tmp_path)
    done = run_pain("-e", "glute_bridge", "--next-morning", "2", folder=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "you may step up to 3 × 12 reps (from 3 × 10)" in done.stdout
    assert "not a medical device" in done.stdout
    with HistoryStore(tmp_path) as store:
        entries = store.pain("glute_bridge")
        advice = store.advice("glute_bridge")
    assert [(e.day, e.kind, e.score) for e in entries if e.day == days[2]] == [
        (days[2], "during", 1), (days[2], "next_morning", 2)]
    assert entries[-1].day == today and entries[-1].session_id is None  # none filed today
    assert entries[-2].session_id is not None  # linked to that day's filed session
    assert advice[-1].level == PROGRESS and "every condition holds" in advice[-1].reason
    assert advice[4].level == KEEP and advice[4].reason.startswith("latest pain 3/10 during")
    too_much = run_pain("-e", "glute_bridge", "--during", "8", folder=tmp_path)
    assert "stop this exercise and rest" in too_much.stdout


@pytest.mark.parametrize("args, message", [
    (["-e", "glute_bridge"], "give one of --during N or --next-morning N"),
    (["-e", "glute_bridge", "--during", "2", "--next-morning", "1"], "give one of"),
    (["-e", "glute_bridge", "--during", "11"], "Invalid value for '--during'"),
    (["-e", "glute_bridge", "--during", "2", "--date", "tomorrow"], "is not a date"),
    (["-e", "glute_bridge", "--during", "2", "--date", "2999-01-01"], "is in the future"),
    (["-e", "nope", "--during", "2"], "unknown exercise 'nope'"),
])
def test_pain_command_refuses_bad_input(tmp_path: Path, args, message):
    done = run_pain(*args, folder=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_the_end_of_session_question_never_blocks_and_can_be_skipped():
    asked = []

    def never(prompt):
        asked.append(prompt)
        raise AssertionError("must not ask")

    assert ask_pain(never, print, interactive=False) is None and asked == []
    answers = iter(["seven", "12", "4"])
    said = []
    assert ask_pain(lambda p: next(answers), said.append, interactive=True) == 4
    assert said == ["Please answer with a whole number from 0 to 10, or press Enter to skip."] * 2
    assert ask_pain(lambda p: "", print, interactive=True) is None

    def eof(prompt):
        raise EOFError

    assert ask_pain(eof, lambda s: None, interactive=True) is None


def test_live_end_logs_the_answer_and_prints_advice(tmp_path: Path, monkeypatch, capsys):
    from formcheck.cli.pain_cmd import pain_after_session

    monkeypatch.setenv("FORMCHECK_HISTORY_DIR", str(tmp_path))
    report = bridge_day(date(2024, 5, 8))[0]
    pain_after_session(report, read=lambda p: "6", interactive=True)
    assert "stop this exercise and rest" in capsys.readouterr().out
    with HistoryStore(tmp_path) as store:
        assert [(e.day, e.kind, e.score) for e in store.pain()] == [
            (date(2024, 5, 8), "during", 6)]
    # headless (stdin not a terminal, as under pytest): nothing asked, nothing stored
    pain_after_session(report, read=lambda p: "1")
    with HistoryStore(tmp_path) as store:
        assert len(store.pain()) == 1
