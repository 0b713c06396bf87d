"""The contract list's table: which columns fit the terminal, and what each cell says.

Every column has a width from which it is shown. Below 100 columns the counterpart,
policy and paid / budget columns give way, and policy waits for 130: the totals panel
under the table names them for the highlighted contract, and the title keeps room to
be read. Fixed columns are as wide as their cells; the flexible ones share the rest,
so nothing is cut off at 80 columns, and a cut is marked with an ellipsis.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import arrow
from rich.text import Text
from textual.widgets import DataTable

from rules.queries import ContractSummary
from tui.format import (clip, countdown, deadline_text, format_money, money_pair,
                        policy_short, status_text)

WIDE_FROM = 140      # columns: from this, the deadline column names its kind
CELL_PADDING = 1     # DataTable's padding on each side of a cell
SCROLLBAR = 1        # the vertical scrollbar (screens.css keeps it one cell wide)
MAX_FIXED = 30       # no fixed column takes more than this, whatever its cells say
MAX_FLEXIBLE = 60    # nor does a flexible one ask for more


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int           # the least it gets; a fixed column grows to fit its cells
    weight: int = 0      # 0: fixed; otherwise its claim on the room left over
    shown_from: int = 0  # the narrowest table that shows it
    right: bool = False


COLUMNS = (
    Column("title", "Title", 10, weight=3),
    Column("counterpart", "Other party", 11, weight=1, shown_from=100),
    Column("policy", "Policy", 6, shown_from=130),
    Column("status", "Status", 6),
    Column("current", "Current milestone", 17, weight=2),
    Column("escrow", "In escrow", 9, right=True),
    Column("paid", "Paid / budget", 13, shown_from=100, right=True),
    Column("deadline", "Next deadline", 13),
)


def text_of(summary: ContractSummary, key: str, now: arrow.Arrow, *, wide: bool) -> str:
    """What one cell says, before it is fitted to its column."""
    if key == "title":
        return summary.title
    if key == "counterpart":
        return summary.counterpart
    if key == "policy":
        return policy_short(summary.policy)
    if key == "status":
        return status_text(summary.status)
    if key == "current":
        if not summary.current_title:
            return "—"
        return f"{summary.current_title} · {status_text(summary.current_status, short=True)}"
    if key == "escrow":
        return format_money(summary.totals.in_escrow_cents)
    if key == "paid":
        return money_pair(summary.totals.released_cents, summary.totals.budget_cents)
    if key == "deadline":
        text = countdown(summary.next_deadline_at, now)
        if wide and summary.next_deadline_at is not None:
            text = f"{deadline_text(summary.next_deadline_kind)} {text}"
        return text
    raise KeyError(key)  # pragma: no cover - COLUMNS and this function move together


# Which optional column gives way first when even the minimum widths do not fit.
GIVE_WAY = ("policy", "counterpart", "paid")


def layout(width: int, summaries: list[ContractSummary], now: arrow.Arrow) -> list[Column]:
    """The columns for a table `width` cells wide showing `summaries`, with their widths.

    Fixed columns are as wide as their longest cell. The flexible ones share the room
    left by weight, but a column never takes more than its longest cell needs while
    another still lacks room (so a short name is shown whole next to a long title).
    When huge amounts leave too little room, optional columns give way."""
    wide = width >= WIDE_FROM

    def longest(c: Column) -> int:
        return max((len(text_of(s, c.key, now, wide=wide)) for s in summaries), default=0)

    chosen = [c for c in COLUMNS if width >= c.shown_from]
    while True:
        sized = [replace(c, width=max(c.width, len(c.label))) if c.weight else
                 replace(c, width=min(max(c.width, len(c.label), longest(c)), MAX_FIXED))
                 for c in chosen]
        room = width - SCROLLBAR - 2 * CELL_PADDING * len(sized)
        spare = room - sum(c.width for c in sized)
        optional = [c for c in chosen if c.key in GIVE_WAY]
        if spare >= 0 or not optional:
            break
        chosen.remove(min(optional, key=lambda c: GIVE_WAY.index(c.key)))
    if spare < 0:  # too narrow even for the essentials: the flexible columns shrink
        out = []
        for c in sized:
            if c.weight and spare < 0:
                cut = min(-spare, c.width - 1)
                c, spare = replace(c, width=c.width - cut), spare + cut
            out.append(c)
        return out
    flexible = [c for c in sized if c.weight]
    need = {c.key: max(min(longest(c), MAX_FLEXIBLE) - c.width, 0) for c in flexible}
    give = {c.key: 0 for c in flexible}
    lacking = list(flexible)
    while lacking and spare > 0:
        weights = sum(c.weight for c in lacking)
        share = {c.key: spare * c.weight // weights for c in lacking}
        content = [c for c in lacking if need[c.key] - give[c.key] <= share[c.key]]
        if not content:  # everyone lacks more than their share: split it and stop
            for c in lacking:
                give[c.key] += share[c.key]
            spare -= sum(share.values())
            break
        for c in content:  # satisfied whole; the rest is shared again
            spare -= need[c.key] - give[c.key]
            give[c.key] = need[c.key]
            lacking.remove(c)
    if flexible and spare > 0:
        # What nobody needs (or the remainder of a split) widens the title.
        give[flexible[0].key] += spare
    return [replace(c, width=c.width + give[c.key]) if c.weight else c for c in sized]


def cell(summary: ContractSummary, column: Column, now: arrow.Arrow, *, wide: bool) -> Text | str:
    if column.key == "current" and summary.current_title:
        # The milestone's status matters more than the end of its title: cut the title.
        status = status_text(summary.current_status, short=True)
        title = clip(summary.current_title, column.width - len(status) - 3)
        return clip(f"{title} · {status}", column.width)
    text = clip(text_of(summary, column.key, now, wide=wide), column.width)
    return Text(text, justify="right") if column.right else text


class ContractTable(DataTable):
    """A DataTable of contract summaries that lays its columns out for its width."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", cell_padding=CELL_PADDING, **kwargs)
        self.summaries: list[ContractSummary] = []
        self.columns_now: list[Column] = []

    def show(self, summaries: list[ContractSummary], now: arrow.Arrow, *,
             append: bool = False) -> None:
        """Show these rows (or a further page after those shown)."""
        self.summaries = [*self.summaries, *summaries] if append else list(summaries)
        if self._fit(now) or not append:
            self._redraw(now)
            return
        self._add_rows(summaries, now)

    def refit(self, now: arrow.Arrow) -> None:
        """After a resize: redraw from memory, no query."""
        self._fit(now)
        self._redraw(now)

    def tick(self, now: arrow.Arrow) -> None:
        """The clock moved: rewrite the countdowns in place (all of it if the columns
        must change), so the cursor and the scroll position stay where they are."""
        if self._fit(now):
            self._redraw(now)
            return
        column = next(c for c in self.columns_now if c.key == "deadline")
        wide = (self.size.width or self.app.size.width) >= WIDE_FROM
        for s in self.summaries:
            if s.next_deadline_at is not None:
                self.update_cell(str(s.id), "deadline", cell(s, column, now, wide=wide))

    def highlighted(self) -> ContractSummary | None:
        if not 0 <= self.cursor_row < len(self.summaries):
            return None
        return self.summaries[self.cursor_row]

    def _fit(self, now: arrow.Arrow) -> bool:
        """Choose the columns; True when they changed, so every row must be redrawn."""
        width = self.size.width or self.app.size.width
        wanted = layout(width, self.summaries, now)
        if wanted == self.columns_now:
            return False
        self.columns_now = wanted
        self.clear(columns=True)
        for c in wanted:
            self.add_column(Text(c.label, justify="right") if c.right else c.label,
                            width=c.width, key=c.key)
        return True

    def _redraw(self, now: arrow.Arrow) -> None:
        row = self.cursor_row
        self.clear()
        self._add_rows(self.summaries, now)
        if self.summaries:
            self.move_cursor(row=min(max(row, 0), len(self.summaries) - 1))

    def _add_rows(self, summaries: list[ContractSummary], now: arrow.Arrow) -> None:
        wide = (self.size.width or self.app.size.width) >= WIDE_FROM
        for s in summaries:
            self.add_row(*(cell(s, c, now, wide=wide) for c in self.columns_now),
                         key=str(s.id))
