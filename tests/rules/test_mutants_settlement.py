"""Tests that kill surviving mutants of rules/settlement.py (issue 17, session 13): the
order and the contract of the milestones `unsettled` (what is planned) and
`active_milestones` read (U-09, X-36, X-37, G-03), the project funds and the fee a
funding reads when another contract has some (U-04, U-05), and which change request a
submission cancels with several milestones in escrow (U-23)."""
from __future__ import annotations

from models.change_requests import ChangeRequest
from models.deadlines import Deadline
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from models.vocabulary import MilestoneStatus as S
from rules.change_requests import request_milestone_change
from rules.contracts import end_contract
from rules.ledger import A, balance, milestone_escrow, project_funds
from rules.payments import fund_ahead, fund_next_milestone, release
from rules.planning import reorder_milestones
from rules.settlement import active_milestones, unsettled
from rules.work import submit_work

FOUR = (10000, 20000, 30000, 40000)


def rows(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def next_planned(contract_id: int):
    planned, _ = unsettled(contract_id)
    return planned[0] if planned else None


def test_U09_the_first_planned_is_the_first_future_one_of_this_contract_in_list_order(
        make_contract, client, clock):
    other = make_contract(amounts=(5000, 6000))  # made first: its rows come first by id
    c = make_contract(amounts=(25000, 50000, 10000))
    first, second, third = rows(c)
    reorder_milestones(client, c.id, [third.id, first.id, second.id], clock=clock)
    assert next_planned(c.id).id == third.id
    fund_next_milestone(client, c.id, clock=clock)
    assert next_planned(c.id).id == first.id  # not the funded one, not another contract's
    assert next_planned(other.id).id == rows(other)[0].id
    fund_next_milestone(client, other.id, clock=clock)
    assert next_planned(other.id).id == rows(other)[1].id


def test_U09_no_future_milestone_left_is_none(make_contract, client, clock):
    c = make_contract(funding="all", amounts=(10000, 20000))
    fund_ahead(client, c.id, clock=clock)
    assert next_planned(c.id) is None


def test_X37_active_milestones_are_this_contracts_in_list_order(make_contract, client, clock):
    other = make_contract(funding="all", amounts=(5000,))
    fund_ahead(client, other.id, clock=clock)
    c = make_contract(funding="all", amounts=(10000, 20000, 30000))
    first, second, third = rows(c)
    reorder_milestones(client, c.id, [third.id, first.id, second.id], clock=clock)
    assert active_milestones(c.id) == []
    fund_ahead(client, c.id, clock=clock)
    assert [m.id for m in active_milestones(c.id)] == [third.id, first.id, second.id]
    assert [m.title for m in active_milestones(other.id)] == ["Milestone 1"]


def test_X37_unsettled_splits_planned_and_active_in_list_order(make_contract, client, clock):
    other = make_contract(funding="all", amounts=(5000, 6000))
    c = make_contract(funding=2, amounts=FOUR)
    m1, m2, m3, m4 = rows(c)
    reorder_milestones(client, c.id, [m4.id, m3.id, m1.id, m2.id], clock=clock)
    assert unsettled(c.id) == ([m4, m3, m1, m2], [])
    fund_ahead(client, c.id, clock=clock)
    planned, active = unsettled(c.id)
    assert [m.id for m in planned] == [m1.id, m2.id]
    assert [m.id for m in active] == [m4.id, m3.id]
    assert all(m.status == S.FUNDED for m in active)
    assert [m.title for m in unsettled(other.id)[0]] == ["Milestone 1", "Milestone 2"]


def test_G03_X37_ending_names_the_first_milestone_in_escrow_in_list_order(
        make_contract, client, clock, refused):
    c = make_contract(funding="all", amounts=(10000, 20000, 30000))
    first, second, third = rows(c)
    reorder_milestones(client, c.id, [second.id, third.id, first.id], clock=clock)
    fund_ahead(client, c.id, clock=clock)
    with refused("G-03", match="“Milestone 2” still holds $200.00 in escrow"):
        end_contract(client, c.id, clock=clock)


def test_U23_X37_a_submission_closes_the_window_of_its_own_milestones_request_only(
        make_contract, client, freelancer, clock):
    c = make_contract(funding=2, amounts=(10000, 20000))
    m1, m2 = fund_ahead(client, c.id, clock=clock)
    cr1 = request_milestone_change(client, m1.id, {"title": "Homepage only"}, clock=clock)
    cr2 = request_milestone_change(client, m2.id, {"title": "Shop only"}, clock=clock)
    clock.advance(hours=2)
    submit_work(freelancer, m1.id, "Done", clock=clock)
    assert ChangeRequest.get_by_id(cr1.id).status == "cancelled"
    assert ChangeRequest.get_by_id(cr2.id).status == "pending"
    windows = {d.change_request_id: d.status for d in Deadline.select().where(
        (Deadline.contract == c.id) & (Deadline.kind == "change_request"))}
    assert windows == {cr1.id: "closed", cr2.id: "open"}


def kinds(contract) -> list[tuple[str, int]]:
    return [(t.kind, t.milestone_id) for t in LedgerTransfer.select()
            .where(LedgerTransfer.contract == contract.id).order_by(LedgerTransfer.id)]


def test_U04_U05_a_funding_reads_only_its_own_contracts_project_funds_and_fee(
        make_contract, client, clock, invariants):
    a = make_contract(amounts=(25000, 50000))
    first = fund_next_milestone(client, a.id, clock=clock)  # a's initiation fee is paid
    release(client, first.id, 20000, clock=clock)  # 50.00 stays in a's project funds
    assert project_funds(a.id) == 5000
    b = make_contract(amounts=(10000, 20000))
    (m1, _m2) = rows(b)
    fund_next_milestone(client, b.id, clock=clock)
    # b's first funding: all charged, none of a's project funds, b's own initiation fee.
    assert kinds(b) == [("fund", m1.id), ("initiation_fee", None)]
    assert milestone_escrow(m1.id) == 10000
    assert -balance(A.CLIENT_PAYMENT, contract_id=b.id) == 10000 + b.initiation_fee_cents
    assert balance(A.PLATFORM_FEES, contract_id=b.id) == b.initiation_fee_cents > 0
    assert project_funds(a.id) == 5000 and project_funds(b.id) == 0
    # a's second funding: its project funds first, and no second fee.
    n = len(kinds(a))
    second = fund_next_milestone(client, a.id, clock=clock)
    assert kinds(a)[n:] == [("fund_from_project_funds", second.id), ("fund", second.id)]
    assert project_funds(a.id) == 0 and milestone_escrow(second.id) == 50000
    invariants()
