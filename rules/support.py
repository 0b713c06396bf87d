"""Support agents cancel a milestone or a whole order, for a recorded reason (F-08)."""
from __future__ import annotations

from models.accounts import Account
from models.milestones import Milestone
from models.refunds import RefundRequest
from models.vocabulary import ACTIVE_STATUSES, FINAL_STATUSES, ContractStatus, RefundStatus
from models.vocabulary import MilestoneStatus as S
from models.vocabulary import SubmissionStatus
from rules.clock import Clock
from rules.contracts import end_contract_in_transaction
from rules.errors import CONFLICT, RuleError
from rules.journal import record
from rules.ledger import milestone_escrow
from rules.money import format_money
from rules.pending_release import close_held_release
from rules.refunds import OPEN
from rules.settlement import cancel_pending_change_requests, close_submissions, settle_escrow
from rules.store import (authorize, cas_update, load_actor, load_contract, load_milestone,
                         now_of, require_open, transactional)
from rules.validation import check_text
from rules.windows import close_windows


def _cancel_one(actor: Account, m: Milestone, contract, at, reason: str) -> int:
    """Cancel one unfinished milestone; escrow returns to the client. Returns the amount."""
    before = m.status
    cas_update(m, f"“{m.title}”", status=S.CANCELLED, finished_at=at)
    held = milestone_escrow(m.id) if before in ACTIVE_STATUSES else 0
    if held:
        settle_escrow(contract, m, actor, at, to_client=held, kind="cancel")
    RefundRequest.update(status=RefundStatus.CANCELLED, closed_at=at,
                         version=RefundRequest.version + 1).where(
        (RefundRequest.milestone == m.id) & (RefundRequest.status.in_(OPEN))).execute()
    close_submissions(m.id, SubmissionStatus.CLOSED)
    close_held_release(m.id, at, "support cancelled the milestone")
    close_windows(at=at, contract_id=contract.id, milestone_id=m.id)
    cancel_pending_change_requests(contract.id, at, milestone_id=m.id)
    text = f"Support cancelled “{m.title}”"
    if held:
        text += f": {format_money(held)} returned to the client"
    record(actor=actor, action="cancel_milestone", contract_id=contract.id, milestone_id=m.id,
           summary=text, at=at, notify=[contract.client_id, contract.freelancer_id],
           details={"returned_cents": held, "reason": reason}, target=f"milestone:{m.id}",
           before={"status": before}, after={"status": m.status, "returned_cents": held},
           reason=reason)
    return held


@transactional
def cancel_milestone(actor: Account, milestone_id: int, reason: str, *,
                     clock: Clock | None = None) -> int:
    """F-08: a support agent cancels one milestone; its escrow returns to the client."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    authorize("cancel", actor, contract)
    require_open(contract)
    why = check_text(reason, "A reason for the cancellation", required=True, rule="F-08")
    if m.status in FINAL_STATUSES:
        raise RuleError(CONFLICT, f"“{m.title}” is already {m.status}; it cannot be cancelled.")
    return _cancel_one(actor, m, contract, now_of(clock), why)


@transactional
def cancel_order(actor: Account, contract_id: int, reason: str, *,
                 clock: Clock | None = None) -> dict:
    """F-08: a support agent cancels the whole order: every unfinished milestone is
    cancelled, escrow and project funds return to the client."""
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    authorize("cancel", actor, contract)
    require_open(contract)
    why = check_text(reason, "A reason for the cancellation", required=True, rule="F-08")
    at = now_of(clock)
    returned = 0
    for m in (Milestone.select().where((Milestone.contract == contract.id)
                                       & (Milestone.status.in_(list(ACTIVE_STATUSES))))):
        returned += _cancel_one(actor, m, contract, at, why)
    RefundRequest.update(status=RefundStatus.CANCELLED, closed_at=at,
                         version=RefundRequest.version + 1).where(
        (RefundRequest.contract == contract.id) & (RefundRequest.status.in_(OPEN))).execute()
    money = end_contract_in_transaction(actor, contract, at, ContractStatus.CANCELLED, why)
    return {"escrow_returned_cents": returned, **money}
