"""How domain values read on screen: short, plain words that survive 16 colours and
80 columns. No rule lives here; amounts come formatted from `rules.money`, countdowns
from `rules.calendar`."""
from __future__ import annotations

import datetime as dt

import arrow

from rules.calendar import human_delta, is_overdue
from rules.money import format_money

__all__ = ["format_money", "clip", "policy_short", "status_text", "deadline_text",
           "countdown", "local_time", "date_text", "is_overdue", "money_pair"]

POLICY_SHORT = {
    "upwork": "Upwork",
    "upwork-compliance": "Upwork WPP",
    "fiverr-gig": "Fiverr gig",
    "fiverr-offer": "Fiverr offer",
}

# What each window waits for, in the words of the person reading the list.
DEADLINE_TEXT = {
    "review": "review",
    "start_next": "start next",
    "change_request": "change request",
    "refund_answer": "refund answer",
    "dispute_response": "dispute reply",
}

# Shorter status words for narrow columns; the long ones elsewhere.
SHORT_STATUS = {
    "changes_requested": "changes req.",
    "refund_requested": "refund req.",
}


def clip(text: str, width: int) -> str:
    """Fit `text` in `width` cells, marking a cut with an ellipsis."""
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def policy_short(name: str) -> str:
    return POLICY_SHORT.get(name, name)


def status_text(status: str | None, *, short: bool = False) -> str:
    if not status:
        return ""
    if short and status in SHORT_STATUS:
        return SHORT_STATUS[status]
    return status.replace("_", " ")


def deadline_text(kind: str | None) -> str:
    return DEADLINE_TEXT.get(kind or "", (kind or "").replace("_", " "))


def countdown(at: arrow.Arrow | dt.datetime | None, now: arrow.Arrow) -> str:
    """ "in 3 days 4 h" / "2 h ago" from the app clock, or a dash when there is nothing."""
    if at is None:
        return "—"
    return human_delta(arrow.get(at), now)


def local_time(at, timezone: str = "UTC", shape: str = "YYYY-MM-DD HH:mm") -> str:
    """A stored UTC time in the reader's own time zone (G-08)."""
    if at is None:
        return "—"
    try:
        return arrow.get(at).to(timezone).format(shape)
    except ValueError:  # arrow.parser.ParserError is one
        # An account with a time zone arrow does not know still reads UTC.
        return arrow.get(at).format(shape) + " UTC"


def date_text(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def money_pair(part_cents: int, whole_cents: int) -> str:
    return f"{format_money(part_cents)} / {format_money(whole_cents)}"


def offer_expiry_text(due, now, zone: str) -> str:
    """O-06, as the offer form promises it and the opened offer repeats it."""
    return f"Unanswered, it expires {local_time(due, zone)} ({countdown(due, now)})."
