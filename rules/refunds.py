"""Refund requests and disputes (U-29, U-32, U-33, G-02).

A refund asks back either the escrow of an active milestone or an amount already
released. The freelancer agrees (the money returns to the client) or disputes; the
client then has 5 business days to respond (U-33) before the freelancer keeps it; a
response hands the dispute to a support agent, who splits it (G-02).
"""
from __future__ import annotations

from peewee import fn

from models.accounts import Account
from models.contracts import Contract
from models.ledger import LedgerEntry
from models.milestones import Milestone
from models.refunds import RefundRequest
from models.vocabulary import MilestoneStatus as S
from models.vocabulary import RefundSource, RefundStatus, SubmissionStatus
from rules.calendar import add_business_days, add_days
from rules.clock import Clock
from rules.errors import RuleError
from rules.journal import record
from rules.holds import take_back_paid
from rules.ledger import A, milestone_escrow, paid_balance
from rules.money import check_cents, format_money
from rules.payments import (RELEASABLE, refuse_after_review_window, refuse_if_window_passed,
                            refuse_state)
from rules.settlement import cancel_pending_change_requests, close_submissions, settle_escrow
from rules.store import (authorize, cas_update, is_id, load_actor, load_contract, load_milestone,
                         missing, now_of, other_parties, policy_of, require_open, require_seen,
                         transactional)
from rules.validation import check_text
from rules.windows import close_windows, open_window

OPEN = (RefundStatus.PENDING, RefundStatus.DISPUTED, RefundStatus.IN_SUPPORT)


def load_refund(refund_id: int, actor: Account | None) -> tuple[RefundRequest, Milestone]:
    """The refund request and its milestone, if `actor` may see its contract (G-07): an
    unknown id and another's request are refused alike (rules.store.missing)."""
    rr = (RefundRequest.select(RefundRequest, Contract).join(Contract)
          .where(RefundRequest.id == refund_id).first()) if is_id(refund_id) else None
    if rr is None:
        raise missing("refund request", refund_id, actor)
    require_seen("refund request", actor, rr.contract)
    return rr, Milestone.get_by_id(rr.milestone_id)


def _require_status(rr: RefundRequest, *allowed: str, rule: str = "U-29") -> None:
    if rr.status not in allowed:
        raise RuleError(rule, f"This refund request is {rr.status.replace('_', ' ')}; it "
                              "cannot be answered that way now.")


@transactional
def request_refund(actor: Account, milestone_id: int, amount_cents: int | None = None,
                   reason: str = "", *, clock: Clock | None = None) -> RefundRequest:
    """U-29: the client asks back the escrow of an active milestone (all of it), or part or
    all of what was released for a finished one."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    authorize("request_refund", actor, contract)
    require_open(contract)
    policy = policy_of(contract)
    if not policy.refunds:
        raise RuleError("U-29", f"Refunds on {policy.label} go through support "
                                "(cancellation, F-08).")
    # Whether a refund is open, and the escrow, in one read.
    held, already = (LedgerEntry.select(
        fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0),
        fn.EXISTS(RefundRequest.select(RefundRequest.id).where(
            (RefundRequest.milestone == m.id) & (RefundRequest.status.in_(OPEN)))))
        .where((LedgerEntry.account == A.ESCROW) & (LedgerEntry.milestone == m.id))
        .tuples().get())
    if already:
        raise RuleError("U-29", f"A refund request on “{m.title}” is already open.")
    text = check_text(reason, "The reason", limit=2000)
    at = now_of(clock)
    before = {"milestone_status": m.status}
    if m.status in RELEASABLE:
        source, held = RefundSource.ESCROW, int(held or 0)
        if amount_cents is not None and amount_cents != held:
            raise RuleError("U-29", f"An escrow refund asks back the whole escrow "
                                    f"({format_money(held)}).")
        amount = held
        refuse_after_review_window(actor, m, contract, at)
        cas_update(m, "This milestone", status=S.REFUND_REQUESTED)
        close_windows(at=at, contract_id=contract.id, milestone_id=m.id, kind="review")
        cancel_pending_change_requests(contract.id, at, milestone_id=m.id)
    elif m.status == S.RELEASED:
        source = RefundSource.PAID
        paid = paid_balance(milestone_id=m.id)  # pending or available
        if paid <= 0:
            raise RuleError("U-29", f"Everything paid for “{m.title}” was already refunded; "
                                    "there is nothing left to ask back.")
        amount = paid if amount_cents is None else check_cents(amount_cents)
        if amount > paid:
            raise RuleError("U-29", f"At most {format_money(paid)} was paid for “{m.title}”.")
        cas_update(m, "This milestone")
    else:
        raise refuse_state(m, "refunded")
    rr = RefundRequest.create(contract=contract.id, milestone=m.id, source=source,
                              amount_cents=amount, reason=text, status=RefundStatus.PENDING,
                              created_at=at, requested_by=actor.id)
    if source == RefundSource.ESCROW:  # U-32: unanswered for 7 days, it is granted
        open_window("refund_answer", contract=contract, milestone_id=m.id,
                    refund_request_id=rr.id, opened_at=at,
                    due_at=add_days(at, policy.refund_answer_days))
    what = "the escrow" if source == RefundSource.ESCROW else "a paid amount"
    record(actor=actor, action="request_refund", contract_id=contract.id, milestone_id=m.id,
           summary=f"Asked for a refund of {what} on “{m.title}”: {format_money(amount)}",
           at=at, notify=other_parties(contract, actor),
           details={"amount_cents": amount, "source": source, "reason": text},
           target=f"refund:{rr.id}", before=before,
           after={"status": rr.status, "amount_cents": amount, "milestone_status": m.status})
    return rr


def _refuse_late_answer(actor: Account, rr: RefundRequest, contract, at) -> None:
    """U-32: after 7 days unanswered the refund is granted; an answer comes too late."""
    days = policy_of(contract).refund_answer_days
    refuse_if_window_passed(actor, at, kind="refund_answer", rule="U-32",
                            contract_id=contract.id, refund_request_id=rr.id,
                            message=f"The {days} days to answer this refund request are over: "
                                    "it is granted and the money returns to the client.")


def _return_to_client(actor: Account, rr: RefundRequest, m: Milestone, at, status: str) -> None:
    contract = load_contract(rr.contract_id, actor)
    before = {"status": rr.status, "milestone_status": m.status}
    cas_update(rr, "This refund request", status=status, closed_at=at)
    if rr.source == RefundSource.ESCROW:
        cas_update(m, "This milestone", status=S.REFUNDED, finished_at=at)
        settle_escrow(contract, m, actor, at, to_client=rr.amount_cents, kind="refund")
        close_submissions(m.id, SubmissionStatus.CLOSED)
    else:
        take_back_paid(kind="paid_refund", amount_cents=rr.amount_cents,
                       contract_id=contract.id, milestone_id=m.id, actor_id=actor.id, at=at,
                       once_key=f"r:{rr.id}:settle")
    close_windows(at=at, contract_id=contract.id, refund_request_id=rr.id)
    word = "agreed to" if status == RefundStatus.AGREED else "granted (unanswered for 7 days)"
    record(actor=actor, action=f"refund_{status}", contract_id=contract.id, milestone_id=m.id,
           summary=f"Refund {word}: {format_money(rr.amount_cents)} returned to the client "
                   f"for “{m.title}”", at=at,
           notify=[contract.client_id, contract.freelancer_id],
           details={"amount_cents": rr.amount_cents, "source": rr.source},
           target=f"refund:{rr.id}", before=before,
           after={"status": status, "milestone_status": m.status})


@transactional
def agree_refund(actor: Account, refund_id: int, *, clock: Clock | None = None) -> None:
    """U-29: the freelancer agrees; the money returns to the client."""
    actor = load_actor(actor)
    rr, m = load_refund(refund_id, actor)
    contract = load_contract(rr.contract_id, actor)
    authorize("answer_refund", actor, contract)
    _require_status(rr, RefundStatus.PENDING)
    at = now_of(clock)
    _refuse_late_answer(actor, rr, contract, at)
    _return_to_client(actor, rr, m, at, RefundStatus.AGREED)


@transactional
def grant_unanswered_refund(actor: Account, refund_id: int, *, clock: Clock | None = None) -> None:
    """U-32 (the system): an escrow refund unanswered for 7 days is granted."""
    actor = load_actor(actor)
    rr, m = load_refund(refund_id, actor)
    authorize("grant_refund", actor, load_contract(rr.contract_id, actor))
    _require_status(rr, RefundStatus.PENDING, rule="U-32")
    if rr.source != RefundSource.ESCROW:
        raise RuleError("U-32", "Only a refund of escrow is granted automatically.")
    _return_to_client(actor, rr, m, now_of(clock), RefundStatus.GRANTED)


@transactional
def dispute_refund(actor: Account, refund_id: int, message: str, *,
                   clock: Clock | None = None) -> None:
    """U-29/U-33: the freelancer disputes; the client has 5 business days to respond."""
    actor = load_actor(actor)
    rr, m = load_refund(refund_id, actor)
    contract = load_contract(rr.contract_id, actor)
    authorize("answer_refund", actor, contract)
    _require_status(rr, RefundStatus.PENDING)
    text = check_text(message, "A message explaining the dispute", required=True, rule="U-33")
    at = now_of(clock)
    _refuse_late_answer(actor, rr, contract, at)
    before = {"status": rr.status, "milestone_status": m.status}
    cas_update(rr, "This refund request", status=RefundStatus.DISPUTED, disputed_at=at)
    if rr.source == RefundSource.ESCROW:
        cas_update(m, "This milestone", status=S.DISPUTED)
    close_windows(at=at, contract_id=contract.id, refund_request_id=rr.id)
    days = policy_of(contract).dispute_response_business_days
    due = add_business_days(at, days)
    open_window("dispute_response", contract=contract, milestone_id=m.id,
                refund_request_id=rr.id, opened_at=at, due_at=due)
    record(actor=actor, action="dispute_refund", contract_id=contract.id, milestone_id=m.id,
           summary=f"Disputed the refund of {format_money(rr.amount_cents)} on “{m.title}”; "
                   f"the client has {days} business days to respond",
           at=at, notify=other_parties(contract, actor),
           details={"message": text, "respond_by": due.isoformat()},
           target=f"refund:{rr.id}", before=before,
           after={"status": rr.status, "milestone_status": m.status})


@transactional
def respond_to_dispute(actor: Account, refund_id: int, message: str, *,
                       clock: Clock | None = None) -> None:
    """U-33: the client's response hands the dispute to support (G-02)."""
    actor = load_actor(actor)
    rr, m = load_refund(refund_id, actor)
    contract = load_contract(rr.contract_id, actor)
    authorize("respond_to_dispute", actor, contract)
    _require_status(rr, RefundStatus.DISPUTED, rule="U-33")
    text = check_text(message, "Your response", required=True, rule="U-33")
    at = now_of(clock)
    refuse_if_window_passed(actor, at, kind="dispute_response", rule="U-33",
                            contract_id=contract.id, refund_request_id=rr.id,
                            message=f"The {policy_of(contract).dispute_response_business_days} "
                                    "business days to respond to this dispute are over: the "
                                    "disputed amount goes to the freelancer.")
    before = {"status": rr.status, "milestone_status": m.status}
    cas_update(rr, "This refund request", status=RefundStatus.IN_SUPPORT)
    if rr.source == RefundSource.ESCROW:
        cas_update(m, "This milestone", status=S.IN_SUPPORT)
    close_windows(at=at, contract_id=contract.id, refund_request_id=rr.id)
    record(actor=actor, action="respond_to_dispute", contract_id=contract.id,
           milestone_id=m.id, summary=f"Responded to the dispute on “{m.title}”: a support "
                                      "agent will decide", at=at,
           notify=other_parties(contract, actor), details={"message": text},
           target=f"refund:{rr.id}", before=before,
           after={"status": rr.status, "milestone_status": m.status})


@transactional
def close_unanswered_dispute(actor: Account, refund_id: int, *,
                             clock: Clock | None = None) -> None:
    """U-33 (the system): no response in 5 business days; the freelancer is paid."""
    actor = load_actor(actor)
    rr, m = load_refund(refund_id, actor)
    contract = load_contract(rr.contract_id, actor)
    authorize("expire_dispute", actor, contract)
    _require_status(rr, RefundStatus.DISPUTED, rule="U-33")
    at = now_of(clock)
    before = {"status": rr.status, "milestone_status": m.status}
    cas_update(rr, "This refund request", status=RefundStatus.KEPT, closed_at=at)
    if rr.source == RefundSource.ESCROW:
        cas_update(m, "This milestone", status=S.RELEASED, finished_at=at)
        settle_escrow(contract, m, actor, at, to_freelancer=milestone_escrow(m.id),
                      kind="release")
        close_submissions(m.id, SubmissionStatus.APPROVED)
    close_windows(at=at, contract_id=contract.id, refund_request_id=rr.id)
    record(actor=actor, action="dispute_expired", contract_id=contract.id, milestone_id=m.id,
           summary=f"The client did not respond to the dispute on “{m.title}”: "
                   f"{format_money(rr.amount_cents)} goes to the freelancer", at=at,
           notify=[contract.client_id, contract.freelancer_id],
           target=f"refund:{rr.id}", before=before,
           after={"status": rr.status, "milestone_status": m.status})


@transactional
def resolve_dispute(actor: Account, refund_id: int, to_freelancer_cents: int,
                    to_client_cents: int, reason: str, *, clock: Clock | None = None) -> None:
    """G-02: a support agent splits the disputed amount between the parties, with a reason."""
    actor = load_actor(actor)
    rr, m = load_refund(refund_id, actor)
    contract = load_contract(rr.contract_id, actor)
    authorize("resolve_dispute", actor, contract)
    _require_status(rr, RefundStatus.DISPUTED, RefundStatus.IN_SUPPORT, rule="G-02")
    to_f = check_cents(to_freelancer_cents, allow_zero=True)
    to_c = check_cents(to_client_cents, allow_zero=True)
    if to_f + to_c != rr.amount_cents:
        raise RuleError("G-02", f"The split must add up to the disputed "
                                f"{format_money(rr.amount_cents)}; it adds up to "
                                f"{format_money(to_f + to_c)}.")
    why = check_text(reason, "A written reason", required=True, rule="G-02")
    at = now_of(clock)
    before = {"status": rr.status, "milestone_status": m.status}
    cas_update(rr, "This refund request", status=RefundStatus.RESOLVED, closed_at=at)
    if rr.source == RefundSource.ESCROW:
        cas_update(m, "This milestone", status=S.RESOLVED, finished_at=at)
        settle_escrow(contract, m, actor, at, to_freelancer=to_f, to_client=to_c,
                      kind="dispute_split")
        close_submissions(m.id, SubmissionStatus.CLOSED)
    else:
        take_back_paid(kind="paid_refund", amount_cents=to_c, contract_id=contract.id,
                       milestone_id=m.id, actor_id=actor.id, at=at,
                       once_key=f"r:{rr.id}:settle" if to_c else None)
    close_windows(at=at, contract_id=contract.id, refund_request_id=rr.id)
    record(actor=actor, action="resolve_dispute", contract_id=contract.id, milestone_id=m.id,
           summary=f"Support resolved the dispute on “{m.title}”: {format_money(to_f)} to "
                   f"the freelancer, {format_money(to_c)} to the client", at=at,
           notify=[contract.client_id, contract.freelancer_id],
           details={"to_freelancer_cents": to_f, "to_client_cents": to_c, "reason": why},
           target=f"refund:{rr.id}", before=before,
           after={"status": rr.status, "milestone_status": m.status,
                  "to_freelancer_cents": to_f, "to_client_cents": to_c}, reason=why)
