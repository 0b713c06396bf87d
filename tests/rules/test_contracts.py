"""Ending contracts (G-03, with U-05's fee rule) and feedback (G-04)."""
from __future__ import annotations

import pytest

from models.contracts import Feedback
from models.deadlines import Deadline
from models.events import Event, Notification
from models.milestones import Milestone
from rules.contracts import end_contract, leave_feedback
from rules.ledger import A, balance, project_funds
from rules.payments import fund_next_milestone, release
from rules.planning import add_milestone
from rules.refunds import agree_refund, request_refund
from rules.work import submit_work

FEE = 495  # the Upwork initiation fee of the policy table (U-05)


def fresh(row):
    return type(row).get_by_id(row.id)


def milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def refunded(contract) -> int:
    return balance(A.CLIENT_REFUNDS, contract_id=contract.id)


def fees(contract) -> int:
    return balance(A.PLATFORM_FEES, contract_id=contract.id)


# --- G-03: ending a contract ----------------------------------------------------------

def test_G03_a_contract_with_money_in_escrow_cannot_end(make_contract, client, freelancer,
                                                        clock, refused):
    contract = make_contract()
    fund_next_milestone(client, contract.id, clock=clock)
    with refused("G-03", match="escrow"):
        end_contract(client, contract.id, clock=clock)
    with refused("G-03", match="escrow"):
        end_contract(freelancer, contract.id, clock=clock)


def test_G03_ending_returns_leftover_project_funds(make_contract, client, freelancer, clock,
                                                   invariants):
    contract = make_contract()
    first, second = milestones(contract)
    fund_next_milestone(client, contract.id, clock=clock)
    release(client, first.id, 18000, clock=clock)
    assert project_funds(contract.id) == 7000
    clock.advance(hours=1)
    money = end_contract(client, contract.id, clock=clock)
    assert money["project_funds_returned_cents"] == 7000
    assert money["initiation_fee_returned_cents"] == 0
    assert money["milestones_closed"] == 1
    stored = fresh(contract)
    assert (stored.status, stored.ended_at) == ("ended", clock.now().naive)
    assert project_funds(contract.id) == 0
    assert refunded(contract) == 7000
    assert fresh(second).status == "cancelled"
    ev = Event.get((Event.contract == contract.id) & (Event.kind == "contract_ended"))
    assert "$70.00 of project funds returned to the client" in ev.summary
    assert {n.recipient_id for n in ev.notifications} == {freelancer.id}
    invariants()


def test_G03_the_freelancer_may_end_the_contract_too(make_contract, freelancer, client, clock,
                                                     invariants):
    contract = make_contract()
    end_contract(freelancer, contract.id, clock=clock)
    assert fresh(contract).status == "ended"
    assert all(m.status == "cancelled" for m in milestones(contract))
    invariants()


def test_G03_an_open_refund_request_blocks_the_end(make_contract, client, clock, refused):
    contract = make_contract()
    first, _ = milestones(contract)
    fund_next_milestone(client, contract.id, clock=clock)
    release(client, first.id, clock=clock)
    request_refund(client, first.id, 1000, clock=clock)
    with refused("G-03", match="refund request"):
        end_contract(client, contract.id, clock=clock)


def test_G03_ending_closes_open_windows(make_contract, client, freelancer, clock):
    contract = make_contract("fiverr-gig", amounts=(8000, 8000))
    first, _ = milestones(contract)
    submit_work(freelancer, first.id, "Delivery", clock=clock)
    release(client, first.id, clock=clock)
    assert Deadline.select().where((Deadline.contract == contract.id)
                                   & (Deadline.status == "open")).count() == 1  # start_next
    clock.advance(hours=2)
    end_contract(client, contract.id, clock=clock)
    assert [(d.kind, d.status, d.closed_at) for d in Deadline.select().where(
        (Deadline.contract == contract.id) & (Deadline.kind == "start_next"))] == [
        ("start_next", "closed", clock.now().naive)]  # closed when it ended


def test_G03_an_ended_contract_takes_no_more_changes(make_contract, client, freelancer, clock,
                                                     refused):
    contract = make_contract()
    end_contract(client, contract.id, clock=clock)
    with refused("G-03", match="ended"):
        end_contract(client, contract.id, clock=clock)
    with refused("G-03", match="ended"):
        fund_next_milestone(client, contract.id, clock=clock)
    with refused("G-03", match="ended"):
        add_milestone(client, contract.id, "More", 10000, clock=clock)


def test_G03_only_the_parties_end_a_contract(make_contract, agent, system, clock, refused):
    contract = make_contract()
    for actor in (agent, system):
        with refused("G-07", match="end contracts"):
            end_contract(actor, contract.id, clock=clock)


def test_G03_strangers_and_unknown_contracts(make_contract, other_client, other_freelancer,
                                             client, clock, refused):
    contract = make_contract()
    with refused("G-07", match="no such contract"):
        end_contract(other_client, contract.id, clock=clock)
    with refused("G-07", match="no such contract"):
        end_contract(other_freelancer, contract.id, clock=clock)
    with refused("G-07", match="no such contract, or it is not yours to see"):
        end_contract(client, 9999, clock=clock)


# --- U-05: the initiation fee comes back only if nothing was released ---------------------

def test_U05_fee_charged_once_and_returned_when_nothing_was_released(
        make_contract, client, freelancer, clock, invariants):
    contract = make_contract()
    first, _ = milestones(contract)
    fund_next_milestone(client, contract.id, clock=clock)
    assert fees(contract) == FEE
    rr = request_refund(client, first.id, clock=clock)
    agree_refund(freelancer, rr.id, clock=clock)
    fund_next_milestone(client, contract.id, clock=clock)  # the second funding: no new fee
    assert fees(contract) == FEE
    second = milestones(contract)[1]
    rr2 = request_refund(client, second.id, clock=clock)
    agree_refund(freelancer, rr2.id, clock=clock)
    money = end_contract(client, contract.id, clock=clock)
    assert money["initiation_fee_returned_cents"] == FEE
    assert fees(contract) == 0
    assert refunded(contract) == 25000 + 50000 + FEE
    assert -balance(A.CLIENT_PAYMENT, contract_id=contract.id) == refunded(contract)
    invariants()


@pytest.mark.parametrize("paid", [None, 1], ids=["in-full", "one-cent"])
def test_U05_fee_kept_when_something_was_released(make_contract, client, clock, invariants,
                                                  paid):
    contract = make_contract()
    first, _ = milestones(contract)
    fund_next_milestone(client, contract.id, clock=clock)
    release(client, first.id, paid, clock=clock)  # a cent released is something released
    money = end_contract(client, contract.id, clock=clock)
    assert money["initiation_fee_returned_cents"] == 0
    assert fees(contract) == FEE
    invariants()


def test_U05_no_fee_before_any_funding(make_contract, client, clock, invariants):
    contract = make_contract()
    money = end_contract(client, contract.id, clock=clock)
    assert money == {"project_funds_returned_cents": 0, "initiation_fee_returned_cents": 0,
                     "milestones_closed": 2}
    assert balance(A.CLIENT_PAYMENT, contract_id=contract.id) == 0
    invariants()


# --- G-04: feedback ---------------------------------------------------------------------

@pytest.fixture
def ended(make_contract, client, clock):
    contract = make_contract()
    first, _ = milestones(contract)
    fund_next_milestone(client, contract.id, clock=clock)
    release(client, first.id, end_contract=True, clock=clock)
    return fresh(contract)


def test_G04_each_party_leaves_feedback_once_after_the_end(ended, client, freelancer, clock):
    fb = leave_feedback(client, ended.id, 5, "Great work", clock=clock)
    assert (fb.author_id, fb.subject_id, fb.stars, fb.comment) == (
        client.id, freelancer.id, 5, "Great work")
    fb2 = leave_feedback(freelancer, ended.id, 4, clock=clock)
    assert (fb2.author_id, fb2.subject_id, fb2.stars) == (freelancer.id, client.id, 4)
    assert Feedback.select().where(Feedback.contract == ended.id).count() == 2
    ev = Event.select().where(Event.kind == "leave_feedback").order_by(Event.id).first()
    assert {n.recipient_id for n in Notification.select().where(Notification.event == ev.id)} \
        == {freelancer.id}


def test_G04_feedback_only_once(ended, client, clock, refused):
    leave_feedback(client, ended.id, 3, "OK", clock=clock)
    with refused("G-04", match="already"):
        leave_feedback(client, ended.id, 5, "Changed my mind", clock=clock)


def test_G04_no_feedback_while_the_contract_is_open(make_contract, client, freelancer, clock,
                                                    refused):
    contract = make_contract()
    with refused("G-04", match="ended"):
        leave_feedback(client, contract.id, 5, clock=clock)
    with refused("G-04", match="ended"):
        leave_feedback(freelancer, contract.id, 5, clock=clock)


def test_G04_one_to_five_stars(ended, client, freelancer, clock, refused):
    for stars in (0, 6, -1, 3.5, True, "5", None):
        with refused("G-04", match="1 to 5 stars"):
            leave_feedback(client, ended.id, stars, clock=clock)
    # Both ends of the scale are fine.
    assert leave_feedback(client, ended.id, 1, clock=clock).stars == 1
    assert leave_feedback(freelancer, ended.id, 5, clock=clock).stars == 5


def test_G04_a_comment_has_a_length_limit(ended, client, clock, refused):
    with refused("input", match="at most 2000"):
        leave_feedback(client, ended.id, 4, "x" * 2001, clock=clock)


def test_G04_only_the_parties_leave_feedback(ended, agent, system, other_client,
                                            other_freelancer, clock, refused):
    for actor, words in ((agent, "only the client or freelancer"),
                         (system, "only the client or freelancer"),
                         (other_client, "no such contract"),
                         (other_freelancer, "no such contract")):
        with refused("G-07", match=words):
            leave_feedback(actor, ended.id, 1, "Drive-by", clock=clock)


def test_G04_feedback_on_an_unknown_contract(db, client, clock, refused):
    with refused("G-07", match="no such contract, or it is not yours to see"):
        leave_feedback(client, 123, 5, clock=clock)


def test_G04_feedback_after_a_support_cancellation(make_contract, agent, client, clock):
    from rules.support import cancel_order
    contract = make_contract("fiverr-offer")
    cancel_order(agent, contract.id, "Buyer's request", clock=clock)
    assert leave_feedback(client, contract.id, 2, "Did not work out", clock=clock).stars == 2


def test_G03_U05_ending_one_contract_moves_only_its_own_money_and_rows(
        make_contract, client, freelancer, clock, invariants):
    """Three contracts with money of their own; ending two of them returns each one's
    project funds and fee, writes its transfers (kind, actor, time, once-key), cancels
    its future milestones and pending proposal, at the time it ended, leaving the third as
    it was (the windows it closes: test_G03_ending_closes_open_windows)."""
    from models.change_requests import ChangeRequest
    from models.contracts import Contract
    from models.ledger import LedgerTransfer
    from rules.change_requests import propose_milestone_changes
    from rules.plan import DeleteMilestone

    def leftover(amounts):
        c = make_contract(amounts=amounts)
        first = milestones(c)[0]
        fund_next_milestone(client, c.id, clock=clock)
        release(client, first.id, first.amount_cents - 7000, clock=clock)  # $70.00 left
        return c
    partly_paid, bystander = leftover((25000, 50000)), leftover((30000, 40000))
    never_paid = make_contract()
    fund_next_milestone(client, never_paid.id, clock=clock)
    agree_refund(freelancer, request_refund(client, milestones(never_paid)[0].id,
                                            clock=clock).id, clock=clock)
    proposal = propose_milestone_changes(freelancer, partly_paid.id,
                                         [DeleteMilestone(milestones(partly_paid)[1].id)],
                                         "Less to do", clock=clock)
    clock.advance(hours=3)
    at = clock.now().naive
    untouched = (project_funds(bystander.id), fees(bystander), milestones(bystander))

    assert end_contract(client, partly_paid.id, clock=clock) == {
        "project_funds_returned_cents": 7000, "initiation_fee_returned_cents": 0,
        "milestones_closed": 1}
    assert end_contract(client, never_paid.id, clock=clock) == {
        "project_funds_returned_cents": 0, "initiation_fee_returned_cents": FEE,
        "milestones_closed": 1}

    def transfers(c):
        return [(t.kind, t.milestone_id, t.actor_id, t.created_at, t.once_key)
                for t in LedgerTransfer.select().where((LedgerTransfer.contract == c.id)
                                                       & (LedgerTransfer.created_at == at))]
    assert transfers(partly_paid) == [("project_funds_refund", None, client.id, at, None)]
    assert transfers(never_paid) == [
        ("initiation_fee_refund", None, client.id, at, f"c:{never_paid.id}:initiation_fee_refund")]
    for c in (partly_paid, never_paid):
        stored = Contract.get_by_id(c.id)
        assert (stored.status, stored.ended_at) == ("ended", at)
        assert [(m.status, m.finished_at) for m in milestones(c)][1] == ("cancelled", at)
    stored = ChangeRequest.get_by_id(proposal.id)
    assert (stored.status, stored.answered_at) == ("cancelled", at)
    assert (project_funds(bystander.id), fees(bystander), milestones(bystander)) == untouched
    invariants()
