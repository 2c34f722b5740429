"""`formcheck pain`: log pain during an exercise or the next morning, and get the advice on
the load that follows from the pain rules (stored with its reason in the history)."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from formcheck.cli.app import app
from formcheck.errors import UserError
from formcheck.report.advice import STOP, Advice
from formcheck.report.history import history_dir, load_history
from formcheck.report.pain_log import ask_pain, log_pain
from formcheck.report.schema import Report
from formcheck.report.terminal import MEDICAL_NOTE, plain


def print_advice(advice: Advice) -> None:
    print(f"Advice: {advice.text}")
    print(f"  why: {plain(advice.reason)}")
    print(MEDICAL_NOTE)


def _known_exercise(exercise: str, folder: Path) -> None:
    from formcheck.analysis.exercise import builtin_exercises

    catalogue = builtin_exercises()
    if exercise in catalogue:
        return
    found, _ = load_history(folder, exercise=exercise)
    if not found:
        raise UserError(f"unknown exercise '{exercise}': not built in and not in the history "
                        f"(built in: {', '.join(catalogue)})")


@app.command("pain")
def pain(
    exercise: Annotated[str, typer.Option(
        "--exercise", "-e", help="The exercise id (e.g. glute_bridge).")],
    during: Annotated[int | None, typer.Option(
        "--during", min=0, max=10, help="Pain during the exercise, 0-10.")] = None,
    next_morning: Annotated[int | None, typer.Option(
        "--next-morning", min=0, max=10, help="Pain the morning after, 0-10.")] = None,
    day: Annotated[str | None, typer.Option(
        "--date", metavar="YYYY-MM-DD", help="The day the exercise was done (default: today "
        "with --during, yesterday with --next-morning).")] = None,
    history_folder: Annotated[Path | None, typer.Option(
        "--history-dir", help="History folder (default: $FORMCHECK_HISTORY_DIR or the "
        "user data dir).")] = None,
) -> None:
    """Log pain (0-10) during an exercise or the next morning; prints the advice on the load."""
    if (during is None) == (next_morning is None):
        raise UserError("give one of --during N or --next-morning N (0-10)")
    kind, score = ("during", during) if during is not None else ("next_morning", next_morning)
    today = date.today()
    if day is None:
        when = today if kind == "during" else today - timedelta(days=1)
    else:
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise UserError(f"--date {day!r} is not a date (YYYY-MM-DD)") from None
    if when > today or (kind == "next_morning" and when >= today):
        raise UserError(f"--date {when.isoformat()} is in the future" if when > today else
                        "--next-morning is about the day before: its --date is the day the "
                        "exercise was done, before today")
    folder = history_folder or history_dir()
    _known_exercise(exercise, folder)
    entry, advice = log_pain(folder, exercise, kind, int(score or 0), when, today)
    what = "during" if kind == "during" else "the morning after"
    print(f"Logged: pain {entry.score}/10 {what} {exercise} on {when.isoformat()}.")
    print_advice(advice)
    if advice.level == STOP:
        raise typer.Exit(0)


def pain_after_session(report: Report, enabled: bool = True, read=input,
                       interactive: bool | None = None) -> None:
    """The end-of-session question (live): pain during the exercise, skippable, asked only
    when a person is at a terminal to answer (stdin and stdout both one), so a headless,
    piped or captured run is never kept waiting."""
    if not enabled or not (report.reps or report.holds):
        return
    if interactive is None:
        interactive = all(s is not None and s.isatty() for s in (sys.stdin, sys.stdout))
    score = ask_pain(read, print, interactive)
    if score is None:
        return
    try:
        when = date.fromisoformat(str(report.started_at)[:10])
    except ValueError:
        when = date.today()
    try:
        _, advice = log_pain(history_dir(), str(report.exercise), "during", score, when)
    except UserError as exc:
        print(f"formcheck: warning: pain not logged: {exc}", file=sys.stderr)
        return
    print_advice(advice)
