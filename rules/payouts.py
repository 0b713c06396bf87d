"""A freelancer's payout outlook (X-24, X-26): what becomes usable when, read from the
ledger's holds and the open review windows, then put through rules/forecast.py.

Money on hold has its end from its hold row (the date the sweep will move it on), so the
outlook and the ledger never disagree; money in review is released at the latest when
its window closes (U-06, F-05), then held for the policy's days. Work not yet submitted
has no window running, so no date: it is not forecast.
"""
from __future__ import annotations

from dataclasses import dataclass

import arrow
from peewee import JOIN, fn

from models.accounts import Account
from models.contracts import Contract
from models.deadlines import Deadline
from models.holds import PayoutHold
from models.ledger import LedgerEntry
from models.milestones import Milestone
from models.vocabulary import DeadlineKind, DeadlineStatus, HoldStatus, Role
from rules.clock import Clock
from rules.errors import RuleError
from rules.forecast import PayoutForecast, bar_chart, net_of, payout_forecast, weekly_buckets
from rules.ledger import A
from rules.policy import get_policy
from rules.store import load_actor, now_of

WEEKS = 8


@dataclass(frozen=True)
class PayoutLine:
    contract_id: int
    contract_title: str
    milestone_title: str
    stage: str                 # "in review" (not yet released) | "on hold" (released)
    forecast: PayoutForecast


@dataclass(frozen=True)
class PayoutOutlook:
    now: arrow.Arrow
    lines: list[PayoutLine]    # soonest available first
    weeks: list[int]           # net cents becoming available per week, WEEKS of them
    chart: list[str]           # the weeks as plain-text bars
    available_cents: int       # already usable (gross, as the ledger holds it)
    available_net_cents: int
    beyond_net_cents: int      # forecast to become available after the last week


def payout_outlook(actor: Account, *, clock: Clock | None = None,
                   weeks: int = WEEKS) -> PayoutOutlook:
    """X-24: the acting freelancer's money on hold and in review, soonest first, with the
    week-by-week net for the next `weeks` weeks. Only a freelancer has one."""
    actor = load_actor(actor)
    if actor.role != Role.FREELANCER:
        raise RuleError("X-24", "The payout forecast is a freelancer's: it shows when "
                                "money paid to them becomes usable.")
    now = now_of(clock)
    lines = _on_hold(actor, now) + _in_review(actor, now)
    lines.sort(key=lambda line: (line.forecast.available_at, line.contract_id))
    buckets = weekly_buckets([line.forecast for line in lines], now, weeks)
    horizon = now.shift(days=7 * weeks)
    beyond = sum(line.forecast.net_cents for line in lines
                 if line.forecast.available_at >= horizon)
    gross, net = _available(actor)
    return PayoutOutlook(now, lines, buckets, bar_chart(buckets, now, width=30), gross,
                         net, beyond)


def _on_hold(actor: Account, now: arrow.Arrow) -> list[PayoutLine]:
    holds = (PayoutHold.select(PayoutHold, Contract, Milestone)
             .join(Contract).switch(PayoutHold).join(Milestone, JOIN.LEFT_OUTER)
             .where((Contract.freelancer == actor.id)
                    & (PayoutHold.status == HoldStatus.PENDING)
                    & (PayoutHold.amount_cents > 0)))
    return [PayoutLine(h.contract_id, h.contract.title,
                       h.milestone.title if h.milestone_id else "", "on hold",
                       payout_forecast(get_policy(h.contract.policy), h.amount_cents, now=now,
                                       released_at=arrow.get(h.released_at),
                                       hold_ends_at=arrow.get(h.available_at)))
            for h in holds]


def _in_review(actor: Account, now: arrow.Arrow) -> list[PayoutLine]:
    windows = list(Deadline.select(Deadline, Contract, Milestone)
                   .join(Contract).switch(Deadline).join(Milestone)
                   .where((Contract.freelancer == actor.id)
                          & (Deadline.kind == DeadlineKind.REVIEW)
                          & (Deadline.status == DeadlineStatus.OPEN)))
    held = dict(LedgerEntry.select(LedgerEntry.milestone, fn.SUM(LedgerEntry.amount_cents))
                .where(LedgerEntry.milestone.in_([d.milestone_id for d in windows])
                       & (LedgerEntry.account == A.ESCROW))
                .group_by(LedgerEntry.milestone).tuples()) if windows else {}
    lines = []
    for d in windows:
        cents = int(held.get(d.milestone_id) or 0)
        if cents <= 0:
            continue
        policy = get_policy(d.contract.policy)
        f = payout_forecast(policy, cents, now=now, review_opened_at=arrow.get(d.opened_at))
        lines.append(PayoutLine(d.contract_id, d.contract.title, d.milestone.title,
                                "in review", f))
    return lines


def _available(actor: Account) -> tuple[int, int]:
    """Gross and net (after each policy's fee) of what is already usable."""
    gross = net = 0
    for policy, cents in (LedgerEntry.select(Contract.policy, fn.SUM(LedgerEntry.amount_cents))
                          .join(Contract, on=(LedgerEntry.contract == Contract.id))
                          .where((Contract.freelancer == actor.id)
                                 & (LedgerEntry.account == A.FREELANCER_AVAILABLE))
                          .group_by(Contract.policy).tuples()):
        gross += int(cents or 0)
        net += net_of(get_policy(policy), int(cents or 0))[0]
    return gross, net
