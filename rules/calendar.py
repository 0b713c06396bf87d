"""Window arithmetic (G-08): UTC, N days are exactly N×24 hours; business days for U-33."""
from __future__ import annotations

import datetime as dt

import arrow

UNPAID_STATUSES = frozenset({"planned", "funded", "submitted", "changes_requested",
                             "refund_requested", "disputed", "in_support", "releasing"})


def add_days(start: arrow.Arrow, days: int) -> arrow.Arrow:
    """A window of N days closes exactly N×24 hours after it opened (G-08)."""
    return start.to("UTC").shift(hours=24 * days)


def add_business_days(start: arrow.Arrow, days: int) -> arrow.Arrow:
    """U-33: N business days (Monday to Friday, UTC) after `start`.

    A window opened on a weekend starts counting on Monday 00:00 UTC. Each business day
    is a full 24 hours; weekend days are skipped whole.
    """
    t = start.to("UTC")
    while t.weekday() >= 5:  # opened on a weekend: the clock starts on Monday
        t = t.shift(days=1).floor("day")
    remaining = days
    while remaining > 0:
        t = t.shift(hours=24)
        if t.weekday() < 5:  # a step landing on a weekend day counts nothing
            remaining -= 1
    return t


def human_delta(target: arrow.Arrow, now: arrow.Arrow) -> str:
    """"in 3 days 4 h", "2 h ago": coarse, two units at most."""
    seconds = int((target - now).total_seconds())
    future = seconds >= 0
    s = abs(seconds)
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes = rem // 60
    if days:
        text = f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    elif hours:
        text = f"{hours} h" + (f" {minutes} min" if minutes else "")
    elif minutes:
        text = f"{minutes} min"
    else:
        text = "less than a minute"
    return f"in {text}" if future else f"{text} ago"


def is_overdue(due: dt.date | None, status: str, now: arrow.Arrow) -> bool:
    """U-13: past its due date (a UTC date) and not finished. Only shown, never refused:
    late work can still be submitted and accepted."""
    return due is not None and status in UNPAID_STATUSES and now.to("UTC").date() > due
