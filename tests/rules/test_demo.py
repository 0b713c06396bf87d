"""The demo data (rules/demo.py): every state on real rows, a sound ledger, access as for
any contract, no window already due, and the same data for the same clock."""
from __future__ import annotations

import json

import arrow
import pytest

from models.accounts import Account
from models.audit import AuditRecord
from models.base import database
from models.change_requests import ChangeRequest
from models.contracts import Contract, Feedback
from models.db import open_database, sqlite_url
from models.deadlines import Deadline
from models.events import Event
from models.ledger import LedgerTransfer
from models.milestones import Milestone, Submission
from models.refunds import RefundRequest
from models.vocabulary import (ChangeRequestKind, ChangeRequestStatus, ContractStatus,
                               DeadlineStatus, MilestoneStatus, RefundStatus, Role)
from rules.clock import FrozenClock
from rules.demo import ACCOUNTS, HISTORY_DAYS, fill_demo, has_contracts
from rules.errors import RuleError
from rules.policy import POLICIES
from rules.queries import find_account, list_contracts


@pytest.fixture
def demo(db, clock):
    return fill_demo(clock)


def _milestone_statuses() -> set[str]:
    return {s for (s,) in Milestone.select(Milestone.status).tuples()}


def test_fill_demo_creates_the_accounts_and_contracts(db, clock):
    assert not has_contracts()
    summary = fill_demo(clock)
    assert has_contracts()
    for login, name, role, tz in ACCOUNTS:
        account = Account.get(Account.login == login)
        assert (account.display_name, account.role, account.timezone) == (name, role, tz)
    assert summary["accounts"] == {"agent": 1, "client": 3, "freelancer": 3}
    assert 10 <= summary["contracts"] == Contract.select().count() <= 15
    assert summary["milestones"] == Milestone.select().count()
    assert sum(summary["milestones_by_status"].values()) == summary["milestones"]


def test_every_milestone_status_of_the_brief_appears(demo):
    wanted = {MilestoneStatus.PLANNED, MilestoneStatus.FUNDED, MilestoneStatus.SUBMITTED,
              MilestoneStatus.CHANGES_REQUESTED, MilestoneStatus.RELEASED,
              MilestoneStatus.REFUND_REQUESTED, MilestoneStatus.DISPUTED,
              MilestoneStatus.IN_SUPPORT, MilestoneStatus.CANCELLED,
              MilestoneStatus.REFUNDED, MilestoneStatus.RESOLVED}
    assert wanted <= _milestone_statuses()


def test_every_policy_and_contract_status_appears(demo):
    assert {p for (p,) in Contract.select(Contract.policy).tuples()} == set(POLICIES)
    assert {s for (s,) in Contract.select(Contract.status).tuples()} >= {
        ContractStatus.OPEN, ContractStatus.ENDED, ContractStatus.CANCELLED}


def test_the_stories_of_the_brief_are_there(demo, clock):
    # A planning-only contract: nothing funded, no money moved.
    planning = [c for c in Contract.select() if all(
        m.status == MilestoneStatus.PLANNED for m in c.milestones)]
    assert planning and all(not c.transfers.exists() for c in planning)
    # An overdue funded milestone (U-13) and one on time.
    funded = list(Milestone.select().where(Milestone.status == MilestoneStatus.FUNDED))
    today = clock.now().date()
    assert any(m.due_date < today for m in funded)
    assert any(m.due_date >= today for m in funded)
    # Changes requested, then resubmitted: the milestone in review has two submissions.
    submitted = Milestone.get(Milestone.status == MilestoneStatus.SUBMITTED)
    assert submitted.submissions.count() == 2
    # A partial release left project funds that funded the next milestone (U-04, U-26).
    summaries = [s for (s,) in Event.select(Event.summary).tuples()]
    assert any("stays in project funds" in s for s in summaries)
    assert any("from project funds" in s for s in summaries)
    # A full release with a bonus (U-28) and a release without a submission (U-19).
    assert LedgerTransfer.select().where(LedgerTransfer.kind == "bonus").exists()
    released = Milestone.select().where(Milestone.status == MilestoneStatus.RELEASED)
    assert any(not m.submissions.exists() for m in released)
    # A Fiverr revision, and a Fiverr order waiting for the buyer to start the next (F-07).
    revision = Milestone.get(Milestone.status == MilestoneStatus.CHANGES_REQUESTED)
    assert revision.contract.policy.startswith("fiverr") and revision.revisions_used == 1
    start_next = Deadline.get((Deadline.kind == "start_next")
                              & (Deadline.status == DeadlineStatus.OPEN))
    assert start_next.contract.policy.startswith("fiverr")
    # Refund requested, disputed (awaiting the client), and in support.
    assert {r.status for r in RefundRequest.select()} >= {
        RefundStatus.PENDING, RefundStatus.DISPUTED, RefundStatus.IN_SUPPORT}
    assert Deadline.select().where((Deadline.kind == "dispute_response")
                                   & (Deadline.status == DeadlineStatus.OPEN)).exists()
    # An ended contract with feedback from both sides (G-04).
    ended = Contract.get(Contract.status == ContractStatus.ENDED)
    assert {f.author_id for f in Feedback.select().where(Feedback.contract == ended.id)} == {
        ended.client_id, ended.freelancer_id}
    # An order cancelled through support, with the reason recorded (F-08).
    cancelled = Contract.get(Contract.status == ContractStatus.CANCELLED)
    event = Event.get((Event.contract == cancelled.id) & (Event.kind == "contract_cancelled"))
    assert event.actor.role == Role.AGENT
    audit = AuditRecord.get((AuditRecord.contract == cancelled.id)
                            & (AuditRecord.action == "contract_cancelled"))
    assert audit.reason
    assert {m.status for m in cancelled.milestones} == {MilestoneStatus.CANCELLED}


def test_U20_U14_a_change_request_and_a_proposal_are_pending(demo):
    pending = {cr.kind: cr for cr in ChangeRequest.select().where(
        ChangeRequest.status == ChangeRequestStatus.PENDING)}
    assert set(pending) == {ChangeRequestKind.CLIENT_ACTIVE,
                            ChangeRequestKind.FREELANCER_PROPOSAL}
    active = pending[ChangeRequestKind.CLIENT_ACTIVE]
    assert active.milestone.status == MilestoneStatus.FUNDED  # U-20: no work submitted yet
    assert not active.milestone.submissions.exists()
    assert Deadline.get(Deadline.change_request == active.id).status == DeadlineStatus.OPEN
    proposal = pending[ChangeRequestKind.FREELANCER_PROPOSAL]
    assert proposal.author_id == proposal.contract.freelancer_id
    assert json.loads(proposal.payload)["ops"]


def test_the_ledger_is_sound(demo, invariants):
    invariants()


def test_each_client_sees_only_their_contracts_and_the_agent_sees_all(demo):
    everything = {c.id for c in Contract.select()}
    for login, _, role, _ in ACCOUNTS:
        account = find_account(login)
        seen = {row.id for row in list_contracts(account, limit=1000)}
        if role == Role.AGENT:
            assert seen == everything
        elif role == Role.CLIENT:
            assert seen == {c.id for c in Contract.select().where(Contract.client == account.id)}
        else:
            assert seen == {c.id for c in Contract.select().where(
                Contract.freelancer == account.id)}
        assert seen
    ada = find_account("ada")
    ada_contracts = list_contracts(ada)
    assert len(ada_contracts) >= 5
    assert len({(c.status, c.current_status, c.next_deadline_kind)
                for c in ada_contracts}) >= 5  # varied states


def test_G09_no_open_deadline_is_already_due(demo, clock):
    now = clock.now()
    open_ = list(Deadline.select().where(Deadline.status == DeadlineStatus.OPEN))
    assert {d.kind for d in open_} == {"review", "start_next", "change_request",
                                       "refund_answer", "dispute_response"}
    assert all(d.due_at > now.naive for d in open_)


@pytest.mark.parametrize("now", ["2026-03-02T09:00:00+00:00", "2026-03-07T23:59:00+00:00",
                                 "2026-03-08T00:00:00+00:00", "2026-06-17T13:30:00+00:00"])
def test_history_is_in_the_past_and_no_window_closed_late(db, now):
    """Whatever the weekday and hour, every step happened before now, within about 40
    days, in time order; no window was left to run past its due time before it closed."""
    clock = FrozenClock(now)
    fill_demo(clock)
    at = clock.now().naive
    times = [e.occurred_at for e in Event.select().order_by(Event.id)]
    assert times == sorted(times)
    assert times[-1] < at
    assert (at - times[0]).days <= HISTORY_DAYS
    for d in Deadline.select():
        if d.status == DeadlineStatus.OPEN:
            assert d.due_at > at
        else:
            assert d.closed_at <= d.due_at, (d.kind, d.contract_id)
    assert max(s.submitted_at for s in Submission.select()) < at


def test_the_same_clock_gives_the_same_data(db, clock, tmp_path):
    def dump() -> list:
        return [list(Milestone.select(Milestone.contract, Milestone.position, Milestone.title,
                                      Milestone.amount_cents, Milestone.status,
                                      Milestone.due_date).order_by(Milestone.id).tuples()),
                list(Event.select(Event.kind, Event.summary, Event.occurred_at)
                     .order_by(Event.id).tuples())]

    first = fill_demo(clock)
    first_rows = dump()
    other = open_database(sqlite_url(tmp_path / "second.db"))
    try:
        second = fill_demo(clock)
        second_rows = dump()
    finally:
        other.close()
        database.initialize(db)
    assert first == second
    assert first_rows == second_rows


def test_the_demo_fills_an_empty_database_only(demo, clock):
    with pytest.raises(RuleError):
        fill_demo(clock)
    assert Contract.select().count() == demo["contracts"]


def test_without_a_clock_the_demo_is_built_around_the_real_now(db):
    summary = fill_demo()
    now = arrow.utcnow().naive
    assert summary["contracts"] == Contract.select().count()
    assert all(d.due_at > now for d in Deadline.select().where(
        Deadline.status == DeadlineStatus.OPEN))
    assert max(e.occurred_at for e in Event.select()) < now
