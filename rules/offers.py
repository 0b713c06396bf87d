"""Offers, the front door of a contract (O-01..O-05; issue 14).

An offer is a contract in the `offered` state with its milestones planned: Upwork's
client writes it to a freelancer, Fiverr's seller (the freelancer) writes a custom offer
to a buyer (the client). Accepting opens the contract (a Fiverr order charges its first
milestone then, F-04); declining or withdrawing ends it. Every other action refuses an
offered contract (require_open, G-03), so nothing is funded or submitted before accept.

An offer expires (O-06): sending it opens a window (a `deadline` row of kind
`offer_expiry`, rules/windows.py) that answering or withdrawing closes; one left open is
applied by the deadline sweep, exactly once, through `expire_offer`.
"""
from __future__ import annotations

import datetime as dt

import arrow

from models.accounts import Account
from models.contracts import Contract
from models.milestones import Milestone
from models.deadlines import Deadline
from models.vocabulary import ContractStatus, DeadlineKind, Role
from rules.clock import Clock
from rules.contracts import charge_first, plan_drafts
from rules.errors import INPUT, NOT_FOUND, RuleError
from rules.funding import check_funding
from rules.journal import milestone_snapshot, record
from rules.money import format_money
from rules.plan import AddMilestone
from rules.plan_revisions import record_revision
from rules.policy import get_policy
from rules.store import cas_update, load_actor, now_of, transactional
from rules.validation import check_search, check_text, check_title
from rules.windows import close_windows, open_window

FIVERR = ("fiverr-gig", "fiverr-offer")
OFFER_DAYS = 14      # O-06: an offer expires this long after sending, unless its sender says
MAX_OFFER_DAYS = 90  # O-06: and never later than this
OFFER_STATES = (ContractStatus.OFFERED, ContractStatus.DECLINED, ContractStatus.WITHDRAWN,
                ContractStatus.EXPIRED)


def sender_role(policy: str) -> str:
    """O-01: Upwork's client offers to a freelancer; Fiverr's seller offers to a buyer."""
    return Role.FREELANCER if get_policy(policy).name in FIVERR else Role.CLIENT


def sender_of(c: Contract) -> int:
    """The account id that wrote the offer `c` (O-01)."""
    return c.freelancer_id if sender_role(c.policy) == Role.FREELANCER else c.client_id


def receiver_of(c: Contract) -> int:
    """The account id an offer `c` was sent to (O-01)."""
    return c.client_id if sender_of(c) == c.freelancer_id else c.freelancer_id


def expiry_of(expires_at, at: arrow.Arrow) -> arrow.Arrow:
    """O-06: when an offer sent at `at` expires. None: OFFER_DAYS later; a timedelta:
    that long after sending; a date: at the end of that day (UTC); a datetime or Arrow:
    then (a naive one is UTC). In the future, at most MAX_OFFER_DAYS after sending."""
    if expires_at is None:
        expires_at = dt.timedelta(days=OFFER_DAYS)
    if isinstance(expires_at, dt.timedelta):
        due = at + expires_at
    elif isinstance(expires_at, (arrow.Arrow, dt.datetime)):
        due = arrow.get(expires_at)  # arrow reads a naive datetime as UTC
    elif isinstance(expires_at, dt.date):
        due = arrow.get(expires_at).shift(days=1)
    else:
        raise RuleError("O-06", "The offer's expiry is a date, a time or a number of days.")
    if due <= at:
        raise RuleError("O-06", "An offer's expiry must be in the future.")
    if due > at.shift(days=MAX_OFFER_DAYS):
        raise RuleError("O-06", f"An offer expires at most {MAX_OFFER_DAYS} days after it "
                                "is sent.")
    return due.to("UTC")


def expiries(contract_ids: list[int]) -> dict[int, arrow.Arrow]:
    """O-06: when each of these offers expires (or expired), in one query. An offer sent
    before offers expired has none."""
    rows = (Deadline.select(Deadline.contract, Deadline.due_at)
            .where(Deadline.contract.in_(contract_ids)
                   & (Deadline.kind == DeadlineKind.OFFER_EXPIRY))
            .order_by(Deadline.id).tuples()) if contract_ids else []
    return {cid: arrow.get(due).to("UTC") for cid, due in rows}


def _counterpart(ref: Account | int | str, role: str) -> Account:
    """The receiver, found by login or id among accounts of `role`. Unknown, disabled and
    wrong-role accounts all read the same: nothing about other accounts is revealed."""
    if isinstance(ref, Account):
        ref = ref.id
    if isinstance(ref, str):
        ref = check_search(ref, "The receiver's login")
        q = Account.select().where(Account.login == ref)
    elif isinstance(ref, int) and not isinstance(ref, bool):
        q = Account.select().where(Account.id == ref)
    else:
        q = None
    found = q.first() if q is not None else None
    if found is None or found.role != role or getattr(found, "disabled", False):
        raise RuleError(NOT_FOUND, f"No such {role} account.")
    return found


@transactional
def send_offer(actor: Account, counterpart: Account | int | str, policy: str, title: str,
               description: str,
               milestones: list[AddMilestone | tuple[str, int, dt.date | None]],
               expires_at=None, *, funding: int | str = 1,
               clock: Clock | None = None) -> Contract:
    """O-01: write an offer: the contract in `offered` state, its milestones planned
    with the milestone manager's checks (U-/F- limits, F-01/F-02 included). O-06: it
    expires at `expires_at` (see expiry_of; default OFFER_DAYS after sending).
    `milestones` are (title, cents, due) tuples or AddMilestone rows (the importer's).
    `funding`: the funding policy the contract will have (X-36), one at a time by default."""
    actor = load_actor(actor)
    pol = get_policy(policy)
    limit = check_funding(funding)
    role = sender_role(pol.name)
    if actor.role != role:
        raise RuleError("O-01", f"On {pol.label} the {role} writes the offer.")
    other = _counterpart(counterpart, Role.CLIENT if role == Role.FREELANCER
                         else Role.FREELANCER)
    name = check_title(title, "The offer title")
    text = check_text(description or "", "The offer description")
    if not milestones:
        raise RuleError(INPUT, "Plan at least one milestone.")
    at = now_of(clock)
    due = expiry_of(expires_at, at)
    start = at.date()
    drafts = plan_drafts(pol, [m if isinstance(m, AddMilestone) else
                               AddMilestone(title=m[0], amount_cents=m[1], due_date=m[2])
                               for m in milestones], start, None)
    client, freelancer = (other, actor) if role == Role.FREELANCER else (actor, other)
    contract = Contract.create(title=name, client=client.id, freelancer=freelancer.id,
                               policy=pol.name, status=ContractStatus.OFFERED,
                               starts_on=start, initiation_fee_cents=pol.initiation_fee_cents,
                               funding_limit=limit, created_at=at)
    rows = [Milestone.create(contract=contract.id, position=i + 1, status="planned",
                             created_at=at, **d) for i, d in enumerate(drafts)]
    record_revision(contract.id, actor, "created", at)
    open_window(DeadlineKind.OFFER_EXPIRY, contract=contract, due_at=due, opened_at=at)
    total = sum(d["amount_cents"] for d in drafts)
    record(actor=actor, action="send_offer", contract_id=contract.id,
           summary=f"Offer “{name}” sent to {other.display_name} ({pol.label}): "
                   f"{len(rows)} milestone{'s' if len(rows) != 1 else ''}, "
                   f"{format_money(total)} in all",
           at=at, notify=[other.id], target=f"contract:{contract.id}",
           details={"policy": pol.name, "description": text, "funding_limit": limit,
                    "milestones": [milestone_snapshot(m) for m in rows],
                    "expires_at": due.isoformat()},
           after={"status": ContractStatus.OFFERED, "to": other.login, "funding_limit": limit,
                  "budget_cents": total, "expires_at": due.isoformat()})
    return contract


def _pending(actor: Account, contract_id: int, at: arrow.Arrow, *,
             receiver: bool) -> tuple[Account, Contract]:
    """The offer, if the actor may answer it (receiver) or withdraw it (sender), and it
    has not expired (O-06, even if the sweep has not marked it yet). Anyone else reads
    'no such offer' (G-07: offers are seen by their two parties only)."""
    actor = load_actor(actor)
    c = Contract.get_or_none(Contract.id == contract_id) if isinstance(contract_id, int) \
        else None
    if c is None or actor.id not in (c.client_id, c.freelancer_id):
        raise RuleError(NOT_FOUND, f"No offer #{contract_id}.")
    due = expiries([c.id]).get(c.id)
    if c.status == ContractStatus.EXPIRED or (c.status == ContractStatus.OFFERED
                                              and due is not None and due <= at):
        raise RuleError("O-06", "This offer expired" + (f" on {due.format('YYYY-MM-DD HH:mm')}"
                                " UTC" if due else "") + ": it can no longer be answered "
                                "or withdrawn.")
    if c.status != ContractStatus.OFFERED:
        raise RuleError("O-02", f"This offer is {c.status}: it can no longer be answered "
                                "or withdrawn.")
    sender_id = sender_of(c)
    if receiver and actor.id == sender_id:
        raise RuleError("O-03", "Only the receiver of an offer accepts or declines it.")
    if not receiver and actor.id != sender_id:
        raise RuleError("O-04", "Only the sender of an offer withdraws it.")
    return actor, c


def _other(c: Contract, actor: Account) -> int:
    return c.freelancer_id if actor.id == c.client_id else c.client_id


@transactional
def accept_offer(actor: Account, contract_id: int, message: str = "", *,
                 clock: Clock | None = None) -> Contract:
    """O-03: the receiver accepts: the contract opens; a Fiverr order charges its first
    milestone in the same transaction (F-04)."""
    at = now_of(clock)
    actor, c = _pending(actor, contract_id, at, receiver=True)
    text = check_text(message or "", "The message")
    cas_update(c, "This offer", status=ContractStatus.OPEN)
    close_windows(at=at, contract_id=c.id, kind=DeadlineKind.OFFER_EXPIRY)  # O-06
    record(actor=actor, action="accept_offer", contract_id=c.id, at=at,
           summary=f"Offer “{c.title}” accepted", notify=[_other(c, actor)],
           target=f"contract:{c.id}", details={"message": text},
           before={"status": ContractStatus.OFFERED}, after={"status": ContractStatus.OPEN})
    if get_policy(c.policy).charge_first_on_create:
        first = (Milestone.select().where(Milestone.contract == c.id)
                 .order_by(Milestone.position).first())
        charge_first(c, first, actor, at, _other(c, actor))
    return c


@transactional
def decline_offer(actor: Account, contract_id: int, message: str = "", *,
                  clock: Clock | None = None) -> Contract:
    """O-03: the receiver declines, with a message for the sender."""
    at = now_of(clock)
    actor, c = _pending(actor, contract_id, at, receiver=True)
    text = check_text(message or "", "The message")
    cas_update(c, "This offer", status=ContractStatus.DECLINED, ended_at=at)
    close_windows(at=at, contract_id=c.id, kind=DeadlineKind.OFFER_EXPIRY)  # O-06
    record(actor=actor, action="decline_offer", contract_id=c.id, at=at,
           summary=f"Offer “{c.title}” declined", notify=[_other(c, actor)],
           target=f"contract:{c.id}", details={"message": text}, reason=text,
           before={"status": ContractStatus.OFFERED},
           after={"status": ContractStatus.DECLINED})
    return c


@transactional
def withdraw_offer(actor: Account, contract_id: int, *, clock: Clock | None = None) -> Contract:
    """O-04: the sender withdraws a pending offer (to edit it, withdraw and send anew)."""
    at = now_of(clock)
    actor, c = _pending(actor, contract_id, at, receiver=False)
    cas_update(c, "This offer", status=ContractStatus.WITHDRAWN, ended_at=at)
    close_windows(at=at, contract_id=c.id, kind=DeadlineKind.OFFER_EXPIRY)  # O-06
    record(actor=actor, action="withdraw_offer", contract_id=c.id, at=at,
           summary=f"Offer “{c.title}” withdrawn", notify=[_other(c, actor)],
           target=f"contract:{c.id}", before={"status": ContractStatus.OFFERED},
           after={"status": ContractStatus.WITHDRAWN})
    return c


def list_offers(actor: Account) -> list[Contract]:
    """O-05: the offers the actor sent or received, newest first (its two parties only)."""
    actor = load_actor(actor)
    return list(Contract.select().where(((Contract.client == actor.id)
                                         | (Contract.freelancer == actor.id))
                                        & Contract.status.in_(OFFER_STATES))
                .order_by(Contract.id.desc()))


@transactional
def expire_offer(actor: Account, contract_id: int, *, clock: Clock | None = None) -> Contract:
    """O-06: the deadline worker ends an offer left unanswered until its expiry; both
    parties are told. Only the system does this (rules/deadlines.py, once per offer)."""
    actor = load_actor(actor)
    if actor.role != Role.SYSTEM:
        raise RuleError("G-07", "Only the system expires offers.")
    c = Contract.get_or_none(Contract.id == contract_id) if isinstance(contract_id, int) \
        else None
    if c is None:
        raise RuleError(NOT_FOUND, f"No offer #{contract_id}.")
    if c.status != ContractStatus.OFFERED:
        raise RuleError("O-02", f"This offer is {c.status}: it can no longer expire.")
    at = now_of(clock)
    cas_update(c, "This offer", status=ContractStatus.EXPIRED, ended_at=at)
    close_windows(at=at, contract_id=c.id, kind=DeadlineKind.OFFER_EXPIRY)
    record(actor=actor, action="expire_offer", contract_id=c.id, at=at,
           summary=f"Offer “{c.title}” expired unanswered",
           notify=[c.client_id, c.freelancer_id], target=f"contract:{c.id}",
           before={"status": ContractStatus.OFFERED},
           after={"status": ContractStatus.EXPIRED})
    return c
