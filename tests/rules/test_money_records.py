"""What the money-moving actions write beside the balances, word for word: the
transfers' kinds, once keys and actors, the timeline entry and the audit record of a
release (U-25..U-28) and of a funding (U-04, U-05), the refusals of a release (U-19,
U-06, G-07), the legs of an escrow settlement, what a submission cancels (U-23) and what
ending a contract closes (G-03, U-05). Balances alone (test_payments.py,
test_funding.py) cannot tell a transfer booked under the wrong kind or actor, or an
audit record that says less than what happened.
"""
from __future__ import annotations

import json

import arrow
import pytest
from state_helpers import START, db_state

from models.audit import AuditRecord
from models.base import database
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.deadlines import Deadline
from models.events import Event
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from rules.change_requests import request_milestone_change
from rules.contracts import end_contract
from rules.errors import RuleError
from rules.ledger import A
from rules.payments import fund_next_milestone, release
from rules.refunds import agree_refund, request_refund
from rules.settlement import TransferSpec, settle_escrow, settlement_legs
from rules.work import submit_work

pytestmark = pytest.mark.both_databases

T0 = arrow.get(START)


def transfers(contract_id: int) -> list[tuple]:
    return [(t.kind, t.once_key, t.actor_id, t.milestone_id) for t in
            LedgerTransfer.select().where(LedgerTransfer.contract == contract_id)
            .order_by(LedgerTransfer.id)]


def last_record(action: str) -> AuditRecord:
    return (AuditRecord.select().where(AuditRecord.action == action)
            .order_by(AuditRecord.id.desc()).get())


def last_event(contract_id: int) -> Event:
    return (Event.select().where(Event.contract == contract_id)
            .order_by(Event.id.desc()).get())


@pytest.fixture
def submitted(make_contract, client, freelancer, clock):
    def build(policy="upwork", amounts=(25000, 50000)):
        clock.set(T0)
        c = make_contract(policy, amounts=amounts)
        m = fund_next_milestone(client, c.id, clock=clock)
        submit_work(freelancer, m.id, "Done", clock=clock)
        return c, Milestone.get_by_id(m.id)
    return build


def test_U28_a_release_with_a_bonus_is_booked_and_recorded_as_it_happened(
        submitted, client, clock):
    c, m = submitted()
    n = len(transfers(c.id))
    clock.set(T0.shift(days=1))
    release(client, m.id, bonus_cents=5000, clock=clock)
    assert transfers(c.id)[n:] == [("release", f"m:{m.id}:escrow", client.id, m.id),
                                  ("bonus", f"m:{m.id}:bonus", client.id, m.id)]
    event = last_event(c.id)
    assert (event.kind, event.milestone_id) == ("release", m.id)
    assert event.summary == "Released $250.00 for “Milestone 1” with a $50.00 bonus"
    rec = last_record("release")
    money = {"released_cents": 25000, "bonus_cents": 5000, "to_project_funds_cents": 0,
             "extra_charged_cents": 0}
    assert rec.target == f"milestone:{m.id}" and rec.contract_id == c.id
    assert json.loads(rec.before) == {"status": "submitted", "escrow_cents": 25000}
    assert json.loads(rec.after) == {"status": "released", **money}


def test_U26_a_smaller_release_says_what_stays_in_project_funds(submitted, client, clock):
    c, m = submitted()
    n = len(transfers(c.id))
    release(client, m.id, amount_cents=15000, clock=clock)
    assert transfers(c.id)[n:] == [
        ("release", f"m:{m.id}:escrow", client.id, m.id),
        ("release_to_project_funds", None, client.id, m.id)]
    assert last_event(c.id).summary == ("Released $150.00 for “Milestone 1”; "
                                        "$100.00 stays in project funds")
    assert json.loads(last_record("release").after)["to_project_funds_cents"] == 10000


def test_U27_a_bigger_release_charges_the_difference_first(submitted, client, clock):
    c, m = submitted()
    n = len(transfers(c.id))
    release(client, m.id, amount_cents=30000, clock=clock)
    assert transfers(c.id)[n:] == [("release_extra_charge", None, client.id, m.id),
                                  ("release", f"m:{m.id}:escrow", client.id, m.id)]
    assert last_event(c.id).summary == ("Released $300.00 for “Milestone 1”; "
                                        "$50.00 more was charged")


def test_U05_U04_funding_books_the_fee_once_and_uses_project_funds_first(
        make_contract, client, freelancer, clock):
    clock.set(T0)
    c = make_contract("upwork", amounts=(25000, 20000))
    m1 = fund_next_milestone(client, c.id, clock=clock)
    assert transfers(c.id) == [("fund", f"m:{m1.id}:fund", client.id, m1.id),
                               ("initiation_fee", f"c:{c.id}:initiation_fee", client.id, None)]
    rec = last_record("fund_milestone")
    assert json.loads(rec.after) == {"status": "funded", "amount_cents": 25000,
                                     "from_project_funds_cents": 0,
                                     "charged_cents": 25000 + 495,
                                     "initiation_fee_cents": 495}
    submit_work(freelancer, m1.id, "Done", clock=clock)
    release(client, m1.id, amount_cents=10000, clock=clock)  # 150.00 to project funds
    n = len(transfers(c.id))
    m2 = fund_next_milestone(client, c.id, clock=clock)
    # Partly covered: both transfers, and only the first carries the key.
    assert transfers(c.id)[n:] == [
        ("fund_from_project_funds", f"m:{m2.id}:fund", client.id, m2.id),
        ("fund", None, client.id, m2.id)]
    assert json.loads(last_record("fund_milestone").after) == {
        "status": "funded", "amount_cents": 20000, "from_project_funds_cents": 15000,
        "charged_cents": 5000, "initiation_fee_cents": 0}
    assert last_event(c.id).summary == ("Funded “Milestone 2”: $200.00 in escrow "
                                        "($150.00 from project funds)")


def test_G07_U19_a_release_is_refused_in_words_that_name_what_is_wrong(
        make_contract, submitted, client, clock, refused):
    c, m = submitted()
    with refused("conflict") as info:
        release(client, m.id, version=m.version - 1, clock=clock)
    assert info.value.message == ("This milestone was changed by someone else a moment ago "
                                  "(someone acted first). Reload and try again.")
    release(client, m.id, clock=clock)
    with refused("conflict") as info:
        release(client, m.id, clock=clock)
    assert info.value.message == "“Milestone 1” was already released; it cannot be released."
    f = make_contract("fiverr-gig", amounts=(6000, 7000))
    first = Milestone.get((Milestone.contract == f.id) & (Milestone.position == 1))
    with refused("U-19") as info:
        release(client, first.id, clock=clock)
    assert info.value.message == ("On Fiverr Gig milestones a milestone is paid by "
                                  "accepting its delivery: wait for the seller to deliver.")


def test_U06_a_release_after_the_review_window_is_refused_but_at_its_due_time_it_is_not(
        submitted, client, clock, refused):
    c, m = submitted()
    (window,) = Deadline.select().where((Deadline.milestone == m.id)
                                        & (Deadline.kind == "review"))
    due = arrow.get(window.due_at)
    clock.set(due.shift(seconds=1))
    with refused("U-06") as info:
        release(client, m.id, clock=clock)
    assert info.value.message == ("The 14 days to review “Milestone 1” are over: the work "
                                  "counts as approved and its payment is being released.")
    clock.set(due)
    release(client, m.id, clock=clock)
    assert Milestone.get_by_id(m.id).status == "released"


def test_settlement_legs_add_up_and_only_the_first_carries_the_key():
    assert settlement_legs(5, 100, to_client=100, kind="refund") == [
        TransferSpec("refund", A.ESCROW, A.CLIENT_REFUNDS, 100, "m:5:escrow")]
    assert settlement_legs(5, 1, to_freelancer=1, kind="release") == [
        TransferSpec("release", A.ESCROW, A.FREELANCER, 1, "m:5:escrow")]
    assert settlement_legs(5, 60, to_freelancer=10, to_client=20, to_project_funds=30,
                           kind="dispute_split") == [
        TransferSpec("dispute_split_to_freelancer", A.ESCROW, A.FREELANCER, 10, "m:5:escrow"),
        TransferSpec("dispute_split_to_client", A.ESCROW, A.CLIENT_REFUNDS, 20, None),
        TransferSpec("dispute_split_to_project_funds", A.ESCROW, A.PROJECT_FUNDS, 30, None)]
    for held, legs in ((0, {}), (100, {"to_client": 60}), (-5, {"to_client": -5})):
        with pytest.raises(AssertionError, match=f"^settlement of {held} does not add up$"):
            settlement_legs(5, held, kind="refund", **legs)


def test_settle_escrow_moves_it_where_it_is_told_booked_to_the_actor(
        submitted, client, clock):
    c, m = submitted()
    n = len(transfers(c.id))
    with database.atomic() as txn:
        settle_escrow(Contract.get_by_id(c.id), m, client, T0, to_project_funds=25000,
                      kind="cancel")
        assert transfers(c.id)[n:] == [
            ("cancel_to_project_funds", f"m:{m.id}:escrow", client.id, m.id)]
        txn.rollback()


def test_U23_a_submission_cancels_the_pending_change_request_and_closes_its_window_only(
        make_contract, client, freelancer, clock):
    clock.set(T0)
    c = make_contract("upwork")
    m = fund_next_milestone(client, c.id, clock=clock)
    cr = request_milestone_change(client, m.id, {"title": "Homepage only"}, "Smaller",
                                  clock=clock)
    clock.set(T0.shift(hours=3))
    submit_work(freelancer, m.id, "Done", clock=clock)
    after = ChangeRequest.get_by_id(cr.id)
    assert after.status == "cancelled" and after.version == cr.version + 1
    assert arrow.get(after.answered_at) == T0.shift(hours=3)
    windows = {d.kind: d for d in Deadline.select().where(Deadline.contract == c.id)}
    assert windows["change_request"].status == "closed"
    assert arrow.get(windows["change_request"].closed_at) == T0.shift(hours=3)
    assert windows["review"].status == "open"


def test_G03_U05_ending_returns_even_a_one_cent_fee_and_cancels_the_plan_once(
        make_contract, client, freelancer, clock):
    clock.set(T0)
    c = make_contract("upwork", amounts=(25000, 20000, 10000))
    Contract.update(initiation_fee_cents=1).where(Contract.id == c.id).execute()
    m = fund_next_milestone(client, c.id, clock=clock)
    planned = {p.id: p.version for p in Milestone.select().where(
        (Milestone.contract == c.id) & (Milestone.status == "planned"))}
    rr = request_refund(client, m.id, reason="Not needed after all", clock=clock)
    agree_refund(freelancer, rr.id, clock=clock)  # the escrow goes back; nothing released
    money = end_contract(client, c.id, clock=clock)
    assert money["initiation_fee_returned_cents"] == 1
    assert ("initiation_fee_refund", f"c:{c.id}:initiation_fee_refund", client.id,
            None) in transfers(c.id)
    for mid, version in planned.items():
        row = Milestone.get_by_id(mid)
        assert row.status == "cancelled" and row.version == version + 1


def test_refusals_here_write_nothing(submitted, client, clock):
    c, m = submitted()
    release(client, m.id, clock=clock)
    state = db_state()
    with pytest.raises(RuleError):
        release(client, m.id, clock=clock)
    assert db_state() == state
