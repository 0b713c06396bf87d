"""Funding policy per contract (X-36, X-37): how many milestones may be in escrow at once.

A contract funds one milestone at a time (U-03, the default), up to N at a time, or all
up front. The policy is chosen in the offer (or when the contract is made) and changes
later only through a request one party writes and the other accepts (rules/funding_change.py).
"""
from __future__ import annotations

from collections.abc import Sequence

from rules.errors import RuleError
from rules.verdicts import ALLOWED, Verdict, refused

# Pure (no models): rules/availability.py and the room judge their keys with it.
# The stored words of the statuses in escrow (models.vocabulary.ACTIVE_STATUSES).
IN_ESCROW = frozenset({"funded", "submitted", "changes_requested", "refund_requested",
                       "disputed", "in_support", "releasing"})

ONE_AT_A_TIME = 1
ALL_UP_FRONT = 0   # no limit: every milestone may be in escrow at once
MAX_AT_A_TIME = 20

_WORDS = {"one": ONE_AT_A_TIME, "one at a time": ONE_AT_A_TIME,
          "all": ALL_UP_FRONT, "all up front": ALL_UP_FRONT}


def check_funding(value) -> int:
    """The stored limit of a funding policy given as a number of milestones at a time
    (1..20), "one" or "all" (0, all up front). Anything else is refused (X-36)."""
    if isinstance(value, str):
        text = " ".join(value.split()).lower()
        if text in _WORDS:
            return _WORDS[text]
        value = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else None
    if isinstance(value, bool) or not isinstance(value, int) or not (
            ALL_UP_FRONT <= value <= MAX_AT_A_TIME):
        raise RuleError("X-36", f"Funding is “one” (one milestone at a time), a number of "
                                f"milestones at a time from 2 to {MAX_AT_A_TIME}, or “all” "
                                "(all up front).")
    return value


def describe_funding(limit: int) -> str:
    """The policy in words: "one milestone at a time", "up to 3 milestones at a time"."""
    if limit == ONE_AT_A_TIME:
        return "one milestone at a time"
    if limit == ALL_UP_FRONT:
        return "all milestones up front"
    return f"up to {limit} milestones at a time"


def short_funding_words(limit: int) -> str:
    """The policy for a heading: "one at a time", "3 at a time", "all up front"."""
    return {ONE_AT_A_TIME: "one at a time", ALL_UP_FRONT: "all up front"}.get(
        limit, f"{limit} at a time")


def has_room(limit: int, in_escrow: int) -> bool:
    """May one more milestone be funded while `in_escrow` are?"""
    return limit == ALL_UP_FRONT or in_escrow < limit


def room_for(limit: int, in_escrow: int, planned: int) -> int:
    """How many of `planned` future milestones may be funded now, `in_escrow` being in
    escrow: what fund ahead funds (X-37)."""
    if limit == ALL_UP_FRONT:
        return planned
    return min(max(limit - in_escrow, 0), planned)


def funding_refusal(limit: int, in_escrow: Sequence[str]) -> tuple[str, str] | None:
    """(rule, text without a final stop) when the milestones titled `in_escrow` leave no
    room for one more, else None. One at a time keeps U-03's words."""
    if has_room(limit, len(in_escrow)):
        return None
    if limit == ONE_AT_A_TIME:
        return "U-03", (f"Only one milestone is funded at a time: “{in_escrow[0]}” must be "
                        "released or refunded first")
    names = ", ".join(f"“{t}”" for t in in_escrow)
    return "X-36", (f"This contract funds {describe_funding(limit)}: {names} are in escrow; "
                    "release or refund one first")


def refuse_past_limit(limit: int, active: Sequence) -> None:
    """X-36 (U-03 for one at a time): no more milestones in escrow than the policy allows."""
    refusal = funding_refusal(limit, [m.title for m in active])
    if refusal is not None:
        raise RuleError(refusal[0], refusal[1] + ".")


def fund_ahead_verdict(detail, fund_next: Verdict) -> Verdict:
    """The room's `F`: what rules.payments.fund_ahead would say, from the contract as
    loaded (a rules.contract_view.ContractDetail) and the verdict on funding the next
    one, which it shares. On a contract funded one at a time `f` is the key."""
    if detail.funding_limit == ONE_AT_A_TIME:
        return refused("X-37", "This contract funds one milestone at a time: f funds the "
                               "next one")
    return fund_next


def funds_ahead(detail) -> list:
    """The milestones `F` would fund now, in list order (U-09)."""
    in_escrow = sum(1 for m in detail.milestones if m.status in IN_ESCROW)
    planned = [m for m in detail.milestones if m.status == "planned"]
    return planned[:room_for(detail.funding_limit, in_escrow, len(planned))]


def funding_change_verdict(detail, capacity: str) -> Verdict:
    """The room's key to ask for another funding policy (X-38), as
    rules.funding_change.request_funding_change checks it before reading the form."""
    if capacity not in ("client", "freelancer"):
        return refused("G-07", "Only the client or the freelancer may ask to change how "
                               "this contract is funded")
    if detail.status != "open":
        return refused("G-03", f"This contract is {detail.status}; nothing more can be "
                               "changed on it")
    if any(cr.kind == "funding" and cr.status == "pending" for cr in detail.change_requests):
        return refused("X-38", "A funding request is already waiting on this contract: "
                               "answer or withdraw it in the inbox (i)")
    return ALLOWED
