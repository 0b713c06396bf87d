"""Changing the funding policy (X-38): one party asks, the other accepts or declines; the
author may withdraw; unanswered, it expires after 7 days; the inbox lists it."""
from __future__ import annotations

import pytest

from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.deadlines import Deadline
from models.events import Notification
from rules.contracts import end_contract
from rules.contract_view import contract_detail
from rules.deadlines import sweep
from rules.funding import funding_change_verdict
from rules.funding_change import (accept_funding_change, decline_funding_change,
                                  expire_funding_change, request_funding_change,
                                  withdraw_funding_change)
from rules.inbox import inbox_page, request_view
from rules.payments import fund_ahead, fund_next_milestone

FOUR = (10000, 20000, 30000, 40000)


def limit_of(c) -> int:
    return Contract.get_by_id(c.id).funding_limit


@pytest.fixture
def contract(make_contract):
    return make_contract(amounts=FOUR)


@pytest.mark.parametrize("asker, answerer", [("client", "freelancer"),
                                             ("freelancer", "client")])
def test_X38_either_party_asks_and_the_other_accepts(contract, client, freelancer, clock,
                                                     asker, answerer, invariants):
    parties = {"client": client, "freelancer": freelancer}
    cr = request_funding_change(parties[asker], contract.id, "all", "Let's fund it all",
                                clock=clock)
    assert limit_of(contract) == 1  # nothing changes before the answer
    told = {n.recipient_id for n in Notification.select()}
    assert parties[answerer].id in told
    assert accept_funding_change(parties[answerer], cr.id, clock=clock) == 0
    assert limit_of(contract) == 0
    assert ChangeRequest.get_by_id(cr.id).status == "approved"
    assert Deadline.get(Deadline.change_request == cr.id).status == "closed"
    assert len(fund_ahead(client, contract.id, clock=clock)) == 4
    invariants()


def test_X38_the_author_cannot_answer_their_own_request(contract, client, clock, refused):
    cr = request_funding_change(client, contract.id, 2, clock=clock)
    with refused("X-38", match="waits for the other party"):
        accept_funding_change(client, cr.id, clock=clock)
    with refused("X-38"):
        decline_funding_change(client, cr.id, clock=clock)


def test_X38_only_the_author_withdraws(contract, client, freelancer, clock, refused):
    cr = request_funding_change(client, contract.id, 2, clock=clock)
    with refused("X-38", match="decline it instead"):
        withdraw_funding_change(freelancer, cr.id, clock=clock)
    withdraw_funding_change(client, cr.id, clock=clock)
    assert ChangeRequest.get_by_id(cr.id).status == "withdrawn"
    assert limit_of(contract) == 1


def test_X38_a_decline_keeps_the_policy_and_its_reason(contract, client, freelancer, clock):
    cr = request_funding_change(client, contract.id, 3, clock=clock)
    decline_funding_change(freelancer, cr.id, "One at a time suits me", clock=clock)
    cr = ChangeRequest.get_by_id(cr.id)
    assert (cr.status, cr.answer_message) == ("rejected", "One at a time suits me")
    assert limit_of(contract) == 1


def test_X38_support_and_strangers_cannot_ask(contract, agent, other_client, clock, refused):
    with refused("G-07"):
        request_funding_change(other_client, contract.id, 2, clock=clock)
    with refused("G-07"):
        request_funding_change(agent, contract.id, 2, clock=clock)


def test_X38_a_stranger_answering_reads_as_an_unknown_request(
        contract, client, other_client, clock, refused):
    cr = request_funding_change(client, contract.id, 2, clock=clock)
    with refused("G-07", match="No such change request"):
        accept_funding_change(other_client, cr.id, clock=clock)


def test_X38_asking_for_the_policy_in_force_is_refused(contract, client, clock, refused):
    with refused("X-38", match="already funds one milestone at a time"):
        request_funding_change(client, contract.id, "one", clock=clock)


def test_X38_a_bad_policy_is_refused_by_X36(contract, client, clock, refused):
    with refused("X-36"):
        request_funding_change(client, contract.id, "lots", clock=clock)


def test_X38_one_request_at_a_time(contract, client, freelancer, clock, refused):
    request_funding_change(client, contract.id, 2, clock=clock)
    with refused("X-38", match="already waiting"):
        request_funding_change(freelancer, contract.id, 3, clock=clock)


def test_X38_no_policy_below_what_is_in_escrow(make_contract, client, freelancer, clock,
                                                refused):
    c = make_contract(funding=3, amounts=FOUR)
    fund_ahead(client, c.id, clock=clock)
    with refused("X-38", match="3 milestones are in escrow"):
        request_funding_change(client, c.id, 2, clock=clock)
    request_funding_change(client, c.id, "all", clock=clock)  # more room is fine


def test_X38_acceptance_checks_the_escrow_again(make_contract, client, freelancer, clock,
                                               refused):
    c = make_contract(funding="all", amounts=FOUR)
    cr = request_funding_change(freelancer, c.id, 2, clock=clock)
    fund_ahead(client, c.id, clock=clock)  # four in escrow meanwhile
    with refused("X-38", match="4 milestones are in escrow"):
        accept_funding_change(client, cr.id, clock=clock)


def test_X38_an_unanswered_request_expires_after_7_days(contract, client, freelancer, system,
                                                        clock, refused):
    cr = request_funding_change(client, contract.id, 2, clock=clock)
    with refused("X-38", match="still waiting"):
        expire_funding_change(system, cr.id, clock=clock)
    clock.advance(days=7)
    with refused("U-24"):  # even before the sweep marks it
        accept_funding_change(freelancer, cr.id, clock=clock)
    applied = sweep(clock=clock).applied
    assert [a.summary for a in applied] == ["The funding request on “Website redesign” "
                                            "expired"]
    assert ChangeRequest.get_by_id(cr.id).status == "expired"
    assert limit_of(contract) == 1


def test_X38_ending_the_contract_cancels_a_pending_request(contract, client, clock):
    cr = request_funding_change(client, contract.id, 2, clock=clock)
    end_contract(client, contract.id, clock=clock)
    assert ChangeRequest.get_by_id(cr.id).status == "cancelled"
    assert not Deadline.select().where((Deadline.change_request == cr.id)
                                       & (Deadline.status == "open")).exists()


def test_X38_the_inbox_lists_it_for_the_answerer_with_accept_and_decline(
        contract, client, freelancer, clock):
    cr = request_funding_change(client, contract.id, "all", clock=clock)
    (view,) = inbox_page(freelancer, "incoming", clock=clock)
    assert view.id == cr.id and view.is_funding
    assert view.title == "Funding: one milestone at a time → all milestones up front"
    assert view.answers == ("accept", "decline")
    assert view.outcome.startswith("Waiting for the freelancer to accept or decline it")
    (mine,) = inbox_page(client, "outgoing", clock=clock)
    assert mine.answers == ("withdraw",)
    accept_funding_change(freelancer, cr.id, clock=clock)
    done = request_view(client, cr.id, clock=clock)
    assert done.answers == () and done.outcome.startswith("Accepted by the freelancer")


def test_X38_the_rooms_verdict(contract, client, freelancer, agent, clock):
    assert funding_change_verdict(contract_detail(client, contract.id), "client")
    assert not funding_change_verdict(contract_detail(agent, contract.id), "agent")
    request_funding_change(client, contract.id, 2, clock=clock)
    verdict = funding_change_verdict(contract_detail(freelancer, contract.id), "freelancer")
    assert verdict.rule_id == "X-38" and "inbox" in verdict.reason


def test_X38_a_reminder_goes_to_the_party_it_waits_for(contract, client, freelancer, clock):
    request_funding_change(freelancer, contract.id, 2, clock=clock)
    clock.advance(days=5, hours=1)  # past the 48 h reminder
    sweep(clock=clock)
    reminders = [n for n in Notification.select() if "Reminder" in n.event.summary]
    assert [n.recipient_id for n in reminders] == [client.id]
    assert "Answer the funding request on “Website redesign”" in reminders[0].event.summary


def test_X37_fund_next_after_the_change_takes_effect(contract, client, freelancer, clock,
                                                      refused):
    fund_next_milestone(client, contract.id, clock=clock)
    cr = request_funding_change(client, contract.id, 2, clock=clock)
    accept_funding_change(freelancer, cr.id, clock=clock)
    fund_next_milestone(client, contract.id, clock=clock)
    with refused("X-36"):
        fund_next_milestone(client, contract.id, clock=clock)
