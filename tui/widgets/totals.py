"""The money of one contract, as `rules.queries.Totals` gives it."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.content import Content
from textual.geometry import Region
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


def content_lines(content: object) -> list[tuple] | None:
    """A Content's lines, each with its styles, to compare; None for anything else."""
    if not isinstance(content, Content):
        return None
    return [(line.plain, tuple(line.spans)) for line in content.split("\n")]


class TotalsPanel(Static):
    """A heading line (which contract) over its totals.

    Drawn again on every cursor move of a list, so an update without layout repaints
    only the lines whose text changed, and nothing when none did: over a slow link each
    byte of a repaint counts (issue 18; bench/keys_bytes.py). The rule above it, the
    parties of two contracts of one client, the unchanged amounts stay as drawn."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._lines: list[tuple] | None = None
        self._dirty_lines: list[Region] | None = None

    def update(self, content="", *, layout: bool = True) -> None:
        lines, before = content_lines(content), self._lines
        self._lines = lines
        if layout or lines is None or before is None or not self.size:
            super().update(content, layout=layout)
            return
        width = self.content_region.width
        changed = [Region(0, y, width, 1) for y in range(max(len(lines), len(before)))
                   if y >= len(lines) or y >= len(before) or lines[y] != before[y]]
        if not changed:
            return
        self._dirty_lines = changed
        try:
            super().update(content, layout=False)
        finally:
            self._dirty_lines = None

    def refresh(self, *regions: Region, **kwargs):
        if self._dirty_lines is not None and not regions and not kwargs.get("layout"):
            regions = tuple(self._dirty_lines)
        return super().refresh(*regions, **kwargs)

    def show(self, heading: str, totals: Totals) -> None:
        body = Table.grid()
        body.add_row(Text(heading, no_wrap=True, overflow="ellipsis"))
        body.add_row(totals_table(totals))
        self.update(body)

    def show_nothing(self, text: str = "") -> None:
        self.update(text)
