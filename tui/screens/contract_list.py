"""Home: the acting user's contracts (an agent: all of them), filtered, sorted, paged.

Loading, at any size: the first page is one sorted LIMIT query and a count, so the
list shows as soon as possible (filtered, the order of every match is read at once: the
filter reads every contract anyway). When the cursor nears the end of what is loaded, a
worker asks `rules.queries.contract_order` once for the ids of the whole list in order
(a sort by totals reads every contract: done once, not again for every page), then each
page is read by id. Rows already shown are never read twice.
"""
from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from models.accounts import Account
from models.vocabulary import Role
from tui.commands import command
from tui.export_action import EXPORT_HELP, ExportShown, can_export
from tui.safe_text import shown
from tui.screens.base import BaseScreen
from tui.screens.contract_pages import (  # the first page's: tui.app imports them from here
    DEBOUNCE,
    MORE_WHEN_WITHIN,
    NUMBER,
    PAGE_SIZE,
    ContractsLoaded,
    ContractsRefreshed,
    FirstPage,
    read_first_page,
    rows_at_start,
)
from tui.screens.contract_reads import ContractReads
from tui.screens.contract_sort import SORT_WORDS, SortKeys
from tui.screens.list_opens import (NEW_OFFER_HELP, OFFER_STATES, PAYOUTS_HELP,
                                   SUPPORT_CONSOLE_HELP, ListOpens)
from tui.widgets.contract_table import ContractTable
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.widgets.plain_text import PlainInput
from tui.widgets.contract_summary import summary_text
from tui.widgets.totals import TotalsPanel

TICK = 60              # seconds between countdown refreshes (no query: from memory)

class ContractListScreen(ListOpens, ContractReads, SortKeys, ExportShown, BaseScreen):
    AUTO_FOCUS = "#contracts"  # focused once, as the screen starts: keys go to the list
    BINDINGS = [
        command("enter", "open_contract", "Open",
                "Open the highlighted contract: milestones, deadlines, timeline."),
        command("slash", "filter", "Filter", "Narrow the list by title, party, policy or "
                "status.", key_display="/", priority=True),  # focus only: SCREEN_KEYS
        command("s", "cycle_sort", "Sort",
                "Sort by the next column (the heading shows ▲ or ▼), then by number."),
        command("S", "reverse_sort", "Reverse",
                "Reverse the order of the sort: Z to A, most first, latest first.",
                show=False),
        command("r", "refresh", "Refresh", "Read the list again from the database.",
                show=False),
        # Not in the footer (at 80 columns an agent's keys would not fit): the info
        # line says "esc clears" while there is a filter; help and palette list it.
        command("escape", "clear_filter", "Clear filter",
                "Empty the filter and go back to the list.", show=False),
        # Enter in the filter hands the keys to the list as it is read, so an enter
        # typed behind it opens a row (of what the filter finds: `_rows_pending`).
        Binding("enter", "filter_done", show=False, priority=True),
        # Support agents only (G-07): hidden from everyone else, footer, help and palette.
        command("c", "support_console", "Console", SUPPORT_CONSOLE_HELP),
        command("f3", "support_console", "Console", SUPPORT_CONSOLE_HELP, show=False),
        # Not in the footer: at 80 columns an agent's Console and User would not fit.
        command("E", "export", "Export", EXPORT_HELP, show=False),
        command("N", "new_offer", "New offer", NEW_OFFER_HELP),  # not for support
        command("p", "payouts", "Payouts", PAYOUTS_HELP),  # freelancers only
    ]

    def __init__(self, first_page: FirstPage | None = None) -> None:
        super().__init__()
        # Read by `main` before the app starts (see `read_first_page`), for the first
        # reload only: start-up does not wait for a worker thread to get its turn.
        self._first_page = first_page
        self._generation = 0   # bumped by every reload; older pages are dropped
        self._loading = False
        self._order: list[int] | None = None  # read with the second page
        self._total = 0
        self._loaded = False   # the first page of this generation has arrived
        self._refusal = ""     # why the rules refused the filter, shown for the rows
        self.sort_key = NUMBER
        self.descending = False
        self._debounce: Timer | None = None
        self._page_worker: Worker | None = None
        self._totals_due = False  # the panel is to be drawn after the next frame
        self._submitting = False       # enter left the filter; its text is being read
        self._open_when_shown = False  # enter came before the rows it was typed for
        self._select_when_shown: int | None = None  # an offer just sent: its row
        self._query: tuple[Account, str, str, bool] | None = None

    def compose(self) -> ComposeResult:
        yield ActingHeader("Contracts")
        with Horizontal(id="filter-bar"):
            yield Static("/", id="filter-key")
            yield PlainInput(placeholder="filter contracts", id="filter", compact=True)
            yield Static("", id="list-info")
        yield ContractTable(id="contracts")
        yield Static("", id="empty")
        yield TotalsPanel(id="totals")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).cursor_blink = getattr(self.app, "cursor_blink", True)
        self.watch(self.app, "actor", lambda _actor: self.reload(), init=False)
        self.set_interval(TICK, self._tick)
        self.reload()

    def on_screen_resume(self) -> None:
        # Back from a contract, where money may have moved: the rows on screen again.
        if self._loaded and self.table.summaries:
            top = self.table.scroll_offset.y
            shown = self.table.summaries[max(top - 1, 0): top + self.table.size.height]
            self._refresh_rows(self._generation, self.app.actor, [s.id for s in shown])

    # --- loading -----------------------------------------------------------------

    @property
    def table(self) -> ContractTable:
        return self.query_one(ContractTable)

    @property
    def search(self) -> str:
        return self.query_one("#filter", Input).value.strip()

    def reload(self) -> None:
        """Start again from the first page (new user, filter, or sort)."""
        self._generation += 1
        self._loaded = False
        self._loading = True
        self._order = None
        # What every page of this generation is read with (the filter box may change
        # before the next page is asked for: the debounce then reloads).
        self._query = (self.app.actor, self.search, self.sort_key, self.descending)
        first, self._first_page = self._first_page, None
        actor, *how = self._query
        if first is not None and first.query == (actor.id, *how):
            # Shown now, not by message: the rows are in the table before the screen's
            # first layout, so the first frame drawn has them.
            self._show_page(ContractsLoaded(self._generation, True, first.rows,
                                            total=first.total))
            return
        self._page_worker = self._load_first(self._generation, *self._query)

    def _load_more(self) -> None:
        shown = len(self.table.summaries)
        if self._loaded and not self._loading and shown < self._total:
            self._loading = True
            self._page_worker = self._load_page(self._generation, *self._query, self._order,
                                                {s.id for s in self.table.summaries})

    @on(ContractsLoaded)
    def _show_page(self, message: ContractsLoaded) -> None:
        if message.generation != self._generation:
            return  # an answer to a question nobody asks any more
        self._loading = False
        self._loaded = True
        if message.order is not None:
            self._order = message.order
        if message.first:
            self._refusal = message.refusal
        if message.total is not None:
            self._total = message.total
        sort = None if self.sort_key == NUMBER else (self.sort_key, self.descending)
        self.table.show(message.rows, self.app.clock.now(), append=not message.first,
                        sort=sort)
        if message.first or message.total is not None:
            self._show_state()  # a further page changes neither the count nor the keys
        if self._select_when_shown is not None and self._find_selected():
            return  # a further page is read for it
        if message.first and self._open_when_shown and not self._rows_pending():
            self._open_when_shown = False
            self.action_open_contract()
        if not message.rows:
            self._total = len(self.table.summaries)  # the end came sooner: gone since
        elif not message.first and self.table.cursor_row >= (len(self.table.summaries)
                                                              - MORE_WHEN_WITHIN):
            self._load_more()  # the cursor ran ahead while this page was read
        else:
            self.call_after_refresh(self._fill_screen)  # once its rows are laid out

    @on(ContractsRefreshed)
    def _show_refreshed(self, message: ContractsRefreshed) -> None:
        if message.generation == self._generation and message.rows:
            self.table.replace_rows(message.rows)
            self._show_totals()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._page_worker and event.state in (WorkerState.ERROR,
                                                                 WorkerState.CANCELLED):
            self._loading = False  # BaseScreen's handler reports the error itself

    # --- what the screen says around the table -------------------------------------

    def _show_state(self) -> None:
        table, empty = self.table, self.query_one("#empty", Static)
        has_rows = bool(table.summaries)
        table.display = has_rows
        empty.display = not has_rows
        if not has_rows:
            empty.update(Content(self._empty_text()))  # it quotes the search
        elif self.focused is None:
            table.focus()  # it was hidden while the list was empty
        self._show_info()
        self._show_totals()
        self.refresh_bindings()

    def _show_info(self) -> None:
        total = self._total
        if self.search:
            noun = "match" if total == 1 else "matches"
        else:
            noun = "contract" if total == 1 else "contracts"
        words = SORT_WORDS[self.sort_key][self.descending]
        clears = " · esc clears" if self.search else ""
        self.query_one("#list-info", Static).update(f"{total:,} {noun} · {words}{clears}")

    def _empty_text(self) -> str:
        if self._refusal:
            return f"{self._refusal}\nPress escape to clear the filter."
        if self.search:
            return (f"No contract matches “{shown(self.search)}”.\n"
                    "Press escape to clear the filter.")
        if self.app.actor.role == Role.AGENT:
            return "There are no contracts yet."
        hint = "\nPress u to act as someone else." if self.app.switch_user else ""
        return f"{shown(self.app.actor.display_name)} has no contracts yet.{hint}"

    def _show_totals(self) -> None:
        """The highlighted contract under the table. On every cursor move: the panel's
        height is fixed (screens.css), so it is redrawn without a layout of the screen."""
        self._totals_due = False
        panel = self.query_one(TotalsPanel)
        s = self.table.highlighted()
        if panel.display != (s is not None):
            panel.display = s is not None
        if s is not None:
            panel.update(summary_text(s), layout=False)

    def _tick(self) -> None:
        if self.table.summaries:
            self.table.tick(self.app.clock.now())

    # --- events ----------------------------------------------------------------------

    def data_changed(self, contract_ids: set[int], *, time_moved: bool = False) -> None:
        """The deadline sweep changed contracts (or the demo clock moved): the rows
        shown that changed are read again, in place (the cursor stays)."""
        shown = [s.id for s in self.table.summaries if s.id in contract_ids]
        if shown:
            self._refresh_rows(self._generation, self.app.actor, shown)
        if time_moved:
            self._tick()

    def on_resize(self) -> None:
        if self.table.summaries:
            self.table.refit(self.app.clock.now())
            self._fill_screen()

    def _fill_screen(self) -> None:
        """A table taller than what is loaded, less the rows that ask for the next page
        as the cursor nears them (a taller terminal than the first page was read for, a
        browser): the next page now, not at the first key."""
        if self.table.rows_on_screen() + MORE_WHEN_WITHIN > len(self.table.summaries):
            self._load_more()

    @on(DataTable.RowHighlighted, "#contracts")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        # The cursor is drawn first; the panel under the table follows in the next
        # frame (once, however many moves a held key made in between).
        if not self._totals_due:
            self._totals_due = True
            self.call_after_refresh(self._show_totals)
        if event.cursor_row >= len(self.table.summaries) - MORE_WHEN_WITHIN:
            self._load_more()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self.reload)

    def _rows_pending(self) -> bool:
        """The rows shown are not yet those of what was typed in the filter."""
        return (self._submitting or not self._loaded or self._query is None
                or self._query[1] != self.search)

    def action_filter_done(self) -> None:
        # Keeps the filter. The focus moves now; the text is read once the box has
        # taken the letters typed before the enter (they are queued there).
        self._submitting = True
        self.set_focus(self.table)
        self.query_one("#filter", Input).call_later(self._filter_read)

    def _filter_read(self) -> None:
        self._submitting = False
        if self._query[1] != self.search:  # at once, not after the debounce
            if self._debounce is not None:
                self._debounce.stop()
            self.reload()
        elif self._open_when_shown and self._loaded:
            self._open_when_shown = False
            self.action_open_contract()

    # --- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        # Who has the keys by `self.focused`, set at once, not `has_focus`, which follows
        # a moment later: typed-ahead keys are checked in between (issue 18).
        filter_box = self.query_one("#filter", Input)
        in_filter = self.focused is filter_box
        if action == "open_contract":
            # None lets enter through to the filter box (it submits there).
            return True if (self.focused is self.table and self.table.highlighted()) else None
        if action in ("filter", "cycle_sort", "reverse_sort"):
            return not in_filter  # there, / s and S are letters of the filter
        if action == "filter_done":
            return in_filter
        if action == "clear_filter":
            return bool(filter_box.value) or in_filter
        if action == "support_console":  # agents only (G-07); c is a letter of the filter
            return self.app.actor.role == Role.AGENT and not in_filter
        if action == "export":
            return can_export(self) and not in_filter
        if action == "new_offer":
            return self.app.actor.role != Role.AGENT and not in_filter
        if action == "payouts":
            return self.app.actor.role == Role.FREELANCER and not in_filter
        return True

    def action_export(self) -> None:
        # What the list shows: the contracts its filter finds (all pages, not the loaded).
        search = self._query[1] if self._query else ""
        count = f"{self._total:,} contract{'s' if self._total != 1 else ''}"
        words = f"the {count} the filter finds" if search else f"your {count}"
        self.export_shown(("contracts",), words, search=search)

    def action_open_contract(self) -> None:
        if self._rows_pending():  # typed ahead of the rows it was meant for
            self._open_when_shown = True
            return
        summary = self.table.highlighted()
        if summary is not None:
            # Imported when first opened: the room and its dialogs are a good part of
            # what the program imports, and the list is what it starts with.
            if summary.status in OFFER_STATES:
                from tui.screens.offer_view import OfferScreen
                self.app.push_screen(OfferScreen(summary.id))
                return
            from tui.screens.contract import ContractScreen
            self.app.push_screen(ContractScreen(summary.id))

    def action_filter(self) -> None:
        self.set_focus(self.query_one("#filter", Input))  # now: the next keys are its

    def action_clear_filter(self) -> None:
        filter_box = self.query_one("#filter", Input)
        if filter_box.value:
            if self._debounce is not None:
                self._debounce.stop()
            with filter_box.prevent(Input.Changed):  # one reload, not a debounced second
                filter_box.value = ""
            self.reload()
        self.table.focus()

    def action_refresh(self) -> None:
        self.reload()

