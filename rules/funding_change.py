"""Changing a contract's funding policy (X-38): one party asks, the other accepts.

A funding request is a change request of its own kind (`funding`) on the contract, not on
a milestone. It waits for the party who did not write it, who accepts or declines it; its
author may withdraw it; it expires unanswered after 7 days, as U-24's requests do.
"""
from __future__ import annotations

import json

import arrow

from models.accounts import Account
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.vocabulary import ChangeRequestKind as K
from models.vocabulary import ChangeRequestStatus as CS
from rules.calendar import add_days
from rules.change_requests import load_request, require_pending, require_unexpired
from rules.clock import Clock
from rules.errors import RuleError
from rules.funding import check_funding, describe_funding, has_room
from rules.journal import record
from rules.settlement import active_milestones
from rules.store import (authorize, cas_update, load_actor, load_contract, now_of,
                         other_parties, policy_of, require_open, transactional)
from rules.validation import check_text
from rules.windows import close_windows, open_window


def funding_of(cr_or_row) -> tuple[int, int]:
    """(before, after) limits a funding request carries."""
    payload = cr_or_row["payload"] if isinstance(cr_or_row, dict) else cr_or_row.payload
    data = json.loads(payload or "{}")
    return int(data.get("before", 1)), int(data.get("funding_limit", 1))


def funding_title(before: int, after: int) -> str:
    return f"Funding: {describe_funding(before)} → {describe_funding(after)}"


def _refuse_below_escrow(contract: Contract, limit: int) -> None:
    """X-38: no policy that the milestones already in escrow would break."""
    active = active_milestones(contract.id)
    if active and not has_room(limit, len(active) - 1):
        raise RuleError("X-38", f"{len(active)} milestones are in escrow: funding "
                                f"{describe_funding(limit)} can apply once they are "
                                "settled.")


def _load(actor: Account, request_id: int, capability: str):
    """(actor, request, its contract) if `actor` may act on it: load_request reads the
    contract with the request and refuses a stranger (G-07)."""
    actor = load_actor(actor)
    cr = load_request(request_id, K.FUNDING, actor)
    authorize(capability, actor, cr.contract)
    return actor, cr, cr.contract


def _end(cr: ChangeRequest, at: arrow.Arrow, **fields) -> None:
    """Close the request (a compare-and-set) and its 7-day window."""
    cas_update(cr, "This funding request", answered_at=at, **fields)
    close_windows(at=at, contract_id=cr.contract_id, change_request_id=cr.id)


def _require_answerer(cr: ChangeRequest, actor: Account) -> None:
    if cr.author_id == actor.id:
        raise RuleError("X-38", "A funding request waits for the other party: you may "
                                "withdraw yours, not answer it.")


@transactional
def request_funding_change(actor: Account, contract_id: int, funding: int | str,
                           message: str = "", *, clock: Clock | None = None) -> ChangeRequest:
    """X-38: either party asks to change the funding policy; the other answers."""
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    authorize("change_funding", actor, contract)
    require_open(contract)
    limit = check_funding(funding)
    if limit == contract.funding_limit:
        raise RuleError("X-38", f"This contract already funds "
                                f"{describe_funding(limit)}.")
    _refuse_below_escrow(contract, limit)
    if ChangeRequest.select().where((ChangeRequest.contract == contract.id)
                                    & (ChangeRequest.kind == K.FUNDING)
                                    & (ChangeRequest.status == CS.PENDING)).exists():
        raise RuleError("X-38", "A funding request is already waiting on this contract: "
                                "answer or withdraw it first.")
    text = check_text(message, "The message", limit=2000)
    at = now_of(clock)
    cas_update(contract, "This contract")  # serializes two requests at once
    expires = add_days(at, policy_of(contract).change_request_expiry_days)
    before = contract.funding_limit
    cr = ChangeRequest.create(contract=contract.id, author=actor.id, kind=K.FUNDING,
                              status=CS.PENDING, message=text, created_at=at,
                              expires_at=expires,
                              payload=json.dumps({"funding_limit": limit, "before": before}))
    open_window("change_request", contract=contract, change_request_id=cr.id,
                opened_at=at, due_at=expires)
    record(actor=actor, action="request_funding_change", contract_id=contract.id,
           summary=f"Asked to fund {describe_funding(limit)} (was "
                   f"{describe_funding(before)})", at=at,
           notify=other_parties(contract, actor),
           details={"funding_limit": [before, limit], "message": text,
                    "expires_at": expires.isoformat()},
           target=f"change_request:{cr.id}", before={"funding_limit": before},
           after={"funding_limit": limit})
    return cr


@transactional
def accept_funding_change(actor: Account, request_id: int, *,
                          clock: Clock | None = None) -> int:
    """X-38: the other party accepts; the contract funds that way from now on."""
    actor, cr, contract = _load(actor, request_id, "change_funding")
    require_open(contract)
    _require_answerer(cr, actor)
    require_pending(cr, "X-38")
    at = now_of(clock)
    require_unexpired(cr, at)
    before, limit = funding_of(cr)
    _refuse_below_escrow(contract, limit)
    _end(cr, at, status=CS.APPROVED)
    cas_update(contract, "This contract", funding_limit=limit)
    record(actor=actor, action="accept_funding_change", contract_id=contract.id,
           summary=f"Agreed to fund {describe_funding(limit)}", at=at,
           notify=other_parties(contract, actor), details={"funding_limit": [before, limit]},
           target=f"contract:{contract.id}", before={"funding_limit": before},
           after={"funding_limit": limit})
    return limit


@transactional
def decline_funding_change(actor: Account, request_id: int, message: str = "", *,
                           clock: Clock | None = None) -> None:
    """X-38: the other party declines; the policy stays."""
    actor, cr, contract = _load(actor, request_id, "change_funding")
    _require_answerer(cr, actor)
    require_pending(cr, "X-38")
    text = check_text(message, "The message", limit=2000)
    at = now_of(clock)
    require_unexpired(cr, at)
    _end(cr, at, status=CS.REJECTED, answer_message=text)
    record(actor=actor, action="decline_funding_change", contract_id=contract.id,
           summary="Declined the funding request", at=at,
           notify=other_parties(contract, actor), details={"message": text},
           target=f"change_request:{cr.id}", after={"status": cr.status})


@transactional
def withdraw_funding_change(actor: Account, request_id: int, *,
                            clock: Clock | None = None) -> None:
    """X-38: the author withdraws a request not answered yet."""
    actor, cr, contract = _load(actor, request_id, "change_funding")
    if cr.author_id != actor.id:
        raise RuleError("X-38", "Only the party who asked may withdraw a funding request: "
                                "decline it instead.")
    require_pending(cr, "X-38")
    at = now_of(clock)
    require_unexpired(cr, at)
    _end(cr, at, status=CS.WITHDRAWN)
    record(actor=actor, action="withdraw_funding_change", contract_id=contract.id,
           summary="Withdrew the funding request", at=at,
           notify=other_parties(contract, actor), target=f"change_request:{cr.id}",
           after={"status": cr.status})


@transactional
def expire_funding_change(actor: Account, request_id: int, *,
                          clock: Clock | None = None) -> None:
    """X-38 (the system): a funding request nobody answered in 7 days expires."""
    actor, cr, contract = _load(actor, request_id, "expire_change_request")
    require_pending(cr, "X-38")
    at = now_of(clock)
    if cr.expires_at is None or at < arrow.get(cr.expires_at):
        raise RuleError("X-38", "This funding request is still waiting for an answer.")
    _end(cr, at, status=CS.EXPIRED)
    record(actor=actor, action="expire_funding_change", contract_id=contract.id,
           summary="The funding request expired unanswered after 7 days", at=at,
           notify=[contract.client_id, contract.freelancer_id],
           target=f"change_request:{cr.id}", after={"status": cr.status})


def funding_outcome(status: str, author_is_client: bool) -> str:
    """How a funding request stands, in the inbox's words."""
    other = "the freelancer" if author_is_client else "the client"
    return {CS.PENDING: f"Waiting for {other} to accept or decline it (X-38).",
            CS.APPROVED: f"Accepted by {other}: the contract funds this way now (X-38).",
            CS.REJECTED: f"Declined by {other}: the funding stays as it was.",
            CS.WITHDRAWN: "Withdrawn before an answer.",
            CS.EXPIRED: "Expired unanswered after 7 days: the funding stays as it was.",
            CS.CANCELLED: "Cancelled: the contract ended while it was pending.",
            }.get(status, status.capitalize() + ".")


def funding_answers(mine: bool) -> tuple[str, ...]:
    """What a party may do with a pending funding request (the inbox's answer names)."""
    return ("withdraw",) if mine else ("accept", "decline")
