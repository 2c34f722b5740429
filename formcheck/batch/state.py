"""The batch's state in DIR/state.sqlite3: one row per video (what it was analysed as and
how that ended) and the pose tracks extracted so far. Every change is committed at once, so
an interrupted batch loses only the videos that were in flight."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from pathlib import Path

STATE_FILE = "state.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS videos (
    video TEXT PRIMARY KEY,     -- the input path, resolved
    hash TEXT NOT NULL,         -- sha256 of its content
    exercise TEXT NOT NULL,     -- exercise id (or the --exercise-file path)
    exercise_sig TEXT NOT NULL, -- digest of the exercise definition (thresholds included)
    side TEXT NOT NULL, model TEXT NOT NULL, annotate INTEGER NOT NULL,
    version TEXT NOT NULL,      -- formcheck's version that analysed it
    person TEXT NOT NULL, date TEXT NOT NULL,
    status TEXT NOT NULL,       -- running | done | failed
    reason TEXT NOT NULL,       -- why it failed ('' when done)
    report TEXT NOT NULL, annotated TEXT NOT NULL, track TEXT NOT NULL,
    replayed INTEGER NOT NULL,  -- 1: the poses came from the track cache, not the model
    seconds REAL NOT NULL,      -- the worker's time on it
    worker TEXT NOT NULL,       -- host:pid of the worker that ran it
    rss_mb REAL NOT NULL,       -- that worker's peak memory after it
    updated_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS tracks (
    hash TEXT NOT NULL, model TEXT NOT NULL, path TEXT NOT NULL,
    PRIMARY KEY (hash, model)
);
"""


@dataclass
class VideoRow:
    video: str
    hash: str
    exercise: str
    exercise_sig: str
    side: str
    model: str
    annotate: int
    version: str
    person: str
    date: str
    status: str = "running"
    reason: str = ""
    report: str = ""
    annotated: str = ""
    track: str = ""
    replayed: int = 0
    seconds: float = 0.0
    worker: str = ""
    rss_mb: float = 0.0

    def same_job(self, other: VideoRow) -> bool:
        """The same analysis: content, exercise definition, options and formcheck version."""
        keys = ("hash", "exercise", "exercise_sig", "side", "model", "annotate", "version")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


_COLUMNS = [f.name for f in fields(VideoRow)]


class BatchState:
    """The state database of one output folder."""

    def __init__(self, out_dir: Path):
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / STATE_FILE
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """A state from an earlier formcheck lacks later columns: added empty."""
        have = {r[1] for r in self._db.execute("PRAGMA table_info(videos)")}
        for f in fields(VideoRow):
            if f.name not in have:
                kind = "REAL" if f.type == "float" else "TEXT"
                self._db.execute(f"ALTER TABLE videos ADD COLUMN {f.name} {kind} NOT NULL "
                                 f"DEFAULT {0 if kind == 'REAL' else repr('')}")

    def get(self, video: str) -> VideoRow | None:
        row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM videos WHERE video = ?",
                               (video,)).fetchone()
        return VideoRow(*row) if row else None

    def put(self, row: VideoRow) -> None:
        marks = ", ".join("?" for _ in _COLUMNS)
        update = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS[1:])
        self._db.execute(f"INSERT INTO videos ({', '.join(_COLUMNS)}) VALUES ({marks}) "
                         f"ON CONFLICT (video) DO UPDATE SET {update}, "
                         "updated_at = datetime('now')", [getattr(row, c) for c in _COLUMNS])

    def rows(self) -> list[VideoRow]:
        cur = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM videos ORDER BY rowid")
        return [VideoRow(*r) for r in cur.fetchall()]

    def track(self, content_hash: str, model: str) -> Path | None:
        """A cached pose track of this content by this model, if its file is still there."""
        row = self._db.execute("SELECT path FROM tracks WHERE hash = ? AND model = ?",
                               (content_hash, model)).fetchone()
        return Path(row[0]) if row and Path(row[0]).is_file() else None

    def add_track(self, content_hash: str, model: str, path: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO tracks (hash, model, path) VALUES (?, ?, ?)",
                         (content_hash, model, path))

    def close(self) -> None:
        self._db.close()
