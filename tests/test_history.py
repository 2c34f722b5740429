"""Session history: filing reports, and adherence / balance summaries over dated sessions."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import platformdirs
import pytest
from rich.console import Console
from test_report_render import cli, make_report

from formcheck.report.history import (
    adherence_periods,
    file_report,
    history_dir,
    load_history,
    render_history,
    summarise,
)
from formcheck.report.schema import load_report

BRIDGE_RX = {"sets": 3, "reps": 10, "hold_s": 0, "frequency": "twice daily", "per_day": 2,
             "every_n_days": 1}
CLAM_RX = {"sets": 1, "reps": 10, "hold_s": 2, "frequency": "every other day", "per_day": 1,
           "every_n_days": 2}


def bridge(day: int, hour: int, n: int = 30):
    return make_report(reps=[("left", True, [])] * n, prescription=BRIDGE_RX,
                       started_at=f"2024-05-0{day}T{hour:02d}:00:00+02:00")


def clam(day: int, hour: int, side: str, n: int):
    return make_report("clamshell", reps=[(side, True, [])] * n, prescription=CLAM_RX,
                       started_at=f"2024-05-0{day}T{hour:02d}:00:00", exercise_name="Clamshell")


def sessions():
    """Bridges twice a day on 3 of 4 days (one short session on day 3); clamshells on days 1
    (left 10, right 5) and 3 (left 10)."""
    return [bridge(1, 7), bridge(1, 19), bridge(2, 8), bridge(2, 20, n=20), bridge(3, 9),
            bridge(4, 7), bridge(4, 18),
            clam(1, 10, "left", 10), clam(1, 10, "right", 5), clam(3, 10, "left", 10)]


def by_id(summaries):
    return {h.exercise: h for h in summaries}


def test_adherence_counts_the_prescribed_volume_of_bridges_twice_a_day():
    """3 × 10 twice a day is 60 reps a day: two sessions of 30 meet it; 30 + 20 does not,
    nor does one session of 30 (half the day's volume)."""
    h = by_id(summarise(sessions(), until=date(2024, 5, 4)))["glute_bridge"]
    assert (h.per_day, h.every_n_days, h.assumed_frequency) == (2, 1, False)
    assert (h.start, h.end) == (date(2024, 5, 1), date(2024, 5, 4))
    assert (h.periods_met, h.periods_due) == (2, 4)
    assert h.adherence == pytest.approx(0.5)
    assert [(d.day.day, d.sessions, d.reps, d.done, d.due, d.met) for d in h.days] == [
        (1, 2, 60, 60, 60, True), (2, 2, 50, 50, 60, False), (3, 1, 30, 30, 60, False),
        (4, 2, 60, 60, 60, True)]
    assert (h.sessions, h.reps, h.good) == (7, 200, 200)
    assert (h.target_reps, h.sessions_at_target) == (30, 6)
    assert h.per_side == {"left": {"reps": 200, "good": 200}}


def test_adherence_every_other_day_and_balance():
    h = by_id(summarise(sessions(), until=date(2024, 5, 6)))["clamshell"]
    assert (h.per_day, h.every_n_days) == (1, 2)
    # 1 × 10 per side every other day: day 1 did left 10 + right 5, day 3 left 10 only: the
    # prescribed volume (20 a day, both sides) was met in no period.
    assert (h.periods_met, h.periods_due) == (0, 3)
    assert [(d.done, d.due, d.met) for d in h.days] == [(15, 20, False), (10, 20, False)]
    assert h.per_side == {"left": {"reps": 20, "good": 20}, "right": {"reps": 5, "good": 5}}
    assert h.balance is not None and "the right side did 5 reps against 20" in h.balance
    assert (h.hold_target_s, h.holds_total, h.holds_at_target) == (2, 25, 0)


def test_today_is_not_missed_yet(monkeypatch):
    """With no --until the period ends today, and today's second session may still come."""
    import formcheck.report.history as history

    class Today(date):
        @classmethod
        def today(cls):
            return date(2024, 5, 3)

    monkeypatch.setattr(history, "date", Today)
    so_far = [r for r in sessions() if r.started_at < "2024-05-04"]
    h = by_id(summarise(so_far))["glute_bridge"]  # 05-03: one session so far
    assert (h.start, h.end) == (date(2024, 5, 1), date(2024, 5, 3))
    assert (h.periods_met, h.periods_due) == (1, 2)  # 05-02 fell short, 05-03 still open


def test_balance_notes_depend_on_the_exercise():
    clams = [clam(1, 10, "left", 10), clam(3, 10, "left", 10)]
    h = by_id(summarise(clams, until=date(2024, 5, 4)))["clamshell"]
    assert h.balance == "only the left side was recorded: do the right side as well"
    bridges = [make_report(reps=[("left", True, [])] * 10, started_at="2024-05-01T08:00"),
               make_report(reps=[("right", True, [])] * 2, started_at="2024-05-02T08:00")]
    assert by_id(summarise(bridges, until=date(2024, 5, 2)))["glute_bridge"].balance is None


def test_balance_notes_follow_the_reports_own_side_works_then_the_catalogue():
    # A user's own exercise (not in the catalogue) worked one side at a time: the report
    # carries that, so history asks for the other side.
    own = [make_report("my_clam", reps=[("right", True, [])] * 8, works="one_at_a_time",
                       started_at="2024-05-01T08:00")]
    assert by_id(summarise(own, until=date(2024, 5, 1)))["my_clam"].balance == (
        "only the right side was recorded: do the left side as well")
    unknown = [make_report("my_clam", reps=[("right", True, [])] * 8,
                           started_at="2024-05-01T08:00")]
    assert by_id(summarise(unknown, until=date(2024, 5, 1)))["my_clam"].balance is None
    # The field wins over the catalogue; a report from before the field (no "works" in its
    # JSON) still gets the catalogue's answer.
    together = [clam(1, 10, "left", 10)]
    together[0].works = "together"
    assert by_id(summarise(together, until=date(2024, 5, 1)))["clamshell"].balance is None


def test_report_without_side_works_loads_and_uses_the_catalogue(tmp_path: Path):
    import json

    from formcheck.report.terminal import session_balance, works_of

    d = clam(1, 10, "left", 10).to_dict()
    del d["works"]
    (tmp_path / "old.json").write_text(json.dumps(d))
    old = load_report(tmp_path / "old.json")
    assert old.works == "" and works_of(old) == "one_at_a_time"
    both = make_report("clamshell", reps=[("left", True, [])] * 10 + [("right", True, [])] * 5)
    assert session_balance(both).startswith("imbalance: the right side did 5 reps against 10")
    both.works = "together"
    assert session_balance(both) is None


def test_adherence_periods_edge_cases():
    counts = Counter({date(2024, 5, 1): 1, date(2024, 5, 5): 1})
    # windows [1,2] met, [3,4] missed, [5] incomplete but met -> counted
    assert adherence_periods(counts, date(2024, 5, 1), date(2024, 5, 5), 1, 2) == (2, 3)
    # the running, incomplete window is not held against anyone
    assert adherence_periods(counts, date(2024, 5, 1), date(2024, 5, 3), 1, 2) == (1, 1)


def test_missing_prescription_keys_are_assumed_or_read_from_words():
    plain = make_report("single_leg_rdl", reps=[("left", True, [])], prescription={},
                        started_at="2024-05-01T10:00:00")
    words = make_report("chair_bridge", reps=[("left", True, [])],
                        prescription={"frequency": "twice a day"}, started_at="2024-05-01T10:00")
    hs = by_id(summarise([plain, words], until=date(2024, 5, 2)))
    assert (hs["single_leg_rdl"].per_day, hs["single_leg_rdl"].every_n_days) == (1, 2)
    assert hs["single_leg_rdl"].assumed_frequency and hs["single_leg_rdl"].target_reps is None
    assert (hs["chair_bridge"].per_day, hs["chair_bridge"].every_n_days) == (2, 1)


def test_history_dir_env_and_default(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("FORMCHECK_HISTORY_DIR", str(tmp_path / "h"))
    assert history_dir() == tmp_path / "h"
    monkeypatch.delenv("FORMCHECK_HISTORY_DIR")
    assert history_dir() == Path(platformdirs.user_data_dir("formcheck")) / "history"


def test_file_report_files_into_the_store(tmp_path: Path):
    folder = tmp_path / "history"
    a = file_report(bridge(2, 8), folder)
    b = file_report(bridge(2, 8), folder)  # same second, same exercise: two sessions
    c = file_report(bridge(1, 7), folder)
    weird = file_report(make_report("../Evil Name!", started_at="2024-05-03T09:00:00"), folder)
    assert [a, b, c, weird] == [1, 2, 3, 4]
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm"))
                  ) == ["history.sqlite3"]
    found, problems = load_history(folder)
    assert problems == []
    assert [f.session_id for f in found] == [3, 1, 2, 4]  # in time order
    assert found[1].report.to_dict() == bridge(2, 8).to_dict()
    assert found[3].report.exercise == "../Evil Name!"


def test_file_report_uses_env_folder(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("FORMCHECK_HISTORY_DIR", str(tmp_path / "env"))
    file_report(bridge(1, 7))
    assert (tmp_path / "env" / "history.sqlite3").is_file()


def test_load_history_filters_and_warns(tmp_path: Path):
    for r in sessions():
        file_report(r, tmp_path)
    (tmp_path / "20240505T000000_broken.json").write_text("{")
    found, problems = load_history(tmp_path, since=date(2024, 5, 2), exercise="glute_bridge")
    assert [f.report.started_at[:10] for f in found] == ["2024-05-02"] * 2 + ["2024-05-03"] + [
        "2024-05-04"] * 2
    assert len(problems) == 1 and "20240505T000000_broken.json" in problems[0]


def test_render_history_text():
    console = Console(record=True, width=200, color_system=None)
    render_history(summarise(sessions(), until=date(2024, 5, 4)), console)
    text = re.sub(r"[ │]+", " ", console.export_text())
    assert " glute_bridge 7 200 100% 50% 2/4 — — " in text
    assert " clamshell 3 25 100% 0% 0/2 20 / 5 — " in text
    assert "prescription: 3 × 10; twice a day" in text
    assert "sessions with 30 reps (sets × reps): 6 of 7" in text
    assert "adherence to twice a day: 50% (2 of 4 days)" in text
    assert "prescription: 1 × 10, hold 2 s; every other day" in text
    assert "sessions with 10 reps per side (sets × reps): 2 of 3" in text
    assert "adherence to every other day: 0% (0 of 2 2-day periods)" in text
    assert "only the" not in text  # both bridge legs work together: no balance note
    assert "clamshell" in text and "imbalance: the right side did 5 reps against 20" in text
    assert " 2024-05-03 1 30 30 30/60 no — " in text  # bridges: no left/right column
    assert " 2024-05-01 2 15 15 15/20 no 10 / 5 — " in text  # clamshells: one side at a time
    assert "not a medical device" in text


@pytest.mark.slow
def test_cli_history(tmp_path: Path):
    for r in sessions():
        file_report(r, tmp_path)
    (tmp_path / "junk.json").write_text("[]")
    html = tmp_path / "out.html"
    result = cli(["--history", "--history-dir", str(tmp_path), "--since", "2024-05-02",
                  "--until", "2024-05-04", "--exercise", "glute_bridge", "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert f"formcheck: warning: {tmp_path / 'junk.json'}: not a JSON object" in result.stderr
    out = re.sub(r"[ │]+", " ", result.stdout)
    assert "33% (1 of 3 days)" in out
    assert "clamshell" not in out
    page = html.read_text()
    assert page.count('<section class="session">') == 5
    # The summary the terminal shows heads the page, before the sessions.
    assert "<h1>formcheck history</h1>" in page
    head = page[:page.index('<section class="session">')]
    assert "Adherence to twice a day: 33% (1 of 3 days)" in head
    assert ('<td data-label="Date">2024-05-03</td><td class=n data-label="Sessions">1</td>'
            '<td class=n data-label="Reps">30</td>') in head
    assert '<td class=n data-label="Volume">30/60</td>' in head
    assert '<span class="no">no</span>' in head and "clamshell" not in head.lower()


def test_cli_history_env_and_empty(tmp_path: Path):
    result = cli(["--history"], env={"FORMCHECK_HISTORY_DIR": str(tmp_path / "none")})
    assert result.exit_code == 0
    assert "no sessions in" in result.stderr


def test_cli_history_bad_date(tmp_path: Path):
    result = cli(["--history", "--history-dir", str(tmp_path), "--since", "May 2"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.user_error


def test_history_fits_an_80_column_terminal_without_cutting_headers(tmp_path: Path):
    import os
    import subprocess
    import sys

    from formcheck.report.store import HistoryStore, PainEntry

    long_name = make_report("ball_hamstring_curl", reps=[("left", True, [])] * 10,
                            started_at="2024-05-02T10:00:00", exercise_name="Ball curl")
    for r in [*sessions(), long_name]:
        file_report(r, tmp_path)
    with HistoryStore(tmp_path) as store:
        store.add_pain(PainEntry("glute_bridge", date(2024, 5, 3), "during", 2))
        store.add_pain(PainEntry("glute_bridge", date(2024, 5, 3), "next_morning", 1))
    done = subprocess.run([sys.executable, "-m", "formcheck", "report", "--history",
                           "--history-dir", str(tmp_path), "--until", "2024-05-04"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in done.stdout
    header = next(line for line in lines if line.strip().startswith("Exercise"))
    assert header.split() == ["Exercise", "Sessions", "Reps", "Good", "Adherence", "L", "/",
                              "R", "Pain"]
    days = [line.split() for line in lines if line.strip().startswith("Date")]
    assert ["Date", "Sessions", "Reps", "Good", "Volume", "Met", "L", "/", "R", "Pain"] in days
    assert ["Date", "Sessions", "Reps", "Good", "Volume", "Met", "Pain"] in days
    assert any(line.split()[:1] == ["ball_hamstring_curl"] for line in lines)
    assert any(line.split() == ["2024-05-03", "1", "30", "30", "30/60", "no", "2", "/", "1"]
               for line in lines)
    assert "Advice:" in done.stdout and "not a medical device" in done.stdout
