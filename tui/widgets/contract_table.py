"""The contract list's table: which columns fit the terminal, what each cell says, and
which column the list is sorted by.

Every column has a width from which it is shown. Below 100 columns the counterpart,
policy and paid / budget columns give way, and policy waits for 130: the totals panel
under the table names them for the highlighted contract, and the title keeps room to
be read. Fixed columns are as wide as their cells; the flexible ones share the rest,
so nothing is cut off at 80 columns, and a cut is marked with an ellipsis. The sorted
column's heading carries ▲ (ascending) or ▼ (descending).

At scale (10,000 rows loaded page by page) nothing here walks every row on the event
loop but the countdown tick, once a minute: a cell is an object that draws itself, at
the width of the moment, only when DataTable shows it. A page adds its rows and the
longest text of each column, so widths follow without rewriting any row; a resize or
the clock only changes widths and redraws what is on screen.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import arrow
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets.data_table import ColumnKey

from rules.queries import ContractSummary
from tui.format import (clip, countdown, deadline_text, format_money, money_pair,
                        policy_short, status_text)
from tui.widgets.list_keys import ListTable
from tui.safe_text import shown

WIDE_FROM = 140      # columns: from this, the deadline column names its kind
CELL_PADDING = 1     # DataTable's padding on each side of a cell
SCROLLBAR = 1        # the vertical scrollbar (screens.css keeps it one cell wide)
MAX_FIXED = 30       # no fixed column takes more than this, whatever its cells say
MAX_FLEXIBLE = 60    # nor does a flexible one ask for more
TITLE_COMFORT = 16   # optional columns give way before the title is cut below this
ASCENDING, DESCENDING = "▲", "▼"
RESIZED, REBUILT = "resized", "rebuilt"  # what fitting the columns did


@dataclass(frozen=True)
class Column:
    key: str             # also the sort key of rules.queries.list_contracts
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
COLUMN_KEYS = tuple(c.key for c in COLUMNS)


def text_of(summary: ContractSummary, key: str, now: arrow.Arrow, *, wide: bool) -> str:
    """What one cell says, before it is fitted to its column."""
    if key == "title":
        return summary.title
    if key == "counterpart":
        return summary.counterpart
    if key == "policy":
        return policy_short(summary.policy)
    if key == "status":
        offer = summary.status == "offered" and summary.offer  # its parties: which side
        return f"offer {summary.offer}" if offer else status_text(summary.status)
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


class Longest:
    """The longest text of each column over the rows shown, kept up to date a page at a
    time. The countdowns depend on the clock (and on the width: wide, they name their
    kind), so they are measured again when the clock moves."""

    def __init__(self) -> None:
        self.static: dict[str, int] = {}
        self.deadline: dict[bool, int] = {False: 0, True: 0}  # by `wide`

    def add(self, summaries: Iterable[ContractSummary], now: arrow.Arrow) -> None:
        for s in summaries:
            for key in COLUMN_KEYS:
                if key != "deadline":
                    n = len(text_of(s, key, now, wide=False))
                    if n > self.static.get(key, 0):
                        self.static[key] = n
            self._add_deadline(s, now)

    def clock_moved(self, summaries: Iterable[ContractSummary], now: arrow.Arrow) -> None:
        self.deadline = {False: 0, True: 0}
        for s in summaries:
            self._add_deadline(s, now)

    def _add_deadline(self, s: ContractSummary, now: arrow.Arrow) -> None:
        if s.next_deadline_at is None:
            narrow = wide = 1  # "—"
        else:
            narrow = len(countdown(s.next_deadline_at, now))
            wide = narrow + 1 + len(deadline_text(s.next_deadline_kind))
        self.deadline[False] = max(self.deadline[False], narrow)
        self.deadline[True] = max(self.deadline[True], wide)

    def of(self, key: str, *, wide: bool) -> int:
        return self.deadline[wide] if key == "deadline" else self.static.get(key, 0)


def heading(column: Column, sort: tuple[str, bool] | None) -> str:
    """A column's label, with the direction of the sort when the list is sorted by it."""
    if sort is not None and sort[0] == column.key:
        return f"{column.label} {DESCENDING if sort[1] else ASCENDING}"
    return column.label


def layout(width: int, summaries: list[ContractSummary], now: arrow.Arrow, *,
           sort: tuple[str, bool] | None = None) -> list[Column]:
    """The columns for a table `width` cells wide showing `summaries`, with their widths."""
    longest = Longest()
    longest.add(summaries, now)
    return fit(width, longest, sort=sort)


def fit(width: int, longest: Longest, *, sort: tuple[str, bool] | None = None) -> list[Column]:
    """The columns for a table `width` cells wide whose cells are `longest`.

    Fixed columns are as wide as their longest cell. The flexible ones share the room
    left by weight, but a column never takes more than its longest cell needs while
    another still lacks room (so a short name is shown whole next to a long title).
    Optional columns give way before the title (what a reader looks for) is cut below
    TITLE_COMFORT. The sorted column's label carries the sort's arrow, never cut."""
    wide = width >= WIDE_FROM

    def need(c: Column) -> int:
        return longest.of(c.key, wide=wide)

    chosen = [replace(c, label=heading(c, sort)) for c in COLUMNS if width >= c.shown_from]
    while True:
        sized = [replace(c, width=max(c.width, len(c.label))) if c.weight else
                 replace(c, width=min(max(c.width, len(c.label), need(c)),
                                      max(MAX_FIXED, len(c.label))))
                 for c in chosen]
        room = width - SCROLLBAR - 2 * CELL_PADDING * len(sized)
        spare = room - sum(c.width for c in sized)
        optional = [c for c in chosen if c.key in GIVE_WAY]
        title = next(c for c in sized if c.key == "title")
        title_short = max(min(need(title), TITLE_COMFORT) - title.width, 0)
        if spare >= title_short or not optional:
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
    lacks = {c.key: max(min(need(c), MAX_FLEXIBLE) - c.width, 0) for c in flexible}
    give = {c.key: 0 for c in flexible}
    give["title"] = min(title_short, spare)  # its comfort first, then shares by weight
    spare -= give["title"]
    lacking = list(flexible)
    while lacking and spare > 0:
        weights = sum(c.weight for c in lacking)
        share = {c.key: spare * c.weight // weights for c in lacking}
        content = [c for c in lacking if lacks[c.key] - give[c.key] <= share[c.key]]
        if not content:  # everyone lacks more than their share: split it and stop
            for c in lacking:
                give[c.key] += share[c.key]
            spare -= sum(share.values())
            break
        for c in content:  # satisfied whole; the rest is shared again
            spare -= lacks[c.key] - give[c.key]
            give[c.key] = lacks[c.key]
            lacking.remove(c)
    if flexible and spare > 0:
        # What nobody needs (or the remainder of a split) widens the title.
        give[flexible[0].key] += spare
    return [replace(c, width=c.width + give[c.key]) if c.weight else c for c in sized]


def cell(summary: ContractSummary, column: Column, now: arrow.Arrow, *, wide: bool) -> Text | str:
    if column.key == "current" and summary.current_title:
        # The milestone's status matters more than the end of its title: cut the title.
        status = status_text(summary.current_status, short=True)
        title = clip(shown(summary.current_title), column.width - len(status) - 3)
        return clip(f"{title} · {status}", column.width)
    text = clip(shown(text_of(summary, column.key, now, wide=wide)), column.width)
    return Text(text, justify="right") if column.right else text


class ContractCell:
    """One cell of the table, drawn when DataTable shows it: at its column's width of
    the moment and the table's clock. Measuring it costs nothing (it is as wide as its
    column), so adding a page of rows does not render them."""

    __slots__ = ("key", "summary", "table")

    def __init__(self, table: ContractTable, summary: ContractSummary, key: str) -> None:
        self.table, self.summary, self.key = table, summary, key

    def content(self) -> Text | str:
        return self.table.cell_content(self.summary, self.key)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        content = self.content()
        yield Text(content, no_wrap=True, end="") if isinstance(content, str) else content

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        width = self.table.width_of(self.key)
        return Measurement(width, width)

    def __str__(self) -> str:
        content = self.content()
        return content.plain if isinstance(content, Text) else content

    def __repr__(self) -> str:
        return f"ContractCell({self.summary.id}, {self.key!r}: {str(self)!r})"


class ContractTable(ListTable):
    """A DataTable of contract summaries that lays its columns out for its width."""

    # The columns never scroll sideways: home and end go to the first and last row
    # loaded (the last one loads the next page).
    BINDINGS = [Binding("home", "scroll_top", show=False),
                Binding("end", "scroll_bottom", show=False)]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", cell_padding=CELL_PADDING, **kwargs)
        self.summaries: list[ContractSummary] = []
        self.columns_now: list[Column] = []
        self.sort: tuple[str, bool] | None = None  # (column key, descending)
        self.now: arrow.Arrow = arrow.utcnow()
        self._longest = Longest()
        self._widths: dict[str, int] = {}
        self._by_key: dict[str, Column] = {}
        self._wide = False

    # --- what the screen calls ------------------------------------------------------

    def show(self, summaries: list[ContractSummary], now: arrow.Arrow, *,
             append: bool = False, sort: tuple[str, bool] | None = None) -> None:
        """Show these rows (or a further page after those shown); `sort` names the
        column the list is sorted by (None: by number), for its heading."""
        self.now = now
        if not append:
            self.summaries = []
            self._longest = Longest()
            self.sort = sort
        self.summaries.extend(summaries)
        self._longest.add(summaries, now)
        if not append:
            self._rebuild()
        elif self._fit() != REBUILT:  # a rebuild has drawn the new rows already
            self._add_rows(summaries)

    def show_sort(self, sort: tuple[str, bool] | None) -> None:
        """The list is about to be sorted so: the heading says it at once."""
        self.sort = sort
        if self.columns_now:
            self._fit()

    def refit(self, now: arrow.Arrow) -> None:
        """After a resize: new widths, no query, the cursor where it was."""
        self.now = now
        self._fit()

    def tick(self, now: arrow.Arrow) -> None:
        """The clock moved: the countdowns are drawn again (only those on screen), the
        cursor and the scroll position stay where they are."""
        self.now = now
        self._longest.clock_moved(self.summaries, now)
        if self._fit() is None:
            self._redraw_shown()

    def replace_rows(self, summaries: list[ContractSummary]) -> None:
        """Fresh summaries of rows already shown (a deadline was applied): in place."""
        by_id = {s.id: s for s in summaries}
        for i, s in enumerate(self.summaries):
            if s.id in by_id:
                self.summaries[i] = by_id[s.id]
                for c in self.columns_now:
                    self.update_cell(str(s.id), c.key, ContractCell(self, by_id[s.id], c.key))
        self._longest.add(summaries, self.now)
        self._fit()

    def rows_on_screen(self) -> int:
        """How many rows the table has room for, below its heading."""
        return max(self.size.height - (self.header_height if self.show_header else 0), 0)

    def highlighted(self) -> ContractSummary | None:
        if not 0 <= self.cursor_row < len(self.summaries):
            return None
        return self.summaries[self.cursor_row]

    # --- what a cell draws ----------------------------------------------------------

    def width_of(self, key: str) -> int:
        return self._widths.get(key, 0)

    def cell_content(self, summary: ContractSummary, key: str) -> Text | str:
        return cell(summary, self._by_key[key], self.now, wide=self._wide)

    # --- columns and rows -----------------------------------------------------------

    def _table_width(self) -> int:
        return self.size.width or self.app.size.width

    def _wanted(self) -> list[Column]:
        return fit(self._table_width(), self._longest, sort=self.sort)

    def _fit(self) -> str | None:
        """Choose the columns and their widths: None when nothing changed. The same
        columns at new widths cost nothing per row (RESIZED); other columns rebuild
        every row (REBUILT)."""
        wanted = self._wanted()
        if wanted == self.columns_now:
            return None
        if [c.key for c in wanted] != [c.key for c in self.columns_now] or not self.row_count:
            self._rebuild(wanted)
            return REBUILT
        self.columns_now = wanted
        self._wide = self._table_width() >= WIDE_FROM
        self._widths = {c.key: c.width for c in wanted}
        self._by_key = {c.key: c for c in wanted}
        for c in wanted:
            column = self.columns[ColumnKey(c.key)]
            column.width = c.width
            column.label = self._label(c)
        self._redraw_shown()
        return RESIZED

    def _label(self, c: Column) -> Text:
        style = "bold" if self.sort is not None and self.sort[0] == c.key else ""
        return Text(c.label, style=style, justify="right" if c.right else "left")

    def _rebuild(self, wanted: list[Column] | None = None) -> None:
        """Every column and row again (new rows, or other columns)."""
        row = self.cursor_row
        self.columns_now = wanted if wanted is not None else self._wanted()
        self._wide = self._table_width() >= WIDE_FROM
        self._widths = {c.key: c.width for c in self.columns_now}
        self._by_key = {c.key: c for c in self.columns_now}
        self.clear(columns=True)
        for c in self.columns_now:
            self.add_column(self._label(c), width=c.width, key=c.key)
        self._add_rows(self.summaries)
        if self.summaries and wanted is not None:  # same rows: the cursor stays
            self.move_cursor(row=min(max(row, 0), len(self.summaries) - 1))

    def _add_rows(self, summaries: list[ContractSummary]) -> None:
        keys = [c.key for c in self.columns_now]
        for s in summaries:
            self.add_row(*(ContractCell(self, s, k) for k in keys), key=str(s.id))

    def _redraw_shown(self) -> None:
        """Draw the cells again at their new widths or time. Updating one cell through
        DataTable's API drops its render caches, so only the rows on screen are drawn
        again (and the table's size is measured again, for the scrollbar)."""
        if self.row_count and self.columns_now:
            at = Coordinate(min(self.cursor_row, self.row_count - 1), 0)
            self.update_cell_at(at, self.get_cell_at(at))
        else:
            self.refresh()
