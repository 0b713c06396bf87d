"""Change requests: the client's change to the active milestone (U-20..U-24) and the
freelancer's proposals over future milestones (U-14..U-16)."""
from __future__ import annotations

import datetime as dt
import json

import arrow

from models.accounts import Account
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.milestones import Milestone, Submission
from models.vocabulary import ChangeRequestKind as K
from models.vocabulary import ChangeRequestStatus as CS
from models.vocabulary import MilestoneStatus as S
from rules.calendar import add_days
from rules.clock import Clock
from rules.errors import INPUT, RuleError
from rules.journal import record
from rules.ledger import A, milestone_escrow, transfer
from rules.money import format_money
from rules.plan import (PlanOp, apply_ops, cleaned_ops, describe_field, ops_from_json,
                        ops_to_json)
from rules.payments import refuse_state
from rules.plan_revisions import record_revision
from rules.planning import (changes_as_data, check_active_changes, describe_changes,
                            plan_context, plan_rows, proposal_pending, write_plan)
from rules.store import (authorize, cas_update, check_expected_version, is_id, load_actor,
                         load_contract, load_milestone, missing, now_of, other_parties,
                         policy_of, require_open, require_seen, transactional)
from rules.validation import check_text
from rules.windows import close_windows, open_window


def load_request(request_id: int, kind: str, actor: Account | None) -> ChangeRequest:
    """The change request of that kind, if `actor` may see its contract (G-07): an unknown
    id and another's request are refused alike (rules.store.missing)."""
    cr = (ChangeRequest.select(ChangeRequest, Contract).join(Contract)
          .where(ChangeRequest.id == request_id).first()) if is_id(request_id) else None
    if cr is None or cr.kind != kind:
        raise missing("change request", request_id, actor)
    require_seen("change request", actor, cr.contract)
    return cr


def require_pending(cr: ChangeRequest, rule: str) -> None:
    if cr.status != CS.PENDING:
        raise RuleError(rule, f"This change request is {cr.status}; it can no longer be "
                              "answered or changed.")


def require_unexpired(cr: ChangeRequest, at: arrow.Arrow) -> None:
    """U-24: once its 7 days are over, a request can no longer be answered or changed,
    even before the deadline sweep has marked it expired."""
    if cr.expires_at is not None and at >= arrow.get(cr.expires_at):
        raise RuleError("U-24", "This change request expired unanswered after its 7 days; "
                                "it can no longer be answered or changed.")


def answer_capability(kind: str, by_client: bool) -> str:
    """X-22: the capability (rules.access) of the party a version waits for, the one
    who did not write it. A client's change waits for the freelancer (U-22), a
    freelancer's proposal for the client (U-15); a counter-proposal the other way."""
    if kind == K.CLIENT_ACTIVE:
        return "answer_change_request" if by_client else "change_active_milestone"
    return "propose_changes" if by_client else "answer_proposal"


def author_capability(by_client: bool) -> str:
    """The capability of the party who wrote a change to the active milestone (who may
    edit or withdraw it, U-21)."""
    return "change_active_milestone" if by_client else "answer_change_request"


def answerer_action(cr: ChangeRequest, contract: Contract) -> str:
    return answer_capability(cr.kind, cr.author_id == contract.client_id)


def author_action(cr: ChangeRequest, contract: Contract) -> str:
    return author_capability(cr.author_id == contract.client_id)


def plain_value(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def _from_plain(changes: dict) -> dict:
    out = dict(changes)
    if out.get("due_date"):
        out["due_date"] = dt.date.fromisoformat(out["due_date"])
    return out


def active_changes(cr: ChangeRequest) -> dict:
    """The fields a client change request sets on its milestone."""
    return _from_plain(json.loads(cr.payload)["changes"])


# --- client change requests on the active milestone --------------------------------

def validate_active_change(m: Milestone, contract, changes: dict) -> dict:
    policy = policy_of(contract)
    if not policy.client_change_requests:
        rule = "U-10" if policy.name == "upwork-compliance" else "U-20"
        raise RuleError(rule, f"Change requests on an active milestone are not available on "
                              f"{policy.label}.")
    if m.status == S.RELEASING:
        raise refuse_state(m, "changed")
    submitted = Submission.select().where(Submission.milestone == m.id).exists()
    if m.status != S.FUNDED or submitted:
        why = (" (edit future milestones directly)." if m.status == S.PLANNED
               else " and has a submission." if submitted else ".")
        raise RuleError("U-20", f"A change can be requested only on the active milestone "
                                f"before the freelancer submits work; “{m.title}” is "
                                f"{m.status.replace('_', ' ')}{why}")
    clean = check_active_changes(m, contract, changes)
    clean = {k: v for k, v in clean.items() if getattr(m, k) != v}
    if not clean:
        raise RuleError("U-20", "The change request changes nothing.")
    return clean


@transactional
def request_milestone_change(actor: Account, milestone_id: int, changes: dict,
                             message: str = "", *, clock: Clock | None = None) -> ChangeRequest:
    """U-20: the client asks to change the active milestone's title, description, due date
    or amount; it waits for the freelancer (U-21) and expires after 7 days (U-24)."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    authorize("change_active_milestone", actor, contract)
    require_open(contract)
    clean = validate_active_change(m, contract, changes)
    if ChangeRequest.select().where((ChangeRequest.milestone == m.id)
                                    & (ChangeRequest.status == CS.PENDING)).exists():
        raise RuleError("U-21", f"A change request on “{m.title}” is already pending: edit "
                                "or withdraw it.")
    text = check_text(message, "The message", limit=2000)
    at = now_of(clock)
    cas_update(m, "This milestone")  # serializes against a submission or release
    expires = add_days(at, policy_of(contract).change_request_expiry_days)
    before = {k: plain_value(getattr(m, k)) for k in clean}
    cr = ChangeRequest.create(contract=contract.id, milestone=m.id, author=actor.id,
                              kind=K.CLIENT_ACTIVE, status=CS.PENDING, message=text,
                              payload=json.dumps({"changes": {k: plain_value(v) for k, v in clean.items()},
                                                  "before": before}),
                              created_at=at, expires_at=expires)
    open_window("change_request", contract=contract, milestone_id=m.id,
                change_request_id=cr.id, opened_at=at, due_at=expires)
    record(actor=actor, action="request_milestone_change", contract_id=contract.id,
           milestone_id=m.id, summary=f"Requested a change to “{m.title}”: "
           + ", ".join(describe_field(k, before[k], plain_value(v)) for k, v in clean.items()),
           at=at, notify=other_parties(contract, actor),
           details={"changes": {k: [before[k], plain_value(v)] for k, v in clean.items()},
                    "expires_at": expires.isoformat()},
           target=f"change_request:{cr.id}", before=before,
           after={k: plain_value(v) for k, v in clean.items()})
    return cr


@transactional
def edit_milestone_change(actor: Account, request_id: int, changes: dict, *,
                          version: int | None = None, clock: Clock | None = None) -> None:
    """U-21: the client edits a pending request before the freelancer answers."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.CLIENT_ACTIVE, actor)
    m, contract = load_milestone(cr.milestone_id, actor)
    authorize(author_action(cr, contract), actor, contract)
    require_pending(cr, "U-21")
    check_expected_version(cr, version, "This change request")
    clean = validate_active_change(m, contract, changes)
    at = now_of(clock)
    require_unexpired(cr, at)
    before = {k: plain_value(getattr(m, k)) for k in clean}
    payload = {"changes": {k: plain_value(v) for k, v in clean.items()}, "before": before}
    cas_update(cr, "This change request", payload=json.dumps(payload))
    record(actor=actor, action="edit_milestone_change", contract_id=contract.id,
           milestone_id=m.id, summary=f"Edited the pending change request on “{m.title}”",
           at=at, notify=other_parties(contract, actor), details=payload,
           target=f"change_request:{cr.id}", after=payload)


@transactional
def withdraw_milestone_change(actor: Account, request_id: int, *,
                              clock: Clock | None = None) -> None:
    """U-21: the client withdraws a pending request."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.CLIENT_ACTIVE, actor)
    contract = load_contract(cr.contract_id, actor)
    authorize(author_action(cr, contract), actor, contract)
    require_pending(cr, "U-21")
    at = now_of(clock)
    require_unexpired(cr, at)
    cas_update(cr, "This change request", status=CS.WITHDRAWN, answered_at=at)
    close_windows(at=at, contract_id=contract.id, change_request_id=cr.id)
    record(actor=actor, action="withdraw_milestone_change", contract_id=contract.id,
           milestone_id=cr.milestone_id, summary="Withdrew the pending change request",
           at=at, notify=other_parties(contract, actor), target=f"change_request:{cr.id}",
           after={"status": cr.status})


@transactional
def approve_milestone_change(actor: Account, request_id: int, *,
                             clock: Clock | None = None) -> dict:
    """U-22: the freelancer approves; the change applies at once. A lower amount moves the
    difference from escrow to project funds; a higher one waits for the client to add
    funds (rules.payments.add_escrow_funds)."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.CLIENT_ACTIVE, actor)
    m, contract = load_milestone(cr.milestone_id, actor)
    authorize(answerer_action(cr, contract), actor, contract)
    require_open(contract)
    require_pending(cr, "U-22")
    changes = active_changes(cr)
    at = now_of(clock)
    require_unexpired(cr, at)
    cas_update(cr, "This change request", status=CS.APPROVED, answered_at=at)
    if m.status != S.FUNDED:
        raise RuleError("U-23", f"“{m.title}” is no longer waiting for work; the request "
                                "no longer applies.")
    before = {k: plain_value(getattr(m, k)) for k in changes}
    cas_update(m, "This milestone", **changes)
    record_revision(contract.id, actor, "amended", at)
    moved = 0
    held = milestone_escrow(m.id)
    if "amount_cents" in changes and held > m.amount_cents:
        moved = held - m.amount_cents
        transfer(kind="lowered_to_project_funds", source=A.ESCROW, target=A.PROJECT_FUNDS,
                 amount_cents=moved, contract_id=contract.id, milestone_id=m.id,
                 actor_id=actor.id, at=at)
    missing = max(m.amount_cents - milestone_escrow(m.id), 0)
    close_windows(at=at, contract_id=contract.id, change_request_id=cr.id)
    text = f"Approved the change to “{m.title}”"
    if moved:
        text += f"; {format_money(moved)} moved to project funds"
    if missing:
        text += f"; the client needs to add {format_money(missing)} to escrow"
    result = {"to_project_funds_cents": moved, "funds_needed_cents": missing}
    record(actor=actor, action="approve_milestone_change", contract_id=contract.id,
           milestone_id=m.id, summary=text, at=at, notify=other_parties(contract, actor),
           details={**result, "changes": {k: [before[k], plain_value(v)] for k, v in changes.items()}},
           target=f"change_request:{cr.id}", before=before,
           after={k: plain_value(v) for k, v in changes.items()})
    return result


@transactional
def reject_milestone_change(actor: Account, request_id: int, message: str = "", *,
                            clock: Clock | None = None) -> None:
    """U-22: the freelancer rejects; the milestone stays as it was."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.CLIENT_ACTIVE, actor)
    contract = load_contract(cr.contract_id, actor)
    authorize(answerer_action(cr, contract), actor, contract)
    require_pending(cr, "U-22")
    text = check_text(message, "The message", limit=2000)
    at = now_of(clock)
    require_unexpired(cr, at)
    cas_update(cr, "This change request", status=CS.REJECTED, answered_at=at,
               answer_message=text)
    close_windows(at=at, contract_id=contract.id, change_request_id=cr.id)
    record(actor=actor, action="reject_milestone_change", contract_id=contract.id,
           milestone_id=cr.milestone_id, summary="Rejected the change request", at=at,
           notify=other_parties(contract, actor), details={"message": text},
           target=f"change_request:{cr.id}", after={"status": cr.status})


@transactional
def expire_milestone_change(actor: Account, request_id: int, *,
                            clock: Clock | None = None) -> None:
    """U-24 (the system): a request nobody answered in 7 days expires."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.CLIENT_ACTIVE, actor)
    contract = load_contract(cr.contract_id, actor)
    authorize("expire_change_request", actor, contract)
    require_pending(cr, "U-24")
    at = now_of(clock)
    if cr.expires_at is None or at < arrow.get(cr.expires_at):
        raise RuleError("U-24", "This change request is still waiting for an answer; it "
                                "expires only when its 7 days are over.")
    cas_update(cr, "This change request", status=CS.EXPIRED, answered_at=at)
    close_windows(at=at, contract_id=contract.id, change_request_id=cr.id)
    record(actor=actor, action="expire_milestone_change", contract_id=contract.id,
           milestone_id=cr.milestone_id, summary="The change request expired unanswered "
                                                 "after 7 days", at=at,
           notify=[contract.client_id, contract.freelancer_id],
           target=f"change_request:{cr.id}", after={"status": cr.status})


# --- freelancer proposals over future milestones ----------------------------------

@transactional
def propose_milestone_changes(actor: Account, contract_id: int, ops: list[PlanOp],
                              message: str = "", *, clock: Clock | None = None) -> ChangeRequest:
    """U-14: the freelancer proposes to add, edit or delete future milestones."""
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    authorize("propose_changes", actor, contract)
    require_open(contract)
    policy = policy_of(contract)
    if not policy.freelancer_proposals:
        rule = "U-10" if policy.name == "upwork-compliance" else "U-14"
        raise RuleError(rule, f"Milestone proposals are not available on {policy.label}.")
    if proposal_pending(contract.id):
        raise RuleError("U-16", "A proposal is already waiting for the client's answer.")
    saved = plan_rows(contract.id)
    ops = cleaned_ops(list(ops))  # the ops are stored: their text as it will be shown
    rows, changes = apply_ops(saved, ops, plan_context(contract, by_freelancer=True))
    if not changes:
        raise RuleError(INPUT, "The proposal changes nothing.")
    text = check_text(message, "The message", limit=2000)
    at = now_of(clock)
    cas_update(contract, "This contract's plan")
    data = changes_as_data(changes)
    cr = ChangeRequest.create(contract=contract.id, author=actor.id, kind=K.FREELANCER_PROPOSAL,
                              status=CS.PENDING, message=text, created_at=at,
                              payload=json.dumps({"ops": ops_to_json(list(ops)), "changes": data}))
    record(actor=actor, action="propose_milestone_changes", contract_id=contract.id,
           summary=f"Proposed milestone changes: {describe_changes(changes)}", at=at,
           notify=other_parties(contract, actor), details={"changes": data, "message": text},
           target=f"change_request:{cr.id}", after={"changes": data})
    return cr


@transactional
def accept_proposal(actor: Account, request_id: int, *, clock: Clock | None = None) -> None:
    """U-15: the client accepts the whole proposal; every change applies at once."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.FREELANCER_PROPOSAL, actor)
    contract = load_contract(cr.contract_id, actor)
    authorize(answerer_action(cr, contract), actor, contract)
    require_open(contract)
    require_pending(cr, "U-15")
    at = now_of(clock)
    cas_update(cr, "This proposal", status=CS.APPROVED, answered_at=at)
    saved = plan_rows(contract.id)
    ops = ops_from_json(json.loads(cr.payload)["ops"])
    try:
        rows, changes = apply_ops(saved, ops, plan_context(contract, by_freelancer=True))
    except RuleError as exc:
        raise RuleError(exc.rule_id, f"The proposal no longer applies: {exc.message} "
                                     "Decline it and ask for a new one.") from None
    write_plan(contract, saved, rows, changes, at)
    record_revision(contract.id, actor, "proposal", at)
    record(actor=actor, action="accept_proposal", contract_id=contract.id,
           summary=f"Accepted the proposal: {describe_changes(changes)}", at=at,
           notify=other_parties(contract, actor), details={"changes": changes_as_data(changes)},
           target=f"change_request:{cr.id}", after={"changes": changes_as_data(changes)})


@transactional
def decline_proposal(actor: Account, request_id: int, message: str = "", *,
                     clock: Clock | None = None) -> None:
    """U-15: the client declines the whole proposal; nothing changes."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.FREELANCER_PROPOSAL, actor)
    contract = load_contract(cr.contract_id, actor)
    authorize(answerer_action(cr, contract), actor, contract)
    require_pending(cr, "U-15")
    text = check_text(message, "The message", limit=2000)
    at = now_of(clock)
    cas_update(cr, "This proposal", status=CS.REJECTED, answered_at=at,
               answer_message=text)
    record(actor=actor, action="decline_proposal", contract_id=contract.id,
           summary="Declined the milestone proposal", at=at,
           notify=other_parties(contract, actor), details={"message": text},
           target=f"change_request:{cr.id}", after={"status": cr.status})
