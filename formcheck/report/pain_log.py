"""Logging pain and giving the advice that follows, for `formcheck pain` and the end of a
live session: the entry and the advice (with its reason) go into the history store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from formcheck.report.advice import Advice, advise
from formcheck.report.history import load_history
from formcheck.report.store import HistoryStore, PainEntry, StoredAdvice, now_iso

PROMPT = "Pain during the exercise, 0-10 (0 = none; Enter to skip): "
ATTEMPTS = 3


def log_pain(folder: Path, exercise: str, kind: str, score: int, day: date,
             today: date | None = None) -> tuple[PainEntry, Advice]:
    """Store a pain entry (linked to that day's last session of the exercise, if filed), then
    the advice it leads to, with its reason."""
    found, _ = load_history(folder, exercise=exercise)
    same_day = [f.session_id for f in found if f.session_id is not None
                and f.report.started_at[:10] == day.isoformat()]
    entry = PainEntry(exercise, day, kind, int(score), now_iso(),
                      same_day[-1] if same_day else None)
    with HistoryStore(folder) as store:
        store.add_pain(entry)
        advice = advise(exercise, [f.report for f in found], store.pain(exercise), today)
        store.add_advice(StoredAdvice(exercise, now_iso(), advice.level, advice.text,
                                      advice.reason))
    return entry, advice


def ask_pain(read: Callable[[str], str], write: Callable[[str], object],
             interactive: bool) -> int | None:
    """Ask for pain during the exercise; None when skipped, not answered, or when nobody can
    answer (not interactive: a headless or piped run is never kept waiting)."""
    if not interactive:
        return None
    for _ in range(ATTEMPTS):
        try:
            answer = read(PROMPT).strip()
        except (EOFError, KeyboardInterrupt, OSError):
            write("")
            return None
        if not answer:
            return None
        if answer.isdigit() and 0 <= int(answer) <= 10:
            return int(answer)
        write("Please answer with a whole number from 0 to 10, or press Enter to skip.")
    return None
