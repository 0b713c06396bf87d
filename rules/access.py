"""Who may do what (G-07), as one table.

Each action names the roles allowed to take it. "client" and "freelancer" mean the
client or the freelancer *of that contract*; an agent may act on any contract; the
system is the deadline worker applying an expired window. Nobody else sees a contract.
"""
from __future__ import annotations

from rules.errors import RuleError

CLIENT, FREELANCER, AGENT, SYSTEM = "client", "freelancer", "agent", "system"

ACCESS: dict[str, frozenset[str]] = {
    "view_contract": frozenset({CLIENT, FREELANCER, AGENT}),
    "create_contract": frozenset({CLIENT}),
    "edit_plan": frozenset({CLIENT}),
    "fund_milestone": frozenset({CLIENT}),
    "add_escrow_funds": frozenset({CLIENT}),
    "submit_work": frozenset({FREELANCER}),
    "request_changes": frozenset({CLIENT}),
    "release": frozenset({CLIENT, SYSTEM}),
    "hold_release": frozenset({CLIENT}),
    "request_refund": frozenset({CLIENT}),
    "answer_refund": frozenset({FREELANCER}),
    "grant_refund": frozenset({SYSTEM}),
    "respond_to_dispute": frozenset({CLIENT}),
    "expire_dispute": frozenset({SYSTEM}),
    "resolve_dispute": frozenset({AGENT}),
    "cancel": frozenset({AGENT}),
    "change_active_milestone": frozenset({CLIENT}),
    "answer_change_request": frozenset({FREELANCER}),
    "expire_change_request": frozenset({SYSTEM}),
    "propose_changes": frozenset({FREELANCER}),
    "answer_proposal": frozenset({CLIENT}),
    "change_funding": frozenset({CLIENT, FREELANCER}),
    "end_contract": frozenset({CLIENT, FREELANCER}),
    "complete_order": frozenset({SYSTEM}),
    "leave_feedback": frozenset({CLIENT, FREELANCER}),
}

_WHAT = {
    "view_contract": "see this contract",
    "create_contract": "create contracts",
    "edit_plan": "add, edit, delete or reorder milestones directly",
    "fund_milestone": "fund or start milestones",
    "add_escrow_funds": "add funds to escrow",
    "submit_work": "submit work",
    "request_changes": "request changes or revisions",
    "release": "release payment",
    "hold_release": "schedule, hold or take back a release",
    "request_refund": "request refunds",
    "answer_refund": "answer refund requests",
    "grant_refund": "grant an unanswered refund",
    "respond_to_dispute": "respond to a dispute",
    "expire_dispute": "close an unanswered dispute",
    "resolve_dispute": "resolve disputes",
    "cancel": "cancel milestones or orders",
    "change_active_milestone": "request changes to the active milestone",
    "answer_change_request": "approve or reject change requests",
    "expire_change_request": "expire change requests",
    "propose_changes": "propose milestone changes",
    "answer_proposal": "accept or decline milestone proposals",
    "change_funding": "ask for or answer a change of the funding policy",
    "end_contract": "end contracts",
    "complete_order": "complete orders automatically",
    "leave_feedback": "leave feedback",
}


def sees_everything(actor_role: str) -> bool:
    """Agents see every contract, and the system acts on any: they may be told plainly
    that an id does not exist. Nobody else may (see `unseen`)."""
    return actor_role in (AGENT, SYSTEM)


def unseen(what: str = "contract") -> RuleError:
    """The one refusal a non-agent gets for a contract, milestone or request that is not
    theirs *and* for an id that does not exist: the two must read the same, or a stranger
    could probe which ids exist (G-07)."""
    return RuleError("G-07", f"No such {what}, or it is not yours to see.")


def capacity(actor_id: int, actor_role: str, client_id: int | None,
             freelancer_id: int | None) -> str | None:
    """The capacity in which an actor stands towards a contract, or None (a stranger)."""
    if actor_role == AGENT:
        return AGENT
    if actor_role == SYSTEM:
        return SYSTEM
    if actor_role == CLIENT and actor_id == client_id:
        return CLIENT
    if actor_role == FREELANCER and actor_id == freelancer_id:
        return FREELANCER
    return None


def is_allowed(action: str, actor_id: int, actor_role: str, client_id: int | None = None,
               freelancer_id: int | None = None) -> bool:
    allowed = ACCESS[action]
    if action == "create_contract":
        return actor_role in allowed
    return capacity(actor_id, actor_role, client_id, freelancer_id) in allowed


def check(action: str, actor_id: int, actor_role: str, client_id: int | None = None,
          freelancer_id: int | None = None) -> str:
    """Raise RuleError G-07 unless the actor may take `action`; return their capacity."""
    if is_allowed(action, actor_id, actor_role, client_id, freelancer_id):
        return capacity(actor_id, actor_role, client_id, freelancer_id) or actor_role
    if action != "create_contract" and capacity(actor_id, actor_role, client_id,
                                                freelancer_id) is None:
        raise unseen("contract")
    roles = " or ".join(sorted(ACCESS[action]))
    raise RuleError("G-07", f"Only the {roles} may {_WHAT[action]}.")
