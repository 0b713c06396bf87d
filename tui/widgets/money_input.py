"""An amount typed in dollars, read with `rules.money.parse_money` (G-01) as it is typed."""
from __future__ import annotations

from textual.widgets import Input

from rules.errors import RuleError
from rules.money import format_money, parse_money

# What an amount may contain while it is typed; parse_money decides the rest.
ALLOWED = r"[0-9$,.\s]*"


def amount_text(cents: int | None) -> str:
    """`25000` -> `250.00`: what the field shows for an amount (no dollar sign: the
    label says it is dollars)."""
    return "" if cents is None else format_money(cents).lstrip("$")


class MoneyInput(Input):
    """`cents` is the amount typed, or None when it is not one (`problem` says why).
    With `empty_is_zero`, an empty field means $0.00 (an optional bonus)."""

    def __init__(self, cents: int | None = None, *, text: str | None = None,
                 empty_is_zero: bool = False, allow_zero: bool = False, **kwargs) -> None:
        kwargs.setdefault("placeholder", "0.00")
        kwargs.setdefault("compact", True)
        super().__init__(amount_text(cents) if text is None else text, restrict=ALLOWED,
                         **kwargs)
        self.empty_is_zero = empty_is_zero
        self.allow_zero = allow_zero or empty_is_zero

    def read(self) -> tuple[int | None, str | None]:
        """(cents, None) or (None, why it is not an amount)."""
        if self.empty_is_zero and not self.value.strip():
            return 0, None
        try:
            return parse_money(self.value, allow_zero=self.allow_zero), None
        except RuleError as exc:
            return None, f"{exc.message} ({exc.rule_id})"

    @property
    def cents(self) -> int | None:
        return self.read()[0]

    @property
    def problem(self) -> str | None:
        return self.read()[1]
