"""G-01 and U-01 in words (rules/money.py): the exact refusal a user reads for each kind
of wrong amount, and the edges the checks sit on. Pure: no database. The refusals are
the app's copy, shown under the money field and by the CLI: a test pins each one (make
mutation found the checks right but the words free to change)."""
from __future__ import annotations

import pytest

from rules.errors import RuleError
from rules.money import MAX_AMOUNT_TEXT, check_cents, parse_money

LIMIT = "$1,000,000.00"


@pytest.mark.parametrize("typed, words", [
    ("", "Enter an amount, like 1,234.50."),
    ("-5", "Amounts cannot be negative."),
    ("$(5)", "Amounts cannot be negative."),
    ("1.234", "Amounts have at most two decimals (whole cents)."),
    ("12a", "“12a” is not an amount: use the digits 0-9, like 1,234.50."),
    ("0", "The amount must be more than $0.00."),
    ("1,000,000.01", f"$1,000,000.01 is above the limit of {LIMIT} per milestone."),
    ("9" * 41, f"That amount is 41 characters long: no amount up to the limit of {LIMIT} is."),
], ids=["empty", "negative", "negative in brackets", "three decimals", "letters", "zero",
        "a cent over", "41 digits"])
def test_G01_each_refusal_in_words(typed, words):
    with pytest.raises(RuleError) as info:
        parse_money(typed)
    assert (info.value.rule_id, info.value.message) == ("G-01", words)


def test_G01_a_value_that_is_no_text_is_told_to_type_it_as_text():
    with pytest.raises(RuleError) as info:
        parse_money(5)
    assert (info.value.rule_id, info.value.message) == (
        "G-01", "Type the amount as text, like 1,234.50.")


def test_G01_forty_characters_are_read_and_the_forty_first_is_refused():
    forty = "0" * (MAX_AMOUNT_TEXT - 4) + "1.00"
    assert len(forty) == MAX_AMOUNT_TEXT == 40
    assert parse_money(f"  {forty}  ") == 100  # spaces around are not counted
    with pytest.raises(RuleError, match="41 characters"):
        parse_money("0" + forty)


@pytest.mark.parametrize("typed, cents", [("12 usd", 1200), ("1,234.50 USD", 123450),
                                          ("$12USD", 1200), ("$ 7.5 Usd", 750)])
def test_G01_a_trailing_usd_in_any_case_is_read(typed, cents):
    assert parse_money(typed) == cents


@pytest.mark.parametrize("cents, words", [
    (1.5, ("U-01", "Amounts are whole cents, never fractions.")),
    (-1, ("G-01", "Amounts cannot be negative.")),
    (0, ("G-01", "The amount must be more than $0.00.")),
    (10 ** 18 - 1, ("G-01", f"$9,999,999,999,999,999.99 is above the limit of {LIMIT} "
                            "per milestone.")),
    # From 10**18 cents on the amount is not printed (huge ints cannot all be).
    (10 ** 18, ("G-01", f"That amount is above the limit of {LIMIT} per milestone.")),
], ids=["fraction", "negative", "zero", "largest printed", "first unprinted"])
def test_G01_U01_check_cents_refusals_in_words(cents, words):
    with pytest.raises(RuleError) as info:
        check_cents(cents)
    assert (info.value.rule_id, info.value.message) == words
