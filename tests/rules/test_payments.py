"""Review and pay: U-25..U-28, U-30, F-07 (the start-next window the actions open and
close), G-09 (the ledger backstop against paying twice), G-01 through release."""
from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from models.base import database
from models.contracts import Contract
from models.deadlines import Deadline
from models.events import Event
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from rules import payments
from rules.errors import RuleError
from rules.ledger import A, balance, paid_balance, milestone_escrow, project_funds
from rules.payments import fund_next_milestone, release
from rules.planning import add_milestone
from rules.work import submit_work

DAY = dt.timedelta(days=1)


def fresh(m) -> Milestone:
    return Milestone.get_by_id(m.id)


def milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def charged(contract) -> int:
    """What the client's payment method was charged on this contract."""
    return -balance(A.CLIENT_PAYMENT, contract_id=contract.id)


def paid(contract) -> int:
    return paid_balance(contract_id=contract.id)


def start_next_windows(contract) -> list[Deadline]:
    return list(Deadline.select().where((Deadline.contract == contract.id)
                                        & (Deadline.kind == "start_next")).order_by(Deadline.id))


@pytest.fixture
def funded(make_contract, client, clock):
    """An Upwork contract ($250 then $500) whose first milestone is funded."""
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    return contract, fresh(m)


# --- U-25: the client chooses the amount; it defaults to the funded amount -------------

def test_U25_release_defaults_to_the_funded_amount(funded, client, freelancer, clock,
                                                   invariants):
    contract, m = funded
    result = release(client, m.id, clock=clock)
    assert (result.released_cents, result.bonus_cents, result.to_project_funds_cents,
            result.extra_charged_cents) == (25000, 0, 0, 0)
    assert fresh(m).status == "released"
    assert fresh(m).finished_at == clock.now().naive
    assert milestone_escrow(m.id) == 0
    assert paid(contract) == 25000
    assert project_funds(contract.id) == 0
    invariants()


def test_U25_the_chosen_amount_is_paid(funded, client, clock, invariants):
    contract, m = funded
    result = release(client, m.id, 17550, clock=clock)
    assert result.released_cents == 17550
    assert paid(contract) == 17550
    invariants()


def test_U25_fiverr_releases_the_funded_amount_in_full(make_contract, client, freelancer,
                                                      clock, refused, invariants):
    contract = make_contract("fiverr-gig")
    first = milestones(contract)[0]
    submit_work(freelancer, first.id, "Delivery", clock=clock)
    with refused("U-25", match="in full"):
        release(client, first.id, 10000, clock=clock)
    release(client, first.id, 25000, clock=clock)
    assert paid(contract) == 25000
    invariants()


# --- U-26: less leaves the rest as project funds, used first next time (U-04) ---------

def test_U26_releasing_less_leaves_the_rest_in_project_funds(funded, client, freelancer,
                                                             clock, invariants):
    contract, m = funded
    assert charged(contract) == 25000 + 495  # the milestone and the initiation fee (U-05)
    result = release(client, m.id, 20000, clock=clock)
    assert result.to_project_funds_cents == 5000
    assert paid(contract) == 20000
    assert project_funds(contract.id) == 5000
    assert milestone_escrow(m.id) == 0
    assert "$50.00 stays in project funds" in (
        Event.select().where(Event.kind == "release").get().summary)
    invariants()
    # U-04: the next funding uses the project funds first; the client pays the rest only.
    second = fund_next_milestone(client, contract.id, clock=clock)
    assert milestone_escrow(second.id) == 50000
    assert project_funds(contract.id) == 0
    assert charged(contract) == 25000 + 495 + 45000
    invariants()


# --- U-27: more than funded charges the difference ------------------------------------

def test_U27_releasing_more_charges_the_client_the_difference(funded, client, clock,
                                                              invariants):
    contract, m = funded
    before = charged(contract)
    result = release(client, m.id, 30000, clock=clock)
    assert result.extra_charged_cents == 5000
    assert result.to_project_funds_cents == 0
    assert charged(contract) == before + 5000
    assert paid(contract) == 30000
    assert milestone_escrow(m.id) == 0
    invariants()


# --- U-28: a bonus only with the full amount -------------------------------------------

def test_U28_bonus_with_the_full_amount(funded, client, clock, invariants):
    contract, m = funded
    before = charged(contract)
    result = release(client, m.id, bonus_cents=5000, clock=clock)
    assert (result.released_cents, result.bonus_cents) == (25000, 5000)
    assert paid(contract) == 30000
    assert charged(contract) == before + 5000
    assert LedgerTransfer.get((LedgerTransfer.milestone == m.id)
                              & (LedgerTransfer.kind == "bonus")).once_key == f"m:{m.id}:bonus"
    invariants()


def test_U28_bonus_with_more_than_the_full_amount(funded, client, clock, invariants):
    contract, m = funded
    result = release(client, m.id, 26000, bonus_cents=1000, clock=clock)
    assert (result.released_cents, result.extra_charged_cents, result.bonus_cents) == (
        26000, 1000, 1000)
    assert paid(contract) == 27000
    invariants()


def test_U28_bonus_needs_the_full_amount(funded, client, clock, refused):
    _, m = funded
    with refused("U-28", match="full amount"):
        release(client, m.id, 24999, bonus_cents=1000, clock=clock)


def test_U28_no_bonus_on_fiverr(make_contract, client, freelancer, clock, refused):
    contract = make_contract("fiverr-offer")
    first = milestones(contract)[0]
    submit_work(freelancer, first.id, "Delivery", clock=clock)
    with refused("U-28", match="not available"):
        release(client, first.id, bonus_cents=500, clock=clock)


# --- U-30: the last milestone ---------------------------------------------------------

def test_U30_release_says_whether_it_was_the_last_milestone(funded, client, clock):
    contract, first = funded
    assert release(client, first.id, clock=clock).is_last is False
    second = fund_next_milestone(client, contract.id, clock=clock)
    result = release(client, second.id, clock=clock)
    assert result.is_last is True
    assert result.contract_ended is False
    assert Contract.get_by_id(contract.id).status == "open"


def test_U30_end_contract_ends_it_with_the_last_release(funded, client, clock, invariants):
    contract, first = funded
    release(client, first.id, clock=clock)
    second = fund_next_milestone(client, contract.id, clock=clock)
    result = release(client, second.id, 40000, end_contract=True, clock=clock)
    assert (result.is_last, result.contract_ended) == (True, True)
    stored = Contract.get_by_id(contract.id)
    assert stored.status == "ended"
    assert stored.ended_at == clock.now().naive
    # The $100 left over went back to the client with the end (G-03).
    assert project_funds(contract.id) == 0
    assert balance(A.CLIENT_REFUNDS, contract_id=contract.id) == 10000
    invariants()


def test_U30_kept_open_the_client_adds_and_funds_another_milestone(funded, client, freelancer,
                                                                  clock, invariants):
    contract, first = funded
    release(client, first.id, clock=clock)
    second = fund_next_milestone(client, contract.id, clock=clock)
    assert release(client, second.id, clock=clock).is_last
    extra = add_milestone(client, contract.id, "Extra page", 12000, clock=clock)
    funded_extra = fund_next_milestone(client, contract.id, clock=clock)
    assert funded_extra.id == extra.id
    assert milestone_escrow(extra.id) == 12000
    submit_work(freelancer, extra.id, "Extra page done", clock=clock)
    assert release(client, extra.id, clock=clock).is_last
    assert paid(contract) == 25000 + 50000 + 12000
    invariants()


# --- F-07: the window to start the next milestone --------------------------------------

def test_F07_accepting_a_delivery_opens_a_10_day_window_to_start_the_next(
        make_contract, client, freelancer, clock):
    contract = make_contract("fiverr-gig", amounts=(8000, 8000, 8000))
    first, second, third = milestones(contract)
    submit_work(freelancer, first.id, "Delivery 1", clock=clock)
    clock.advance(days=2)
    release(client, first.id, clock=clock)
    [window] = start_next_windows(contract)
    assert window.status == "open"
    assert window.opened_at == clock.now().naive
    assert window.due_at - window.opened_at == 10 * DAY
    assert fresh(second).status == "planned"
    # Starting the next one closes it.
    clock.advance(days=9)
    fund_next_milestone(client, contract.id, clock=clock)
    window = Deadline.get_by_id(window.id)
    assert (window.status, window.closed_at) == ("closed", clock.now().naive)
    assert fresh(second).status == "funded"


def test_F07_no_window_after_the_last_milestone(make_contract, client, freelancer, clock):
    contract = make_contract("fiverr-offer", amounts=(8000, 8000))
    first, second = milestones(contract)
    submit_work(freelancer, first.id, "Delivery 1", clock=clock)
    release(client, first.id, clock=clock)
    fund_next_milestone(client, contract.id, clock=clock)
    submit_work(freelancer, second.id, "Delivery 2", clock=clock)
    result = release(client, second.id, clock=clock)
    assert result.is_last
    assert [w.status for w in start_next_windows(contract)] == ["closed"]


def test_F07_upwork_has_no_start_next_window(funded, client, clock):
    contract, first = funded
    release(client, first.id, clock=clock)
    assert start_next_windows(contract) == []


def test_F07_the_next_milestone_cannot_start_after_the_10_days(make_contract, client,
                                                              freelancer, clock, refused):
    contract = make_contract("fiverr-gig", amounts=(8000, 8000))
    first, second = milestones(contract)
    submit_work(freelancer, first.id, "Delivery 1", clock=clock)
    release(client, first.id, clock=clock)
    clock.advance(days=10, seconds=1)
    with refused("F-07", match="marked completed"):
        fund_next_milestone(client, contract.id, clock=clock)
    assert fresh(second).status == "planned"


# --- G-09: never paid twice -----------------------------------------------------------

def test_G09_releasing_an_already_released_milestone_says_already(funded, client, clock,
                                                                 refused, invariants):
    contract, m = funded
    release(client, m.id, clock=clock)
    with refused("conflict", match="already released"):
        release(client, m.id, clock=clock)
    assert paid(contract) == 25000
    invariants()


def test_G09_the_ledger_backstop_stops_a_second_release_even_if_a_check_is_wrong(
        funded, client, clock, refused, monkeypatch, invariants):
    contract, m = funded
    release(client, m.id, clock=clock)
    # Break the state check: the unique once_key on the escrow must still hold.
    monkeypatch.setattr(payments, "RELEASABLE", tuple(payments.RELEASABLE) + ("released",))
    with refused("conflict", match="already"):
        release(client, m.id, 25000, clock=clock)
    assert paid(contract) == 25000
    assert LedgerTransfer.select().where(LedgerTransfer.once_key == f"m:{m.id}:escrow").count() == 1
    invariants()


def test_G09_the_ledger_backstop_stops_a_second_funding_even_if_a_check_is_wrong(
        funded, client, clock, refused, monkeypatch, invariants):
    contract, m = funded
    monkeypatch.setattr(payments, "unsettled",
                        lambda contract_id: ([Milestone.get_by_id(m.id)], []))
    with refused("conflict", match="already"):
        fund_next_milestone(client, contract.id, clock=clock)
    assert milestone_escrow(m.id) == 25000
    invariants()


def test_G09_two_releases_at_once_pay_once(funded, client, clock, invariants):
    contract, m = funded
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt():
        try:
            barrier.wait()
            outcomes.append(release(client, m.id, clock=clock))
        except RuleError as exc:
            outcomes.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    done = [o for o in outcomes if not isinstance(o, RuleError)]
    errors = [o for o in outcomes if isinstance(o, RuleError)]
    assert len(done) == 1 and len(errors) == 1, outcomes
    assert errors[0].rule_id == "conflict"
    assert paid(contract) == 25000
    invariants()


# --- bad input --------------------------------------------------------------------------

# Negative, zero and absurd amounts are G-01; anything but whole cents is U-01 ("never
# floats").
def test_G01_malformed_release_amounts_are_refused(funded, client, clock, refused):
    _, m = funded
    for amount, rule, words in [
            (-100, "G-01", "negative"), (0, "G-01", "more than $0.00"),
            (1_000_000_01, "G-01", "above the limit"),
            (12.5, "U-01", "whole cents"), ("250.00", "U-01", "whole cents"),
            (True, "U-01", "whole cents")]:
        with refused(rule, match=words):
            release(client, m.id, amount, clock=clock)
    for bonus, rule in [(-1, "G-01"), (0.5, "U-01"), ("5", "U-01")]:
        with refused(rule):
            release(client, m.id, bonus_cents=bonus, clock=clock)


def test_U25_release_refuses_a_stale_version(funded, client, freelancer, clock, refused):
    _, m = funded
    seen = fresh(m).version
    submit_work(freelancer, m.id, "Done", clock=clock)  # changes the milestone meanwhile
    with refused("conflict", match="someone acted first"):
        release(client, m.id, version=seen, clock=clock)
    release(client, m.id, version=fresh(m).version, clock=clock)
    assert fresh(m).status == "released"


def test_U25_release_of_an_unknown_or_future_milestone(funded, client, clock, refused):
    contract, _ = funded
    # G-07: an unknown id reads exactly like another's milestone.
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        release(client, 987654, clock=clock)
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        release(client, "1", clock=clock)
    second = milestones(contract)[1]
    with refused("U-03", match="not funded"):
        release(client, second.id, clock=clock)


def test_U25_another_client_cannot_release(funded, other_client, clock, refused):
    _, m = funded
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        release(other_client, m.id, clock=clock)


def test_U25_an_unknown_actor_is_refused(funded, clock, refused):
    _, m = funded
    with refused("not-found"):
        release(55555, m.id, clock=clock)


def test_U25_release_event_carries_the_amounts(funded, client, freelancer, clock):
    contract, m = funded
    release(client, m.id, 30000, clock=clock)
    ev = Event.get((Event.contract == contract.id) & (Event.kind == "release"))
    assert json.loads(ev.details) == {"released_cents": 30000, "bonus_cents": 0,
                                      "to_project_funds_cents": 0, "extra_charged_cents": 5000}
    assert "$300.00" in ev.summary and "$50.00 more was charged" in ev.summary


@pytest.mark.parametrize("status,expected", [
    ("planned", ("U-03", "“Logo” is not funded yet: it must be funded before it can be "
                         "released.")),
    ("refund_requested", ("U-29", "“Logo” has an open refund request (refund requested): "
                                  "it must be settled before it can be released.")),
    ("in_support", ("U-29", "“Logo” has an open refund request (in support): it must be "
                            "settled before it can be released.")),
    ("refunded", ("conflict", "“Logo” was already refunded; it cannot be released.")),
    ("changes_requested", ("U-17", "“Logo” is changes requested; it cannot be released "
                                   "now.")),
])
def test_a_milestone_in_the_wrong_state_is_refused_in_words(status, expected):
    """rules.payments.refuse_state: the rule of each state, the status as words."""
    from models.milestones import Milestone
    from rules.payments import refuse_state
    error = refuse_state(Milestone(title="Logo", status=status), "released")
    assert (error.rule_id, error.message) == expected
