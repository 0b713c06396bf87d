"""Amounts and limits: U-01, U-02, F-01, F-02, F-03, G-01."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.contracts import Contract
from models.milestones import Milestone
from models.vocabulary import MilestoneStatus
from rules.change_requests import request_milestone_change
from rules.errors import RuleError
from rules.money import MAX_AMOUNT_CENTS, check_cents, format_money, parse_money
from rules.payments import fund_next_milestone
from rules.plan import AddMilestone
from rules.planning import add_milestone, edit_milestone, save_plan


def milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def drafts(*amounts: int) -> list[AddMilestone]:
    return [AddMilestone(title=f"Part {i + 1}", amount_cents=a) for i, a in enumerate(amounts)]


# --- U-01: at least $5.00, whole cents ---------------------------------------------

def test_U01_amount_below_five_dollars_is_refused(make_contract, client, refused, clock):
    c = make_contract()
    with refused("U-01", match="$5.00"):
        add_milestone(client, c.id, "Tiny", 499, clock=clock)


def test_U01_exactly_five_dollars_is_allowed(make_contract, client, clock):
    c = make_contract()
    m = add_milestone(client, c.id, "Smallest", 500, clock=clock)
    assert Milestone.get_by_id(m.id).amount_cents == 500
    assert [x.amount_cents for x in milestones(c)] == [25000, 50000, 500]


def test_U01_contract_with_a_milestone_below_minimum_is_refused(make_contract, refused):
    with refused("U-01"):
        make_contract(amounts=(25000, 499))
    assert Contract.select().count() == 0


def test_U01_editing_an_amount_below_minimum_is_refused(make_contract, client, refused, clock):
    c = make_contract()
    first = milestones(c)[0]
    with refused("U-01"):
        edit_milestone(client, first.id, amount_cents=1, clock=clock)
    edit_milestone(client, first.id, amount_cents=500, clock=clock)
    assert Milestone.get_by_id(first.id).amount_cents == 500


def test_U01_lowering_the_active_milestone_below_minimum_is_refused(make_contract, client,
                                                                     refused, clock):
    c = make_contract()
    m = fund_next_milestone(client, c.id, clock=clock)
    with refused("U-01"):
        request_milestone_change(client, m.id, {"amount_cents": 400}, clock=clock)


def test_U01_amounts_are_whole_cents_never_floats(make_contract, client, refused, clock):
    c = make_contract()
    for amount in (12.5, 500.0, "500", None):
        with refused("U-01", match="whole cents"):
            add_milestone(client, c.id, "Float", amount, clock=clock)


def test_U01_amounts_are_stored_as_integer_cents(make_contract, client, clock):
    c = make_contract(amounts=(1234_56,))
    m = add_milestone(client, c.id, "More", 7_01, clock=clock)
    stored = Milestone.select(Milestone.amount_cents).where(Milestone.id == m.id).tuples().get()[0]
    assert stored == 701 and type(stored) is int
    assert [x.amount_cents for x in milestones(c)] == [123456, 701]


# --- U-02: at most 200 milestones ---------------------------------------------------

def test_U02_two_hundred_milestones_allowed_and_the_201st_refused(make_contract, client,
                                                                  refused, clock):
    c = make_contract(amounts=(500,) * 200)
    assert len(milestones(c)) == 200
    with refused("U-02", match="200"):
        add_milestone(client, c.id, "One too many", 500, clock=clock)


def test_U02_contract_created_with_201_milestones_is_refused(make_contract, refused):
    with refused("U-02", match="200"):
        make_contract(amounts=(500,) * 201)


def test_U02_a_batch_that_crosses_the_limit_writes_none_of_its_milestones(make_contract,
                                                                          client, refused,
                                                                          clock):
    c = make_contract(amounts=(500,) * 199)
    with refused("U-02"):
        save_plan(client, c.id, drafts(600, 700), clock=clock)
    save_plan(client, c.id, drafts(600), clock=clock)
    assert len(milestones(c)) == 200


# --- F-01: Fiverr milestones only on orders over $100 ----------------------------

def test_F01_order_of_exactly_100_dollars_is_refused(make_contract, refused):
    for policy in ("fiverr-gig", "fiverr-offer"):
        with refused("F-01", match="$100.00"):
            make_contract(policy, amounts=(5000, 5000))
    assert Contract.select().count() == 0


def test_F01_order_over_100_dollars_is_allowed(make_contract):
    for policy in ("fiverr-gig", "fiverr-offer"):
        c = make_contract(policy, amounts=(5000, 5001))
        assert sum(m.amount_cents for m in milestones(c)) == 10001
        assert c.policy == policy


def test_F01_upwork_contracts_have_no_order_floor(make_contract):
    c = make_contract("upwork", amounts=(500,))
    assert [m.amount_cents for m in milestones(c)] == [500]


# --- F-02: 5 milestones on a Gig order, 6 on a custom offer ----------------------

def test_F02_gig_order_allows_five_milestones(make_contract):
    c = make_contract("fiverr-gig", amounts=(5000,) * 5)
    assert len(milestones(c)) == 5


def test_F02_gig_order_with_six_milestones_is_refused(make_contract, refused):
    with refused("F-02", match="Gig"):
        make_contract("fiverr-gig", amounts=(5000,) * 6)


def test_F02_custom_offer_allows_six_milestones(make_contract):
    c = make_contract("fiverr-offer", amounts=(5000,) * 6)
    assert len(milestones(c)) == 6


def test_F02_custom_offer_with_seven_milestones_is_refused(make_contract, refused):
    with refused("F-02", match="custom offer"):
        make_contract("fiverr-offer", amounts=(5000,) * 7)


def test_F02_gig_order_cannot_grow_after_it_is_placed(make_contract, client, refused, clock):
    c = make_contract("fiverr-gig", amounts=(5000,) * 5)
    with refused("U-07"):
        add_milestone(client, c.id, "Sixth", 5000, clock=clock)
    assert len(milestones(c)) == 5


# --- F-03: milestones or a subscription, never both ------------------------------

def test_F03_order_with_milestones_and_a_subscription_is_refused(make_contract, refused):
    for policy in ("fiverr-gig", "fiverr-offer"):
        with refused("F-03", match="subscription"):
            make_contract(policy, amounts=(6000, 6000), subscription=True)
    assert Contract.select().count() == 0


def test_F03_order_with_milestones_only_is_allowed(make_contract):
    c = make_contract("fiverr-gig", amounts=(6000, 6000), subscription=False)
    assert [m.status for m in milestones(c)] == [MilestoneStatus.FUNDED, MilestoneStatus.PLANNED]


# --- G-01: amount input ------------------------------------------------------------

@pytest.mark.parametrize("text, cents", [
    ("1234.5", 123450),
    ("1,234.50", 123450),
    ("$1,234.50", 123450),
    ("  $1,234.50  ", 123450),
    ("5", 500),
    ("0.05", 5),
    (".5", 50),
    ("12.", 1200),
    ("1,000,000.00", MAX_AMOUNT_CENTS),
    ("$1,000,000", MAX_AMOUNT_CENTS),
    ("999,999.99", 99999999),
])
def test_G01_accepted_amount_input(text, cents):
    assert parse_money(text) == cents


@pytest.mark.parametrize("text, match", [
    ("-5", "negative"),
    ("-$5.00", "negative"),
    ("$-5.00", "negative"),
    ("(5.00)", "negative"),
    ("$ -5", "negative"),
    ("$(5)", "negative"),
    ("1.234", "two decimals"),
    ("1.230", "two decimals"),
    ("0.001", "two decimals"),
    ("abc", "not an amount"),
    ("12a", "not an amount"),
    ("1e3", "not an amount"),
    ("NaN", "not an amount"),
    ("Infinity", "not an amount"),
    ("1.2.3", "not an amount"),
    ("1,23", "not an amount"),
    ("12,34.50", "not an amount"),
    ("1_000", "not an amount"),
    ("$", "not an amount"),
    ("", "enter an amount"),
    ("   ", "enter an amount"),
    (None, "enter an amount"),
    ("0", "more than $0.00"),
    ("1,000,000.01", "above the limit of $1,000,000.00"),
    ("99999999999999999999", "above the limit"),
])
def test_G01_refused_amount_input(text, match):
    with pytest.raises(RuleError) as info:
        parse_money(text)
    assert info.value.rule_id == "G-01"
    assert match.lower() in info.value.message.lower()


@pytest.mark.parametrize("value", [1234.5, 5, b"5.00"])
def test_G01_input_that_is_not_text_is_refused_without_a_traceback(value):
    with pytest.raises(RuleError) as info:
        parse_money(value)
    assert info.value.rule_id == "G-01"


def test_G01_zero_is_accepted_only_where_allowed():
    assert parse_money("0.00", allow_zero=True) == 0
    with pytest.raises(RuleError):
        parse_money("0.00")


@pytest.mark.parametrize("cents, text", [
    (0, "$0.00"), (5, "$0.05"), (500, "$5.00"), (123450, "$1,234.50"),
    (MAX_AMOUNT_CENTS, "$1,000,000.00"), (-500, "-$5.00"),
])
def test_G01_format_money(cents, text):
    assert format_money(cents) == text


@given(st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS))
def test_G01_format_then_parse_round_trips(cents):
    assert parse_money(format_money(cents)) == cents
    assert parse_money(format_money(cents).lstrip("$").replace(",", "")) == cents


@given(st.text(alphabet="0123456789.,$- ()abcUSD", max_size=16))
def test_G01_any_input_gives_cents_or_a_G01_refusal(text):
    try:
        cents = parse_money(text)
    except RuleError as exc:
        assert exc.rule_id == "G-01" and exc.message
    else:
        assert isinstance(cents, int) and 1 <= cents <= MAX_AMOUNT_CENTS


@pytest.mark.parametrize("cents, rule", [(-500, "G-01"), (0, "G-01"),
                                         (MAX_AMOUNT_CENTS + 1, "G-01"), (True, "U-01")])
def test_G01_check_cents_refusals(cents, rule):
    with pytest.raises(RuleError) as info:
        check_cents(cents)
    assert info.value.rule_id == rule


def test_G01_absurd_milestone_amount_is_refused_and_writes_nothing(make_contract, client,
                                                                   refused, clock):
    c = make_contract()
    with refused("G-01", match="$1,000,000.00"):
        add_milestone(client, c.id, "Absurd", MAX_AMOUNT_CENTS + 1, clock=clock)
    with refused("G-01", match="negative"):
        add_milestone(client, c.id, "Negative", -2500, clock=clock)


def test_G01_a_million_dollars_is_the_largest_milestone(make_contract, client, clock):
    c = make_contract()
    m = add_milestone(client, c.id, "Big", MAX_AMOUNT_CENTS, clock=clock)
    assert Milestone.get_by_id(m.id).amount_cents == 1_000_000_00


def test_G01_absurd_amount_at_contract_creation_writes_nothing(make_contract, refused):
    with refused("G-01"):
        make_contract(amounts=(25000, MAX_AMOUNT_CENTS + 1))


def test_G01_typed_amount_flows_into_a_milestone(make_contract, client, clock):
    c = make_contract()
    m = add_milestone(client, c.id, "Typed", parse_money("$1,234.50"), clock=clock,
                      due_date=dt.date(2026, 4, 1))
    assert Milestone.get_by_id(m.id).amount_cents == 123450
