"""Funding policy per contract: one at a time (U-03), N at a time or all up front (X-36),
and what several milestones in escrow mean for releases, refunds, F-05 and F-07 (X-37)."""
from __future__ import annotations

import pytest

from models.contracts import Contract
from models.deadlines import Deadline
from models.milestones import Milestone
from models.vocabulary import MilestoneStatus as S
from rules.availability import availability, is_last_to_pay
from rules.contract_view import contract_detail
from rules.contracts import end_contract
from rules.deadlines import sweep
from rules.errors import RuleError
from rules.funding import ALL_UP_FRONT, check_funding, describe_funding, funding_refusal
from rules.invariants import ledger_problems
from rules.ledger import A, balance, milestone_escrow
from rules.offers import accept_offer, send_offer
from rules.payments import fund_ahead, fund_next_milestone, release
from rules.refunds import agree_refund, request_refund
from rules.support import cancel_milestone
from rules.work import submit_work

FOUR = (10000, 20000, 30000, 40000)


def statuses(contract) -> list[str]:
    return [m.status for m in Milestone.select().where(Milestone.contract == contract.id)
            .order_by(Milestone.position)]


def rows(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


@pytest.mark.parametrize("given, limit", [(1, 1), ("one", 1), (" One  at a time ", 1),
                                          (2, 2), ("20", 20), ("all", 0), ("All up front", 0),
                                          (0, 0)])
def test_X36_funding_is_one_a_number_or_all(given, limit):
    assert check_funding(given) == limit


@pytest.mark.parametrize("given", [21, -1, "21", "two", "", "٣", "3.0", True, None, 2.0,
                                   "9" * 5000])
def test_X36_any_other_funding_is_refused_in_words(given):
    with pytest.raises(RuleError) as err:
        check_funding(given)
    assert err.value.rule_id == "X-36" and "from 2 to 20" in err.value.message


def test_X36_the_policy_in_words():
    assert describe_funding(1) == "one milestone at a time"
    assert describe_funding(3) == "up to 3 milestones at a time"
    assert describe_funding(ALL_UP_FRONT) == "all milestones up front"


def test_X36_a_contract_is_funded_one_at_a_time_unless_it_says_otherwise(make_contract):
    assert make_contract().funding_limit == 1
    assert make_contract(funding="3", amounts=FOUR).funding_limit == 3


def test_X36_a_bad_funding_policy_writes_no_contract(make_contract, refused):
    with refused("X-36"):
        make_contract(funding=99)


def test_X36_up_to_two_at_a_time(make_contract, client, clock, refused, invariants):
    c = make_contract(funding=2, amounts=FOUR)
    first = fund_next_milestone(client, c.id, clock=clock)
    second = fund_next_milestone(client, c.id, clock=clock)
    assert statuses(c) == [S.FUNDED, S.FUNDED, S.PLANNED, S.PLANNED]
    assert milestone_escrow(first.id) == 10000 and milestone_escrow(second.id) == 20000
    with refused("X-36", match="up to 2 milestones at a time: “Milestone 1”, “Milestone 2”"):
        fund_next_milestone(client, c.id, clock=clock)
    invariants()


def test_X36_one_at_a_time_keeps_the_U03_refusal(make_contract, client, clock, refused):
    c = make_contract(amounts=FOUR)
    fund_next_milestone(client, c.id, clock=clock)
    with refused("U-03", match="Only one milestone is funded at a time"):
        fund_next_milestone(client, c.id, clock=clock)


def test_X37_fund_ahead_fills_the_room_the_policy_leaves_in_list_order(
        make_contract, client, clock, refused, invariants):
    c = make_contract(funding=3, amounts=FOUR)
    fund_next_milestone(client, c.id, clock=clock)
    funded = fund_ahead(client, c.id, clock=clock)
    assert [m.title for m in funded] == ["Milestone 2", "Milestone 3"]
    assert statuses(c) == [S.FUNDED, S.FUNDED, S.FUNDED, S.PLANNED]
    with refused("X-36"):
        fund_ahead(client, c.id, clock=clock)
    invariants()


def test_X37_all_up_front_funds_the_whole_budget_with_one_initiation_fee(
        make_contract, client, clock, invariants):
    c = make_contract(funding="all", amounts=FOUR)
    assert len(fund_ahead(client, c.id, clock=clock)) == 4
    assert balance(A.ESCROW, contract_id=c.id) == sum(FOUR)
    assert -balance(A.CLIENT_PAYMENT, contract_id=c.id) == sum(FOUR) + c.initiation_fee_cents
    invariants()


def test_X37_fund_ahead_with_nothing_planned_names_U09(make_contract, client, clock, refused):
    c = make_contract(funding="all", amounts=(10000,))
    fund_ahead(client, c.id, clock=clock)
    with refused("U-09"):
        fund_ahead(client, c.id, clock=clock)


def test_X36_fund_ahead_is_the_clients_only(make_contract, freelancer, clock, refused):
    c = make_contract(funding="all")
    with refused("G-07"):
        fund_ahead(freelancer, c.id, clock=clock)


def test_X37_a_release_with_another_in_escrow_is_not_the_last(
        make_contract, client, freelancer, clock, refused, invariants):
    c = make_contract(funding="all", amounts=(10000, 20000))
    m1, m2 = fund_ahead(client, c.id, clock=clock)
    assert not is_last_to_pay(contract_detail(client, c.id), m1.id)
    result = release(client, m1.id, clock=clock)
    assert not result.is_last  # U-30 asks to end only when nothing is left
    with refused("G-03", match="“Milestone 2” still holds"):
        end_contract(client, c.id, clock=clock)
    assert is_last_to_pay(contract_detail(client, c.id), m2.id)
    assert release(client, m2.id, clock=clock).is_last
    invariants()


def test_X37_refunds_settle_one_milestone_and_leave_the_others_in_escrow(
        make_contract, client, freelancer, clock, invariants):
    c = make_contract(funding=2, amounts=(10000, 20000, 30000))
    m1, m2 = fund_ahead(client, c.id, clock=clock)
    r = request_refund(client, m1.id, 10000, "Not needed", clock=clock)
    agree_refund(freelancer, r.id, clock=clock)
    assert statuses(c) == [S.REFUNDED, S.FUNDED, S.PLANNED]
    assert milestone_escrow(m2.id) == 20000
    fund_next_milestone(client, c.id, clock=clock)  # the refund made room
    assert statuses(c) == [S.REFUNDED, S.FUNDED, S.FUNDED]
    invariants()


def fiverr_two_started(make_contract, client, clock):
    c = make_contract(policy="fiverr-gig", funding=2, amounts=(10000, 20000, 30000))
    fund_next_milestone(client, c.id, clock=clock)  # the first was started by the order
    return c, rows(c)


def test_X37_F07_waits_while_another_milestone_holds_escrow(
        make_contract, client, freelancer, clock, invariants):
    c, (m1, m2, _m3) = fiverr_two_started(make_contract, client, clock)
    submit_work(freelancer, m1.id, "Done", clock=clock)
    release(client, m1.id, clock=clock)
    assert not Deadline.select().where((Deadline.contract == c.id)
                                       & (Deadline.kind == "start_next")).exists()
    submit_work(freelancer, m2.id, "Done", clock=clock)
    release(client, m2.id, clock=clock)  # none left in escrow: F-07's 10 days start
    window = Deadline.get((Deadline.contract == c.id) & (Deadline.kind == "start_next"))
    assert window.status == "open"
    invariants()


def test_X37_F05_pays_the_delivery_and_the_order_goes_on_while_another_holds_escrow(
        make_contract, client, freelancer, clock, invariants):
    c, (m1, m2, _m3) = fiverr_two_started(make_contract, client, clock)
    submit_work(freelancer, m1.id, "Done", clock=clock)
    clock.advance(days=9)
    applied = sweep(clock=clock).applied
    assert [a.kind for a in applied] == ["review"]
    assert Contract.get_by_id(c.id).status == "open"
    assert statuses(c) == [S.RELEASED, S.FUNDED, S.PLANNED]
    assert milestone_escrow(m2.id) == 20000
    invariants()


def test_X37_F05_completes_the_order_when_the_delivery_was_the_last_in_escrow(
        make_contract, client, freelancer, agent, clock, invariants):
    c, (m1, m2, _m3) = fiverr_two_started(make_contract, client, clock)
    cancel_milestone(agent, m2.id, "The buyer asked support", clock=clock)  # F-08
    submit_work(freelancer, m1.id, "Done", clock=clock)
    clock.advance(days=9)
    sweep(clock=clock)
    assert Contract.get_by_id(c.id).status == "completed"
    assert statuses(c) == [S.RELEASED, S.CANCELLED, S.CANCELLED]
    invariants()


def test_X36_the_rooms_verdict_names_the_rule_the_action_names(make_contract, client, clock):
    c = make_contract(funding=2, amounts=FOUR)
    fund_ahead(client, c.id, clock=clock)
    verdict = availability(contract_detail(client, c.id), "client", clock.now()).of("fund_next")
    assert not verdict.allowed and verdict.reason.endswith("(X-36).")
    with pytest.raises(RuleError) as err:
        fund_next_milestone(client, c.id, clock=clock)
    assert err.value.rule_id == "X-36"
    assert verdict.reason.startswith(err.value.message.rstrip("."))


def test_X36_funding_refusal_is_pure():
    assert funding_refusal(0, ["a"] * 50) is None
    assert funding_refusal(3, ["a", "b"]) is None
    assert funding_refusal(1, ["a"])[0] == "U-03"
    assert funding_refusal(2, ["a", "b"])[0] == "X-36"


def test_X36_the_offer_carries_the_policy_into_the_contract(
        client, freelancer, clock, refused):
    offer = send_offer(client, freelancer.login, "upwork", "Site", "", [("A", 10000, None),
                                                                         ("B", 20000, None)],
                       funding="all", clock=clock)
    accept_offer(freelancer, offer.id, clock=clock)
    assert Contract.get_by_id(offer.id).funding_limit == ALL_UP_FRONT
    assert len(fund_ahead(client, offer.id, clock=clock)) == 2
    with refused("X-36"):
        send_offer(client, freelancer.login, "upwork", "Site", "", [("A", 10000, None)],
                   funding="lots", clock=clock)


def test_X36_the_invariants_catch_more_in_escrow_than_the_policy_allows(
        make_contract, client, clock):
    c = make_contract(funding=2, amounts=FOUR)
    fund_ahead(client, c.id, clock=clock)
    assert ledger_problems() == []
    Contract.update(funding_limit=1).where(Contract.id == c.id).execute()
    assert ledger_problems() == [f"contract {c.id} has 2 active milestones, its funding "
                                 "allows 1 (U-03, X-36)"]
