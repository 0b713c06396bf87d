"""One contract as its room shows it: parties, totals, milestones with their escrow and
payments, requests, open deadlines; and its timeline, a page at a time (U-31). A fixed
number of queries however many milestones, and only for those who may see it (G-07).

The contract list's queries are `rules.queries`: kept apart so that the program starts
without reading this module (start-up time, bench/tui.py)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import arrow
from peewee import Case, fn

from models.accounts import Account
from models.change_requests import ChangeRequest
from models.contracts import Feedback
from models.deadlines import Deadline
from models.events import Event
from models.ledger import LedgerEntry
from models.milestones import Milestone, Submission
from models.pending_releases import PendingRelease
from models.refunds import RefundRequest
from models.vocabulary import PAID_ACCOUNTS, DeadlineStatus, MilestoneStatus
from models.vocabulary import PendingReleaseStatus
from rules import access
from rules.ledger import A
from rules.nudges import last_nudges
from rules.policy import get_policy
from rules.queries import Totals, contract_totals
from rules.store import is_id, load_actor, load_contract


@dataclass(frozen=True)
class MilestoneView:
    id: int
    position: int
    title: str
    description: str
    due_date: object
    amount_cents: int
    status: str
    escrow_cents: int
    revisions_allowed: int | None
    revisions_used: int
    version: int
    last_submission: dict | None
    # What the freelancer holds of this milestone's payments now: released amounts and
    # bonuses less refunds of them (U-29: a paid amount can be asked back).
    paid_cents: int = 0
    criteria: tuple[str, ...] = ()  # acceptance criteria, agreed in the plan


@dataclass(frozen=True)
class HeldRelease:
    """A release not final yet (X-29, X-30): what a `releasing` milestone waits for."""
    milestone_id: int
    kind: str              # PendingReleaseKind: scheduled or undo
    final_at: arrow.Arrow
    amount_cents: int
    bonus_cents: int


@dataclass(frozen=True)
class ContractDetail:
    id: int
    title: str
    policy: str
    policy_label: str
    status: str
    version: int
    client: Account
    freelancer: Account
    starts_on: object
    end_date: object
    capacity: str  # how the actor stands towards it: client, freelancer or agent
    totals: Totals
    milestones: list[MilestoneView]
    change_requests: list[ChangeRequest]
    refund_requests: list[RefundRequest]
    deadlines: list[Deadline]
    feedback: list[Feedback]
    next_to_fund_id: int | None = None
    extra: dict = field(default_factory=dict)
    last_nudged: dict = field(default_factory=dict)  # deadline id -> the actor's last
    held_releases: dict = field(default_factory=dict)  # milestone id -> HeldRelease
    funding_limit: int = 1  # milestones in escrow at once, 0 all up front


def contract_detail(actor: Account, contract_id: int) -> ContractDetail:
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    cap = access.check("view_contract", actor.id, actor.role, contract.client_id,
                       contract.freelancer_id)
    # Escrow and paid per milestone in one grouped sum: a fixed number of queries
    # however many milestones (the room of a 200-milestone contract).
    held: dict[int, tuple[int, int]] = {
        mid: (int(escrow or 0), int(paid or 0)) for mid, escrow, paid in (
            LedgerEntry.select(
                LedgerEntry.milestone,
                fn.SUM(Case(None, [(LedgerEntry.account == A.ESCROW,
                                    LedgerEntry.amount_cents)], 0)),
                fn.SUM(Case(None, [(LedgerEntry.account.in_(PAID_ACCOUNTS),
                                    LedgerEntry.amount_cents)], 0)))
            .where((LedgerEntry.contract == contract.id)
                   & LedgerEntry.account.in_([A.ESCROW, *PAID_ACCOUNTS]))
            .group_by(LedgerEntry.milestone).tuples())}
    latest: dict[int, dict] = {}
    for s in (Submission.select(Submission.milestone, Submission.message, Submission.link,
                                Submission.submitted_at, Submission.status,
                                Submission.evidence)
              .join(Milestone).where(Milestone.contract == contract.id)
              .order_by(Submission.submitted_at, Submission.id).dicts()):
        latest[s["milestone"]] = s
    ms = [MilestoneView(m.id, m.position, m.title, m.description, m.due_date, m.amount_cents,
                        m.status, held.get(m.id, (0, 0))[0], m.revisions_allowed,
                        m.revisions_used, m.version, latest.get(m.id),
                        paid_cents=held.get(m.id, (0, 0))[1], criteria=m.criteria or ())
          for m in Milestone.select().where(Milestone.contract == contract.id)
          .order_by(Milestone.position)]
    nxt = next((m.id for m in ms if m.status == MilestoneStatus.PLANNED), None)
    windows = list(Deadline.select().where((Deadline.contract == contract.id)
                                           & (Deadline.status == DeadlineStatus.OPEN))
                   .order_by(Deadline.due_at))
    return ContractDetail(
        id=contract.id, title=contract.title, policy=contract.policy,
        policy_label=get_policy(contract.policy).label, status=contract.status,
        version=contract.version, client=Account.get_by_id(contract.client_id),
        freelancer=Account.get_by_id(contract.freelancer_id), starts_on=contract.starts_on,
        end_date=contract.end_date, capacity=cap,
        totals=contract_totals([contract.id])[contract.id], milestones=ms,
        change_requests=list(ChangeRequest.select().where(ChangeRequest.contract == contract.id)
                             .order_by(ChangeRequest.id.desc())),
        refund_requests=list(RefundRequest.select().where(RefundRequest.contract == contract.id)
                             .order_by(RefundRequest.id.desc())),
        deadlines=windows,
        feedback=list(Feedback.select().where(Feedback.contract == contract.id)),
        next_to_fund_id=nxt, funding_limit=contract.funding_limit, last_nudged=last_nudges(actor.id, [w.id for w in windows]),
        held_releases=_held_releases(contract.id) if any(
            m.status == MilestoneStatus.RELEASING for m in ms) else {})


def _held_releases(contract_id: int) -> dict[int, HeldRelease]:
    return {p.milestone_id: HeldRelease(p.milestone_id, p.kind, arrow.get(p.final_at),
                                        p.amount_cents, p.bonus_cents)
            for p in PendingRelease.select().where(
                (PendingRelease.contract == contract_id)
                & (PendingRelease.status == PendingReleaseStatus.PENDING))}


# --- the timeline ------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineEntry:
    id: int
    at: arrow.Arrow
    actor_name: str
    kind: str
    summary: str
    milestone_id: int | None
    reason: str = ""  # the reason given with the action (an agent's, a refund's): G-05


def _reason_of(details: str | None) -> str:
    try:
        found = json.loads(details or "{}").get("reason")
    except (ValueError, AttributeError):
        return ""
    return found if isinstance(found, str) else ""


def timeline_page(actor: Account, contract_id: int, *, before_id: int | None = None,
                  limit: int = 20) -> tuple[list[TimelineEntry], bool]:
    """A page of the contract's timeline, newest first (U-31), after the entry
    `before_id` (the last one shown); and whether more follow.

    Newest by when it happened, then by id: a deadline applied late (the sweep catching
    up) is dated at its due time, before actions recorded earlier, and is listed there."""
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    access.check("view_contract", actor.id, actor.role, contract.client_id,
                 contract.freelancer_id)
    q = (Event.select(Event.id, Event.occurred_at, Event.kind, Event.summary, Event.milestone,
                      Event.details, Account.display_name).join(Account)
         .where(Event.contract == contract.id))
    if before_id is not None and not is_id(before_id):  # T-08: no such entry
        return [], False
    if before_id is not None:  # an entry of another contract: nothing (NULL) follows it
        shown = Event.alias("shown")
        at = (shown.select(shown.occurred_at)
              .where((shown.id == before_id) & (shown.contract == contract.id)))
        q = q.where((Event.occurred_at < at)
                    | ((Event.occurred_at == at) & (Event.id < before_id)))
    rows = list(q.order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit + 1).dicts())
    entries = [TimelineEntry(r["id"], arrow.get(r["occurred_at"]), r["display_name"], r["kind"],
                             r["summary"], r["milestone"], _reason_of(r["details"]))
               for r in rows[:limit]]
    return entries, len(rows) > limit
