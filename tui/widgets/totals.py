"""The money of one contract, as `rules.queries.Totals` gives it."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from rules.queries import Totals
from tui.format import format_money

# Two rows of three: fits 80 columns with six-figure amounts.
LAYOUT = (
    (("Budget", "budget_cents"), ("Funded", "funded_cents"), ("Released", "released_cents")),
    (("In escrow", "in_escrow_cents"), ("Project funds", "project_funds_cents"),
     ("Remaining", "remaining_cents")),
)


def totals_table(totals: Totals) -> Table:
    grid = Table.grid(padding=(0, 1))
    for group in range(3):
        grid.add_column(no_wrap=True)                           # label
        grid.add_column(justify="right", no_wrap=True)          # amount
        if group < 2:
            grid.add_column(width=1)                            # gap between groups
    for row in LAYOUT:
        cells: list = []
        for i, (label, field) in enumerate(row):
            cells += [Text(label, style="dim"),
                      Text(format_money(getattr(totals, field)), style="bold")]
            if i < 2:
                cells.append("")
        grid.add_row(*cells)
    return grid


class TotalsPanel(Static):
    """A heading line (which contract) over its totals."""

    def show(self, heading: str, totals: Totals) -> None:
        body = Table.grid()
        body.add_row(Text(heading, no_wrap=True, overflow="ellipsis"))
        body.add_row(totals_table(totals))
        self.update(body)

    def show_nothing(self, text: str = "") -> None:
        self.update(text)
