"""Refunds and disputes: U-29 (escrow or paid amount back; agree or dispute), U-32 (the
refund-answer window and the system granting it), U-33 (the dispute-response window, the
system paying the freelancer, the client's response handing it to support)."""
from __future__ import annotations

import datetime as dt
import json

import arrow
import pytest

from models.deadlines import Deadline
from models.events import Event, Notification
from models.milestones import Milestone, Submission
from rules.ledger import A, balance, paid_balance, milestone_escrow
from rules.payments import fund_next_milestone, release
from rules.refunds import (agree_refund, close_unanswered_dispute, dispute_refund,
                           grant_unanswered_refund, request_refund, respond_to_dispute)
from rules.work import submit_work

DAY = dt.timedelta(days=1)


def fresh(row):
    return type(row).get_by_id(row.id)


def refunded(contract) -> int:
    return balance(A.CLIENT_REFUNDS, contract_id=contract.id)


def paid(contract) -> int:
    return paid_balance(contract_id=contract.id)


def windows(rr, kind) -> list[Deadline]:
    return list(Deadline.select().where((Deadline.refund_request == rr.id)
                                        & (Deadline.kind == kind)).order_by(Deadline.id))


def last_event(contract, kind) -> Event:
    return (Event.select().where((Event.contract == contract.id) & (Event.kind == kind))
            .order_by(Event.id.desc()).first())


def recipients(ev) -> set[int]:
    return {n.recipient_id for n in Notification.select().where(Notification.event == ev.id)}


@pytest.fixture
def funded(make_contract, client, clock):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    return contract, fresh(m)


@pytest.fixture
def released(funded, client, clock):
    """The first milestone ($250) was released in full."""
    contract, m = funded
    release(client, m.id, clock=clock)
    return contract, fresh(m)


@pytest.fixture
def escrow_refund(funded, client, clock):
    contract, m = funded
    rr = request_refund(client, m.id, reason="The freelancer vanished", clock=clock)
    return contract, fresh(m), rr


@pytest.fixture
def disputed(escrow_refund, freelancer, clock):
    contract, m, rr = escrow_refund
    clock.advance(days=1)  # Tuesday
    dispute_refund(freelancer, rr.id, "I delivered everything", clock=clock)
    return contract, fresh(m), fresh(rr)


# --- U-29: asking for the escrow back ---------------------------------------------------

def test_U29_client_asks_for_the_escrow_back(escrow_refund, client, freelancer, clock):
    contract, m, rr = escrow_refund
    assert (rr.source, rr.amount_cents, rr.status) == ("escrow", 25000, "pending")
    assert rr.reason == "The freelancer vanished"
    assert m.status == "refund_requested"
    assert milestone_escrow(m.id) == 25000  # nothing moves before an answer
    ev = last_event(contract, "request_refund")
    assert recipients(ev) == {freelancer.id}
    assert json.loads(ev.details)["amount_cents"] == 25000


def test_U29_freelancer_agrees_and_the_escrow_returns_to_the_client(
        funded, client, freelancer, clock, invariants):
    contract, m = funded
    sub = submit_work(freelancer, m.id, "Half done", clock=clock)
    rr = request_refund(client, m.id, clock=clock)
    # The refund request closes the review window (no auto-release under it).
    assert [d.status for d in Deadline.select().where(Deadline.kind == "review")] == ["closed"]
    clock.advance(days=2)
    agree_refund(freelancer, rr.id, clock=clock)
    assert fresh(rr).status == "agreed"
    assert fresh(rr).closed_at == clock.now().naive
    assert fresh(m).status == "refunded"
    assert Submission.get_by_id(sub.id).status == "closed"
    assert milestone_escrow(m.id) == 0
    assert refunded(contract) == 25000
    assert paid(contract) == 0
    assert recipients(last_event(contract, "refund_agreed")) == {client.id}
    invariants()
    # U-03: with the escrow back, the next milestone can be funded.
    fund_next_milestone(client, contract.id, clock=clock)
    invariants()


def test_U29_an_escrow_refund_asks_the_whole_escrow(funded, client, clock, refused):
    _, m = funded
    with refused("U-29", match="whole escrow"):
        request_refund(client, m.id, 10000, clock=clock)


def test_U29_client_asks_back_part_of_a_paid_amount(released, client, freelancer, clock,
                                                    invariants):
    contract, m = released
    rr = request_refund(client, m.id, 10000, "Only half the pages", clock=clock)
    assert (rr.source, rr.amount_cents) == ("paid", 10000)
    assert fresh(m).status == "released"
    assert Deadline.select().where(Deadline.refund_request == rr.id).count() == 0  # U-32: escrow only
    agree_refund(freelancer, rr.id, clock=clock)
    assert fresh(rr).status == "agreed"
    assert paid(contract) == 15000
    assert refunded(contract) == 10000
    invariants()


def test_U29_a_paid_refund_defaults_to_everything_paid(released, client, freelancer, clock,
                                                       invariants):
    contract, m = released
    rr = request_refund(client, m.id, clock=clock)
    assert rr.amount_cents == 25000
    agree_refund(freelancer, rr.id, clock=clock)
    assert (paid(contract), refunded(contract)) == (0, 25000)
    invariants()


def test_U29_no_more_back_than_was_paid(released, client, clock, refused):
    _, m = released
    with refused("U-29", match="at most $250.00"):
        request_refund(client, m.id, 25001, clock=clock)


def test_U29_a_second_paid_refund_counts_what_was_already_returned(
        released, client, freelancer, clock, refused, invariants):
    contract, m = released
    rr = request_refund(client, m.id, 20000, clock=clock)
    agree_refund(freelancer, rr.id, clock=clock)
    with refused("U-29", match="at most $50.00"):
        request_refund(client, m.id, 6000, clock=clock)
    rr2 = request_refund(client, m.id, 5000, clock=clock)
    agree_refund(freelancer, rr2.id, clock=clock)
    assert (paid(contract), refunded(contract)) == (0, 25000)
    # Nothing is left: no empty ($0.00) refund request either.
    with refused("U-29", match="nothing left"):
        request_refund(client, m.id, clock=clock)
    invariants()


def test_U29_one_open_request_per_milestone(escrow_refund, client, clock, refused):
    _, m, _ = escrow_refund
    with refused("U-29", match="already open"):
        request_refund(client, m.id, clock=clock)


def test_U29_open_refund_blocks_release_and_submission(escrow_refund, client, freelancer,
                                                       clock, refused):
    _, m, _ = escrow_refund
    with refused("U-29", match="refund request"):
        release(client, m.id, clock=clock)
    with refused("U-29", match="refund request"):
        submit_work(freelancer, m.id, "Here it is", clock=clock)


def test_U29_no_refund_of_a_future_milestone(make_contract, client, clock, refused):
    contract = make_contract()
    first = Milestone.get((Milestone.contract == contract.id) & (Milestone.position == 1))
    with refused("U-03", match="not funded"):
        request_refund(client, first.id, clock=clock)


def test_U29_fiverr_refunds_go_through_support(make_contract, client, clock, refused):
    contract = make_contract("fiverr-gig")
    first = Milestone.get((Milestone.contract == contract.id) & (Milestone.position == 1))
    with refused("U-29", match="support"):
        request_refund(client, first.id, clock=clock)


def test_U29_only_the_client_asks_for_a_refund(funded, freelancer, agent, system, clock,
                                               refused):
    _, m = funded
    for actor in (freelancer, agent, system):
        with refused("G-07", match="only the client"):
            request_refund(actor, m.id, clock=clock)


def test_U29_another_client_cannot_ask(funded, other_client, clock, refused):
    _, m = funded
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        request_refund(other_client, m.id, clock=clock)


def test_U29_only_the_freelancer_answers(escrow_refund, client, agent, system, clock, refused):
    _, _, rr = escrow_refund
    for actor in (client, agent, system):
        with refused("G-07", match="only the freelancer"):
            agree_refund(actor, rr.id, clock=clock)
        with refused("G-07", match="only the freelancer"):
            dispute_refund(actor, rr.id, "No", clock=clock)


def test_U29_another_freelancer_cannot_answer(escrow_refund, other_freelancer, clock, refused):
    _, _, rr = escrow_refund
    with refused("G-07", match="no such refund request, or it is not yours to see"):
        agree_refund(other_freelancer, rr.id, clock=clock)


def test_U29_unknown_refund_request(db, freelancer, client, clock, refused):
    # G-07: to a party an unknown id reads exactly like another's.
    with refused("G-07", match="no such refund request, or it is not yours to see"):
        agree_refund(freelancer, 777, clock=clock)
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        request_refund(client, 777, clock=clock)


def test_U29_a_request_is_answered_once(escrow_refund, freelancer, clock, refused):
    _, _, rr = escrow_refund
    agree_refund(freelancer, rr.id, clock=clock)
    with refused("U-29", match="agreed"):
        agree_refund(freelancer, rr.id, clock=clock)
    with refused("U-29", match="agreed"):
        dispute_refund(freelancer, rr.id, "Changed my mind", clock=clock)


# --- U-29 / U-33: disputing ---------------------------------------------------------------

def test_U33_freelancer_disputes_and_the_client_has_5_business_days(
        disputed, client, freelancer, clock):
    contract, m, rr = disputed
    assert rr.status == "disputed"
    assert rr.disputed_at == clock.now().naive
    assert m.status == "disputed"
    assert milestone_escrow(m.id) == 25000  # G-02: stays in escrow
    [answer] = windows(rr, "refund_answer")
    assert answer.status == "closed"  # answered: U-32 no longer applies
    [window] = windows(rr, "dispute_response")
    assert window.status == "open"
    # Disputed on Tuesday 09:00: five business days end the next Tuesday 09:00.
    assert window.due_at == dt.datetime(2026, 3, 10, 9, 0)
    ev = last_event(contract, "dispute_refund")
    assert recipients(ev) == {client.id}
    assert json.loads(ev.details)["message"] == "I delivered everything"
    assert "5 business days" in ev.summary


def test_U33_a_dispute_needs_a_message(escrow_refund, freelancer, clock, refused):
    _, _, rr = escrow_refund
    for message in ("", "   ", None):
        with refused("U-33", match="required"):
            dispute_refund(freelancer, rr.id, message, clock=clock)


def test_U33_unanswered_dispute_pays_the_freelancer(disputed, client, freelancer, system,
                                                    clock, invariants):
    contract, m, rr = disputed
    clock.advance(days=7)
    close_unanswered_dispute(system, rr.id, clock=clock)
    assert fresh(rr).status == "kept"
    assert fresh(m).status == "released"
    assert milestone_escrow(m.id) == 0
    assert paid(contract) == 25000
    assert refunded(contract) == 0
    assert [w.status for w in windows(rr, "dispute_response")] == ["closed"]
    ev = last_event(contract, "dispute_expired")
    assert ev.actor_id == system.id
    assert recipients(ev) == {client.id, freelancer.id}
    invariants()


def test_U33_unanswered_dispute_on_a_paid_amount_leaves_it_with_the_freelancer(
        released, client, freelancer, system, clock, invariants):
    contract, m = released
    rr = request_refund(client, m.id, 5000, clock=clock)
    dispute_refund(freelancer, rr.id, "The work was complete", clock=clock)
    assert len(windows(rr, "dispute_response")) == 1
    close_unanswered_dispute(system, rr.id, clock=clock)
    assert fresh(rr).status == "kept"
    assert (paid(contract), refunded(contract)) == (25000, 0)
    invariants()


def test_U33_only_the_system_closes_an_unanswered_dispute(disputed, client, freelancer, agent,
                                                          clock, refused):
    _, _, rr = disputed
    for actor in (client, freelancer, agent):
        with refused("G-07", match="only the system"):
            close_unanswered_dispute(actor, rr.id, clock=clock)


def test_U33_client_response_hands_the_dispute_to_support(disputed, client, freelancer,
                                                          system, clock, refused, invariants):
    contract, m, rr = disputed
    respond_to_dispute(client, rr.id, "Nothing was delivered, see the workroom", clock=clock)
    assert fresh(rr).status == "in_support"
    assert fresh(m).status == "in_support"
    assert milestone_escrow(m.id) == 25000  # G-02: until an agent resolves it
    assert [w.status for w in windows(rr, "dispute_response")] == ["closed"]
    assert recipients(last_event(contract, "respond_to_dispute")) == {freelancer.id}
    # Once answered, the automatic payout no longer applies.
    with refused("U-33"):
        close_unanswered_dispute(system, rr.id, clock=clock)
    invariants()


def test_U33_a_response_needs_a_message(disputed, client, clock, refused):
    _, _, rr = disputed
    for message in ("", "  ", None):
        with refused("U-33", match="required"):
            respond_to_dispute(client, rr.id, message, clock=clock)


def test_U33_only_a_disputed_request_takes_a_response(escrow_refund, client, clock, refused):
    _, _, rr = escrow_refund
    with refused("U-33", match="pending"):
        respond_to_dispute(client, rr.id, "Hello", clock=clock)


def test_U33_only_the_client_responds(disputed, freelancer, agent, system, other_client, clock,
                                      refused):
    _, _, rr = disputed
    for actor, words in ((freelancer, "only the client"), (agent, "only the client"),
                         (system, "only the client"),
                         (other_client, "no such refund request")):
        with refused("G-07", match=words):
            respond_to_dispute(actor, rr.id, "My side", clock=clock)


# --- U-32: an unanswered escrow refund is granted -----------------------------------------

def test_U32_escrow_refund_request_opens_a_7_day_answer_window(escrow_refund, clock):
    contract, m, rr = escrow_refund
    [window] = windows(rr, "refund_answer")
    assert window.status == "open"
    assert (window.contract_id, window.milestone_id) == (contract.id, m.id)
    assert window.opened_at == clock.now().naive
    assert window.due_at - window.opened_at == 7 * DAY


def test_U32_the_system_grants_an_unanswered_refund(escrow_refund, client, freelancer, system,
                                                    clock, invariants):
    contract, m, rr = escrow_refund
    clock.advance(days=7)
    grant_unanswered_refund(system, rr.id, clock=clock)
    assert fresh(rr).status == "granted"
    assert fresh(m).status == "refunded"
    assert milestone_escrow(m.id) == 0
    assert refunded(contract) == 25000
    assert [w.status for w in windows(rr, "refund_answer")] == ["closed"]
    ev = last_event(contract, "refund_granted")
    assert ev.actor_id == system.id
    assert recipients(ev) == {client.id, freelancer.id}
    invariants()


def test_U32_users_cannot_grant_a_refund(escrow_refund, client, freelancer, agent, clock,
                                         refused):
    _, _, rr = escrow_refund
    for actor in (client, freelancer, agent):
        with refused("G-07", match="only the system"):
            grant_unanswered_refund(actor, rr.id, clock=clock)


def test_U32_a_client_cannot_act_as_the_system(escrow_refund, client, clock, refused):
    _, _, rr = escrow_refund
    client.role = "system"  # in memory only: the stored role decides
    with refused("G-07"):
        grant_unanswered_refund(client, rr.id, clock=clock)


def test_U32_an_answered_request_is_not_granted(escrow_refund, freelancer, system, clock,
                                                refused):
    _, _, rr = escrow_refund
    dispute_refund(freelancer, rr.id, "I did the work", clock=clock)
    with refused("U-32"):
        grant_unanswered_refund(system, rr.id, clock=clock)


def test_U32_only_escrow_is_granted_automatically(released, client, system, clock, refused):
    _, m = released
    rr = request_refund(client, m.id, 1000, clock=clock)
    with refused("U-32", match="escrow"):
        grant_unanswered_refund(system, rr.id, clock=clock)


def test_U32_after_7_days_the_freelancer_can_no_longer_answer(escrow_refund, freelancer,
                                                              system, clock, refused):
    contract, m, rr = escrow_refund
    clock.advance(days=7, seconds=1)
    with refused("U-32", match="granted"):
        dispute_refund(freelancer, rr.id, "Too late?", clock=clock)
    with refused("U-32", match="granted"):
        agree_refund(freelancer, rr.id, clock=clock)
    grant_unanswered_refund(system, rr.id, clock=clock)
    assert refunded(contract) == 25000


def test_U33_after_5_business_days_the_client_can_no_longer_respond(disputed, client, clock,
                                                                    refused):
    _, _, rr = disputed
    [window] = windows(rr, "dispute_response")
    clock.set(arrow.get(window.due_at).shift(seconds=1))
    with refused("U-33", match="are over"):
        respond_to_dispute(client, rr.id, "Sorry, I was away", clock=clock)


def test_U33_the_client_may_respond_until_the_last_second(disputed, client, clock):
    _, m, rr = disputed
    [window] = windows(rr, "dispute_response")
    clock.set(arrow.get(window.due_at).shift(seconds=-1))
    respond_to_dispute(client, rr.id, "Just in time", clock=clock)
    assert fresh(rr).status == "in_support"
