"""What the offer form asks rules/ as it is filled in (O-01, O-07; issue 14).

The form sends through `rules.offers.send_offer`; these only answer its questions on
the way: which policies the writer may offer on, who may receive it (completion of a
login or a name), and whether the plan typed so far would be accepted (F-01, F-02 and
the manager's per-milestone checks, with the same functions `send_offer` calls).
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import arrow

from models.accounts import Account
from models.events import Event
from models.vocabulary import Role
from rules.contracts import plan_drafts
from rules.offers import sender_of, sender_role
from rules.plan import AddMilestone, PlanContext
from rules.policy import POLICIES, Policy
from rules.errors import RuleError
from rules.store import load_actor, load_contract
from rules.validation import check_search

SUGGESTIONS = 8  # receivers offered at once: enough to choose, too few to list accounts


def sendable_policies(actor: Account) -> list[Policy]:
    """O-01: the policies `actor` writes offers on (a client Upwork's, a freelancer
    Fiverr's), in the catalogue's order. None for an agent."""
    return [p for p in POLICIES.values() if sender_role(p.name) == actor.role]


def receiving_role(policy: str) -> str:
    return Role.CLIENT if sender_role(policy) == Role.FREELANCER else Role.FREELANCER


def receivers(actor: Account, policy: str, typed: str, *,
              limit: int = SUGGESTIONS) -> list[tuple[str, str]]:
    """O-07: (login, name) of the enabled accounts of the receiving role whose login or
    name (or a word of the name) starts with `typed`, by login. Only a sender may ask, and only
    for at least one character: an empty prefix would list every account."""
    actor = load_actor(actor)
    typed = check_search(typed, "The receiver's login").strip().lower()
    if not typed or sender_role(policy) != actor.role:
        return []
    q = (Account.select(Account.login, Account.display_name)
         .where((Account.role == receiving_role(policy)) & (Account.disabled == False)  # noqa: E712
                & (Account.login.startswith(typed) | Account.display_name.startswith(typed)
                   | Account.display_name.contains(f" {typed}")))  # a word of the name
         .order_by(Account.login).limit(limit))
    return [(login, name) for login, name in q.tuples()]


def check_offer_plan(policy: str, milestones: list[AddMilestone], today: dt.date) -> list[dict]:
    """The plan as `send_offer` will check it (per milestone, then F-02's count and
    F-01's total); raises the first RuleError, returns the checked rows."""
    return plan_drafts(POLICIES[policy], milestones, today, None)


def plan_context(policy: str, today: dt.date) -> PlanContext:
    """What the milestone form checks each field against, for a new offer."""
    return PlanContext(policy=POLICIES[policy], starts_on=today, end_date=None)


@dataclass(frozen=True)
class OfferTerms:
    """What an offer says beyond its contract row: who wrote it and its message."""
    contract_id: int
    sent_by_actor: bool
    description: str
    sent_at: arrow.Arrow | None


def offer_terms(actor: Account, contract_id: int) -> OfferTerms:
    """The offer's description as sent (it is the send_offer event's), for its two
    parties and support (G-07 through load_contract)."""
    actor = load_actor(actor)
    c = load_contract(contract_id, actor)
    sent = (Event.select(Event.details, Event.occurred_at)
            .where((Event.contract == c.id) & (Event.kind == "send_offer"))
            .order_by(Event.id).first())
    details = json.loads(sent.details or "{}") if sent is not None else {}
    return OfferTerms(contract_id=c.id, sent_by_actor=actor.id == sender_of(c),
                      description=str(details.get("description") or ""),
                      sent_at=arrow.get(sent.occurred_at) if sent is not None else None)


def parse_expiry(text: str) -> dt.date | dt.timedelta | None:
    """O-06 as typed: "" for the default (14 days), "7", "7d" or "7 days" for that many
    days, "2026-12-20" for the end of that day (UTC). The range is `expiry_of`'s."""
    value = check_search(text, "The expiry").strip().lower()
    if not value:
        return None
    days = value.removesuffix("days").removesuffix("day").removesuffix("d").strip()
    if days.isascii() and days.isdigit():
        return dt.timedelta(days=int(days))
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RuleError("O-06", f"“{text.strip()}” is neither a number of days (7d) nor "
                                "a date (YYYY-MM-DD).") from None
