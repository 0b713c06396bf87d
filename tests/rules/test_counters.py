"""Counter-proposals (rules/counters.py): X-22 the party a change request or a milestone
proposal waits for may answer it with an amended version, which then waits for the
other party, and accepting applies exactly that version; X-23 the thread keeps every
version with its diff against the one before. U-20..U-24 and U-14..U-16 hold for each."""
from __future__ import annotations

import arrow
import pytest

from models.change_requests import ChangeRequest
from models.deadlines import Deadline
from models.milestones import Milestone
from models.vocabulary import ChangeRequestStatus as CS
from models.vocabulary import DeadlineStatus
from rules.change_requests import (accept_proposal, approve_milestone_change,
                                   decline_proposal, expire_milestone_change,
                                   propose_milestone_changes, reject_milestone_change,
                                   request_milestone_change, withdraw_milestone_change)
from rules.contract_view import contract_detail
from rules.errors import RuleError
from rules.counters import counter_milestone_change, counter_proposal, request_thread
from rules.inbox import inbox_page, request_view
from rules.ledger import milestone_escrow
from rules.payments import add_escrow_funds, fund_next_milestone
from rules.plan import AddMilestone, EditMilestone
from rules.work import submit_work


def fresh(cr: ChangeRequest) -> ChangeRequest:
    return ChangeRequest.get_by_id(cr.id)


@pytest.fixture
def active(make_contract, client, clock):
    """A contract whose first milestone ($250.00, due 2026-03-09) is funded."""
    c = make_contract(amounts=(25000, 50000))
    return c, fund_next_milestone(client, c.id, clock=clock)


def test_X22_the_freelancer_counters_a_change_and_the_client_accepts_exactly_that(
        active, client, freelancer, clock, invariants):
    c, m = active
    asked = request_milestone_change(client, m.id, {"amount_cents": 30000}, clock=clock)
    clock.advance(hours=3)
    counter = counter_milestone_change(freelancer, asked.id, {"amount_cents": 28000},
                                       "I can do it for $280", clock=clock)
    old = fresh(asked)
    assert (old.status, arrow.get(old.answered_at)) == (CS.COUNTERED, clock.now())
    assert Deadline.get(Deadline.change_request == asked.id).status != DeadlineStatus.OPEN
    # The counter waits for the client, 7 days from now (U-24 again for this version).
    assert (counter.author_id, counter.status, counter.previous_id) == (
        freelancer.id, CS.PENDING, asked.id)
    assert arrow.get(counter.expires_at) == clock.now().shift(days=7)
    assert Deadline.get(Deadline.change_request == counter.id).status == DeadlineStatus.OPEN
    assert [v.id for v in inbox_page(client, "incoming")] == [counter.id]
    assert [v.id for v in inbox_page(freelancer, "outgoing")] == [counter.id]
    assert request_view(client, counter.id, clock=clock).answers == (
        "approve", "reject", "counter")
    assert request_view(freelancer, counter.id, clock=clock).answers == ("edit", "withdraw")
    approve_milestone_change(client, counter.id, clock=clock)
    assert Milestone.get_by_id(m.id).amount_cents == 28000  # the counter, not the $300
    assert milestone_escrow(m.id) == 25000
    add_escrow_funds(client, m.id, clock=clock)
    assert milestone_escrow(m.id) == 28000
    invariants()


def test_X22_X23_the_thread_keeps_each_version_and_its_diff(active, client, freelancer,
                                                             clock):
    c, m = active
    v1 = request_milestone_change(client, m.id, {"amount_cents": 30000, "title": "Wires"},
                                  clock=clock)
    v2 = counter_milestone_change(freelancer, v1.id, {"amount_cents": 32000,
                                                      "title": "Wires"}, clock=clock)
    v3 = counter_milestone_change(client, v2.id, {"amount_cents": 31000, "title": "Wires"},
                                  clock=clock)
    reject_milestone_change(freelancer, v3.id, "No deal", clock=clock)
    thread = request_thread(freelancer, v2.id)
    assert [(v.number, v.request_id, v.author, v.status) for v in thread] == [
        (1, v1.id, client.display_name, CS.COUNTERED),
        (2, v2.id, freelancer.display_name, CS.COUNTERED),
        (3, v3.id, client.display_name, CS.REJECTED)]
    assert thread[0].since == ()
    assert thread[1].since == ("+ amount: $250.00 → $320.00", "− amount: $250.00 → $300.00")
    assert "title: Milestone 1 → Wires" in thread[2].lines
    assert Milestone.get_by_id(m.id).amount_cents == 25000  # rejected: nothing applies


def test_X22_a_client_counters_a_proposal_and_the_freelancer_accepts_it(
        make_contract, client, freelancer, clock):
    c = make_contract(amounts=(25000, 50000))
    second = contract_detail(client, c.id).milestones[1]
    proposal = propose_milestone_changes(
        freelancer, c.id, [AddMilestone("Extra", 10000, ref="x"),
                           EditMilestone(second.id, {"amount_cents": 60000})], clock=clock)
    counter = counter_proposal(client, proposal.id,
                               [AddMilestone("Extra", 8000, ref="x")], "Only the extra",
                               clock=clock)
    assert fresh(proposal).status == CS.COUNTERED
    assert request_view(freelancer, counter.id, clock=clock).answers == (
        "accept", "decline", "counter")
    assert request_view(client, counter.id, clock=clock).answers == ()
    accept_proposal(freelancer, counter.id, clock=clock)
    plan = [(m.title, m.amount_cents) for m in contract_detail(client, c.id).milestones]
    assert plan == [("Milestone 1", 25000), ("Milestone 2", 50000), ("Extra", 8000)]
    thread = request_thread(client, counter.id)
    assert thread[0].lines == ("edited “Milestone 2” (amount: $500.00 → $600.00)",
                               "added “Extra” (amount: $100.00)")
    assert thread[1].since == ("+ added “Extra” (amount: $80.00)",
                               "− edited “Milestone 2” (amount: $500.00 → $600.00)",
                               "− added “Extra” (amount: $100.00)")


def test_X22_refusals_write_nothing(active, make_contract, client, freelancer, other_client,
                                    clock, refused):
    c, m = active
    asked = request_milestone_change(client, m.id, {"amount_cents": 30000}, clock=clock)
    with refused("G-07"):  # one does not counter one's own version
        counter_milestone_change(client, asked.id, {"amount_cents": 29000}, clock=clock)
    with refused("G-07"):  # a stranger learns nothing
        counter_milestone_change(other_client, asked.id, {"amount_cents": 29000}, clock=clock)
    with refused("X-22", match="the same"):
        counter_milestone_change(freelancer, asked.id, {"amount_cents": 30000}, clock=clock)
    with refused("U-20", match="changes nothing"):
        counter_milestone_change(freelancer, asked.id, {"amount_cents": 25000}, clock=clock)
    clock.advance(days=7)
    with refused("U-24"):
        counter_milestone_change(freelancer, asked.id, {"amount_cents": 29000}, clock=clock)


def test_X22_U23_no_counter_once_work_is_submitted_and_U24_a_counter_expires(
        active, client, freelancer, system, clock):
    c, m = active
    asked = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    counter = counter_milestone_change(freelancer, asked.id, {"title": "Newer"}, clock=clock)
    clock.advance(days=7)
    expire_milestone_change(system, counter.id, clock=clock)
    assert fresh(counter).status == CS.EXPIRED
    again = request_milestone_change(client, m.id, {"title": "Again"}, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)  # cancels the request (U-23)
    assert fresh(again).status == CS.CANCELLED
    with pytest.raises(RuleError) as info:
        counter_milestone_change(freelancer, again.id, {"title": "Later"}, clock=clock)
    assert info.value.rule_id == "U-22" and "cancelled" in info.value.message


def test_X22_U16_U21_one_pending_version_at_a_time(active, make_contract, client,
                                                   freelancer, clock, refused):
    c, m = active
    asked = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    counter = counter_milestone_change(freelancer, asked.id, {"title": "Newer"}, clock=clock)
    with refused("U-21"):  # the counter is the pending request on this milestone now
        request_milestone_change(client, m.id, {"title": "Other"}, clock=clock)
    with refused("U-22"):  # the version answered is no longer pending
        approve_milestone_change(freelancer, asked.id, clock=clock)
    withdraw_milestone_change(freelancer, counter.id, clock=clock)  # its author may
    assert fresh(counter).status == CS.WITHDRAWN
    p = make_contract(amounts=(25000,), title="Plan")
    proposal = propose_milestone_changes(freelancer, p.id, [AddMilestone("A", 5000)],
                                         clock=clock)
    counter_proposal(client, proposal.id, [AddMilestone("A", 4000)], clock=clock)
    with refused("U-16"):
        propose_milestone_changes(freelancer, p.id, [AddMilestone("B", 5000)], clock=clock)
    with refused("U-15"):
        decline_proposal(client, proposal.id, clock=clock)
