"""The deadline sweep (rules/deadlines.py): every automatic action at its boundary
(U-06, F-05, F-07, U-24, U-32, U-33, G-08), idempotence, windows closed by users,
reminders (G-06) and catching up after downtime (G-09).

Every scenario is built through rules/ actions with a FrozenClock; the sweep is run at
chosen instants. Races between sweeps live in test_deadline_races.py.
"""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import arrow
import pytest
from state_helpers import START, db_state

from models.accounts import system_account
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.deadlines import Deadline
from models.events import Event, Notification
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from models.refunds import RefundRequest
from rules import policy as policy_table
from rules.change_requests import (approve_milestone_change, reject_milestone_change,
                                   request_milestone_change, withdraw_milestone_change)
from rules.deadlines import sweep
from rules.errors import RuleError
from rules.invariants import ledger_problems
from rules.ledger import A, balance, paid_balance, milestone_escrow
from rules.payments import fund_next_milestone, release
from rules.plan import AddMilestone
from rules.refunds import agree_refund, dispute_refund, request_refund, respond_to_dispute
from rules.work import request_changes, submit_work

T0 = arrow.get(START)  # Monday 2026-03-02 09:00 UTC
DAY = dt.timedelta(days=1)


# --- building scenarios through rules/ ------------------------------------------------

def window(kind: str, *, milestone=None, contract=None, change_request=None,
           refund_request=None, status: str = "open") -> Deadline:
    q = Deadline.select().where((Deadline.kind == kind) & (Deadline.status == status))
    if milestone is not None:
        q = q.where(Deadline.milestone == milestone.id)
    if contract is not None:
        q = q.where(Deadline.contract == contract.id)
    if change_request is not None:
        q = q.where(Deadline.change_request == change_request.id)
    if refund_request is not None:
        q = q.where(Deadline.refund_request == refund_request.id)
    rows = list(q)
    assert len(rows) == 1, f"expected one {status} {kind} window, found {len(rows)}"
    return rows[0]


def due_of(d: Deadline) -> arrow.Arrow:
    return arrow.get(d.due_at)  # stored naive UTC


class World:
    """Builders for each kind of window, each acting at a chosen instant."""

    def __init__(self, make_contract, client, freelancer, clock):
        self.make_contract, self.client, self.freelancer = make_contract, client, freelancer
        self.clock = clock

    def at(self, when) -> None:
        self.clock.set(when)

    def plan(self, at, amounts):
        """Milestones due one week apart from `at` (a due date never precedes the start)."""
        return [AddMilestone(title=f"Milestone {i + 1}", amount_cents=a,
                             due_date=at.date() + dt.timedelta(days=7 * (i + 1)))
                for i, a in enumerate(amounts)]

    def upwork_funded(self, at=T0, title="Website redesign"):
        self.at(at)
        contract = self.make_contract(title=title, milestones=self.plan(at, (25000, 50000)))
        m = fund_next_milestone(self.client, contract.id, clock=self.clock)
        return contract, m

    def upwork_submitted(self, at=T0, title="Website redesign"):
        """U-06: funded, then submitted at `at`: a 14-day review window."""
        contract, m = self.upwork_funded(at, title)
        submit_work(self.freelancer, m.id, "Done: see the staging site", clock=self.clock)
        return contract, m, window("review", milestone=m)

    def fiverr_delivered(self, at=T0, title="Logo order"):
        """F-05: an order of three milestones, the first started when ordered (F-04) and
        delivered at `at`: an 8-day window to accept or ask for a revision."""
        self.at(at)
        contract = self.make_contract("fiverr-gig", title=title,
                                      milestones=self.plan(at, (6000, 7000, 8000)))
        m = Milestone.get((Milestone.contract == contract.id) & (Milestone.position == 1))
        submit_work(self.freelancer, m.id, "Three logo drafts attached", clock=self.clock)
        return contract, m, window("review", milestone=m)

    def fiverr_accepted(self, delivered_at=T0, accepted_at=None, title="Logo order"):
        """F-07: the buyer accepts the delivery: 10 days to start the next milestone."""
        contract, m, _ = self.fiverr_delivered(delivered_at, title)
        self.at(accepted_at or delivered_at.shift(days=1))
        release(self.client, m.id, clock=self.clock)
        return contract, m, window("start_next", contract=contract)

    def change_request(self, at=T0, title="Website redesign"):
        """U-24: the client asks to change the active milestone: 7 days to answer."""
        contract, m = self.upwork_funded(at, title)
        cr = request_milestone_change(self.client, m.id, {"title": "Homepage only"},
                                      "Smaller scope, please", clock=self.clock)
        return contract, m, cr, window("change_request", change_request=cr)

    def refund(self, at=T0, title="Website redesign"):
        """U-32: the client asks the escrow back: 7 days for the freelancer to answer."""
        contract, m = self.upwork_funded(at, title)
        rr = request_refund(self.client, m.id, reason="Nothing was delivered", clock=self.clock)
        return contract, m, rr, window("refund_answer", refund_request=rr)

    def dispute(self, disputed_at, requested_at=T0, title="Website redesign"):
        """U-33: the freelancer disputes the refund: 5 business days for the client."""
        contract, m, rr, _ = self.refund(requested_at, title)
        self.at(disputed_at)
        dispute_refund(self.freelancer, rr.id, "I delivered on Tuesday", clock=self.clock)
        return contract, m, rr, window("dispute_response", refund_request=rr)


@pytest.fixture
def world(make_contract, client, freelancer, clock):
    return World(make_contract, client, freelancer, clock)


def sweep_at(clock, when, **kwargs):
    clock.set(when)
    return sweep(clock=clock, **kwargs)


def system_events(contract) -> list[tuple[str, dt.datetime]]:
    """The automatic actions on a contract's timeline (reminders aside), oldest first."""
    system = system_account()
    return [(e.kind, e.occurred_at) for e in
            Event.select().where((Event.contract == contract.id) & (Event.actor == system.id)
                                 & (Event.kind != "reminder")).order_by(Event.id)]


def transfers(milestone, kind: str) -> list[LedgerTransfer]:
    return list(LedgerTransfer.select().where((LedgerTransfer.milestone == milestone.id)
                                              & (LedgerTransfer.kind == kind)))


def reminders(contract) -> list[Event]:
    return list(Event.select().where((Event.contract == contract.id)
                                     & (Event.kind == "reminder")).order_by(Event.id))


def recipients(event: Event) -> list[int]:
    return sorted(n.recipient_id for n in
                  Notification.select().where(Notification.event == event.id))


def milestone_statuses(contract) -> list[tuple[int, str]]:
    return [(x.position, x.status) for x in Milestone.select()
            .where(Milestone.contract == contract.id).order_by(Milestone.position)]


def check_boundary(clock, d: Deadline, due: arrow.Arrow):
    """The sweep leaves the window alone until its due time, to the second, then applies
    it once, as of the due time; sweeping again changes nothing."""
    assert d.due_at == due.naive
    sweep_at(clock, due.shift(seconds=-2))  # sends the reminders that are due by then
    state = db_state()
    early = sweep_at(clock, due.shift(seconds=-1))
    assert early.applied == [] and early.reminders == 0
    assert db_state() == state, "the sweep changed something one second before the due time"
    assert Deadline.get_by_id(d.id).status == "open"

    result = sweep_at(clock, due)
    assert [(a.deadline_id, a.kind, a.due_at, a.skipped) for a in result.applied] == [
        (d.id, d.kind, due, False)]
    after = Deadline.get_by_id(d.id)
    assert after.status == "applied"
    assert after.closed_at == due.naive
    assert after.remind_at is None
    assert after.outcome == result.applied[0].summary
    state = db_state()
    for later in (due, due.shift(seconds=1), due.shift(days=1)):
        again = sweep_at(clock, later)
        assert not again.changed
        assert db_state() == state, f"a second sweep at {later} changed something"
    return result.applied[0]


# --- each rule at its boundary ------------------------------------------------------

def test_U06_review_window_auto_releases_after_14_days(world, clock, client, freelancer,
                                                        invariants):
    opened = T0.replace(hour=23, minute=30, second=17)
    contract, m, d = world.upwork_submitted(at=opened)
    due = opened + 14 * DAY
    assert d.due_at - d.opened_at == dt.timedelta(hours=14 * 24)  # G-08
    applied = check_boundary(clock, d, due)

    assert "$250.00" in applied.summary
    m = Milestone.get_by_id(m.id)
    assert m.status == "released" and m.finished_at == due.naive
    assert paid_balance(milestone_id=m.id) == 25000
    assert milestone_escrow(m.id) == 0
    [t] = transfers(m, "release")
    assert t.created_at == due.naive and t.actor_id == system_account().id
    assert system_events(contract) == [("release", due.naive)]
    ev = Event.get((Event.contract == contract.id) & (Event.kind == "release"))
    assert recipients(ev) == sorted([client.id, freelancer.id])  # U-31: both are told
    assert Contract.get_by_id(contract.id).status == "open"  # the next milestone waits
    assert milestone_statuses(contract) == [(1, "released"), (2, "planned")]
    invariants()


def test_F05_unanswered_delivery_completes_the_order_after_8_days(world, clock, invariants):
    opened = T0.shift(hours=5, seconds=3)
    contract, m, d = world.fiverr_delivered(at=opened)
    due = opened + 8 * DAY
    assert d.due_at - d.opened_at == dt.timedelta(hours=8 * 24)  # G-08
    applied = check_boundary(clock, d, due)

    assert applied.summary == f"“{contract.title}” marked completed: $60.00 paid for the delivery"
    contract = Contract.get_by_id(contract.id)
    assert contract.status == "completed" and contract.ended_at == due.naive
    assert milestone_statuses(contract) == [(1, "released"), (2, "cancelled"), (3, "cancelled")]
    assert paid_balance(contract_id=contract.id) == 6000
    assert [t.created_at for t in transfers(m, "release")] == [due.naive]
    assert system_events(contract) == [("release", due.naive), ("contract_completed", due.naive)]
    assert not Deadline.select().where((Deadline.contract == contract.id)
                                       & (Deadline.status == "open")).exists()
    invariants()


def test_F07_next_milestone_not_started_in_10_days_completes_the_order(world, clock, invariants):
    accepted = T0.shift(days=2, hours=3, seconds=41)
    contract, m, d = world.fiverr_accepted(delivered_at=T0, accepted_at=accepted)
    due = accepted + 10 * DAY
    assert d.due_at - d.opened_at == dt.timedelta(hours=10 * 24)  # G-08
    applied = check_boundary(clock, d, due)

    assert "completed" in applied.summary
    contract = Contract.get_by_id(contract.id)
    assert contract.status == "completed" and contract.ended_at == due.naive
    assert milestone_statuses(contract) == [(1, "released"), (2, "cancelled"), (3, "cancelled")]
    assert len(transfers(m, "release")) == 1  # paid once, by the buyer's acceptance
    assert system_events(contract) == [("contract_completed", due.naive)]
    invariants()


def test_U24_unanswered_change_request_expires_after_7_days(world, clock, client, freelancer,
                                                             invariants):
    opened = T0.shift(hours=1, minutes=2, seconds=3)
    contract, m, cr, d = world.change_request(at=opened)
    due = opened + 7 * DAY
    assert d.due_at - d.opened_at == dt.timedelta(hours=7 * 24)  # G-08
    check_boundary(clock, d, due)

    cr = ChangeRequest.get_by_id(cr.id)
    assert cr.status == "expired" and cr.answered_at == due.naive
    m = Milestone.get_by_id(m.id)
    assert m.title == "Milestone 1" and m.status == "funded"  # the change never applied
    assert system_events(contract) == [("expire_milestone_change", due.naive)]
    ev = Event.get((Event.contract == contract.id) & (Event.kind == "expire_milestone_change"))
    assert recipients(ev) == sorted([client.id, freelancer.id])
    invariants()


def test_U32_unanswered_escrow_refund_is_granted_after_7_days(world, clock, invariants):
    opened = T0.shift(hours=6, seconds=59)
    contract, m, rr, d = world.refund(at=opened)
    due = opened + 7 * DAY
    assert d.due_at - d.opened_at == dt.timedelta(hours=7 * 24)  # G-08
    check_boundary(clock, d, due)

    rr = RefundRequest.get_by_id(rr.id)
    assert rr.status == "granted" and rr.closed_at == due.naive
    assert Milestone.get_by_id(m.id).status == "refunded"
    assert balance(A.CLIENT_REFUNDS, milestone_id=m.id) == 25000
    assert paid_balance(contract_id=contract.id) == 0
    assert milestone_escrow(m.id) == 0
    assert [t.created_at for t in transfers(m, "refund")] == [due.naive]
    assert system_events(contract) == [("refund_granted", due.naive)]
    invariants()


@pytest.mark.parametrize("disputed_at, due_at", [
    ("2026-03-05T09:00:00+00:00", "2026-03-12T09:00:00+00:00"),  # Thursday -> Thursday
    ("2026-03-07T10:00:00+00:00", "2026-03-16T00:00:00+00:00"),  # Saturday -> Monday 00:00
], ids=["opened-thursday", "opened-saturday"])
def test_U33_unanswered_dispute_pays_the_freelancer_after_5_business_days(
        world, clock, disputed_at, due_at, invariants):
    contract, m, rr, d = world.dispute(arrow.get(disputed_at))
    due = arrow.get(due_at)
    assert due.weekday() < 5
    check_boundary(clock, d, due)

    rr = RefundRequest.get_by_id(rr.id)
    assert rr.status == "kept" and rr.closed_at == due.naive
    assert Milestone.get_by_id(m.id).status == "released"
    assert paid_balance(milestone_id=m.id) == 25000
    assert balance(A.CLIENT_REFUNDS, contract_id=contract.id) == 0
    assert [t.created_at for t in transfers(m, "release")] == [due.naive]
    assert system_events(contract) == [("dispute_expired", due.naive)]
    invariants()


def test_G08_the_boundary_is_exact_to_the_microsecond(world, clock):
    opened = T0.replace(microsecond=250_000)
    contract, m, d = world.upwork_submitted(at=opened)
    due = opened + 14 * DAY
    assert d.due_at == due.naive
    assert sweep_at(clock, due.shift(microseconds=-1)).applied == []
    assert Milestone.get_by_id(m.id).status == "submitted"
    [applied] = sweep_at(clock, due).applied
    assert applied.due_at == due
    assert system_events(contract) == [("release", due.naive)]


def test_G08_a_late_sweep_dates_the_automatic_action_at_the_due_time(world, clock):
    """The worker ran three hours late: the timeline still shows when the window closed."""
    contract, m, d = world.upwork_submitted(at=T0)
    due = T0 + 14 * DAY
    late = due.shift(hours=3)
    [applied] = sweep_at(clock, late).applied
    assert applied.due_at == due
    assert system_events(contract) == [("release", due.naive)]
    assert Milestone.get_by_id(m.id).finished_at == due.naive
    assert Deadline.get_by_id(d.id).closed_at == due.naive


def test_G09_a_second_sweep_changes_nothing(world, clock, invariants):
    world.upwork_submitted(at=T0, title="A")
    world.fiverr_delivered(at=T0, title="B")
    world.fiverr_accepted(delivered_at=T0, title="C")
    world.change_request(at=T0, title="D")
    world.refund(at=T0, title="E")
    world.dispute(arrow.get("2026-03-05T09:00:00+00:00"), title="F")
    first = sweep_at(clock, T0 + 20 * DAY)
    assert len(first.applied) == 6 and not any(a.skipped for a in first.applied)
    state = db_state()
    for when in (T0 + 20 * DAY, T0 + 21 * DAY):
        assert not sweep_at(clock, when).changed
        assert db_state() == state
    # The Fiverr payments' 14-day holds (X-26) end later, and only once too.
    later = sweep_at(clock, T0 + 60 * DAY)
    assert later.applied == [] and later.available >= 1
    state = db_state()
    for when in (T0 + 60 * DAY, T0 + 100 * DAY):
        assert not sweep_at(clock, when).changed
        assert db_state() == state
    invariants()


# --- a window closed by a user is never applied -------------------------------------

def test_U06_approval_before_the_due_time_closes_the_window(world, clock, client, invariants):
    contract, m, d = world.upwork_submitted(at=T0)
    due = T0 + 14 * DAY
    world.at(due.shift(seconds=-1))
    release(client, m.id, clock=clock)
    for when in (due, due + 30 * DAY):
        assert sweep_at(clock, when).applied == []
    d = Deadline.get_by_id(d.id)
    assert d.status == "closed" and d.closed_at == due.shift(seconds=-1).naive
    assert len(transfers(m, "release")) == 1
    # No automatic release; the only thing the system did is end the hold.
    assert system_events(contract) == [
        ("payout_available", due.shift(seconds=-1).shift(days=5).naive)]
    invariants()


def test_U18_changes_requested_then_a_new_submission_starts_a_new_14_day_window(
        world, clock, client, freelancer, invariants):
    contract, m, old = world.upwork_submitted(at=T0)
    world.at(T0 + 3 * DAY)
    request_changes(client, m.id, "The footer is missing", clock=clock)
    assert Deadline.get_by_id(old.id).status == "closed"
    resubmitted = T0 + 5 * DAY
    world.at(resubmitted)
    submit_work(freelancer, m.id, "Footer added", clock=clock)
    new = window("review", milestone=m)
    assert new.id != old.id

    assert sweep_at(clock, T0 + 14 * DAY).applied == []  # the old window's due time
    assert Milestone.get_by_id(m.id).status == "submitted"
    check_boundary(clock, new, resubmitted + 14 * DAY)
    assert Deadline.get_by_id(old.id).status == "closed"
    assert system_events(contract) == [("release", (resubmitted + 14 * DAY).naive)]
    assert len(transfers(m, "release")) == 1
    invariants()


@pytest.mark.parametrize("answer", ["withdraw", "approve", "reject"])
def test_U24_a_change_request_answered_or_withdrawn_never_expires(world, clock, client,
                                                                   freelancer, answer):
    contract, m, cr, d = world.change_request(at=T0)
    world.at(T0 + 2 * DAY)
    if answer == "withdraw":
        withdraw_milestone_change(client, cr.id, clock=clock)
    elif answer == "approve":
        approve_milestone_change(freelancer, cr.id, clock=clock)
    else:
        reject_milestone_change(freelancer, cr.id, "No", clock=clock)
    for when in (T0 + 7 * DAY, T0 + 30 * DAY):
        assert sweep_at(clock, when).applied == []
    assert Deadline.get_by_id(d.id).status == "closed"
    assert ChangeRequest.get_by_id(cr.id).status == {
        "withdraw": "withdrawn", "approve": "approved", "reject": "rejected"}[answer]
    assert system_events(contract) == []


@pytest.mark.parametrize("answer", ["agree", "dispute"])
def test_U32_a_refund_answered_by_the_freelancer_is_not_granted(world, clock, freelancer,
                                                                answer, invariants):
    contract, m, rr, d = world.refund(at=T0)
    world.at(T0 + 6 * DAY)
    if answer == "agree":
        agree_refund(freelancer, rr.id, clock=clock)
    else:
        dispute_refund(freelancer, rr.id, "I delivered", clock=clock)
    result = sweep_at(clock, T0 + 7 * DAY)
    assert result.applied == []
    assert Deadline.get_by_id(d.id).status == "closed"
    rr = RefundRequest.get_by_id(rr.id)
    if answer == "agree":
        assert rr.status == "agreed"
        assert len(transfers(m, "refund")) == 1
    else:
        assert rr.status == "disputed"
        assert Milestone.get_by_id(m.id).status == "disputed"
        assert window("dispute_response", refund_request=rr).status == "open"
    assert system_events(contract) == []
    invariants()


def test_U33_a_dispute_the_client_responded_to_is_left_to_support(world, clock, client):
    contract, m, rr, d = world.dispute(arrow.get("2026-03-05T09:00:00+00:00"))
    world.at("2026-03-11T09:00:00+00:00")
    respond_to_dispute(client, rr.id, "Nothing was delivered", clock=clock)
    assert sweep_at(clock, T0 + 30 * DAY).applied == []
    assert Deadline.get_by_id(d.id).status == "closed"
    assert Milestone.get_by_id(m.id).status == "in_support"
    assert transfers(m, "release") == []


def test_F05_a_revision_request_closes_the_window(world, clock, client, freelancer):
    contract, m, d = world.fiverr_delivered(at=T0)
    world.at(T0 + 7 * DAY)
    request_changes(client, m.id, "Darker blue", clock=clock)
    assert sweep_at(clock, T0 + 8 * DAY).applied == []
    assert Contract.get_by_id(contract.id).status == "open"
    assert Deadline.get_by_id(d.id).status == "closed"
    world.at(T0 + 9 * DAY)
    submit_work(freelancer, m.id, "Darker blue", clock=clock)  # a new 8-day window
    assert sweep_at(clock, T0 + 17 * DAY - dt.timedelta(seconds=1)).applied == []
    [applied] = sweep_at(clock, T0 + 17 * DAY).applied
    assert applied.deadline_id != d.id
    assert Contract.get_by_id(contract.id).status == "completed"


def test_F07_starting_the_next_milestone_closes_the_window(world, clock, client):
    contract, m, d = world.fiverr_accepted(delivered_at=T0)
    world.at(T0 + 5 * DAY)
    fund_next_milestone(client, contract.id, clock=clock)
    assert sweep_at(clock, T0 + 30 * DAY).applied == []
    assert Deadline.get_by_id(d.id).status == "closed"
    assert Contract.get_by_id(contract.id).status == "open"


# --- G-09: an expired window is not undone by a user acting before the sweep ran -----

def _late_cases():
    def u06(w):
        contract, m, d = w.upwork_submitted(at=T0)
        return d, lambda: request_changes(w.client, m.id, "One more thing", clock=w.clock), \
            lambda: Milestone.get_by_id(m.id).status == "released"

    def f05(w):
        contract, m, d = w.fiverr_delivered(at=T0)
        return d, lambda: request_changes(w.client, m.id, "Darker blue", clock=w.clock), \
            lambda: Contract.get_by_id(contract.id).status == "completed"

    def f07(w):
        contract, m, d = w.fiverr_accepted(delivered_at=T0)
        return d, lambda: fund_next_milestone(w.client, contract.id, clock=w.clock), \
            lambda: Contract.get_by_id(contract.id).status == "completed"

    def u24(w):
        contract, m, cr, d = w.change_request(at=T0)
        return d, lambda: approve_milestone_change(w.freelancer, cr.id, clock=w.clock), \
            lambda: ChangeRequest.get_by_id(cr.id).status == "expired"

    def u32(w):
        contract, m, rr, d = w.refund(at=T0)
        return d, lambda: dispute_refund(w.freelancer, rr.id, "I delivered", clock=w.clock), \
            lambda: RefundRequest.get_by_id(rr.id).status == "granted"

    def u33(w):
        contract, m, rr, d = w.dispute(arrow.get("2026-03-05T09:00:00+00:00"))
        return d, lambda: respond_to_dispute(w.client, rr.id, "Not delivered", clock=w.clock), \
            lambda: RefundRequest.get_by_id(rr.id).status == "kept"

    return [pytest.param(u06, id="U-06-request-changes-after-14-days"),
            pytest.param(f05, id="F-05-revision-after-8-days"),
            pytest.param(f07, id="F-07-start-next-after-10-days"),
            pytest.param(u24, id="U-24-approve-expired-change-request"),
            pytest.param(u32, id="U-32-dispute-after-7-days"),
            pytest.param(u33, id="U-33-respond-after-5-business-days")]


@pytest.mark.parametrize("build", _late_cases())
def test_G09_an_action_after_the_due_time_does_not_undo_the_automatic_outcome(
        world, clock, build, invariants):
    """The worker was off when the window closed; an hour later the user acts before any
    sweep has run. The window's outcome is already owed (U-06: "with no action, the
    submission counts as approved"), so the late action must be refused (or find the
    outcome already applied), and the outcome is dated at the due time either way.
    Otherwise whether a rule holds depends on whether a worker happened to be running."""
    d, late_action, outcome_applied = build(world)
    due = due_of(d)
    world.at(due.shift(hours=1))
    try:
        late_action()
    except RuleError:
        pass
    else:
        pytest.fail(f"{d.kind} window closed at {due}, yet the user action an hour later "
                    "was accepted and closed the window: its automatic outcome will never "
                    "happen")
    sweep_at(clock, due.shift(hours=1))
    assert outcome_applied()
    d = Deadline.get_by_id(d.id)
    assert d.status == "applied" and d.closed_at == due.naive
    invariants()


# --- G-06 reminders ---------------------------------------------------------------

def _reminder_cases():
    return [
        pytest.param(lambda w: w.upwork_submitted(at=T0)[::2], "client", id="U-06-review"),
        pytest.param(lambda w: w.fiverr_delivered(at=T0)[::2], "client", id="F-05-review"),
        pytest.param(lambda w: w.fiverr_accepted(delivered_at=T0)[::2], "client",
                     id="F-07-start-next"),
        pytest.param(lambda w: w.change_request(at=T0)[::3], "freelancer",
                     id="U-24-change-request"),
        pytest.param(lambda w: w.refund(at=T0)[::3], "freelancer", id="U-32-refund"),
        pytest.param(lambda w: w.dispute(arrow.get("2026-03-05T09:00:00+00:00"))[::3],
                     "client", id="U-33-dispute"),
    ]


@pytest.mark.parametrize("build, party", _reminder_cases())
def test_G06_reminders_two_days_and_one_day_before_each_sent_once(world, clock, client,
                                                                  freelancer, build, party):
    contract, d = build(world)
    due = due_of(d)
    first, second = due.shift(hours=-48), due.shift(hours=-24)
    assert d.remind_at == first.naive
    to = {"client": client, "freelancer": freelancer}[party]

    assert sweep_at(clock, first.shift(seconds=-1)).reminders == 0
    assert sweep_at(clock, first).reminders == 1
    assert sweep_at(clock, first).reminders == 0
    assert sweep_at(clock, second.shift(seconds=-1)).reminders == 0
    assert sweep_at(clock, second).reminders == 1
    assert sweep_at(clock, second.shift(hours=1)).reminders == 0
    assert sweep_at(clock, due.shift(seconds=-1)).reminders == 0

    sent = reminders(contract)
    assert [e.occurred_at for e in sent] == [first.naive, second.naive]
    assert [recipients(e) for e in sent] == [[to.id], [to.id]]
    assert "in 2 days" in sent[0].summary and "in 1 day" in sent[1].summary
    after = sweep_at(clock, due)
    assert len(after.applied) == 1 and after.reminders == 0
    assert sweep_at(clock, due.shift(days=5)).reminders == 0
    assert len(reminders(contract)) == 2


def test_G06_no_reminder_after_the_window_closed(world, clock, client):
    contract, m, d = world.upwork_submitted(at=T0, title="Reminded once")
    due = due_of(d)
    assert sweep_at(clock, due.shift(hours=-48)).reminders == 1
    world.at(due.shift(hours=-30))
    release(client, m.id, clock=clock)
    for when in (due.shift(hours=-24), due.shift(seconds=-1), due, due.shift(days=3)):
        result = sweep_at(clock, when)
        assert result.reminders == 0 and result.applied == []
    assert len(reminders(contract)) == 1

    contract2, m2, d2 = world.upwork_submitted(at=T0 + DAY, title="Never reminded")
    world.at(T0 + 2 * DAY)
    request_changes(client, m2.id, "Not yet", clock=clock)
    for when in (due_of(d2).shift(hours=-48), due_of(d2).shift(hours=-24), due_of(d2)):
        assert sweep_at(clock, when).reminders == 0
    assert reminders(contract2) == []


def test_G06_a_worker_off_past_both_reminder_times_sends_only_one(world, clock, client):
    contract, m, d = world.upwork_submitted(at=T0)
    due = due_of(d)
    result = sweep_at(clock, due.shift(hours=-1))
    assert result.reminders == 1 and result.applied == []
    assert sweep_at(clock, due.shift(minutes=-30)).reminders == 0
    [sent] = reminders(contract)
    assert recipients(sent) == [client.id]
    assert "in 1 h" in sent.summary
    d = Deadline.get_by_id(d.id)
    assert d.reminders_sent == 2 and d.remind_at is None


# --- G-09 catching up ---------------------------------------------------------------

def test_G09_catch_up_after_30_days_off_applies_every_window_in_due_order(
        world, clock, client, freelancer, invariants):
    """Nobody swept for 30 days while users went on working: every window that fell due
    is applied in one sweep, in due order, each dated at its own due time."""
    expected: dict[int, tuple[str, str]] = {}  # deadline id -> (kind, contract title)

    def expect(d, title):
        expected[d.id] = (d.kind, title)

    for i in range(3):
        expect(world.upwork_submitted(at=T0.shift(hours=i), title=f"U06-{i}")[2], f"U06-{i}")
        expect(world.fiverr_delivered(at=T0.shift(days=1, hours=i), title=f"F05-{i}")[2],
               f"F05-{i}")
        # The buyer accepts during the downtime: the start-next window it opens is due too.
        expect(world.fiverr_accepted(delivered_at=T0.shift(hours=i),
                                     accepted_at=T0.shift(days=2, hours=i),
                                     title=f"F07-{i}")[2], f"F07-{i}")
        expect(world.change_request(at=T0.shift(days=3, hours=i), title=f"U24-{i}")[3], f"U24-{i}")
        expect(world.refund(at=T0.shift(days=4, hours=i), title=f"U32-{i}")[3], f"U32-{i}")
    expect(world.dispute(arrow.get("2026-03-05T09:00:00+00:00"), title="U33-thu")[3], "U33-thu")
    expect(world.dispute(arrow.get("2026-03-07T10:00:00+00:00"), title="U33-sat")[3], "U33-sat")
    # Closed by a user before it was due: never applied.
    _, approved, closed = world.upwork_submitted(at=T0, title="approved")
    world.at(T0 + 3 * DAY)
    release(client, approved.id, clock=clock)
    # Opened late in the downtime: not due yet, no reminder yet.
    _, _, pending = world.upwork_submitted(at=T0 + 25 * DAY, title="pending")

    result = sweep_at(clock, T0 + 30 * DAY, batch_size=4)

    applied_ids = [a.deadline_id for a in result.applied]
    assert sorted(applied_ids) == sorted(expected), "each due window applied exactly once"
    assert [a.summary for a in result.applied if a.skipped] == []
    dues = [a.due_at for a in result.applied]
    assert dues == sorted(dues), "applied in due order"
    assert result.reminders == 0
    for a in result.applied:
        d = Deadline.get_by_id(a.deadline_id)
        assert d.status == "applied" and d.closed_at == d.due_at == a.due_at.naive
        contract = Contract.get_by_id(d.contract_id)
        assert expected[d.id] == (d.kind, contract.title)
        # The system acted at the window's due time; ending a payment's hold
        # happens when the hold ends, after it.
        events = [e for e in system_events(contract) if e[0] != "payout_available"]
        assert events and all(at == d.due_at for _, at in events), (contract.title, events)

    by_title = {c.title: c for c in Contract.select()}
    for i in range(3):
        assert paid_balance(contract_id=by_title[f"U06-{i}"].id) == 25000
        assert by_title[f"F05-{i}"].status == "completed"
        assert by_title[f"F07-{i}"].status == "completed"
        cr = ChangeRequest.get(ChangeRequest.contract == by_title[f"U24-{i}"].id)
        assert cr.status == "expired"
        rr = RefundRequest.get(RefundRequest.contract == by_title[f"U32-{i}"].id)
        assert rr.status == "granted"
    for title in ("U33-thu", "U33-sat"):
        assert RefundRequest.get(RefundRequest.contract == by_title[title].id).status == "kept"
    assert Deadline.get_by_id(closed.id).status == "closed"
    assert len(transfers(approved, "release")) == 1
    assert Deadline.get_by_id(pending.id).status == "open"
    assert reminders(by_title["pending"]) == []
    assert ledger_problems() == []

    state = db_state()
    assert not sweep_at(clock, T0 + 30 * DAY).changed
    assert db_state() == state


def test_G09_a_window_opened_by_an_applied_item_and_already_due_is_applied_in_the_same_sweep(
        world, clock, monkeypatch, invariants):
    """Under the policy table as it is, no automatic action opens a further window (F-05
    completes the order). With a Fiverr policy whose unanswered delivery is accepted
    (released) instead, the acceptance opens the 10-day start-next window (F-07) while
    catching up; that window is already due, and the same sweep applies it, in order."""
    auto_accept = replace(policy_table.POLICIES["fiverr-gig"], review_expiry="release")
    monkeypatch.setitem(policy_table.POLICIES, "fiverr-gig", auto_accept)
    contract, m, review = world.fiverr_delivered(at=T0)
    review_due = T0 + 8 * DAY

    result = sweep_at(clock, T0 + 30 * DAY, batch_size=1)

    assert [(a.kind, a.due_at) for a in result.applied] == [
        ("review", review_due), ("start_next", review_due + 10 * DAY)]
    start_next = Deadline.get_by_id(result.applied[1].deadline_id)
    assert start_next.opened_at == review_due.naive and start_next.status == "applied"
    assert Contract.get_by_id(contract.id).status == "completed"
    assert system_events(contract) == [("release", review_due.naive),
                                       ("contract_completed", (review_due + 10 * DAY).naive),
                                       ("payout_available", (review_due + 14 * DAY).naive)]
    assert not sweep_at(clock, T0 + 30 * DAY).changed
    invariants()


def test_G09_max_items_and_a_stop_bound_a_sweep_and_the_rest_waits(world, clock, invariants):
    """The worker's bounds: `max_items` applies that many due windows and no more, in
    due order, whatever the batch size; a stop already set applies none. What is left
    stays open for the next sweep, and is applied exactly once then."""
    made = [world.upwork_submitted(at=T0.shift(minutes=i), title=f"M{i}")[2]
            for i in range(5)]
    when = T0 + 20 * DAY
    clock.set(when)
    first = sweep(clock=clock, max_items=2, batch_size=1, pause=0)
    assert [a.deadline_id for a in first.applied] == [d.id for d in made[:2]]
    second = sweep(clock=clock, max_items=2, batch_size=250, pause=0)
    assert [a.deadline_id for a in second.applied] == [d.id for d in made[2:4]]
    stop = threading.Event()
    stop.set()
    assert sweep(clock=clock, stop=stop).applied == []
    assert [d.id for d in Deadline.select().where(Deadline.status == "open")] == [made[4].id]
    last = sweep(clock=clock, max_items=10, pause=0)
    assert [a.deadline_id for a in last.applied] == [made[4].id]
    invariants()
