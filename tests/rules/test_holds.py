"""X-26: released money is pending in the ledger until the policy's hold ends (Upwork's
5-day security period, Fiverr's 14 days' clearance), then the sweep moves it to
available, exactly once (G-09); a paid refund takes back pending money first."""
from __future__ import annotations

import datetime as dt

import pytest

from models.db import SchemaVersion, open_database
from models.events import Event, Notification
from models.holds import PayoutHold
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from rules.deadlines import sweep
from rules.holds import due_holds
from rules.ledger import A, balance, paid_balance
from rules.payments import fund_next_milestone, release
from rules.payouts import payout_outlook
from rules.refunds import agree_refund, request_refund
from rules.work import submit_work
from state_helpers import db_state

DAY = dt.timedelta(days=1)
both = pytest.mark.both_databases  # the upgrade test at the end is about a SQLite file


def holds_of(milestone_id: int) -> list[PayoutHold]:
    return list(PayoutHold.select().where(PayoutHold.milestone == milestone_id)
                .order_by(PayoutHold.id))


@pytest.fixture
def released(make_contract, client, clock):
    """An Upwork milestone of $250 released at the clock's time; (contract, milestone)."""
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    release(client, m.id, clock=clock)
    return contract, Milestone.get_by_id(m.id)


@both
def test_X26_a_release_is_pending_for_the_upwork_five_day_hold(released, clock, invariants):
    contract, m = released
    assert balance(A.FREELANCER, milestone_id=m.id) == 25000
    assert balance(A.FREELANCER_AVAILABLE, milestone_id=m.id) == 0
    assert paid_balance(contract_id=contract.id) == 25000
    (hold,) = holds_of(m.id)
    release_t = LedgerTransfer.get((LedgerTransfer.milestone == m.id)
                                   & (LedgerTransfer.kind == "release"))
    assert (hold.status, hold.amount_cents, hold.transfer_id) == ("pending", 25000,
                                                                  release_t.id)
    assert hold.released_at == clock.now().naive
    assert hold.available_at == (clock.now() + 5 * DAY).naive
    invariants()


@both
def test_X26_the_sweep_moves_it_to_available_when_the_hold_ends_and_only_once(
        released, clock, freelancer, invariants):
    contract, m = released
    ends = clock.now() + 5 * DAY
    clock.set(ends.shift(seconds=-1))
    before = db_state()
    assert sweep(clock=clock).available == 0
    assert db_state() == before, "a sweep before the hold ended wrote"
    clock.set(ends)
    assert sweep(clock=clock).available == 1
    assert balance(A.FREELANCER, milestone_id=m.id) == 0
    assert balance(A.FREELANCER_AVAILABLE, milestone_id=m.id) == 25000
    assert paid_balance(contract_id=contract.id) == 25000
    moved = LedgerTransfer.get(LedgerTransfer.kind == "available")
    (hold,) = holds_of(m.id)
    assert hold.status == "available" and moved.once_key == f"hold:{hold.id}"
    assert moved.created_at == ends.naive  # when it truly became usable (G-08)
    ev = Event.get(Event.kind == "payout_available")
    assert ev.summary == "$250.00 paid for “Milestone 1” is available: the hold has ended"
    assert [n.recipient_id for n in Notification.select().where(Notification.event == ev.id)
            ] == [freelancer.id]
    after = db_state()
    for later in (ends, ends + 30 * DAY):
        clock.set(later)
        assert not sweep(clock=clock).changed
        assert db_state() == after
    invariants()


@both
def test_X26_fiverr_clearance_is_fourteen_days(make_contract, client, freelancer, clock,
                                               invariants):
    contract = make_contract("fiverr-gig")
    first = Milestone.get((Milestone.contract == contract.id) & (Milestone.position == 1))
    submit_work(freelancer, first.id, "Delivery", clock=clock)
    release(client, first.id, 25000, clock=clock)
    (hold,) = holds_of(first.id)
    assert hold.available_at == (clock.now() + 14 * DAY).naive
    clock.set(clock.now() + 13 * DAY)
    assert sweep(clock=clock).available == 0
    clock.set(clock.now() + DAY)
    assert sweep(clock=clock).available == 1
    assert balance(A.FREELANCER_AVAILABLE, contract_id=contract.id) == 25000
    invariants()


@both
def test_X26_a_bonus_is_a_payment_with_a_hold_of_its_own(make_contract, client, clock,
                                                         invariants):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    release(client, m.id, bonus_cents=5000, clock=clock)
    assert [(h.amount_cents, h.status) for h in holds_of(m.id)] == [(25000, "pending"),
                                                                    (5000, "pending")]
    invariants()


@both
def test_X26_a_paid_refund_while_pending_takes_the_newest_hold_first(
        make_contract, client, freelancer, clock, invariants):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    release(client, m.id, bonus_cents=5000, clock=clock)
    rr = request_refund(client, m.id, 8000, "Overpaid", clock=clock)
    agree_refund(freelancer, rr.id, clock=clock)
    # The bonus (newest) goes first, then 3,000 of the release.
    assert [(h.amount_cents, h.status) for h in holds_of(m.id)] == [(22000, "pending"),
                                                                    (0, "refunded")]
    assert balance(A.FREELANCER, milestone_id=m.id) == 22000
    assert balance(A.CLIENT_REFUNDS, milestone_id=m.id) == 8000
    clock.set(clock.now() + 5 * DAY)
    assert sweep(clock=clock).available == 1
    assert balance(A.FREELANCER_AVAILABLE, milestone_id=m.id) == 22000
    invariants()


@both
def test_X26_a_paid_refund_after_the_hold_takes_available_money(released, client, freelancer,
                                                                clock, invariants):
    contract, m = released
    clock.set(clock.now() + 5 * DAY)
    sweep(clock=clock)
    rr = request_refund(client, m.id, 10000, "Part of it", clock=clock)
    agree_refund(freelancer, rr.id, clock=clock)
    assert balance(A.FREELANCER_AVAILABLE, milestone_id=m.id) == 15000
    assert balance(A.FREELANCER, milestone_id=m.id) == 0
    refund_t = LedgerTransfer.get(LedgerTransfer.kind == "paid_refund")
    assert refund_t.once_key == f"r:{rr.id}:settle"
    invariants()


@both
def test_X26_a_refund_of_all_pending_money_leaves_nothing_to_make_available(
        released, client, freelancer, clock, invariants):
    contract, m = released
    rr = request_refund(client, m.id, None, "Not delivered", clock=clock)
    agree_refund(freelancer, rr.id, clock=clock)
    assert [(h.amount_cents, h.status) for h in holds_of(m.id)] == [(0, "refunded")]
    clock.set(clock.now() + 6 * DAY)
    assert sweep(clock=clock).available == 0
    assert due_holds(clock.now(), 10) == []
    assert paid_balance(contract_id=contract.id) == 0
    invariants()


def test_X26_upgrading_an_older_database_makes_its_paid_money_available(
        db, released, clock, invariants, tmp_path):
    """Schema 8: money paid before holds were in the ledger was usable by the rules of
    its time; the upgrade gives it a hold that has ended, and the next sweep moves it."""
    contract, m = released
    db.drop_tables([PayoutHold])
    SchemaVersion.update(version=7).execute()
    url = f"sqlite:///{db.database}"
    db.close()
    open_database(url)
    (hold,) = holds_of(m.id)
    assert (hold.amount_cents, hold.status, hold.transfer_id) == (25000, "pending", None)
    assert hold.available_at == hold.released_at == clock.now().naive
    assert sweep(clock=clock).available == 1
    assert balance(A.FREELANCER_AVAILABLE, milestone_id=m.id) == 25000
    invariants()


# --- the outlook (X-24 read from the ledger's holds and the review windows) -----------

@both
def test_X24_outlook_agrees_with_the_holds_and_the_review_windows(
        make_contract, client, freelancer, clock, invariants):
    upwork = make_contract(title="Shop")
    paid = fund_next_milestone(client, upwork.id, clock=clock)
    release(client, paid.id, clock=clock)                       # $250 on hold, 5 days
    in_review = fund_next_milestone(client, upwork.id, clock=clock)
    submit_work(freelancer, in_review.id, "Done", clock=clock)  # $500, review 14 days
    fiverr = make_contract("fiverr-gig", amounts=(20000, 20000), title="Logo")
    first = Milestone.get((Milestone.contract == fiverr.id) & (Milestone.position == 1))
    submit_work(freelancer, first.id, "Delivery", clock=clock)
    release(client, first.id, 20000, clock=clock)               # $200, 14 days, nets 80%

    outlook = payout_outlook(freelancer, clock=clock)
    now = clock.now()
    got = [(line.contract_title, line.stage, line.forecast.gross_cents,
            line.forecast.net_cents, line.forecast.available_at) for line in outlook.lines]
    assert got == [("Shop", "on hold", 25000, 25000, now + 5 * DAY),
                   ("Logo", "on hold", 20000, 16000, now + 14 * DAY),
                   ("Shop", "in review", 50000, 50000, now + 19 * DAY)]
    hold = holds_of(paid.id)[0]
    assert outlook.lines[0].forecast.available_at.naive == hold.available_at
    assert outlook.lines[2].forecast.release_at == now + 14 * DAY
    assert outlook.weeks == [25000, 0, 16000 + 50000, 0, 0, 0, 0, 0]  # days 14 and 19
    assert outlook.beyond_net_cents == 0 and outlook.available_cents == 0
    assert len(outlook.chart) == 8 and outlook.chart[2].count("█") == 30

    clock.set(now + 5 * DAY)
    sweep(clock=clock)
    later = payout_outlook(freelancer, clock=clock)
    assert [line.contract_title for line in later.lines] == ["Logo", "Shop"]
    assert (later.available_cents, later.available_net_cents) == (25000, 25000)
    invariants()


@both
def test_X24_only_a_freelancer_has_an_outlook(client, agent, refused):
    for who in (client, agent):
        with refused("X-24", match="freelancer's"):
            payout_outlook(who)
