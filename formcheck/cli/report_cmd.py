"""`formcheck report`: review sessions in the terminal, as HTML or CSV, or over time.

Reports are read defensively: a damaged, unknown or newer report is a one-line warning
naming the file, and the others still render. Exit 0 when at least one session rendered,
2 when none could be read.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from formcheck.cli.app import app
from formcheck.errors import UserError
from formcheck.report.advice import advise, annotate
from formcheck.report.csv_export import csv_rows, write_csv
from formcheck.report.dates import session_day
from formcheck.report.history import (
    history_dir,
    load_history,
    open_store,
    render_history,
    session_datetime,
    summarise,
)
from formcheck.report.html import SessionExtras, render_document, render_session, write_html
from formcheck.report.schema import Report, ReportError, load_report
from formcheck.report.store import HistoryError, HistoryStore, PainEntry, import_reports
from formcheck.report.terminal import (
    plain,
    render_sessions,
    session_notes,
    session_table,
    when,
)
from formcheck.safe_paths import check_paths, is_stdout

RENDER_ERRORS = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError)


@dataclass
class Loaded:
    path: Path  # the report file, or the history folder for a session of the store
    label: str
    report: Report
    html: str = ""

    @property
    def base(self) -> Path:
        """Where a relative `source` video is looked for (beside the report)."""
        return self.path if self.path.is_dir() else self.path.parent


def warn(message: str) -> None:
    print(f"formcheck: warning: {plain(message)}", file=sys.stderr)


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def _in_range(report: Report, since: date | None, until: date | None,
              exercise: str | None) -> bool:
    if exercise and report.exercise != exercise:
        return False
    started = session_datetime(report)
    if started is None:
        return not (since or until)
    return not ((since and started.date() < since) or (until and started.date() > until))


def _load_files(paths: list[Path], since: date | None, until: date | None,
                exercise: str | None, problems: list[str]) -> list[Loaded]:
    loaded = []
    for path in paths:
        try:
            report = load_report(path)
        except ReportError as exc:
            problems.append(str(exc))
            continue
        except (ValueError, RecursionError) as exc:  # json: 5000-digit numbers, deep nesting
            problems.append(f"{path}: not a readable report ({type(exc).__name__})")
            continue
        if _in_range(report, since, until, exercise):
            loaded.append(Loaded(path, str(path), report))
    return loaded


def _extras(folder: Path, items: list[Loaded], history: bool, entries: list[PainEntry],
            today: date | None) -> dict[int, SessionExtras]:
    """Per item: the pain logged for its session's day and the advice for its exercise."""
    if not entries:
        return {}
    exercises = {str(i.report.exercise) for i in items} & {e.exercise for e in entries}
    advice = {}
    for ex in sorted(exercises):
        reports = ([i.report for i in items if i.report.exercise == ex] if history else
                   [f.report for f in load_history(folder, exercise=ex)[0]])
        advice[ex] = advise(ex, reports, entries, today)
    out = {}
    for n, item in enumerate(items):
        day = session_day(item.report)
        mine = [e for e in entries if e.exercise == item.report.exercise and e.day == day]
        words = [f"{'during' if e.kind == 'during' else 'the morning after'} {e.score}"
                 for e in sorted(mine, key=lambda e: e.kind)]
        out[n] = SessionExtras(", ".join(words), advice.get(str(item.report.exercise)))
    return out


def _advice_lines(extras: list[SessionExtras | None], reports: list[Report]) -> list[Text]:
    """Under the session tables: the pain logged for each session, and the advice for each
    exercise (from the history's pain log)."""
    lines: list[Text] = []
    seen: set[str] = set()
    for extra, report in zip(extras, reports, strict=True):
        if extra is None:
            continue
        if extra.pain_line:
            lines.append(Text(f"Pain {plain(report.exercise)} {when(report.started_at)} "
                              f"(0-10): {extra.pain_line}"))
        if extra.advice is not None and report.exercise not in seen:
            seen.add(str(report.exercise))
            lines.append(Text(f"Advice ({plain(report.exercise)}): {extra.advice.text}",
                              style="bold"))
            lines.append(Text(f"  why: {plain(extra.advice.reason)}", style="dim"))
    return lines


def _renderable(items: list[Loaded], html: bool, evidence: bool,
                problems: list[str], extras: dict[int, SessionExtras] | None = None
                ) -> list[Loaded]:
    """Render what can be rendered now, so a report too odd to show is skipped, not fatal."""
    ok = []
    for n, item in enumerate(items):
        try:
            session_table(item.report, item.label)
            session_notes(item.report)
            csv_rows([item.report])
            if html:
                item.html = render_session(item.report, item.label,
                                           (item.base, Path.cwd()), evidence,
                                           (extras or {}).get(n))
        except RENDER_ERRORS as exc:
            problems.append(f"{item.path}: cannot render this report "
                            f"({type(exc).__name__}: {exc})")
            continue
        ok.append(item)
    return ok


def _import(folder: Path, items: list[Loaded]) -> None:
    with HistoryStore(folder) as store:
        n = import_reports(store, [(str(i.path), i.report) for i in items])
    print(f"formcheck: filed {n} of {len(items)} reports in {store.path}"
          + (f" ({len(items) - n} already there)" if n < len(items) else ""), file=sys.stderr)


def _pain_entries(folder: Path, problems: list[str]) -> list[PainEntry]:
    try:
        with open_store(folder) as store:
            return store.pain()
    except HistoryError as exc:
        problems.append(str(exc))
        return []


def _history_files(folder: Path) -> dict[str, Path]:
    """The files of the history folder (its store and filed reports), named as inputs: an
    output must never replace one."""
    from formcheck.report.store import DB_NAME

    if not folder.is_dir():
        return {}
    return {f"the history file {p.name}": p for p in sorted(folder.iterdir())
            if p.name.startswith(DB_NAME) or p.suffix.lower() == ".json"}


@app.command("report")
def report(
    reports: Annotated[list[Path] | None, typer.Argument(
        help="Session report JSON files (from `formcheck analyze` or `live`).",
        show_default=False)] = None,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write one self-contained HTML page (plots, per-rep tables, "
        "left vs right, evidence frames).")] = None,
    pdf: Annotated[Path | None, typer.Option(
        "--pdf", help="Also write the page as a PDF for the clinician (A4, printed by "
        "headless Chromium; plots and table rows never split across pages).")] = None,
    csv: Annotated[Path | None, typer.Option(
        "--csv", help="Also write a CSV with one row per rep.")] = None,
    history: Annotated[bool, typer.Option(
        "--history", help="Summarise the filed sessions over time: sessions per day, reps "
        "against the prescription, adherence, left/right balance.")] = False,
    history_folder: Annotated[Path | None, typer.Option(
        "--history-dir", help="History folder (default: $FORMCHECK_HISTORY_DIR or the "
        "user data dir).")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="YYYY-MM-DD", help="Only sessions from this day on.")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", metavar="YYYY-MM-DD", help="Only sessions up to this day (default: "
        "today).")] = None,
    exercise: Annotated[str | None, typer.Option(
        "--exercise", help="Only this exercise id (e.g. glute_bridge).")] = None,
    import_: Annotated[bool, typer.Option(
        "--import", help="File the given report JSON files in the history store (copies "
        "already there are skipped), then show them.")] = False,
    evidence: Annotated[bool, typer.Option(
        "--evidence/--no-evidence", help="Embed the video frame of each fault in the HTML "
        "when the session's video is still there.")] = True,
) -> None:
    """Show session reports: a table per session, HTML or CSV, or the history over time."""
    if not reports and not history:
        raise UserError("give one or more report files, or --history")
    if reports and history:
        raise UserError("give report files or --history, not both")
    if import_ and not reports:
        raise UserError("--import needs report files")
    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    folder = history_folder or history_dir()
    check_paths({"--html": html, "--csv": csv, "--pdf": pdf},
                {**{f"report {i + 1}": p for i, p in enumerate(reports or [])},
                 **(_history_files(folder) if history or import_ else {})},
                stdout_ok={"--html", "--csv"})

    problems: list[str] = []
    if history:
        found, problems = load_history(folder, first, last, exercise)
        items = [Loaded(f.path or folder, f.label, f.report) for f in found]
    else:
        items = _load_files(list(reports or []), first, last, exercise, problems)
    if import_ and items:
        _import(folder, items)
    entries = _pain_entries(folder, problems) if history or folder.is_dir() else []
    page = html is not None or pdf is not None
    extras = _extras(folder, items, history, entries, last)
    shown = {id(item.report): extras.get(n) for n, item in enumerate(items)}
    items = _renderable(items, page, evidence, problems, extras)
    for problem in problems:
        warn(problem)
    if not items:
        _nothing_to_show(history, bool(problems), folder)
        return

    # an output on stdout (-) keeps it to itself: the tables go to stderr
    console = Console(highlight=False, stderr=is_stdout(html) or is_stdout(csv))
    summaries = summarise([i.report for i in items], first, last) if history else []
    if history:
        annotate(summaries, [i.report for i in items], entries, last)
        render_history(summaries, console)
    else:
        render_sessions([(i.label, i.report) for i in items], console, _advice_lines(
            [shown.get(id(i.report)) for i in items], [i.report for i in items]))
    if page:
        _write_page(items, problems, summaries, history, html, pdf)
    if csv is not None:
        write_csv(csv, [i.report for i in items])
        if not is_stdout(csv):
            print(f"formcheck: wrote {csv}", file=sys.stderr)


def _nothing_to_show(history: bool, problems: bool, folder: Path) -> None:
    """No session to show: said, and an error only when the reports given were unreadable."""
    if history and not problems:
        print(f"formcheck: no sessions in {folder} for these filters", file=sys.stderr)
    elif not problems:
        print("formcheck: no session matches these filters", file=sys.stderr)
    else:
        print("formcheck: error: no readable report to show", file=sys.stderr)
        raise typer.Exit(2)


def _write_page(items: list[Loaded], problems: list[str], summaries: list, history: bool,
                html: Path | None, pdf: Path | None) -> None:
    from formcheck.report.history_html import render_history_section

    document = render_document(
        [i.html for i in items], [i.report for i in items], [plain(p) for p in problems],
        lead=render_history_section(summaries),
        title="formcheck history" if history else "formcheck session report")
    if html is not None:
        write_html(html, document)
        if not is_stdout(html):
            print(f"formcheck: wrote {html}", file=sys.stderr)
    if pdf is not None:
        from formcheck.report.pdf import write_pdf

        write_pdf(pdf, document)
        print(f"formcheck: wrote {pdf}", file=sys.stderr)
