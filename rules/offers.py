"""Offers, the front door of a contract (O-01..O-05; issue 14).

An offer is a contract in the `offered` state with its milestones planned: Upwork's
client writes it to a freelancer, Fiverr's seller (the freelancer) writes a custom offer
to a buyer (the client). Accepting opens the contract (a Fiverr order charges its first
milestone then, F-04); declining or withdrawing ends it. Every other action refuses an
offered contract (require_open, G-03), so nothing is funded or submitted before accept.
"""
from __future__ import annotations

import datetime as dt

from models.accounts import Account
from models.contracts import Contract
from models.milestones import Milestone
from models.vocabulary import ContractStatus, Role
from rules.clock import Clock
from rules.contracts import charge_first, plan_drafts
from rules.errors import INPUT, NOT_FOUND, RuleError
from rules.journal import milestone_snapshot, record
from rules.money import format_money
from rules.plan import AddMilestone
from rules.plan_revisions import record_revision
from rules.policy import get_policy
from rules.store import cas_update, load_actor, now_of, transactional
from rules.validation import check_search, check_text, check_title

FIVERR = ("fiverr-gig", "fiverr-offer")


def sender_role(policy: str) -> str:
    """O-01: Upwork's client offers to a freelancer; Fiverr's seller offers to a buyer."""
    return Role.FREELANCER if get_policy(policy).name in FIVERR else Role.CLIENT


def sender_of(c: Contract) -> int:
    """The account id that wrote the offer `c` (O-01)."""
    return c.freelancer_id if sender_role(c.policy) == Role.FREELANCER else c.client_id


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
               expires_at=None, *, clock: Clock | None = None) -> Contract:
    """O-01: write an offer: the contract in `offered` state, its milestones planned
    with the milestone manager's checks (U-/F- limits, F-01/F-02 included)."""
    actor = load_actor(actor)
    pol = get_policy(policy)
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
    start = at.date()
    drafts = plan_drafts(pol, [m if isinstance(m, AddMilestone) else
                               AddMilestone(title=m[0], amount_cents=m[1], due_date=m[2])
                               for m in milestones], start, None)
    client, freelancer = (other, actor) if role == Role.FREELANCER else (actor, other)
    contract = Contract.create(title=name, client=client.id, freelancer=freelancer.id,
                               policy=pol.name, status=ContractStatus.OFFERED,
                               starts_on=start, initiation_fee_cents=pol.initiation_fee_cents,
                               created_at=at)
    rows = [Milestone.create(contract=contract.id, position=i + 1, status="planned",
                             created_at=at, **d) for i, d in enumerate(drafts)]
    record_revision(contract.id, actor, "created", at)
    total = sum(d["amount_cents"] for d in drafts)
    record(actor=actor, action="send_offer", contract_id=contract.id,
           summary=f"Offer “{name}” sent to {other.display_name} ({pol.label}): "
                   f"{len(rows)} milestone{'s' if len(rows) != 1 else ''}, "
                   f"{format_money(total)} in all",
           at=at, notify=[other.id], target=f"contract:{contract.id}",
           details={"policy": pol.name, "description": text,
                    "milestones": [milestone_snapshot(m) for m in rows]},
           after={"status": ContractStatus.OFFERED, "to": other.login,
                  "budget_cents": total})
    return contract


def _pending(actor: Account, contract_id: int, *, receiver: bool) -> tuple[Account, Contract]:
    """The offer, if the actor may answer it (receiver) or withdraw it (sender). Anyone
    else reads 'no such offer' (G-07: offers are seen by their two parties only)."""
    actor = load_actor(actor)
    c = Contract.get_or_none(Contract.id == contract_id) if isinstance(contract_id, int) \
        else None
    if c is None or actor.id not in (c.client_id, c.freelancer_id):
        raise RuleError(NOT_FOUND, f"No offer #{contract_id}.")
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
    actor, c = _pending(actor, contract_id, receiver=True)
    text = check_text(message or "", "The message")
    at = now_of(clock)
    cas_update(c, "This offer", status=ContractStatus.OPEN)
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
    actor, c = _pending(actor, contract_id, receiver=True)
    text = check_text(message or "", "The message")
    at = now_of(clock)
    cas_update(c, "This offer", status=ContractStatus.DECLINED, ended_at=at)
    record(actor=actor, action="decline_offer", contract_id=c.id, at=at,
           summary=f"Offer “{c.title}” declined", notify=[_other(c, actor)],
           target=f"contract:{c.id}", details={"message": text}, reason=text,
           before={"status": ContractStatus.OFFERED},
           after={"status": ContractStatus.DECLINED})
    return c


@transactional
def withdraw_offer(actor: Account, contract_id: int, *, clock: Clock | None = None) -> Contract:
    """O-04: the sender withdraws a pending offer (to edit it, withdraw and send anew)."""
    actor, c = _pending(actor, contract_id, receiver=False)
    at = now_of(clock)
    cas_update(c, "This offer", status=ContractStatus.WITHDRAWN, ended_at=at)
    record(actor=actor, action="withdraw_offer", contract_id=c.id, at=at,
           summary=f"Offer “{c.title}” withdrawn", notify=[_other(c, actor)],
           target=f"contract:{c.id}", before={"status": ContractStatus.OFFERED},
           after={"status": ContractStatus.WITHDRAWN})
    return c


def list_offers(actor: Account) -> list[Contract]:
    """O-05: the offers the actor sent or received, newest first (its two parties only)."""
    actor = load_actor(actor)
    offer_states = [ContractStatus.OFFERED, ContractStatus.DECLINED, ContractStatus.WITHDRAWN]
    return list(Contract.select().where(((Contract.client == actor.id)
                                         | (Contract.freelancer == actor.id))
                                        & Contract.status.in_(offer_states))
                .order_by(Contract.id.desc()))
