"""Funding and escrow: U-03, U-04, U-05, F-04."""
from __future__ import annotations

import json

import pytest

from models.events import Event, Notification
from models.milestones import Milestone
from models.vocabulary import ContractStatus
from models.vocabulary import MilestoneStatus as S
from rules.contracts import end_contract
from rules.ledger import A, balance, milestone_escrow, project_funds
from rules.payments import fund_next_milestone, release
from rules.planning import add_milestone, reorder_milestones
from rules.refunds import agree_refund, request_refund
from rules.work import submit_work

FEE = 495  # the Upwork initiation fee in the policy table


def milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def charged(contract) -> int:
    """What the client's payment method was charged on this contract, in all."""
    return -balance(A.CLIENT_PAYMENT, contract_id=contract.id)


def last_event(contract, kind: str) -> Event:
    return (Event.select().where((Event.contract == contract.id) & (Event.kind == kind))
            .order_by(Event.id.desc()).get())


def notified(account, event: Event) -> bool:
    return Notification.select().where((Notification.event == event.id)
                                       & (Notification.recipient == account.id)).exists()


# --- U-03: one funded milestone at a time -----------------------------------------

def test_U03_funding_puts_the_first_milestone_in_escrow(make_contract, client, freelancer,
                                                        clock, invariants):
    c = make_contract(amounts=(25000, 50000))
    m = fund_next_milestone(client, c.id, clock=clock)
    first, second = milestones(c)
    assert m.id == first.id
    assert (first.status, second.status) == (S.FUNDED, S.PLANNED)
    assert milestone_escrow(first.id) == 25000 and milestone_escrow(second.id) == 0
    ev = last_event(c, "fund_milestone")
    assert ev.milestone_id == first.id and notified(freelancer, ev)
    assert not notified(client, ev)
    invariants()


def test_U03_a_second_milestone_cannot_be_funded_while_one_is_active(make_contract, client,
                                                                      refused, clock):
    c = make_contract()
    fund_next_milestone(client, c.id, clock=clock)
    with refused("U-03", match="one milestone is funded at a time"):
        fund_next_milestone(client, c.id, clock=clock)


def test_U03_still_refused_while_the_current_one_is_unsettled(make_contract, client, freelancer,
                                                              refused, clock):
    c = make_contract()
    m = fund_next_milestone(client, c.id, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)
    with refused("U-03"):
        fund_next_milestone(client, c.id, clock=clock)
    request_refund(client, m.id, clock=clock)
    assert Milestone.get_by_id(m.id).status == S.REFUND_REQUESTED
    with refused("U-03"):
        fund_next_milestone(client, c.id, clock=clock)


def test_U03_next_milestone_can_be_funded_after_release(make_contract, client, clock, invariants):
    c = make_contract()
    first = fund_next_milestone(client, c.id, clock=clock)
    release(client, first.id, clock=clock)
    second = fund_next_milestone(client, c.id, clock=clock)
    assert [m.status for m in milestones(c)] == [S.RELEASED, S.FUNDED]
    assert milestone_escrow(second.id) == 50000 and milestone_escrow(first.id) == 0
    invariants()


def test_U03_next_milestone_can_be_funded_after_refund(make_contract, client, freelancer, clock,
                                                       invariants):
    c = make_contract()
    first = fund_next_milestone(client, c.id, clock=clock)
    rr = request_refund(client, first.id, clock=clock)
    agree_refund(freelancer, rr.id, clock=clock)
    fund_next_milestone(client, c.id, clock=clock)
    assert [m.status for m in milestones(c)] == [S.REFUNDED, S.FUNDED]
    invariants()


def test_U03_U09_milestones_are_funded_in_list_order(make_contract, client, refused, clock):
    c = make_contract(amounts=(25000, 50000, 10000))
    first, second, third = milestones(c)
    with refused("U-09", match="list order"):
        fund_next_milestone(client, c.id, milestone_id=second.id, clock=clock)
    assert fund_next_milestone(client, c.id, milestone_id=first.id, clock=clock).id == first.id


def test_U03_U09_after_reordering_the_new_first_is_funded(make_contract, client, clock):
    c = make_contract(amounts=(25000, 50000, 10000))
    first, second, third = milestones(c)
    reorder_milestones(client, c.id, [third.id, first.id, second.id], clock=clock)
    assert fund_next_milestone(client, c.id, clock=clock).id == third.id


def test_U03_nothing_left_to_fund_is_refused(make_contract, client, refused, clock):
    c = make_contract(amounts=(25000,))
    m = fund_next_milestone(client, c.id, clock=clock)
    release(client, m.id, clock=clock)
    with refused("U-09", match="add one first"):
        fund_next_milestone(client, c.id, clock=clock)
    add_milestone(client, c.id, "Extra", 7000, clock=clock)
    assert fund_next_milestone(client, c.id, clock=clock).amount_cents == 7000


def test_U03_only_the_client_funds(make_contract, freelancer, agent, refused, clock):
    c = make_contract()
    with refused("G-07", match="only the client"):
        fund_next_milestone(freelancer, c.id, clock=clock)
    with refused("G-07", match="only the client"):
        fund_next_milestone(agent, c.id, clock=clock)


def test_U03_an_outsider_cannot_fund_and_learns_nothing(make_contract, other_client, refused,
                                                        clock):
    c = make_contract(title="Secret rebrand")
    with refused("G-07") as info:
        fund_next_milestone(other_client, c.id, clock=clock)
    assert "Secret" not in info.value.message and "Milestone" not in info.value.message


def test_U03_unknown_contract_reads_as_not_yours(client, refused, clock):
    with refused("G-07", match="no such contract, or it is not yours to see"):
        fund_next_milestone(client, 9999, clock=clock)


def test_U03_an_ended_contract_cannot_be_funded(make_contract, client, refused, clock):
    c = make_contract()
    end_contract(client, c.id, clock=clock)
    with refused("G-03"):
        fund_next_milestone(client, c.id, clock=clock)


# --- U-04: leftover project funds are used first ----------------------------------

def test_U04_leftover_from_a_partial_release_pays_first(make_contract, client, clock, invariants):
    c = make_contract(amounts=(25000, 50000))
    first = fund_next_milestone(client, c.id, clock=clock)
    release(client, first.id, 20000, clock=clock)
    assert project_funds(c.id) == 5000
    before = charged(c)
    second = fund_next_milestone(client, c.id, clock=clock)
    assert milestone_escrow(second.id) == 50000
    assert project_funds(c.id) == 0
    assert charged(c) - before == 45000
    details = json.loads(last_event(c, "fund_milestone").details)
    assert details["from_project_funds_cents"] == 5000
    assert details["charged_cents"] == 45000
    invariants()


def test_U04_project_funds_larger_than_the_next_milestone_charge_nothing(make_contract, client,
                                                                         clock, invariants):
    c = make_contract(amounts=(25000, 10000))
    first = fund_next_milestone(client, c.id, clock=clock)
    release(client, first.id, 5000, clock=clock)
    assert project_funds(c.id) == 20000
    before = charged(c)
    second = fund_next_milestone(client, c.id, clock=clock)
    assert charged(c) == before
    assert milestone_escrow(second.id) == 10000
    assert project_funds(c.id) == 10000
    invariants()


def test_U04_leftover_funds_are_returned_when_the_contract_ends(make_contract, client, clock,
                                                                invariants):
    c = make_contract(amounts=(25000, 50000))
    first = fund_next_milestone(client, c.id, clock=clock)
    release(client, first.id, 20000, clock=clock)
    money = end_contract(client, c.id, clock=clock)
    assert money["project_funds_returned_cents"] == 5000
    assert project_funds(c.id) == 0
    assert balance(A.CLIENT_REFUNDS, contract_id=c.id) == 5000
    assert c.__class__.get_by_id(c.id).status == ContractStatus.ENDED
    invariants()


def test_U04_without_leftover_the_client_pays_the_full_amount(make_contract, client, clock,
                                                               invariants):
    c = make_contract(amounts=(25000, 50000))
    first = fund_next_milestone(client, c.id, clock=clock)
    release(client, first.id, clock=clock)
    before = charged(c)
    fund_next_milestone(client, c.id, clock=clock)
    assert charged(c) - before == 50000
    invariants()


# --- U-05: the initiation fee -------------------------------------------------------

def test_U05_initiation_fee_is_charged_with_the_first_funding(make_contract, client, clock,
                                                              invariants):
    c = make_contract(amounts=(25000, 50000))
    assert charged(c) == 0
    fund_next_milestone(client, c.id, clock=clock)
    assert charged(c) == 25000 + FEE
    assert balance(A.PLATFORM_FEES, contract_id=c.id) == FEE
    assert json.loads(last_event(c, "fund_milestone").details)["initiation_fee_cents"] == FEE
    invariants()


def test_U05_initiation_fee_is_never_charged_again(make_contract, client, clock, invariants):
    c = make_contract(amounts=(25000, 50000, 10000))
    for _ in range(3):
        m = fund_next_milestone(client, c.id, clock=clock)
        release(client, m.id, clock=clock)
    assert charged(c) == 85000 + FEE
    assert balance(A.PLATFORM_FEES, contract_id=c.id) == FEE
    invariants()


def test_U05_fee_is_returned_when_the_contract_ends_with_nothing_released(
        make_contract, client, freelancer, clock, invariants):
    c = make_contract(amounts=(25000, 50000))
    m = fund_next_milestone(client, c.id, clock=clock)
    rr = request_refund(client, m.id, clock=clock)
    agree_refund(freelancer, rr.id, clock=clock)
    money = end_contract(client, c.id, clock=clock)
    assert money["initiation_fee_returned_cents"] == FEE
    assert balance(A.PLATFORM_FEES, contract_id=c.id) == 0
    assert balance(A.CLIENT_REFUNDS, contract_id=c.id) == 25000 + FEE
    assert charged(c) == 25000 + FEE
    invariants()


def test_U05_fee_is_kept_when_something_was_released(make_contract, client, clock, invariants):
    c = make_contract(amounts=(25000, 50000))
    m = fund_next_milestone(client, c.id, clock=clock)
    release(client, m.id, clock=clock)
    money = end_contract(client, c.id, clock=clock)
    assert money["initiation_fee_returned_cents"] == 0
    assert balance(A.PLATFORM_FEES, contract_id=c.id) == FEE
    invariants()


def test_U05_no_fee_when_the_contract_is_never_funded(make_contract, client, clock, invariants):
    c = make_contract()
    end_contract(client, c.id, clock=clock)
    assert charged(c) == 0 and balance(A.PLATFORM_FEES, contract_id=c.id) == 0
    invariants()


def test_U05_each_contract_pays_its_own_fee(make_contract, client, clock, invariants):
    a, b = make_contract(), make_contract(title="Second job")
    fund_next_milestone(client, a.id, clock=clock)
    fund_next_milestone(client, b.id, clock=clock)
    assert balance(A.PLATFORM_FEES, contract_id=a.id) == FEE
    assert balance(A.PLATFORM_FEES, contract_id=b.id) == FEE
    invariants()


# --- F-04: Fiverr charges the first milestone when the order is placed -------------

@pytest.mark.parametrize("policy", ["fiverr-gig", "fiverr-offer"])
def test_F04_first_milestone_is_charged_when_the_order_is_placed(make_contract, freelancer,
                                                                 invariants, policy):
    c = make_contract(policy, amounts=(6000, 8000))
    first, second = milestones(c)
    assert (first.status, second.status) == (S.FUNDED, S.PLANNED)
    assert milestone_escrow(first.id) == 6000 and milestone_escrow(second.id) == 0
    assert charged(c) == 6000
    ev = last_event(c, "fund_milestone")
    assert ev.milestone_id == first.id and notified(freelancer, ev)
    invariants()


def test_F04_next_milestone_is_charged_when_the_buyer_approves_and_starts_it(
        make_contract, client, freelancer, clock, refused, invariants):
    c = make_contract("fiverr-gig", amounts=(6000, 8000))
    first, second = milestones(c)
    with refused("U-03"):
        fund_next_milestone(client, c.id, clock=clock)
    submit_work(freelancer, first.id, "Delivered", clock=clock)
    release(client, first.id, clock=clock)
    assert charged(c) == 6000
    assert Milestone.get_by_id(second.id).status == S.PLANNED
    fund_next_milestone(client, c.id, clock=clock)
    assert charged(c) == 14000
    assert Milestone.get_by_id(second.id).status == S.FUNDED
    assert last_event(c, "fund_milestone").summary.startswith("Started")
    invariants()


def test_F04_upwork_charges_nothing_when_the_contract_is_created(make_contract):
    c = make_contract("upwork")
    assert charged(c) == 0
    assert {m.status for m in milestones(c)} == {S.PLANNED}
