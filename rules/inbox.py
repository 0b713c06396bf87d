"""The change-request inbox, shaped for its screen: incoming, outgoing and history per
actor, a page at a time, in a fixed number of queries per page (never one per row), and
only the requests of contracts the actor may see (G-07).

Each request comes with its author, its times (U-24 expiry), how it stands or how it
ended (U-23 automatic cancellations named by what caused them), its changes as before →
after per milestone and field, and the answers the actor may give now.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import arrow
from peewee import JOIN, fn

from models.accounts import Account
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.ledger import LedgerEntry
from models.milestones import Milestone
from models.vocabulary import ChangeRequestKind as K
from models.vocabulary import ChangeRequestStatus as CS
from models.vocabulary import ContractStatus, Role
from models.vocabulary import MilestoneStatus as S
from rules import access
from rules.calendar import human_delta
from rules.change_requests import answer_capability, author_capability
from rules.clock import Clock
from rules.errors import NOT_FOUND, RuleError
from rules.funding_change import funding_answers, funding_of, funding_title
from rules.ledger import A, milestone_escrows
from rules.request_diff import FieldDiff, MilestoneDiff, request_changes
from rules.request_outcome import answer_events, request_outcome
from rules.store import is_id, load_actor, missing, now_of

__all__ = ["FieldDiff", "MilestoneDiff", "RequestView"]  # the diffs live in request_diff

BOXES = ("incoming", "outgoing", "history")
# A milestone whose escrow can still be topped up after an approved higher amount (U-22).
TOP_UP_STATUSES = (S.FUNDED, S.SUBMITTED, S.CHANGES_REQUESTED)

Author = Account.alias("request_author")

@dataclass(frozen=True)
class RequestView:
    id: int
    contract_id: int
    contract_title: str
    kind: str                 # client_active (U-20) | freelancer_proposal (U-14)
    status: str
    author_id: int
    author_name: str
    author_role: str
    message: str
    created_at: arrow.Arrow
    expires_at: arrow.Arrow | None
    answered_at: arrow.Arrow | None
    milestone_id: int | None
    milestone_title: str | None
    version: int
    changes: tuple[MilestoneDiff, ...]
    outcome: str              # how it stands, or how it ended, in a sentence
    answers: tuple[str, ...] = ()  # what the actor may do now (see ANSWERS)
    funds_needed_cents: int = 0    # U-22: an approved higher amount not yet in escrow
    answer_message: str = ""       # the reason given with a rejection or a decline
    extra: dict = field(default_factory=dict)

    @property
    def is_pending(self) -> bool:
        return self.status == CS.PENDING

    @property
    def is_proposal(self) -> bool:
        return self.kind == K.FREELANCER_PROPOSAL

    @property
    def is_funding(self) -> bool:
        return self.kind == K.FUNDING

    @property
    def title(self) -> str:
        if self.is_funding:
            return funding_title(*self.extra["funding"])
        if self.is_proposal:
            n = len(self.changes)
            return f"Proposal: {n} milestone change{'s' if n != 1 else ''}"
        return f"Change to “{self.milestone_title or 'the active milestone'}”"

    def age(self, now: arrow.Arrow) -> str:
        return human_delta(self.created_at, now)

    def expired(self, now: arrow.Arrow) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def expiry(self, now: arrow.Arrow) -> str:
        """U-24: "expires in 6 days 22 h", "expired 1 h ago", or why it has none."""
        if self.expires_at is None:
            return "no expiry" if self.is_pending else ""
        if not self.is_pending and self.status != CS.EXPIRED:
            return ""
        if self.expired(now):
            return "expired " + human_delta(self.expires_at, now)
        return "expires " + human_delta(self.expires_at, now)


# The answers, by name: what the TUI offers as keys. Each is one rules/ action.
ANSWERS = {
    "approve": "rules.change_requests.approve_milestone_change",
    "reject": "rules.change_requests.reject_milestone_change",
    "edit": "rules.change_requests.edit_milestone_change",
    "withdraw": "rules.change_requests.withdraw_milestone_change",
    "accept": "rules.change_requests.accept_proposal",
    "decline": "rules.change_requests.decline_proposal",
    "add_funds": "rules.payments.add_escrow_funds",
    "counter": "rules.counters.counter_milestone_change or counter_proposal",
}


# --- queries ---------------------------------------------------------------------------

def _visible(actor: Account):
    """G-07: the requests of contracts the actor may see."""
    if actor.role == Role.AGENT:
        return Contract.id.is_null(False)
    if actor.role == Role.CLIENT:
        return Contract.client == actor.id
    if actor.role == Role.FREELANCER:
        return Contract.freelancer == actor.id
    return Contract.id.is_null()  # nobody else sees anything


def _escrow_of_milestone():
    return (LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0))
            .where((LedgerEntry.milestone == Milestone.id) & (LedgerEntry.account == A.ESCROW)))


def _needs_funds():
    """An approved client change whose milestone now costs more than its escrow (U-22)."""
    return ((ChangeRequest.kind == K.CLIENT_ACTIVE) & (ChangeRequest.status == CS.APPROVED)
            & Milestone.status.in_(list(TOP_UP_STATUSES))
            & (Contract.status == ContractStatus.OPEN)
            & (Milestone.amount_cents > _escrow_of_milestone()))


def _box(actor: Account, box: str):
    pending = ChangeRequest.status == CS.PENDING
    if box == "outgoing":
        return pending & (ChangeRequest.author == actor.id)
    if box == "history":
        return ~pending
    if box != "incoming":
        raise RuleError(NOT_FOUND, f"No inbox box “{box}”: use one of {', '.join(BOXES)}.")
    # Waiting for a party: what the other party wrote (a proposal, a change, a
    # counter-proposal: X-22), and for the client approved higher amounts to fund (U-22).
    if actor.role == Role.CLIENT:
        return ((pending & (ChangeRequest.author != actor.id))
                | ((ChangeRequest.author == actor.id) & _needs_funds()))
    if actor.role == Role.FREELANCER:
        return pending & (ChangeRequest.author != actor.id)
    return pending  # support agents see what is waiting anywhere, and answer nothing


def _query(actor: Account, where):
    return (ChangeRequest.select(ChangeRequest, Contract.title.alias("contract_title"),
                                 Contract.client.alias("client_id"),
                                 Contract.freelancer.alias("freelancer_id"),
                                 Contract.status.alias("contract_status"),
                                 Author.display_name.alias("author_name"),
                                 Author.role.alias("author_role"),
                                 Milestone.title.alias("milestone_title"),
                                 Milestone.status.alias("milestone_status"),
                                 Milestone.amount_cents.alias("milestone_amount"))
            .join(Contract, on=(ChangeRequest.contract == Contract.id))
            .switch(ChangeRequest).join(Author, on=(ChangeRequest.author == Author.id))
            .switch(ChangeRequest).join(Milestone, JOIN.LEFT_OUTER,
                                        on=(ChangeRequest.milestone == Milestone.id))
            .where(_visible(actor) & where))


def inbox_page(actor: Account, box: str, *, offset: int = 0, limit: int = 50,
               clock: Clock | None = None) -> list[RequestView]:
    """A page of one box of the actor's change-request inbox.

    incoming: waiting for the actor (a proposal to answer, a change to approve, an
    approved higher amount to fund), oldest first; outgoing: the actor's own requests
    still waiting for the other party, oldest first; history: answered, withdrawn,
    cancelled and expired requests, the latest first."""
    actor = load_actor(actor)
    q = _query(actor, _box(actor, box))
    if box == "history":
        q = q.order_by(ChangeRequest.answered_at.desc(), ChangeRequest.id.desc())
    else:
        q = q.order_by(ChangeRequest.created_at, ChangeRequest.id)
    return _views(actor, list(q.offset(offset).limit(limit).dicts()), now_of(clock))


def inbox_counts(actor: Account) -> dict[str, int]:
    """How many requests wait in the incoming and outgoing boxes."""
    actor = load_actor(actor)
    return {box: _query(actor, _box(actor, box)).count() for box in ("incoming", "outgoing")}


def request_view(actor: Account, request_id: int, *, clock: Clock | None = None
                 ) -> RequestView:
    """One request in full; a stranger learns nothing about it (G-07)."""
    actor = load_actor(actor)
    row = (_query(actor, ChangeRequest.id == request_id).dicts().first()
           if is_id(request_id) else None)
    if row is None:  # unknown, or another's: the same refusal (rules.store.missing)
        raise missing("change request", request_id, actor)
    return _views(actor, [row], now_of(clock))[0]


def pending_proposal(actor: Account, contract_id: int, *, clock: Clock | None = None
                     ) -> RequestView | None:
    """U-16: the freelancer proposal waiting on a contract, if any."""
    actor = load_actor(actor)
    if not is_id(contract_id):  # T-08: names no contract, so nothing waits on it
        return None
    row = _query(actor, (ChangeRequest.contract == contract_id)
                 & (ChangeRequest.kind == K.FREELANCER_PROPOSAL)
                 & (ChangeRequest.status == CS.PENDING)).dicts().first()
    return _views(actor, [row], now_of(clock))[0] if row else None


# --- shaping ---------------------------------------------------------------------------

def _views(actor: Account, rows: list[dict], now: arrow.Arrow) -> list[RequestView]:
    if not rows:
        return []
    escrow = milestone_escrows([r["milestone"] for r in rows
                       if r["kind"] == K.CLIENT_ACTIVE and r["status"] == CS.APPROVED])
    events = answer_events(rows)
    return [_view(actor, r, now, escrow, events) for r in rows]


def _when(value) -> arrow.Arrow | None:
    return arrow.get(value) if value is not None else None


def _answers(actor: Account, row: dict, now: arrow.Arrow, funds_needed: int) -> tuple[str, ...]:
    """What the actor may do with this request now (G-07 through rules.access)."""
    def may(action: str) -> bool:
        return access.is_allowed(action, actor.id, actor.role, row["client_id"],
                                 row["freelancer_id"])
    if row["contract_status"] != ContractStatus.OPEN:
        return ()
    if row["status"] == CS.APPROVED and funds_needed and may("add_escrow_funds"):
        return ("add_funds",)
    if row["status"] != CS.PENDING:
        return ()
    if row["expires_at"] is not None and now >= arrow.get(row["expires_at"]):
        return ()  # U-24: expired, even before the sweep marks it
    # a version waits for the party who did not write it.
    by_client = row["author"] == row["client_id"]
    mine = row["author"] == actor.id
    if row["kind"] == K.FUNDING:  # either party, the other answers
        return funding_answers(mine) if may("change_funding") else ()
    answers = not mine and may(answer_capability(row["kind"], by_client))
    if row["kind"] == K.FREELANCER_PROPOSAL:
        return ("accept", "decline", "counter") if answers else ()
    out: list[str] = ["approve", "reject", "counter"] if answers else []
    if mine and may(author_capability(by_client)):
        out += ["edit", "withdraw"]
    return tuple(out)


def _view(actor: Account, row: dict, now: arrow.Arrow, escrow: dict[int, int],
          events: dict) -> RequestView:
    try:
        payload = json.loads(row["payload"] or "{}")
    except ValueError:
        payload = {}
    funds_needed = 0
    if (row["kind"] == K.CLIENT_ACTIVE and row["status"] == CS.APPROVED
            and row.get("milestone_status") in TOP_UP_STATUSES
            and row["contract_status"] == ContractStatus.OPEN):
        funds_needed = max(int(row["milestone_amount"] or 0)
                           - escrow.get(row["milestone"], 0), 0)
    outcome, reason = request_outcome(row, now, events, funds_needed)
    return RequestView(
        id=row["id"], contract_id=row["contract"], contract_title=row["contract_title"],
        kind=row["kind"], status=row["status"], author_id=row["author"],
        author_name=row["author_name"], author_role=row["author_role"],
        message=row["message"] or "", created_at=arrow.get(row["created_at"]),
        expires_at=_when(row["expires_at"]), answered_at=_when(row["answered_at"]),
        milestone_id=row["milestone"], milestone_title=row.get("milestone_title"),
        version=row["version"], changes=request_changes(row, payload), outcome=outcome,
        answers=_answers(actor, row, now, funds_needed), funds_needed_cents=funds_needed,
        answer_message=reason,
        extra={"funding": funding_of(row)} if row["kind"] == K.FUNDING else {})
