"""A session's date and day, read defensively: `started_at` comes from files anyone can edit,
and a year-9999 date must be a warning, not an overflow in day arithmetic."""

from __future__ import annotations

from datetime import date, datetime

from formcheck.report.schema import Report

FIRST_YEAR = 1970  # no session happened before; anything earlier is junk
YEARS_AHEAD = 1  # a clock a little ahead is possible; a session years from now is junk


def session_datetime(report: Report) -> datetime | None:
    """`started_at` as a datetime, in the time zone it was written in (the person's day);
    None when it is not an ISO 8601 date or not a plausible one."""
    try:
        started = datetime.fromisoformat(str(report.started_at).replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    if not FIRST_YEAR <= started.year <= date.today().year + YEARS_AHEAD:
        return None
    return started


def session_day(report: Report) -> date | None:
    started = session_datetime(report)
    return started.date() if started else None


def date_problem(report: Report) -> str:
    """Why a session has no usable date, for the warning that names its file."""
    return (f"started_at {str(report.started_at)[:40]!r} is not a plausible ISO 8601 date "
            f"(years {FIRST_YEAR} to {date.today().year + YEARS_AHEAD})")
