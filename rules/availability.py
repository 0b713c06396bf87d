"""Which actions the acting user may take now on a contract, and why not (pure).

Works from a `rules.contract_view.ContractDetail` (already loaded), the actor's capacity
towards it ("client", "freelancer" or "agent") and the time: no database, no peewee,
no Textual. Each verdict mirrors the checks of the `rules/` action it stands for, in
the same order, so a refusal names the rule the action itself would name (the tests
call the real actions to hold them to it). What the actions check on what the user
types (amounts, messages) is not decided here, except for the release terms the
review dialog checks as they are typed (rules/release_terms.py).

The status words are the stored vocabulary (models/vocabulary.py), spelled out here
as rules/calendar.py does, so this module stays free of the models package.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

import arrow

from rules import access
from rules.errors import CONFLICT, INPUT, RuleError
from rules.funding import IN_ESCROW, funding_refusal
from rules.money import format_money
from rules.policy import get_policy
from rules.verdicts import ALLOWED, Verdict, refused  # re-exported: the room's verdicts

if TYPE_CHECKING:  # only for the annotations: importing it would bring in peewee
    from rules.contract_view import ContractDetail, MilestoneView

PLANNED = "planned"
FUNDED, SUBMITTED, CHANGES_REQUESTED = "funded", "submitted", "changes_requested"
REFUND_REQUESTED, DISPUTED, IN_SUPPORT = "refund_requested", "disputed", "in_support"
RELEASING = "releasing"  # released, not final yet
RELEASED, REFUNDED, RESOLVED, CANCELLED = "released", "refunded", "resolved", "cancelled"
RELEASABLE = frozenset({FUNDED, SUBMITTED, CHANGES_REQUESTED})
ACTIVE = IN_ESCROW  # RELEASABLE and the refund and releasing states, named once there
FINAL = frozenset({RELEASED, REFUNDED, RESOLVED, CANCELLED})
OPEN_REFUND = frozenset({"pending", "disputed", "in_support"})

# Actions on the contract as a whole, and on one milestone of it.
CONTRACT_ACTIONS = ("fund_next", "manage_milestones", "end_contract", "leave_feedback",
                    "cancel_order")
MILESTONE_ACTIONS = ("submit_work", "release", "request_changes", "add_escrow_funds",
                     "change_milestone", "request_refund", "agree_refund", "dispute_refund",
                     "respond_to_dispute", "resolve_dispute", "cancel_milestone")

# The access-table entry (rules/access.py, G-07) each action is checked against.
ACCESS = {
    "fund_next": "fund_milestone", "end_contract": "end_contract",
    "leave_feedback": "leave_feedback", "cancel_order": "cancel",
    "submit_work": "submit_work", "release": "release", "request_changes": "request_changes",
    "add_escrow_funds": "add_escrow_funds", "change_milestone": "change_active_milestone",
    "request_refund": "request_refund", "agree_refund": "answer_refund",
    "dispute_refund": "answer_refund", "respond_to_dispute": "respond_to_dispute",
    "resolve_dispute": "resolve_dispute", "cancel_milestone": "cancel",
}

class _Refused(Exception):
    """A check failed; carries its verdict to `_judge`."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


def _no(rule_id: str, text: str) -> _Refused:
    return _Refused(refused(rule_id, text))


@dataclass(frozen=True)
class Availability:
    """Every action's verdict: on the contract, and on each milestone by id."""
    contract: Mapping[str, Verdict]
    milestones: Mapping[int, Mapping[str, Verdict]] = field(default_factory=dict)

    def of(self, action: str, milestone_id: int | None = None) -> Verdict:
        if action in self.contract:
            return self.contract[action]
        if action not in MILESTONE_ACTIONS:
            raise KeyError(action)
        if milestone_id is None or milestone_id not in self.milestones:
            return refused(INPUT, "Choose a milestone first")
        return self.milestones[milestone_id][action]


def availability(detail: ContractDetail, capacity: str, now: arrow.Arrow, *,
                 paid_cents: Mapping[int, int] | None = None) -> Availability:
    """What `capacity` may do on `detail` at `now`.

    What the freelancer still holds of each payment (a refund of a paid amount, U-29)
    is the milestone's `paid_cents`; `paid_cents` (milestone id -> cents) overrides it,
    for a caller holding fresher figures."""
    ctx = _Context(detail, capacity, arrow.get(now), paid_cents or {})
    return Availability(
        contract={a: ctx.judge(a, None) for a in CONTRACT_ACTIONS},
        milestones={m.id: {a: ctx.judge(a, m) for a in MILESTONE_ACTIONS}
                    for m in detail.milestones})


def actor_id_of(detail: ContractDetail, capacity: str) -> int:
    """The account acting in `capacity` on the contract: its client or freelancer; 0 for
    support, who is neither (access.check judges them by role)."""
    return {access.CLIENT: detail.client.id,
            access.FREELANCER: detail.freelancer.id}.get(capacity, 0)


def open_refund(detail: ContractDetail, milestone_id: int):
    """The refund request still open on a milestone (pending, disputed, in support)."""
    return next((r for r in detail.refund_requests
                 if r.milestone_id == milestone_id and r.status in OPEN_REFUND), None)


def review_deadline(detail: ContractDetail, milestone_id: int):
    """The open review window of a milestone (U-06, F-05), if any."""
    return next((d for d in detail.deadlines
                 if d.kind == "review" and d.milestone_id == milestone_id), None)


def is_last_to_pay(detail: ContractDetail, milestone_id: int) -> bool:
    """U-30: no future milestone, and none other in escrow (X-36), would be left once
    this one is paid."""
    return not any((m.status == PLANNED or m.status in ACTIVE) and m.id != milestone_id
                   for m in detail.milestones)


# --- the checks, in the order each action makes them ---------------------------------

@dataclass
class _Context:
    detail: ContractDetail
    capacity: str
    now: arrow.Arrow
    paid: Mapping[int, int]

    def __post_init__(self) -> None:
        self.policy = get_policy(self.detail.policy)
        self.actor_id = actor_id_of(self.detail, self.capacity)

    def judge(self, action: str, m: MilestoneView | None) -> Verdict:
        try:
            getattr(self, f"_{action}")(m) if m is not None else getattr(self, f"_{action}")()
        except _Refused as exc:
            return exc.verdict
        return ALLOWED

    # shared checks

    def _access(self, action: str) -> None:
        d = self.detail
        try:
            access.check(action, self.actor_id, self.capacity, d.client.id, d.freelancer.id)
        except RuleError as exc:
            raise _no(exc.rule_id, exc.message) from None

    def _open(self) -> None:
        if self.detail.status != "open":
            raise _no("G-03", f"This contract is {self.detail.status}: nothing more can be "
                              "changed on it")

    def _window_passed(self, kind: str, *, milestone_id: int | None = None,
                       refund_id: int | None = None) -> bool:
        """rules.payments.refuse_if_window_passed: an open window already due."""
        for dl in self.detail.deadlines:
            if dl.kind != kind or arrow.get(dl.due_at) >= self.now:
                continue
            if milestone_id is not None and dl.milestone_id != milestone_id:
                continue
            if refund_id is not None and dl.refund_request_id != refund_id:
                continue
            return True
        return False

    def _review_not_over(self, m: MilestoneView) -> None:
        if not self._window_passed("review", milestone_id=m.id):
            return
        if self.policy.platform == "fiverr":
            raise _no("F-05", f"The {self.policy.review_days} days to answer the delivery "
                              f"of “{m.title}” are over: the order is being marked completed")
        raise _no("U-06", f"The {self.policy.review_days} days to review “{m.title}” are "
                          "over: its payment is being released")

    def _state(self, m: MilestoneView, verb: str) -> _Refused:
        """rules.payments.refuse_state, in short."""
        status = m.status.replace("_", " ")
        if m.status == PLANNED:
            return _no("U-03", f"“{m.title}” is not funded yet: milestones are funded in "
                               f"list order; it must be funded before it can be {verb}")
        if m.status == RELEASING:
            return _no("X-31", f"“{m.title}” is being released: it cannot be {verb} until "
                               "the release is final or taken back")
        if m.status in (REFUND_REQUESTED, DISPUTED, IN_SUPPORT):
            return _no("U-29", f"“{m.title}” has an open refund request ({status}): it must "
                               f"be settled before it can be {verb}")
        if m.status in FINAL:
            return _no(CONFLICT, f"“{m.title}” was already {status}")
        return _no("U-17", f"“{m.title}” is {status}; it cannot be {verb} now")

    def _actives(self) -> list[MilestoneView]:
        return [m for m in self.detail.milestones if m.status in ACTIVE]

    # the contract

    def _fund_next(self) -> None:
        self._access(ACCESS["fund_next"])
        self._open()
        refusal = funding_refusal(self.detail.funding_limit,
                                  [m.title for m in self._actives()])
        if refusal is not None:  # U-03 one at a time, X-36 past the policy's limit
            raise _no(*refusal)
        if not any(m.status == PLANNED for m in self.detail.milestones):
            raise _no("U-09", "There is no future milestone to fund: add one first")
        if self._window_passed("start_next"):
            raise _no("F-07", f"The {self.policy.start_next_days} days to start the next "
                              "milestone are over: the order is being marked completed")

    def _manage_milestones(self) -> None:
        if self.capacity == access.FREELANCER:
            self._access("propose_changes")
            self._open()
            if not self.policy.freelancer_proposals:
                rule = "U-10" if self.policy.name == "upwork-compliance" else "U-14"
                raise _no(rule, f"Milestone proposals are not available on "
                                f"{self.policy.label}")
            return
        self._access("edit_plan")
        self._open()
        if not (self.policy.plan_editable or self.policy.reorderable):
            raise _no("U-07", f"A {self.policy.label} order keeps the milestones it was "
                              "placed with")

    def _end_contract(self) -> None:
        self._access(ACCESS["end_contract"])
        self._open()
        for current in self._actives():
            if current.escrow_cents > 0:
                raise _no("G-03", f"“{current.title}” still holds "
                                  f"{format_money(current.escrow_cents)} in escrow: release "
                                  "or refund it before ending the contract")
        if any(r.status in OPEN_REFUND for r in self.detail.refund_requests):
            raise _no("G-03", "A refund request is still open: settle it before ending "
                              "the contract")

    def _leave_feedback(self) -> None:
        self._access(ACCESS["leave_feedback"])
        if self.detail.status == "open":
            raise _no("G-04", "Feedback can be left once the contract has ended")
        if any(f.author_id == self.actor_id for f in self.detail.feedback):
            raise _no("G-04", "You already left feedback on this contract")

    def _cancel_order(self) -> None:
        self._access(ACCESS["cancel_order"])
        self._open()

    # one milestone

    def _submit_work(self, m: MilestoneView) -> None:
        self._access(ACCESS["submit_work"])
        self._open()
        if m.status == SUBMITTED:
            raise _no("U-17", f"Work for “{m.title}” is already submitted and waiting for "
                              "the client's review")
        if m.status not in (FUNDED, CHANGES_REQUESTED):
            raise self._state(m, "submitted")

    def _release(self, m: MilestoneView) -> None:
        self._access(ACCESS["release"])
        self._open()
        if m.status not in RELEASABLE:
            raise self._state(m, "released")
        if m.status != SUBMITTED and not self.policy.release_without_submission:
            raise _no("U-19", f"On {self.policy.label} a milestone is paid by accepting "
                              "its delivery: wait for the seller to deliver")
        self._review_not_over(m)

    def _request_changes(self, m: MilestoneView) -> None:
        self._access(ACCESS["request_changes"])
        self._open()
        if m.status == RELEASING:
            raise self._state(m, "sent back for changes")
        if m.status != SUBMITTED:
            raise _no("U-18", f"Changes can be requested only on submitted work; "
                              f"“{m.title}” is {m.status.replace('_', ' ')}")
        if m.revisions_allowed is not None and m.revisions_used >= m.revisions_allowed:
            raise _no("F-06", f"All {m.revisions_allowed} revisions of “{m.title}” are "
                              "used: accept the delivery or contact support")
        self._review_not_over(m)

    def _add_escrow_funds(self, m: MilestoneView) -> None:
        self._access(ACCESS["add_escrow_funds"])
        self._open()
        if m.status not in RELEASABLE:
            raise self._state(m, "topped up")
        if m.amount_cents - m.escrow_cents <= 0:
            raise _no("U-22", f"The escrow of “{m.title}” already covers its amount; "
                              "funds are added after a higher amount is approved")

    def _change_milestone(self, m: MilestoneView) -> None:
        self._access(ACCESS["change_milestone"])
        self._open()
        if not self.policy.client_change_requests:
            rule = "U-10" if self.policy.name == "upwork-compliance" else "U-20"
            raise _no(rule, f"Change requests on an active milestone are not available "
                            f"on {self.policy.label}")
        if m.status == RELEASING:
            raise self._state(m, "changed")
        if m.status != FUNDED or m.last_submission is not None:
            why = (" (edit future milestones directly)" if m.status == PLANNED
                   else " and has a submission" if m.last_submission is not None else "")
            raise _no("U-20", f"A change can be requested only on the active milestone "
                              f"before work is submitted; “{m.title}” is "
                              f"{m.status.replace('_', ' ')}{why}")
        pending = next((c for c in self.detail.change_requests
                        if c.milestone_id == m.id and c.status == "pending"
                        and c.kind == "client_active"), None)
        # A pending request is edited or withdrawn through the same dialog (U-21),
        # until its 7 days are over (U-24).
        if pending is not None and pending.expires_at is not None \
                and self.now >= arrow.get(pending.expires_at):
            raise _no("U-24", "The pending change request expired unanswered after its "
                              f"{self.policy.change_request_expiry_days} days")

    def _request_refund(self, m: MilestoneView) -> None:
        self._access(ACCESS["request_refund"])
        self._open()
        if not self.policy.refunds:
            raise _no("U-29", f"Refunds on {self.policy.label} go through support "
                              "(cancellation, F-08)")
        if open_refund(self.detail, m.id) is not None:
            raise _no("U-29", f"A refund request on “{m.title}” is already open")
        if m.status in RELEASABLE:
            self._review_not_over(m)
        elif m.status == RELEASED:
            if self.paid.get(m.id, m.paid_cents) <= 0:
                raise _no("U-29", f"Everything paid for “{m.title}” was already refunded")
        else:
            raise self._state(m, "refunded")

    def _answerable_refund(self, m: MilestoneView, action: str):
        self._access(ACCESS[action])
        rr = open_refund(self.detail, m.id)
        if rr is None:
            raise _no("U-29", f"No refund request is waiting for an answer on “{m.title}”")
        if rr.status != "pending":
            raise _no("U-29", f"The refund request on “{m.title}” is "
                              f"{rr.status.replace('_', ' ')}; it was already answered")
        if self._window_passed("refund_answer", refund_id=rr.id):
            raise _no("U-32", f"The {self.policy.refund_answer_days} days to answer the "
                              "refund request are over: it is granted")
        return rr

    def _agree_refund(self, m: MilestoneView) -> None:
        self._answerable_refund(m, "agree_refund")

    def _dispute_refund(self, m: MilestoneView) -> None:
        self._answerable_refund(m, "dispute_refund")

    def _respond_to_dispute(self, m: MilestoneView) -> None:
        self._access(ACCESS["respond_to_dispute"])
        rr = open_refund(self.detail, m.id)
        if rr is None or rr.status != "disputed":
            raise _no("U-33", f"No dispute on “{m.title}” is waiting for your response")
        if self._window_passed("dispute_response", refund_id=rr.id):
            raise _no("U-33", f"The {self.policy.dispute_response_business_days} business "
                              "days to respond to the dispute are over: the disputed "
                              "amount goes to the freelancer")

    def _resolve_dispute(self, m: MilestoneView) -> None:
        self._access(ACCESS["resolve_dispute"])
        rr = open_refund(self.detail, m.id)
        if rr is None or rr.status not in ("disputed", "in_support"):
            raise _no("G-02", f"No dispute on “{m.title}” is waiting for support")

    def _cancel_milestone(self, m: MilestoneView) -> None:
        self._access(ACCESS["cancel_milestone"])
        self._open()
        if m.status in FINAL:
            raise _no(CONFLICT, f"“{m.title}” is already {m.status}; it cannot be cancelled")
