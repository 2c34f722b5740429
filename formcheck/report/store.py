"""The history store: sessions, reps, pain entries and advice in one SQLite file.

Rehab is judged over weeks, and two formcheck processes may file at once (a live session ending
while a folder of clips is analysed), so the history is a real database: stdlib sqlite3 in WAL
mode, every write one short `BEGIN IMMEDIATE` transaction that waits its turn, and a schema
versioned by `PRAGMA user_version` with one migration per version. The session's report JSON
is kept whole (the exchange format: `formcheck report --import` reads such files back in);
the per-rep rows are there for queries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from formcheck.errors import UserError
from formcheck.report.schema import Report, ReportError

DB_NAME = "history.sqlite3"
BUSY_TIMEOUT_S = 60.0  # another process filing: wait this long for the lock, then fail clearly

# One script per schema version; the store runs those above the file's user_version in order.
MIGRATIONS: tuple[str, ...] = (
    # 1: sessions and their reps/holds
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        digest TEXT NOT NULL,            -- sha256 of the report JSON: imports skip a copy
        exercise TEXT NOT NULL,
        started_at TEXT NOT NULL,
        day TEXT NOT NULL,               -- the person's day (started_at's own time zone)
        filed_at TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT '', -- the file an imported report came from
        report TEXT NOT NULL             -- the whole report JSON (schema_version 1)
    );
    CREATE INDEX sessions_exercise_day ON sessions (exercise, day);
    CREATE INDEX sessions_digest ON sessions (digest);
    CREATE TABLE reps (
        session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('rep', 'hold')),
        idx INTEGER NOT NULL,
        side TEXT NOT NULL,
        set_index INTEGER,
        start_s REAL, end_s REAL, up_s REAL, hold_s REAL, down_s REAL,
        peak REAL, trough REAL,
        good INTEGER NOT NULL,
        faults TEXT NOT NULL DEFAULT ''  -- fault codes, semicolon-separated
    );
    CREATE INDEX reps_session ON reps (session_id);
    """,
    # 2: the pain log and the advice given from it, with its reason
    """
    CREATE TABLE pain (
        id INTEGER PRIMARY KEY,
        exercise TEXT NOT NULL,
        day TEXT NOT NULL,               -- the day the exercise was done
        kind TEXT NOT NULL CHECK (kind IN ('during', 'next_morning')),
        score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
        recorded_at TEXT NOT NULL,
        session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL
    );
    CREATE INDEX pain_exercise_day ON pain (exercise, day);
    CREATE TABLE advice (
        id INTEGER PRIMARY KEY,
        exercise TEXT NOT NULL,
        created_at TEXT NOT NULL,
        level TEXT NOT NULL,
        text TEXT NOT NULL,
        reason TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
PAIN_KINDS = ("during", "next_morning")


class HistoryError(UserError):
    """The history store cannot be read or written: the message says where and why."""


@dataclass(frozen=True)
class StoredSession:
    id: int
    report: Report
    origin: str = ""


@dataclass(frozen=True)
class PainEntry:
    exercise: str
    day: date  # the day the exercise was done
    kind: str  # PAIN_KINDS
    score: int  # 0-10
    recorded_at: str = ""
    session_id: int | None = None
    id: int | None = None


@dataclass(frozen=True)
class StoredAdvice:
    exercise: str
    created_at: str
    level: str
    text: str
    reason: str


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def digest(report: Report) -> str:
    return hashlib.sha256(report.to_json().encode("utf-8")).hexdigest()


def _busy(exc: sqlite3.Error) -> bool:
    """Another connection holds the lock."""
    text = str(exc)
    return "locked" in text or "busy" in text


def _why(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "disk is full" in text or "disk I/O" in text:
        return f"{text} (is the disk full?)"
    if "readonly" in text or "unable to open" in text or "read-only" in text:
        return f"{text} (is the folder read-only, or not there?)"
    if _busy(exc):
        return f"{text} (another formcheck kept it busy for {BUSY_TIMEOUT_S:g} s)"
    return text


class HistoryStore:
    """The history database in `folder` (created on first write)."""

    def __init__(self, folder: Path, *, readonly: bool = False):
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        self.readonly = readonly
        self._db: sqlite3.Connection | None = None

    # -- connection and schema -------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        try:
            if self.readonly:
                uri = self.path.resolve().as_uri() + "?mode=ro"
                db = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S,
                                     isolation_level=None)
            else:
                self.folder.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            version = self._set_up(db)
        except OSError as exc:
            raise HistoryError(f"history {self.folder}: cannot create the folder "
                               f"({exc.strerror or exc})") from None
        except sqlite3.Error as exc:
            raise HistoryError(f"history {self.path}: cannot open ({_why(exc)})") from None
        if version > SCHEMA_VERSION:
            db.close()
            raise HistoryError(f"history {self.path}: schema version {version} is newer than "
                               f"this formcheck reads ({SCHEMA_VERSION}); upgrade formcheck")
        self._db = db
        if version < SCHEMA_VERSION and not self.readonly:
            self._migrate()
        elif version < SCHEMA_VERSION:
            self.close()
            raise HistoryError(f"history {self.path}: schema version {version} needs an "
                               "upgrade, and the store is read-only here")
        return db

    def _set_up(self, db: sqlite3.Connection) -> int:
        """The connection's settings, and the file's schema version. Two processes opening a
        new history at once: switching it to WAL fails at once with "database is locked"
        (SQLite does not wait on its busy timeout there), so that is retried until
        BUSY_TIMEOUT_S."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                db.execute("PRAGMA foreign_keys = ON")
                if not self.readonly:
                    db.execute("PRAGMA journal_mode = WAL")
                    db.execute("PRAGMA synchronous = NORMAL")
                return int(db.execute("PRAGMA user_version").fetchone()[0])
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        with self._write() as db:  # re-read inside the lock: another process may have done it
            version = db.execute("PRAGMA user_version").fetchone()[0]
            for n in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[n].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {n + 1}")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken with the write lock at once (BEGIN IMMEDIATE), so
        two processes queue instead of failing halfway."""
        db = self._db if self._db is not None else self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise HistoryError(f"history {self.path}: cannot write ({_why(exc)})") from None
        try:
            yield db
            db.execute("COMMIT")
        except BaseException as exc:
            if db.in_transaction:  # an I/O error may have rolled it back already
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise HistoryError(f"history {self.path}: cannot write ({_why(exc)})") from None
            raise

    def version(self) -> int:
        return int(self._connect().execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions --------------------------------------------------------------------------

    def add_session(self, report: Report, origin: str = "", *,
                    skip_copy: bool = False) -> int | None:
        """File a session; its id. With `skip_copy`, a report already filed (same digest) is
        not filed again: None."""
        from formcheck.report.dates import session_day

        text = report.to_json()
        dig = hashlib.sha256(text.encode("utf-8")).hexdigest()
        day = session_day(report)
        with self._write() as db:
            if skip_copy and db.execute("SELECT 1 FROM sessions WHERE digest = ?",
                                        (dig,)).fetchone():
                return None
            cur = db.execute(
                "INSERT INTO sessions (digest, exercise, started_at, day, filed_at, origin, "
                "report) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (dig, str(report.exercise), str(report.started_at),
                 day.isoformat() if day else "", now_iso(), origin, text))
            sid = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO reps (session_id, kind, idx, side, set_index, start_s, end_s, up_s,"
                " hold_s, down_s, peak, trough, good, faults) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _rep_rows(sid, report))
        return sid

    def sessions(self, exercise: str | None = None) -> tuple[list[StoredSession], list[str]]:
        """Every filed session (oldest first) and a warning per row that no longer reads."""
        out, problems = [], []
        for sid, text, origin in self._select("SELECT id, report, origin FROM sessions",
                                              exercise, "day, started_at, id"):
            try:
                out.append(StoredSession(sid, Report.from_dict(json.loads(text)), origin))
            except (ReportError, ValueError, TypeError, KeyError, RecursionError) as exc:
                problems.append(f"{self.path} session {sid}: damaged ({exc})")
        return out, problems

    def digests(self) -> set[str]:
        if not self.path.is_file():
            return set()
        return {d for (d,) in self._connect().execute("SELECT digest FROM sessions")}

    # -- pain and advice -------------------------------------------------------------------

    def add_pain(self, entry: PainEntry) -> int:
        if entry.kind not in PAIN_KINDS or not 0 <= int(entry.score) <= 10:
            raise ValueError(f"pain entry out of range: {entry}")
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO pain (exercise, day, kind, score, recorded_at, session_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (entry.exercise, entry.day.isoformat(), entry.kind, int(entry.score),
                 entry.recorded_at or now_iso(), entry.session_id))
            return int(cur.lastrowid or 0)

    def pain(self, exercise: str | None = None) -> list[PainEntry]:
        rows = self._select("SELECT id, exercise, day, kind, score, recorded_at, session_id "
                            "FROM pain", exercise, "day, recorded_at, id")
        return [PainEntry(ex, date.fromisoformat(day), kind, score, at, sid, pid)
                for pid, ex, day, kind, score, at, sid in rows]

    def add_advice(self, advice: StoredAdvice) -> int:
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO advice (exercise, created_at, level, text, reason) "
                "VALUES (?, ?, ?, ?, ?)",
                (advice.exercise, advice.created_at, advice.level, advice.text, advice.reason))
            return int(cur.lastrowid or 0)

    def advice(self, exercise: str | None = None) -> list[StoredAdvice]:
        return [StoredAdvice(*row) for row in self._select(
            "SELECT exercise, created_at, level, text, reason FROM advice", exercise, "id")]

    def _select(self, query: str, exercise: str | None, order: str) -> list[tuple]:
        """Rows of `query`, of one exercise or all, in `order`; [] with no store yet."""
        if not self.path.is_file():
            return []
        args: tuple[Any, ...] = ()
        if exercise:
            query, args = query + " WHERE exercise = ?", (exercise,)
        try:
            return self._connect().execute(f"{query} ORDER BY {order}", args).fetchall()
        except sqlite3.Error as exc:
            raise HistoryError(f"history {self.path}: cannot read ({_why(exc)})") from None


def _rep_rows(sid: int, report: Report) -> list[tuple]:
    rows: list[tuple] = []
    for r in report.reps:
        rows.append((sid, "rep", r.index, str(r.side), r.set_index, r.start_s, r.end_s, r.up_s,
                     r.hold_s, r.down_s, r.peak_angle, r.trough_angle, int(bool(r.good)),
                     ";".join(str(f.code) for f in r.faults)))
    for h in report.holds:
        rows.append((sid, "hold", h.index, str(h.side), None, h.start_s, h.end_s, None,
                     h.hold_s, None, None, None, int(bool(h.good)),
                     ";".join(str(f.code) for f in h.faults)))
    return rows


def import_reports(store: HistoryStore, reports: Sequence[tuple[str, Report]]) -> int:
    """File reports read from JSON files (the exchange format); copies already there are
    skipped. The number filed."""
    return sum(store.add_session(r, origin, skip_copy=True) is not None for origin, r in reports)
