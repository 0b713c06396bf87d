"""Support agents: F-08 (cancel a milestone or the whole order, with a reason) and G-02
(resolve a dispute with a split that adds up, with a written reason)."""
from __future__ import annotations

import json

import pytest

from models.audit import AuditRecord
from models.contracts import Contract
from models.deadlines import Deadline
from models.events import Event, Notification
from models.milestones import Milestone, Submission
from rules.ledger import A, balance, paid_balance, milestone_escrow, project_funds
from rules.payments import fund_next_milestone, release
from rules.refunds import dispute_refund, request_refund, resolve_dispute, respond_to_dispute
from rules.support import cancel_milestone, cancel_order
from rules.work import submit_work


def fresh(row):
    return type(row).get_by_id(row.id)


def milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def refunded(contract) -> int:
    return balance(A.CLIENT_REFUNDS, contract_id=contract.id)


def paid(contract) -> int:
    return paid_balance(contract_id=contract.id)


def audits(action) -> list[AuditRecord]:
    return list(AuditRecord.select().where(AuditRecord.action == action).order_by(AuditRecord.id))


def recipients(ev) -> set[int]:
    return {n.recipient_id for n in Notification.select().where(Notification.event == ev.id)}


# --- F-08: cancellation through support -------------------------------------------------

@pytest.fixture
def order(make_contract, freelancer, clock):
    """A Fiverr Gig order: the first of three milestones started and delivered."""
    contract = make_contract("fiverr-gig", amounts=(8000, 9000, 10000))
    first = milestones(contract)[0]
    submit_work(freelancer, first.id, "Delivery 1", clock=clock)
    return contract


def test_F08_agent_cancels_a_milestone_and_the_escrow_returns_to_the_buyer(
        order, agent, client, freelancer, clock, invariants):
    first, second, _ = milestones(order)
    cancel_milestone(agent, first.id, "Seller unresponsive for two weeks", clock=clock)
    assert fresh(first).status == "cancelled"
    assert milestone_escrow(first.id) == 0
    assert refunded(order) == 8000
    assert paid(order) == 0
    assert Submission.get(Submission.milestone == first.id).status == "closed"
    assert Deadline.select().where((Deadline.milestone == first.id)
                                   & (Deadline.status == "open")).count() == 0
    assert fresh(second).status == "planned"
    assert Contract.get_by_id(order.id).status == "open"  # only the milestone
    [rec] = audits("cancel_milestone")
    assert rec.reason == "Seller unresponsive for two weeks"
    assert rec.actor_id == agent.id and rec.actor_role == "agent"
    assert json.loads(rec.before) == {"status": "submitted"}
    assert json.loads(rec.after) == {"status": "cancelled", "returned_cents": 8000}
    ev = Event.get(Event.kind == "cancel_milestone")
    assert recipients(ev) == {client.id, freelancer.id}
    assert json.loads(ev.details)["reason"] == "Seller unresponsive for two weeks"
    invariants()
    # The buyer can start the next one.
    fund_next_milestone(client, order.id, clock=clock)
    assert fresh(second).status == "funded"
    invariants()


def test_F08_agent_cancels_a_future_milestone_with_nothing_to_return(order, agent, clock,
                                                                     invariants):
    _, _, third = milestones(order)
    returned = cancel_milestone(agent, third.id, "Buyer no longer needs it", clock=clock)
    assert returned == 0
    assert fresh(third).status == "cancelled"
    assert refunded(order) == 0
    invariants()


def test_F08_agent_cancels_the_whole_order(order, agent, client, freelancer, clock,
                                           invariants):
    result = cancel_order(agent, order.id, "Fraudulent order", clock=clock)
    assert result["escrow_returned_cents"] == 8000
    assert result["milestones_closed"] == 2
    stored = Contract.get_by_id(order.id)
    assert stored.status == "cancelled"
    assert stored.ended_at == clock.now().naive
    assert [m.status for m in milestones(order)] == ["cancelled"] * 3
    assert refunded(order) == 8000
    assert Deadline.select().where((Deadline.contract == order.id)
                                   & (Deadline.status == "open")).count() == 0
    assert all(r.reason == "Fraudulent order"
               for r in audits("cancel_milestone") + audits("contract_cancelled"))
    assert len(audits("contract_cancelled")) == 1
    # The reason is on the timeline too, not only in the audit (F-08).
    events = Event.select().where((Event.contract == order.id)
                                  & Event.kind.in_(["cancel_milestone", "contract_cancelled"]))
    assert sorted(e.kind for e in events) == ["cancel_milestone", "contract_cancelled"]
    assert all(json.loads(e.details)["reason"] == "Fraudulent order" for e in events)
    invariants()


def test_F08_cancelling_an_order_returns_escrow_and_project_funds(
        make_contract, agent, client, clock, invariants):
    contract = make_contract("upwork", amounts=(50000, 25000, 10000))
    first, second, third = milestones(contract)
    fund_next_milestone(client, contract.id, clock=clock)
    release(client, first.id, 10000, clock=clock)           # $400 left in project funds
    fund_next_milestone(client, contract.id, clock=clock)   # $250 of them into escrow
    assert (project_funds(contract.id), milestone_escrow(second.id)) == (15000, 25000)
    result = cancel_order(agent, contract.id, "Client and freelancer both asked", clock=clock)
    assert result["escrow_returned_cents"] == 25000
    assert result["project_funds_returned_cents"] == 15000
    assert result["initiation_fee_returned_cents"] == 0  # something was released (U-05)
    assert project_funds(contract.id) == 0
    assert milestone_escrow(second.id) == 0
    assert refunded(contract) == 40000
    assert paid(contract) == 10000
    assert fresh(third).status == "cancelled"
    invariants()


def test_F08_cancelling_supersedes_an_open_refund_request(make_contract, agent, client,
                                                          freelancer, clock, invariants):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    rr = request_refund(client, m.id, clock=clock)
    dispute_refund(freelancer, rr.id, "No", clock=clock)
    cancel_milestone(agent, m.id, "Agreed on the phone", clock=clock)
    assert fresh(rr).status == "cancelled"
    assert refunded(contract) == 25000
    assert Deadline.select().where((Deadline.refund_request == rr.id)
                                   & (Deadline.status == "open")).count() == 0
    invariants()


def test_F08_a_reason_is_required(order, agent, clock, refused):
    first = milestones(order)[0]
    for reason in ("", "   ", None):
        with refused("F-08", match="reason"):
            cancel_milestone(agent, first.id, reason, clock=clock)
        with refused("F-08", match="reason"):
            cancel_order(agent, order.id, reason, clock=clock)


def test_F08_only_a_support_agent_cancels(order, client, freelancer, system, other_client,
                                         clock, refused):
    first = milestones(order)[0]
    for actor in (client, freelancer, system):
        with refused("G-07", match="only the agent"):
            cancel_milestone(actor, first.id, "Because", clock=clock)
        with refused("G-07", match="only the agent"):
            cancel_order(actor, order.id, "Because", clock=clock)
    with refused("G-07", match="no such contract"):
        cancel_order(other_client, order.id, "Because", clock=clock)


def test_F08_a_finished_milestone_is_not_cancelled(make_contract, agent, client, freelancer,
                                                   clock, refused):
    contract = make_contract("fiverr-offer")
    first = milestones(contract)[0]
    submit_work(freelancer, first.id, "Delivery", clock=clock)
    release(client, first.id, clock=clock)
    with refused("conflict", match="already released"):
        cancel_milestone(agent, first.id, "Too late", clock=clock)


def test_F08_a_cancelled_order_is_closed(order, agent, client, clock, refused):
    cancel_order(agent, order.id, "Fraud", clock=clock)
    with refused("G-03"):
        cancel_order(agent, order.id, "Again", clock=clock)
    with refused("G-03"):
        fund_next_milestone(client, order.id, clock=clock)


def test_F08_unknown_ids(db, agent, clock, refused):
    with refused("not-found"):
        cancel_milestone(agent, 31337, "Reason", clock=clock)
    with refused("not-found"):
        cancel_order(agent, 31337, "Reason", clock=clock)


# --- G-02: support splits a disputed amount -------------------------------------------

@pytest.fixture
def in_support(make_contract, client, freelancer, clock):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    rr = request_refund(client, m.id, reason="Half the work is missing", clock=clock)
    dispute_refund(freelancer, rr.id, "It is all there", clock=clock)
    respond_to_dispute(client, rr.id, "Pages 3 to 5 are missing", clock=clock)
    return contract, fresh(m), fresh(rr)


def test_G02_agent_splits_the_disputed_escrow(in_support, agent, client, freelancer, clock,
                                              invariants):
    contract, m, rr = in_support
    resolve_dispute(agent, rr.id, 15000, 10000, "Three of five pages delivered", clock=clock)
    assert fresh(rr).status == "resolved"
    assert fresh(m).status == "resolved"
    assert milestone_escrow(m.id) == 0
    assert (paid(contract), refunded(contract)) == (15000, 10000)
    [rec] = audits("resolve_dispute")
    assert rec.reason == "Three of five pages delivered"
    assert json.loads(rec.after)["to_freelancer_cents"] == 15000
    ev = Event.get(Event.kind == "resolve_dispute")
    assert recipients(ev) == {client.id, freelancer.id}
    assert "$150.00 to the freelancer, $100.00 to the client" in ev.summary
    invariants()


@pytest.mark.parametrize("to_f, to_c", [(25000, 0), (0, 25000)])
def test_G02_all_to_one_side_is_a_valid_split(in_support, agent, clock, invariants, to_f, to_c):
    contract, m, rr = in_support
    resolve_dispute(agent, rr.id, to_f, to_c, "Clear-cut", clock=clock)
    assert (paid(contract), refunded(contract)) == (to_f, to_c)
    invariants()


def test_G02_agent_may_resolve_before_the_client_responds(make_contract, agent, client,
                                                          freelancer, clock, invariants):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    rr = request_refund(client, m.id, clock=clock)
    dispute_refund(freelancer, rr.id, "Disagree", clock=clock)
    resolve_dispute(agent, rr.id, 20000, 5000, "Both agreed by mail", clock=clock)
    assert Deadline.select().where((Deadline.refund_request == rr.id)
                                   & (Deadline.status == "open")).count() == 0
    invariants()


def test_G02_split_of_a_disputed_paid_amount(make_contract, agent, client, freelancer, clock,
                                             invariants):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    release(client, m.id, clock=clock)
    rr = request_refund(client, m.id, 10000, "Bug never fixed", clock=clock)
    dispute_refund(freelancer, rr.id, "Fixed in v2", clock=clock)
    respond_to_dispute(client, rr.id, "v2 still crashes", clock=clock)
    resolve_dispute(agent, rr.id, 6000, 4000, "Partly fixed", clock=clock)
    assert fresh(m).status == "released"
    assert (paid(contract), refunded(contract)) == (21000, 4000)
    invariants()


def test_G02_the_split_must_add_up(in_support, agent, clock, refused):
    _, _, rr = in_support
    for to_f, to_c in ((15000, 9999), (15000, 10001), (0, 0), (30000, 0)):
        with refused("G-02", match="add up to the disputed $250.00"):
            resolve_dispute(agent, rr.id, to_f, to_c, "Split", clock=clock)


def test_G02_a_written_reason_is_required(in_support, agent, clock, refused):
    _, _, rr = in_support
    for reason in ("", "  ", None):
        with refused("G-02", match="reason"):
            resolve_dispute(agent, rr.id, 12500, 12500, reason, clock=clock)


def test_G02_malformed_split_amounts(in_support, agent, clock, refused):
    _, _, rr = in_support
    for to_f, to_c, rule in ((-1, 25001, "G-01"), (12500.0, 12500, "U-01"),
                             ("125", 24875, "U-01")):
        with refused(rule):
            resolve_dispute(agent, rr.id, to_f, to_c, "Split", clock=clock)


def test_G02_only_a_support_agent_resolves(in_support, client, freelancer, system, clock,
                                          refused):
    _, _, rr = in_support
    for actor in (client, freelancer, system):
        with refused("G-07", match="only the agent"):
            resolve_dispute(actor, rr.id, 12500, 12500, "Split", clock=clock)


def test_G02_only_a_disputed_request_is_resolved(make_contract, agent, client, clock, refused):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    rr = request_refund(client, m.id, clock=clock)
    with refused("G-02", match="pending"):
        resolve_dispute(agent, rr.id, 12500, 12500, "Split", clock=clock)


def test_G02_a_resolved_dispute_is_not_resolved_again(in_support, agent, clock, refused):
    _, _, rr = in_support
    resolve_dispute(agent, rr.id, 12500, 12500, "Split", clock=clock)
    with refused("G-02", match="resolved"):
        resolve_dispute(agent, rr.id, 25000, 0, "Changed my mind", clock=clock)


def test_G02_unknown_refund_request(db, agent, clock, refused):
    with refused("not-found"):
        resolve_dispute(agent, 4040, 1, 1, "Split", clock=clock)
