"""Funding, topping up and releasing milestones (U-03..U-05, U-19, U-25..U-28, U-30, F-04)."""
from __future__ import annotations

from dataclasses import dataclass

import arrow

from models.accounts import Account
from models.deadlines import Deadline
from models.milestones import Milestone
from models.vocabulary import DeadlineStatus, Role, SubmissionStatus
from models.vocabulary import MilestoneStatus as S
from rules.release_terms import check_release_terms
from rules.calendar import add_days
from rules.clock import Clock
from rules.errors import CONFLICT, RuleError
from rules.funding import refuse_past_limit, room_for
from rules.journal import record
from rules.ledger import A, milestone_escrow, project_funds, transfer
from rules.money import format_money
from rules.settlement import (
    TransferSpec,
    cancel_pending_change_requests,
    close_submissions,
    fund_milestone_money,
    settlement_legs,
    unsettled,
)
from rules.store import (
    authorize,
    cas_update,
    check_expected_version,
    load_actor,
    load_contract,
    load_milestone,
    now_of,
    other_parties,
    policy_of,
    require_open,
    transactional,
)
from rules.windows import close_windows, open_window

RELEASABLE = (S.FUNDED, S.SUBMITTED, S.CHANGES_REQUESTED)


@dataclass(frozen=True)
class ReleaseResult:
    milestone_id: int
    released_cents: int
    bonus_cents: int
    to_project_funds_cents: int
    extra_charged_cents: int
    is_last: bool           # U-30: ask whether to end the contract or keep it open
    contract_ended: bool


def refuse_state(m: Milestone, verb: str) -> RuleError:
    """The refusal for an action tried on a milestone in the wrong state."""
    status = m.status.replace("_", " ")
    if m.status == S.PLANNED:
        return RuleError("U-03", f"“{m.title}” is not funded yet: it must be funded before "
                                 f"it can be {verb}.")
    if m.status == S.RELEASING:
        return RuleError("X-31", f"“{m.title}” is being released: it cannot be {verb} "
                                 "until the release is final or taken back.")
    if m.status in (S.REFUND_REQUESTED, S.DISPUTED, S.IN_SUPPORT):
        return RuleError("U-29", f"“{m.title}” has an open refund request ({status}): it "
                                 f"must be settled before it can be {verb}.")
    if m.status in (S.RELEASED, S.REFUNDED, S.RESOLVED, S.CANCELLED):
        return RuleError(CONFLICT, f"“{m.title}” was already {status}; it cannot be {verb}.")
    return RuleError("U-17", f"“{m.title}” is {status}; it cannot be {verb} now.")


def refuse_if_window_passed(actor: Account, at: arrow.Arrow, *, kind: str, rule: str,
                            message: str, contract_id: int, milestone_id: int | None = None,
                            refund_request_id: int | None = None) -> None:
    """G-08/G-09: once a window's due time has passed, its automatic outcome is owed even
    if no sweep has applied it yet (the worker was off): a user's action can no longer
    close the window. At the due instant itself the user and the sweep may race; whoever
    commits first wins. The system, applying the outcome, is never refused here."""
    if actor.role == Role.SYSTEM:
        return
    q = Deadline.select(Deadline.id).where(
        (Deadline.contract == contract_id) & (Deadline.kind == kind)
        & (Deadline.status == DeadlineStatus.OPEN) & (Deadline.due_at < at.to("UTC").naive))
    if milestone_id is not None:
        q = q.where(Deadline.milestone == milestone_id)
    if refund_request_id is not None:
        q = q.where(Deadline.refund_request == refund_request_id)
    if q.exists():
        raise RuleError(rule, message)


def refuse_after_review_window(actor: Account, m: Milestone, contract, at: arrow.Arrow) -> None:
    """U-06 / F-05: after the review window, the delivery counts as accepted."""
    policy = policy_of(contract)
    if policy.platform == "fiverr":
        rule, text = "F-05", (f"The {policy.review_days} days to answer the delivery of "
                              f"“{m.title}” are over: the order is being marked completed.")
    else:
        rule, text = "U-06", (f"The {policy.review_days} days to review “{m.title}” are over: "
                              "the work counts as approved and its payment is being released.")
    refuse_if_window_passed(actor, at, kind="review", rule=rule, message=text,
                            contract_id=contract.id, milestone_id=m.id)


@transactional
def fund_next_milestone(actor: Account, contract_id: int, *, milestone_id: int | None = None,
                        clock: Clock | None = None) -> Milestone:
    """Fund (Fiverr: start) the next future milestone in list order (U-03, U-09, U-04, U-05),
    while the contract's funding policy has room for one more in escrow (X-36)."""
    actor, contract, planned, _active = _funding_checks(actor, contract_id)
    m = planned[0]
    if milestone_id is not None and milestone_id != m.id:
        raise RuleError("U-09", f"Milestones are activated in list order: the next to fund "
                                f"is “{m.title}”.")
    at = now_of(clock)
    _refuse_after_start_window(actor, contract, at)
    _fund(actor, contract, m, at)
    return m


@transactional
def fund_ahead(actor: Account, contract_id: int, *, clock: Clock | None = None
               ) -> list[Milestone]:
    """X-37: fund, in one transaction and in list order (U-09), every future milestone
    the funding policy has room for: up to its limit, or all of them up front."""
    actor, contract, planned, active = _funding_checks(actor, contract_id)
    chosen = planned[:room_for(contract.funding_limit, len(active), len(planned))]
    at = now_of(clock)
    _refuse_after_start_window(actor, contract, at)
    for m in chosen:
        _fund(actor, contract, m, at)
    return chosen


def _funding_checks(actor: Account, contract_id: int):
    """What both funding actions check first, in order (G-07, G-03, U-03/X-36, U-09):
    (actor, contract, the planned milestones, those in escrow), each in list order."""
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    authorize("fund_milestone", actor, contract)
    require_open(contract)
    planned, active = unsettled(contract.id)
    refuse_past_limit(contract.funding_limit, active)
    if not planned:
        raise RuleError("U-09", "There is no future milestone to fund: add one first.")
    return actor, contract, planned, active


def _refuse_after_start_window(actor: Account, contract, at: arrow.Arrow) -> None:
    policy = policy_of(contract)
    if not policy.start_next_days:  # no F-07 window on this policy: nothing to look for
        return
    refuse_if_window_passed(actor, at, kind="start_next", rule="F-07", contract_id=contract.id,
                            message=f"The {policy.start_next_days} days to start the next "
                                    "milestone are over: the order is being marked completed.")


def _fund(actor: Account, contract, m: Milestone, at: arrow.Arrow) -> None:
    """Move one planned milestone into escrow, with its event (the checks are done)."""
    before = {"status": m.status}
    cas_update(m, "This milestone", status=S.FUNDED, funded_at=at)
    money = fund_milestone_money(contract, m, actor, at)
    if policy_of(contract).start_next_days:  # F-07: only Fiverr has such a window
        close_windows(at=at, contract_id=contract.id, kind="start_next")
    verb = "Started" if policy_of(contract).platform == "fiverr" else "Funded"
    text = f"{verb} “{m.title}”: {format_money(m.amount_cents)} in escrow"
    if money["from_project_funds_cents"]:
        text += f" ({format_money(money['from_project_funds_cents'])} from project funds)"
    record(actor=actor, action="fund_milestone", contract_id=contract.id, milestone_id=m.id,
           summary=text, at=at, notify=other_parties(contract, actor), details=money,
           target=f"milestone:{m.id}", before=before, after={"status": m.status, **money})


@transactional
def add_escrow_funds(actor: Account, milestone_id: int, *, clock: Clock | None = None) -> int:
    """U-22: after an approved higher amount, fund the difference (project funds first)."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    authorize("add_escrow_funds", actor, contract)
    require_open(contract)
    if m.status not in RELEASABLE:
        raise refuse_state(m, "topped up")
    missing = m.amount_cents - milestone_escrow(m.id)
    if missing <= 0:
        raise RuleError("U-22", f"The escrow of “{m.title}” already covers its amount.")
    at = now_of(clock)
    cas_update(m, "This milestone")
    from_funds = min(project_funds(contract.id), missing)
    common = dict(contract_id=contract.id, milestone_id=m.id, actor_id=actor.id, at=at)
    transfer(kind="top_up_from_project_funds", source=A.PROJECT_FUNDS, target=A.ESCROW,
             amount_cents=from_funds, **common)
    transfer(kind="top_up", source=A.CLIENT_PAYMENT, target=A.ESCROW,
             amount_cents=missing - from_funds, **common)
    record(actor=actor, action="add_escrow_funds", contract_id=contract.id, milestone_id=m.id,
           summary=f"Added {format_money(missing)} to the escrow of “{m.title}”", at=at,
           notify=other_parties(contract, actor), details={"added_cents": missing},
           target=f"milestone:{m.id}", before={"escrow_cents": m.amount_cents - missing},
           after={"added_cents": missing, "escrow_cents": m.amount_cents})
    return missing


@dataclass(frozen=True)
class ReleasePlan:
    """What a release writes besides its row updates (milestone, submissions, windows):
    the ledger transfers in order, and the timeline event with its notifications and
    audit record (the keyword arguments of rules.journal.record). Built by one function,
    `plan_release`, for `release()` and for the sweep's batched path
    (rules/sweep_batch.py), so the two can never write different things."""
    amount: int
    bonus: int
    extra: int
    leftover: int
    transfers: list[dict]   # keyword arguments of rules.ledger.transfer, in order
    record: dict            # keyword arguments of rules.journal.record

    @property
    def money(self) -> dict:
        return self.record["details"]


def check_releasable(actor: Account, m: Milestone, contract, version: int | None = None) -> None:
    """The checks on who and what state before a release (U-19, G-03, U-17, U-29)."""
    authorize("release", actor, contract)
    require_open(contract)
    check_expected_version(m, version, "This milestone")
    if m.status not in RELEASABLE:
        raise refuse_state(m, "released")
    policy = policy_of(contract)
    if m.status != S.SUBMITTED and not policy.release_without_submission:
        raise RuleError("U-19", f"On {policy.label} a milestone is paid by accepting its "
                                "delivery: wait for the seller to deliver.")


def plan_release(actor: Account, m: Milestone, contract, *, held: int, at: arrow.Arrow,
                 amount_cents: int | None = None, bonus_cents: int = 0) -> ReleasePlan:
    """The amounts (U-25..U-28, refusing what the policy forbids) and the rows of a
    release of `m`, whose escrow holds `held`, by `actor` at `at`."""
    amount, bonus = check_release_terms(policy_of(contract), held, amount_cents, bonus_cents)
    extra = max(amount - held, 0)
    leftover = max(held - amount, 0)
    common = dict(contract_id=contract.id, milestone_id=m.id, actor_id=actor.id, at=at)
    specs = []
    if extra:
        specs.append(TransferSpec("release_extra_charge", A.CLIENT_PAYMENT, A.ESCROW, extra))
    specs += settlement_legs(m.id, held + extra, to_freelancer=amount,
                             to_project_funds=leftover, kind="release")
    if bonus:
        specs.append(TransferSpec("bonus", A.CLIENT_PAYMENT, A.FREELANCER, bonus,
                                  f"m:{m.id}:bonus"))
    money = {"released_cents": amount, "bonus_cents": bonus, "to_project_funds_cents": leftover,
             "extra_charged_cents": extra}
    text = f"Released {format_money(amount)} for “{m.title}”"
    if bonus:
        text += f" with a {format_money(bonus)} bonus"
    if leftover:
        text += f"; {format_money(leftover)} stays in project funds"
    if extra:
        text += f"; {format_money(extra)} more was charged"
    record_kwargs = dict(actor=actor, action="release", contract_id=contract.id,
                         milestone_id=m.id, summary=text, at=at,
                         notify=other_parties(contract, actor), details=money,
                         target=f"milestone:{m.id}",
                         before={"status": m.status, "escrow_cents": held},
                         after={"status": S.RELEASED, **money})
    return ReleasePlan(amount, bonus, extra, leftover,
                       [{**spec._asdict(), **common} for spec in specs], record_kwargs)


@transactional
def release(actor: Account, milestone_id: int, amount_cents: int | None = None,
            bonus_cents: int = 0, *, end_contract: bool = False, version: int | None = None,
            clock: Clock | None = None) -> ReleaseResult:
    """Approve and pay a milestone (U-25..U-28), with or without a submission (U-19).

    `amount_cents` defaults to what is in escrow (U-25). Less leaves the rest in project
    funds (U-26); more charges the client the difference (U-27). A bonus needs the full
    amount (U-28). `end_contract` ends the contract afterwards (U-30, G-03).
    """
    actor = load_actor(actor)  # the stored role decides, never the one in memory (G-07)
    m, contract = load_milestone(milestone_id, actor)
    check_releasable(actor, m, contract, version)
    policy = policy_of(contract)
    at = now_of(clock)
    plan = plan_release(actor, m, contract, held=milestone_escrow(m.id), at=at,
                        amount_cents=amount_cents, bonus_cents=bonus_cents)
    refuse_after_review_window(actor, m, contract, at)
    # What follows is also written, many releases at a time, by rules/sweep_batch.py;
    # tests/rules/test_sweep_batch.py compares every table after both: change them together.
    cas_update(m, "This milestone", status=S.RELEASED, finished_at=at)
    for t in plan.transfers:
        transfer(**t, policy=contract.policy)
    close_submissions(m.id, SubmissionStatus.APPROVED)
    close_windows(at=at, contract_id=contract.id, milestone_id=m.id, kind="review")
    cancel_pending_change_requests(contract.id, at, milestone_id=m.id)
    planned, others = unsettled(contract.id)  # `m` is released: not among the others
    upcoming = planned[0] if planned else None
    if upcoming is not None and not others and policy.start_next_days:  # F-07, X-37
        open_window("start_next", contract=contract, opened_at=at,
                    due_at=add_days(at, policy.start_next_days))
    record(**plan.record)
    ended = False
    if end_contract:
        from rules.contracts import end_contract_in_transaction
        end_contract_in_transaction(actor, contract, at)
        ended = True
    return ReleaseResult(m.id, plan.amount, plan.bonus, plan.leftover, plan.extra,
                         upcoming is None and not others, ended)
