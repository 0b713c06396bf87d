"""Pure checks on what a user typed for a milestone or a contract."""
from __future__ import annotations

import datetime as dt

from rules.errors import INPUT, RuleError
from rules.money import check_cents, format_money
from rules.policy import Policy

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_MESSAGE = 5000
MAX_LINK = 500


def check_title(title: str, what: str = "Title") -> str:
    text = (title or "").strip()
    if not text:
        raise RuleError(INPUT, f"{what} cannot be empty.")
    if len(text) > MAX_TITLE:
        raise RuleError(INPUT, f"{what} is {len(text)} characters; at most {MAX_TITLE}.")
    return text


def check_text(text: str | None, what: str, *, required: bool = False,
               limit: int = MAX_DESCRIPTION, rule: str = INPUT) -> str:
    value = (text or "").strip()
    if required and not value:
        raise RuleError(rule, f"{what} is required.")
    if len(value) > limit:
        raise RuleError(INPUT, f"{what} is {len(value)} characters; at most {limit}.")
    return value


def check_link(link: str | None) -> str:
    value = (link or "").strip()
    if value and (len(value) > MAX_LINK or " " in value):
        raise RuleError(INPUT, "The link must be one address of at most 500 characters.")
    return value


def check_milestone_amount(cents: int, policy: Policy) -> int:
    """U-01: at least the policy's minimum; G-01: whole cents, not absurd."""
    check_cents(cents)
    if cents < policy.min_milestone_cents:
        raise RuleError("U-01", f"Milestones must be at least "
                                f"{format_money(policy.min_milestone_cents)}.")
    return cents


def check_due_date(due: dt.date | None, *, starts_on: dt.date, end_date: dt.date | None,
                   policy: Policy) -> dt.date | None:
    if due is None:
        return None
    if not isinstance(due, dt.date) or isinstance(due, dt.datetime):
        raise RuleError(INPUT, "The due date must be a date (YYYY-MM-DD).")
    if due < starts_on:
        raise RuleError(INPUT, f"The due date {due.isoformat()} is before the contract "
                               f"starts ({starts_on.isoformat()}).")
    if policy.due_dates_within_end_date and end_date is not None and due > end_date:
        raise RuleError("U-12", f"On a compliance contract due dates must fall within the "
                                f"contract's end date ({end_date.isoformat()}); request an "
                                "extension or start a new contract.")
    return due


def check_revisions(revisions: int | None, policy: Policy) -> int | None:
    if policy.default_revisions is None:
        return None
    if revisions is None:
        return policy.default_revisions
    if isinstance(revisions, bool) or not isinstance(revisions, int) or not 0 <= revisions <= 99:
        raise RuleError("F-06", "Revisions per milestone must be a whole number from 0 to 99.")
    return revisions


def check_milestone_count(count: int, policy: Policy) -> None:
    """U-02 (200 a contract) and F-02 (5 on a Gig order, 6 on a custom offer)."""
    if count > policy.max_milestones:
        rule = "F-02" if policy.platform == "fiverr" else "U-02"
        where = {"fiverr-gig": "a Gig order", "fiverr-offer": "a custom offer"}.get(
            policy.name, "a contract")
        raise RuleError(rule, f"At most {policy.max_milestones} milestones are allowed on "
                              f"{where}; this plan has {count}.")


def check_order_total(total_cents: int, policy: Policy) -> None:
    """F-01: milestones only on orders whose total is over $100."""
    if policy.min_order_total_cents and total_cents <= policy.min_order_total_cents:
        raise RuleError("F-01", f"Milestones are only allowed on orders over "
                                f"{format_money(policy.min_order_total_cents)}; this order "
                                f"totals {format_money(total_cents)}.")


def parse_date(text: str) -> dt.date | None:
    """'2026-12-01' -> date; '' -> None; anything else is refused."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RuleError(INPUT, f"“{value}” is not a date: use YYYY-MM-DD.") from None
