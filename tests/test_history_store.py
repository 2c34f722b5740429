"""The history store (SQLite, WAL, versioned schema): two processes filing at once lose
nothing, old stores migrate, JSON reports import, and filing that cannot happen says so. Also
the readers of history and report files against hostile files (issue 18: year 9999, a FIFO
named *.json, a link to /dev/zero, a 5001-digit integer, 100k-deep nesting)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_report_render import TRACKS, bridge_session, cli, make_report

from formcheck.report.history import file_report, load_history
from formcheck.report.store import (
    DB_NAME,
    MIGRATIONS,
    SCHEMA_VERSION,
    HistoryError,
    HistoryStore,
)

REPO = Path(__file__).resolve().parents[1]
FILER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {tests!r})
    from test_report_render import make_report
    from formcheck.report.history import file_report
    folder, who, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    reports = [make_report(reps=[("left", True, [])] * (i % 7 + 1), source=f"{{who}}-{{i}}.mp4",
                           started_at=f"2024-05-01T08:{{i // 60:02d}}:{{i % 60:02d}}")
               for i in range(n)]
    from pathlib import Path
    while not Path(go).exists():  # both start filing at the same moment
        time.sleep(0.001)
    for r in reports:
        file_report(r, folder)
""")


OPENER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from formcheck.report.store import HistoryStore
    folder, go, ready = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    ready.touch()
    while not go.exists():  # both open the new store at the same moment
        pass
    print(HistoryStore(Path(folder)).version())
""")


def test_two_processes_opening_a_new_history_at_once_both_open_it(tmp_path: Path):
    # Switching a new file to WAL fails at once with "database is locked" while the other
    # process does the same (no busy wait there): about two rounds in five without the
    # retry. Each round a new folder, both processes started and waiting first.
    for i in range(8):
        folder, go = tmp_path / f"h{i}", tmp_path / f"go{i}"
        ready = [tmp_path / f"ready{i}{who}" for who in "ab"]
        procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(folder), str(go), str(r)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for r in ready]
        deadline = time.monotonic() + 60
        while not all(r.exists() for r in ready) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        for p in procs:
            out, err = p.communicate(timeout=120)
            assert p.returncode == 0 and out.strip() == str(SCHEMA_VERSION), (i, err)


@pytest.mark.slow
def test_two_processes_filing_at_once_lose_nothing(tmp_path: Path):
    folder, go, n = tmp_path / "history", tmp_path / "go", 150
    script = FILER.format(tests=str(REPO / "tests"))
    procs = [subprocess.Popen([sys.executable, "-c", script, str(folder), who, str(n), str(go)],
                              stderr=subprocess.PIPE, text=True) for who in ("a", "b")]
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    found, problems = load_history(folder)
    assert problems == []
    sources = sorted(f.report.source for f in found)
    assert sources == sorted(f"{who}-{i}.mp4" for who in "ab" for i in range(n))
    with sqlite3.connect(folder / DB_NAME) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        reps = db.execute("SELECT COUNT(*) FROM reps").fetchone()[0]
        assert reps == 2 * sum(i % 7 + 1 for i in range(n))
        # every session's rep rows sit with it
        assert db.execute("SELECT COUNT(*) FROM reps r JOIN sessions s ON s.id = r.session_id "
                          "WHERE s.report NOT LIKE '%' || r.side || '%'").fetchone()[0] == 0


def test_an_old_store_migrates_and_keeps_its_sessions(tmp_path: Path):
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.executescript(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with HistoryStore(tmp_path) as store:  # a schema-1 store, then one filed with it
        assert store.version() == SCHEMA_VERSION
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute("PRAGMA user_version = 1")
    db.execute("DROP TABLE pain")
    db.execute("DROP TABLE advice")
    db.commit()
    db.close()
    file_id = None
    with HistoryStore(tmp_path) as store:
        assert store.version() == SCHEMA_VERSION == 2
        file_id = store.add_session(bridge_session())
        names = {r[0] for r in store._connect().execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"sessions", "reps", "pain", "advice"} <= names
    found, _ = load_history(tmp_path)
    assert [f.session_id for f in found] == [file_id]


def test_a_newer_store_is_refused_with_a_clear_message(tmp_path: Path):
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(HistoryError, match="schema version 99 is newer than this formcheck "
                       r"reads \(2\); upgrade formcheck"):
        file_report(bridge_session(), tmp_path)
    found, problems = load_history(tmp_path)
    assert found == [] and "schema version 99 is newer" in problems[0]


def test_report_json_imports_into_the_store_once(tmp_path: Path):
    history = tmp_path / "history"
    files = []
    for i in range(3):
        path = tmp_path / f"r{i}.json"
        make_report(reps=[("left", True, [])] * (i + 1),
                    started_at=f"2024-05-0{i + 1}T08:00:00").write(path)
        files.append(str(path))
    first = cli([*files, "--import", "--history-dir", str(history)])
    assert first.exit_code == 0, first.output
    assert f"filed 3 of 3 reports in {history / DB_NAME}" in first.stderr
    again = cli([*files, "--import", "--history-dir", str(history)])
    assert "filed 0 of 3 reports" in again.stderr and "(3 already there)" in again.stderr
    found, problems = load_history(history)
    assert problems == [] and [f.report.summary.rep_count for f in found] == [1, 2, 3]
    assert cli(["--import"]).exit_code == 2
    # A report JSON left in the history folder counts once, also when it is in the store.
    (history / "copy.json").write_text(Path(files[0]).read_text())
    (history / "new.json").write_text(
        make_report(started_at="2024-05-09T08:00:00").to_json())
    found, _ = load_history(history)
    assert [f.label for f in found] == ["session 1", "session 2", "session 3", "new.json"]


# --- filing that cannot happen ---------------------------------------------------------------

def _run(code: str, limit_bytes: int | None = None, read_only: Path | None = None):
    """Run python `code`, with a file size limit (a full disk, as the process sees it) or
    with `read_only` mounted read-only in a private mount namespace (root ignores a folder's
    write permission, so chmod would not do)."""
    def pre() -> None:
        if limit_bytes is not None:
            import resource
            import signal

            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    args = [sys.executable, "-c", code]
    if read_only is not None:
        if os.geteuid() != 0:
            read_only.chmod(0o555)
        else:
            args = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                    'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && '
                    'exec "$@"', str(read_only), *args]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, preexec_fn=pre)


FILE_ONE = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from test_report_render import make_report
    from formcheck.report.history import file_report
    from formcheck.report.store import HistoryError
    try:
        file_report(make_report(reps=[("left", True, [])] * 30), {folder!r})
    except HistoryError as exc:
        print(exc)
        sys.exit(3)
""")


def test_filing_into_a_read_only_folder_fails_with_a_clear_message(tmp_path: Path):
    folder = tmp_path / "history"
    folder.mkdir()
    done = _run(FILE_ONE.format(tests=str(REPO / "tests"), folder=str(folder)),
                read_only=folder)
    if "mount" in done.stderr and done.returncode != 3:
        pytest.skip(f"cannot mount a read-only folder here: {done.stderr.strip()}")
    assert done.returncode == 3, done.stderr
    assert done.stdout.startswith(f"history {folder / DB_NAME}: cannot open (unable to open "
                                  "database file (is the folder read-only, or not there?))")
    assert list(folder.iterdir()) == []


def test_filing_into_a_full_disk_fails_with_a_clear_message(tmp_path: Path):
    folder = tmp_path / "history"
    file_report(bridge_session(), folder)  # the store exists; the next session does not fit
    size = sum(p.stat().st_size for p in folder.iterdir())
    code = FILE_ONE.format(tests=str(REPO / "tests"), folder=str(folder))
    done = _run(code, limit_bytes=size)
    assert done.returncode == 3, (done.stdout, done.stderr)
    assert "cannot write (" in done.stdout and "(is the disk full?)" in done.stdout
    found, problems = load_history(folder)
    assert problems == [] and len(found) == 1  # the earlier session is intact


def test_analyze_into_an_unusable_history_warns_and_keeps_the_report(tmp_path: Path):
    src = TRACKS / "glute_bridge_ndn_1.npz"
    if not src.exists():
        pytest.skip(f"pose track {src} not found")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    done = subprocess.run([sys.executable, "-m", "formcheck", "analyze", str(src), "-e",
                           "glute_bridge", "-r", str(tmp_path / "r.json"), "-q"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "FORMCHECK_HISTORY_DIR": str(blocker)})
    assert done.returncode == 0, done.stderr
    assert (f"formcheck: warning: session not filed in the history: history {blocker}: "
            "cannot create the folder") in done.stderr
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["rep_count"] > 0
    assert blocker.read_text() == "x"


# --- hostile files in a history folder or given to `formcheck report` -------------------------

def hostile_files(folder: Path) -> dict[str, str]:
    """name -> what the warning must say about it."""
    folder.mkdir(parents=True, exist_ok=True)
    year = make_report(started_at="9999-12-31T23:59:59").to_dict()
    (folder / "year9999.json").write_text(json.dumps(year))
    os.mkfifo(folder / "fifo.json")
    (folder / "zero.json").symlink_to("/dev/zero")
    big = make_report().to_json().replace('"duration_s": ', '"duration_s": ' + "7" * 5001 + ", "
                                          '"was_duration_s": ', 1)
    (folder / "digits.json").write_text(big)
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    return {"year9999.json": "is not a plausible ISO 8601 date",
            "fifo.json": "not a regular file (a FIFO (named pipe)): skipped",
            "zero.json": "not a regular file (a device): skipped",
            "digits.json": "damaged report (Exceeds the limit",
            "deep.json": "damaged report (nested too deeply)"}


@pytest.mark.slow
def test_history_with_hostile_files_warns_for_each_and_shows_the_rest(tmp_path: Path):
    folder = tmp_path / "history"
    expected = hostile_files(folder)
    file_report(make_report(reps=[("left", True, [])] * 12, started_at="2024-05-01T08:00"),
                folder)
    done = subprocess.run([sys.executable, "-m", "formcheck", "report", "--history",
                           "--history-dir", str(folder), "--until", "2024-05-02",
                           "--html", str(tmp_path / "h.html")],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    warnings = [ln for ln in done.stderr.splitlines() if ln.startswith("formcheck: warning:")]
    assert len(warnings) == len(expected), done.stderr
    for name, words in expected.items():
        assert any(name in w and words in w for w in warnings), (name, done.stderr)
    assert "Traceback" not in done.stderr
    assert "glute_bridge" in done.stdout and " 12 " in done.stdout


@pytest.mark.slow
def test_report_with_hostile_files_renders_the_good_one(tmp_path: Path):
    expected = hostile_files(tmp_path)
    good = tmp_path / "good.json"
    bridge_session().write(good)
    files = [str(tmp_path / name) for name in expected] + [str(good)]
    done = subprocess.run([sys.executable, "-m", "formcheck", "report", *files,
                           "--html", str(tmp_path / "r.html")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for name, words in expected.items():
        if name != "year9999.json":  # a far date is shown as written in one report
            assert any(name in ln and words in ln for ln in done.stderr.splitlines()), name
    assert "Total: 2 sessions" in done.stdout  # the good one and the year-9999 one
    assert (tmp_path / "r.html").read_text().count('<section class="session">') == 2
