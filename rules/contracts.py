"""Creating and ending contracts, and feedback (F-01..F-04, G-03, G-04, U-05, U-30)."""
from __future__ import annotations

import datetime as dt

import arrow

from models.accounts import Account
from models.contracts import Contract, Feedback
from models.milestones import Milestone
from models.refunds import RefundRequest
from models.vocabulary import ContractStatus, RefundStatus, Role
from models.vocabulary import MilestoneStatus as S
from rules import access
from rules.clock import Clock
from rules.errors import INPUT, NOT_FOUND, RuleError
from rules.funding import check_funding
from rules.journal import milestone_snapshot, record
from rules.ledger import milestone_escrows
from rules.money import format_money
from rules.plan import AddMilestone, PlanContext, check_milestone_fields
from rules.plan_revisions import record_revision
from rules.policy import get_policy
from rules.settlement import active_milestones, close_contract_money, fund_milestone_money
from rules.store import (authorize, cas_update, is_id, load_actor, load_contract, now_of,
                         other_parties, require_open, transactional)
from rules.validation import (check_milestone_count, check_order_total, check_revisions,
                              check_search, check_text, check_title)

OPEN_REFUNDS = (RefundStatus.PENDING, RefundStatus.DISPUTED, RefundStatus.IN_SUPPORT)


def _find_freelancer(ref: Account | int | str) -> Account:
    if isinstance(ref, Account):
        ref = ref.id
    if isinstance(ref, str):
        ref = check_search(ref, "The freelancer's login")
    elif not is_id(ref):  # T-08
        raise RuleError(NOT_FOUND, f"No user #{ref}.")
    q = Account.select().where((Account.login == ref) if isinstance(ref, str) else (Account.id == ref))
    found = q.first()
    if found is None:
        raise RuleError(NOT_FOUND, f"No user “{ref}”.")
    if found.role != Role.FREELANCER:
        raise RuleError("G-07", f"{found.display_name} is not a freelancer.")
    return found


@transactional
def create_contract(actor: Account, *, freelancer: Account | int | str, title: str,
                    policy: str, milestones: list[AddMilestone], starts_on: dt.date | None = None,
                    end_date: dt.date | None = None, subscription: bool = False,
                    funding: int | str = 1, clock: Clock | None = None) -> Contract:
    """Create a contract (a Fiverr order) with its planned milestones, funded one at a
    time unless `funding` says otherwise (X-36).

    Fiverr orders charge the first milestone when the order is placed (F-04)."""
    actor = load_actor(actor)
    access.check("create_contract", actor.id, actor.role)
    pol = get_policy(policy)
    other = _find_freelancer(freelancer)
    name = check_title(title, "The contract title")
    limit = check_funding(funding)
    if subscription:
        raise RuleError("F-03", "An order uses either milestones or a subscription, never "
                                "both: choose one.")
    at = now_of(clock)
    start = starts_on or at.date()
    if end_date is not None and end_date < start:
        raise RuleError(INPUT, "The contract's end date is before it starts.")
    if not milestones:
        raise RuleError(INPUT, "Plan at least one milestone.")
    drafts = plan_drafts(pol, milestones, start, end_date)
    contract = Contract.create(title=name, client=actor.id, freelancer=other.id, policy=pol.name,
                               status=ContractStatus.OPEN, starts_on=start, end_date=end_date,
                               initiation_fee_cents=pol.initiation_fee_cents,
                               funding_limit=limit, created_at=at)
    rows = [Milestone.create(contract=contract.id, position=i + 1, status=S.PLANNED,
                             created_at=at, **d) for i, d in enumerate(drafts)]
    record_revision(contract.id, actor, "created", at)  # revision 1
    total = sum(d["amount_cents"] for d in drafts)
    record(actor=actor, action="create_contract", contract_id=contract.id,
           summary=f"Contract “{name}” created ({pol.label}) with {len(rows)} milestone"
                   f"{'s' if len(rows) != 1 else ''}, {format_money(total)} in all",
           at=at, notify=[other.id], target=f"contract:{contract.id}",
           details={"policy": pol.name, "funding_limit": limit,
                    "milestones": [milestone_snapshot(m) for m in rows]},
           after={"title": name, "policy": pol.name, "freelancer": other.login,
                  "milestones": len(rows), "budget_cents": total})
    if pol.charge_first_on_create:
        charge_first(contract, rows[0], actor, at, other.id)
    return contract


def plan_drafts(pol, milestones: list[AddMilestone], start: dt.date,
                end_date: dt.date | None) -> list[dict]:
    """The milestone rows of a new contract or offer, checked as the manager checks them."""
    check_milestone_count(len(milestones), pol)
    ctx = PlanContext(policy=pol, starts_on=start, end_date=end_date)
    drafts = []
    for d in milestones:
        fields = check_milestone_fields({"title": d.title, "description": d.description,
                                         "due_date": d.due_date,
                                         "amount_cents": d.amount_cents,
                                         "criteria": d.criteria}, ctx)
        drafts.append({**fields, "revisions_allowed": check_revisions(d.revisions, pol)})
    check_order_total(sum(d["amount_cents"] for d in drafts), pol)
    return drafts


def charge_first(contract: Contract, first: Milestone, actor: Account, at: arrow.Arrow,
                 notify: int) -> None:
    """F-04: a Fiverr order charges its first milestone when it is placed, in the same
    transaction as the order (the ledger entry through fund_milestone_money)."""
    cas_update(first, "This milestone", status=S.FUNDED, funded_at=at)
    money = fund_milestone_money(contract, first, actor, at)
    record(actor=actor, action="fund_milestone", contract_id=contract.id,
           milestone_id=first.id, at=at, notify=[notify], details=money,
           summary=f"Order placed: “{first.title}” started, "
                   f"{format_money(first.amount_cents)} in escrow",
           target=f"milestone:{first.id}", after={"status": first.status, **money})


def end_contract_in_transaction(actor: Account, contract: Contract, at: arrow.Arrow,
                                status: str = ContractStatus.ENDED, reason: str = "") -> dict:
    """G-03: end a contract with nothing in escrow; leftover project funds go back."""
    active = active_milestones(contract.id)  # several with X-36
    escrows = milestone_escrows([m.id for m in active])
    for m in active:
        held = escrows.get(m.id, 0)
        if held > 0:
            raise RuleError("G-03", f"“{m.title}” still holds {format_money(held)} in "
                                    "escrow: release or refund it before ending the contract.")
    if RefundRequest.select().where((RefundRequest.contract == contract.id)
                                    & (RefundRequest.status.in_(OPEN_REFUNDS))).exists():
        raise RuleError("G-03", "A refund request is still open on this contract: settle it "
                                "before ending the contract.")
    money = close_contract_money(contract, actor, at, status)
    text = {ContractStatus.ENDED: "Contract ended",
            ContractStatus.COMPLETED: "Order marked completed",
            ContractStatus.CANCELLED: "Order cancelled"}[status]
    if money["project_funds_returned_cents"]:
        text += f"; {format_money(money['project_funds_returned_cents'])} of project funds returned to the client"
    if money["initiation_fee_returned_cents"]:
        text += f"; initiation fee of {format_money(money['initiation_fee_returned_cents'])} returned"
    record(actor=actor, action=f"contract_{status}", contract_id=contract.id, summary=text,
           at=at, notify=[contract.client_id, contract.freelancer_id],
           details={**money, "reason": reason} if reason else money,
           target=f"contract:{contract.id}", before={"status": ContractStatus.OPEN},
           after={"status": status, **money}, reason=reason)
    return money


@transactional
def end_contract(actor: Account, contract_id: int, *, clock: Clock | None = None) -> dict:
    """End the contract (G-03). Returns the money returned to the client."""
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    authorize("end_contract", actor, contract)
    require_open(contract)
    return end_contract_in_transaction(actor, contract, now_of(clock))


@transactional
def leave_feedback(actor: Account, contract_id: int, stars: int, comment: str = "", *,
                   clock: Clock | None = None) -> Feedback:
    """G-04: after the contract ends, each party leaves feedback once (1 to 5 stars)."""
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    role = authorize("leave_feedback", actor, contract)
    if contract.status == ContractStatus.OPEN:
        raise RuleError("G-04", "Feedback can be left once the contract has ended.")
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise RuleError("G-04", "Feedback is 1 to 5 stars.")
    text = check_text(comment, "The comment", limit=2000)
    if Feedback.select().where((Feedback.contract == contract.id)
                               & (Feedback.author == actor.id)).exists():
        raise RuleError("G-04", "You already left feedback on this contract.")
    subject = contract.freelancer_id if role == access.CLIENT else contract.client_id
    at = now_of(clock)
    fb = Feedback.create(contract=contract.id, author=actor.id, subject=subject, stars=stars,
                         comment=text, created_at=at)
    record(actor=actor, action="leave_feedback", contract_id=contract.id,
           summary=f"Left feedback: {'★' * stars}{'☆' * (5 - stars)}", at=at,
           notify=other_parties(contract, actor), details={"stars": stars, "comment": text},
           target=f"contract:{contract.id}", after={"stars": stars})
    return fb
