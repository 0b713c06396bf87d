"""Counter-proposals (X-22, X-23): the party a change request or a milestone proposal
waits for may answer it with an amended version instead of only yes or no. The version
answered ends `countered`; the new one waits for the other party, who may accept it,
refuse it, or counter again. Accepting applies exactly the version accepted
(rules.change_requests: approve_milestone_change, accept_proposal).

Each version is checked as the first one was: U-20 (only the active milestone, before a
submission), U-21 (one pending request a milestone), U-24 (7 days to answer, counted
again for each version), U-14 and U-16 (a proposal over future milestones, one at a
time). The thread keeps every version with its diff against the one before."""
from __future__ import annotations

import json
from dataclasses import dataclass

import arrow

from models.accounts import Account
from models.change_requests import ChangeRequest
from models.vocabulary import ChangeRequestKind as K
from models.vocabulary import ChangeRequestStatus as CS
from rules.calendar import add_days
from rules.change_requests import (plain_value, require_pending, require_unexpired,
                                   validate_active_change, answerer_action, load_request)
from rules.clock import Clock
from rules.errors import INPUT, RuleError
from rules.journal import record
from rules.plan import (PlanOp, apply_ops, cleaned_ops, describe_field, ops_from_json,
                        ops_to_json)
from rules.planning import changes_as_data, describe_changes, plan_context, plan_rows
from rules.request_diff import request_changes
from rules.store import (authorize, cas_update, is_id, load_actor, load_contract, load_milestone,
                         now_of, other_parties, policy_of, require_open, transactional)
from rules.validation import check_text
from rules.windows import close_windows, open_window

SAME = "The counter-proposal is the same as the version it answers: accept that one instead."


def _countered(cr: ChangeRequest, at: arrow.Arrow) -> None:
    cas_update(cr, "This change request", status=CS.COUNTERED, answered_at=at)
    close_windows(at=at, contract_id=cr.contract_id, change_request_id=cr.id)


@transactional
def counter_milestone_change(actor: Account, request_id: int, changes: dict,
                             message: str = "", *, clock: Clock | None = None) -> ChangeRequest:
    """X-22: answer a pending change to the active milestone with an amended one: the
    fields it sets (title, description, due date, amount), checked as U-20 checks a
    request. It waits for the other party for 7 days (U-24)."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.CLIENT_ACTIVE, actor)
    m, contract = load_milestone(cr.milestone_id, actor)
    authorize(answerer_action(cr, contract), actor, contract)
    require_open(contract)
    require_pending(cr, "U-22")
    at = now_of(clock)
    require_unexpired(cr, at)
    clean = validate_active_change(m, contract, changes)
    wanted = {k: plain_value(v) for k, v in clean.items()}
    if wanted == json.loads(cr.payload)["changes"]:
        raise RuleError("X-22", SAME)
    text = check_text(message, "The message", limit=2000)
    _countered(cr, at)
    cas_update(m, "This milestone")  # serializes against a submission or release
    expires = add_days(at, policy_of(contract).change_request_expiry_days)
    before = {k: plain_value(getattr(m, k)) for k in clean}
    new = ChangeRequest.create(contract=contract.id, milestone=m.id, author=actor.id,
                               kind=K.CLIENT_ACTIVE, status=CS.PENDING, message=text,
                               payload=json.dumps({"changes": wanted, "before": before}),
                               created_at=at, expires_at=expires, previous=cr.id)
    open_window("change_request", contract=contract, milestone_id=m.id,
                change_request_id=new.id, opened_at=at, due_at=expires)
    record(actor=actor, action="counter_milestone_change", contract_id=contract.id,
           milestone_id=m.id, summary=f"Answered the change to “{m.title}” with another: "
           + ", ".join(describe_field(k, before[k], v) for k, v in wanted.items()),
           at=at, notify=other_parties(contract, actor),
           details={"changes": {k: [before[k], v] for k, v in wanted.items()},
                    "answers": cr.id, "expires_at": expires.isoformat()},
           target=f"change_request:{new.id}", before={"answers": cr.id}, after=wanted)
    return new


@transactional
def counter_proposal(actor: Account, request_id: int, ops: list[PlanOp],
                     message: str = "", *, clock: Clock | None = None) -> ChangeRequest:
    """X-22: answer a pending milestone proposal with an amended batch over the future
    milestones, checked as U-14 checks a proposal; it waits for the other party."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.FREELANCER_PROPOSAL, actor)
    contract = load_contract(cr.contract_id, actor)
    authorize(answerer_action(cr, contract), actor, contract)
    require_open(contract)
    require_pending(cr, "U-15")
    ops = cleaned_ops(list(ops))
    rows, changes = apply_ops(plan_rows(contract.id), ops,
                              plan_context(contract, by_freelancer=True))
    if not changes:
        raise RuleError(INPUT, "The counter-proposal changes nothing.")
    data = changes_as_data(changes)
    if ops_to_json(ops) == json.loads(cr.payload)["ops"]:
        raise RuleError("X-22", SAME)
    text = check_text(message, "The message", limit=2000)
    at = now_of(clock)
    _countered(cr, at)
    cas_update(contract, "This contract's plan")
    new = ChangeRequest.create(contract=contract.id, author=actor.id,
                               kind=K.FREELANCER_PROPOSAL, status=CS.PENDING, message=text,
                               created_at=at, previous=cr.id,
                               payload=json.dumps({"ops": ops_to_json(ops), "changes": data}))
    record(actor=actor, action="counter_proposal", contract_id=contract.id,
           summary=f"Answered the proposal with another: {describe_changes(changes)}",
           at=at, notify=other_parties(contract, actor),
           details={"changes": data, "answers": cr.id, "message": text},
           target=f"change_request:{new.id}", before={"answers": cr.id},
           after={"changes": data})
    return new


# --- the thread ------------------------------------------------------------------------

@dataclass(frozen=True)
class Version:
    """One version of a thread, oldest first."""
    number: int
    request_id: int
    author: str
    created_at: arrow.Arrow
    status: str
    message: str
    lines: tuple[str, ...]   # what it changes, a line each
    since: tuple[str, ...]   # its diff against the version before ("" for the first)


def _lines(cr: ChangeRequest, milestone_title: str) -> tuple[str, ...]:
    """What a version changes: for a change to the active milestone a line a field
    ("amount: $250.00 → $280.00"); for a proposal a line a milestone ("edited “Logo”
    (amount: …)", an added one with its values, read by rules.request_diff)."""
    row = {"kind": cr.kind, "milestone": cr.milestone_id, "milestone_title": milestone_title}
    diffs = request_changes(row, json.loads(cr.payload or "{}"))
    if cr.kind == K.CLIENT_ACTIVE:
        return tuple(f.describe() for d in diffs for f in d.fields)
    out = []
    for d in diffs:
        parts = ", ".join(f.describe() if d.kind == "edited" else f"{f.label}: {f.after_text}"
                          for f in d.fields
                          if d.kind == "edited" or (d.kind == "added" and f.name != "title"))
        out.append(f"{d.headline()} ({parts})" if parts else d.headline())
    return tuple(out)


def _since(previous: tuple[str, ...], current: tuple[str, ...]) -> tuple[str, ...]:
    """What a version changed of the one before: the lines it adds and drops."""
    return (tuple(f"+ {line}" for line in current if line not in previous)
            + tuple(f"− {line}" for line in previous if line not in current))


def request_thread(actor: Account, request_id: int) -> list[Version]:
    """X-23: every version of the request's thread, oldest first, each with its diff
    against the one before; G-07 as for the request itself."""
    actor = load_actor(actor)
    found = ChangeRequest.get_or_none(ChangeRequest.id == request_id) if is_id(
        request_id) else None
    cr = load_request(request_id, found.kind if found else K.CLIENT_ACTIVE, actor)
    chain = [cr]
    while chain[0].previous_id is not None:
        chain.insert(0, ChangeRequest.get_by_id(chain[0].previous_id))
    while (after := ChangeRequest.get_or_none(ChangeRequest.previous == chain[-1].id)):
        chain.append(after)
    names = {a.id: a.display_name for a in
             Account.select().where(Account.id.in_({c.author_id for c in chain}))}
    out: list[Version] = []
    previous: tuple[str, ...] = ()
    title = cr.milestone.title if cr.milestone_id is not None else ""
    for i, c in enumerate(chain, 1):
        lines = _lines(c, title)
        out.append(Version(i, c.id, names.get(c.author_id, ""), arrow.get(c.created_at),
                           c.status, c.message or "", lines,
                           _since(previous, lines) if i > 1 else ()))
        previous = lines
    return out


def proposal_ops(actor: Account, request_id: int) -> list[PlanOp]:
    """The batch a pending proposal (or counter) holds, for the party it waits for to
    amend (X-22); G-07 as for the request."""
    cr = load_request(request_id, K.FREELANCER_PROPOSAL, load_actor(actor))
    return ops_from_json(json.loads(cr.payload)["ops"])
