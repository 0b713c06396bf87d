"""Fiverr orders marked completed by the system (F-05, F-07)."""
from __future__ import annotations

from models.accounts import Account
from models.vocabulary import ContractStatus
from models.vocabulary import MilestoneStatus as S
from rules.clock import Clock
from rules.contracts import end_contract_in_transaction
from rules.errors import RuleError
from rules.payments import release
from rules.settlement import active_milestones
from rules.store import authorize, load_actor, load_contract, now_of, require_open, transactional


@transactional
def complete_order(actor: Account, contract_id: int, *, reason: str,
                   milestone_id: int | None = None, clock: Clock | None = None) -> dict:
    """The order stops and is marked completed: a delivered milestone is paid, the
    milestones not started are closed (F-05 after 8 days without an answer to a delivery,
    F-07 after 10 days without starting the next milestone).

    X-37: `milestone_id` names the delivery whose days are over (F-05). It is paid; while
    another milestone still holds escrow (a contract funding several at a time) the order
    goes on, and `completed` is False."""
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    authorize("complete_order", actor, contract)
    require_open(contract)
    paid = 0
    active = active_milestones(contract.id)
    current = next((m for m in active if m.id == milestone_id), None) or (
        active[0] if active else None)
    if current is not None:
        if current.status != S.SUBMITTED:
            raise RuleError("F-05", f"“{current.title}” is {current.status.replace('_', ' ')}: "
                                    "only a delivered milestone is paid when an order stops.")
        paid = release(actor, current.id, clock=clock).released_cents
        if len(active) > 1:
            return {"paid_cents": paid, "completed": False}
    money = end_contract_in_transaction(actor, contract, now_of(clock),
                                        ContractStatus.COMPLETED, reason)
    return {"paid_cents": paid, "completed": True, **money}
