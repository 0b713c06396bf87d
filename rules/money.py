"""Money: parse what a user types into integer cents; format cents for display.

G-01: accepts `1234.5`, `1,234.50`, `$1,234.50`; refuses negatives, more than two
decimals, non-numbers and absurd values, with a message naming the rule.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from rules.errors import RuleError

MAX_AMOUNT_CENTS = 1_000_000_00  # G-01: $1,000,000.00 per milestone

# ASCII digits only (re.ASCII): `\d` alone also matches Arabic-Indic, full-width and
# every other script's digits, which read as something else to the other party.
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$", re.ASCII)
_PLAIN = re.compile(r"^\d+(\.\d*)?$|^\.\d+$", re.ASCII)
# Longer than any amount under the limit ("$1,000,000.00 USD" and spaces): refused
# before any arithmetic, so a 5,000-digit paste is a refusal, not a traceback.
MAX_AMOUNT_TEXT = 40


def parse_money(text: str, *, allow_zero: bool = False) -> int:
    """Return the amount typed in `text` as integer cents, or raise RuleError G-01."""
    if text is not None and not isinstance(text, str):
        raise RuleError("G-01", "Type the amount as text, like 1,234.50.")
    raw = (text or "").strip()
    if len(raw) > MAX_AMOUNT_TEXT:
        raise RuleError("G-01", f"That amount is {len(raw)} characters long: no amount up to "
                                f"the limit of {format_money(MAX_AMOUNT_CENTS)} is.")
    if not raw:
        raise RuleError("G-01", "Enter an amount, like 1,234.50.")
    body = raw[1:].strip() if raw.startswith("$") else raw
    if body.startswith(("-", "(")):  # "-5", "(5)", "$-5", "-$5"
        raise RuleError("G-01", "Amounts cannot be negative.")
    if body.upper().endswith("USD"):
        body = body[:-3].strip()
    if not (_GROUPED.match(body) or _PLAIN.match(body)):
        raise RuleError("G-01", f"“{raw}” is not an amount: use the digits 0-9, like 1,234.50.")
    try:
        value = Decimal(body.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the patterns above exclude it
        raise RuleError("G-01", f"“{raw}” is not an amount.")  # pragma: no mutate
    if value.as_tuple().exponent < -2:
        raise RuleError("G-01", "Amounts have at most two decimals (whole cents).")
    cents = int(value * 100)
    return check_cents(cents, allow_zero=allow_zero)


def check_cents(cents: int, *, allow_zero: bool = False) -> int:
    """Validate an amount already in cents: an int (U-01), not negative, not absurd (G-01)."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise RuleError("U-01", "Amounts are whole cents, never fractions.")
    if cents < 0:
        raise RuleError("G-01", "Amounts cannot be negative.")
    if cents == 0 and not allow_zero:
        raise RuleError("G-01", "The amount must be more than $0.00.")
    if cents > MAX_AMOUNT_CENTS:
        # Not every int can be printed (Python's 4,300-digit limit): name only sane ones.
        shown = format_money(cents) if cents < 10 ** 18 else "That amount"
        raise RuleError("G-01", f"{shown} is above the limit of "
                                f"{format_money(MAX_AMOUNT_CENTS)} per milestone.")
    return cents


def format_money(cents: int) -> str:
    """`123450` -> `$1,234.50`; negative amounts get a leading minus."""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(cents), 100)
    return f"{sign}${dollars:,}.{rest:02d}"
