"""Home: the acting user's contracts (an agent: all of them), filtered, sorted, paged."""
from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from models.accounts import Account
from models.vocabulary import Role
from rules.queries import ContractSummary, count_contracts, list_contracts
from tui.commands import command
from tui.screens.base import BaseScreen
from tui.screens.contract import ContractScreen
from tui.widgets.contract_table import ContractTable
from tui.widgets.header import ActingHeader
from tui.widgets.totals import TotalsPanel
from tui.workers import db_work

PAGE_SIZE = 100        # rows per query; the next page loads as the cursor nears the end
MORE_WHEN_WITHIN = 20  # rows from the end of what is loaded
DEBOUNCE = 0.15        # seconds of quiet typing before the filter queries
TICK = 60              # seconds between countdown refreshes (no query: from memory)

# (sort key for rules.queries.list_contracts, descending, what the info line says)
SORTS = (
    ("id", False, "number"),
    ("title", False, "title"),
    ("status", False, "status"),
    ("policy", False, "policy"),
    ("created", True, "newest"),
)


@dataclass
class ContractsLoaded(Message):
    """A page of contracts came back from the database."""
    generation: int
    offset: int
    rows: list[ContractSummary]
    total: int | None  # counted with the first page only


class ContractListScreen(BaseScreen):
    BINDINGS = [
        command("enter", "open_contract", "Open",
                "Open the highlighted contract: milestones, deadlines, timeline.",
                priority=True),
        command("slash", "filter", "Filter",
                "Narrow the list by title, party, policy or status.", key_display="/"),
        command("s", "cycle_sort", "Sort",
                "Sort by number, title, status, policy, or newest first."),
        command("r", "refresh", "Refresh", "Read the list again from the database.",
                show=False),
        command("escape", "clear_filter", "Clear filter",
                "Empty the filter and go back to the list."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._generation = 0   # bumped by every reload; older pages are dropped
        self._loading = False
        self._has_more = False
        self._sort = 0
        self._total: int | None = None
        self._debounce: Timer | None = None
        self._page_worker: Worker | None = None

    def compose(self) -> ComposeResult:
        yield ActingHeader("Contracts")
        with Horizontal(id="filter-bar"):
            yield Label("/", id="filter-key")
            yield Input(placeholder="filter contracts", id="filter", compact=True)
            yield Label("", id="list-info")
        yield ContractTable(id="contracts")
        yield Static("", id="empty")
        yield TotalsPanel(id="totals")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#filter", Input).cursor_blink = getattr(self.app, "cursor_blink", True)
        self.watch(self.app, "actor", lambda _actor: self.reload(), init=False)
        self.set_interval(TICK, self._tick)
        self.query_one(ContractTable).focus()
        self.reload()

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
        self._start_loading(0)

    def _load_more(self) -> None:
        if not self._loading and self._has_more:
            self._start_loading(len(self.table.summaries))

    def _start_loading(self, offset: int) -> None:
        self._loading = True
        key, descending, _ = SORTS[self._sort]
        self._page_worker = self._load_page(self._generation, offset, self.app.actor,
                                            self.search, key, descending)

    @db_work("contracts")
    def _load_page(self, generation: int, offset: int, actor: Account, search: str,
                   sort: str, descending: bool) -> None:
        rows = list_contracts(actor, search=search or None, sort=sort, descending=descending,
                              offset=offset, limit=PAGE_SIZE)
        total = count_contracts(actor, search or None) if offset == 0 else None
        self.post_message(ContractsLoaded(generation, offset, rows, total))

    @on(ContractsLoaded)
    def _show_page(self, message: ContractsLoaded) -> None:
        if message.generation != self._generation:
            return  # an answer to a question nobody asks any more
        self._loading = False
        self._has_more = len(message.rows) == PAGE_SIZE
        if message.total is not None:
            self._total = message.total
        self.table.show(message.rows, self.app.clock.now(), append=message.offset > 0)
        self._show_state()

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
            empty.update(self._empty_text())
        elif self.focused is None:
            table.focus()  # it was hidden while the list was empty
        _, _, sort_label = SORTS[self._sort]
        total = self._total if self._total is not None else len(table.summaries)
        if self.search:
            noun = "match" if total == 1 else "matches"
        else:
            noun = "contract" if total == 1 else "contracts"
        self.query_one("#list-info", Label).update(f"{total} {noun} · by {sort_label}")
        self._show_totals()
        self.refresh_bindings()

    def _empty_text(self) -> str:
        if self.search:
            return (f"No contract matches “{self.search}”.\n"
                    "Press escape to clear the filter.")
        if self.app.actor.role == Role.AGENT:
            return "There are no contracts yet."
        return (f"{self.app.actor.display_name} has no contracts yet.\n"
                "Press u to act as someone else.")

    def _show_totals(self) -> None:
        panel = self.query_one(TotalsPanel)
        s = self.table.highlighted()
        panel.display = s is not None
        if s is not None:
            panel.show(f"#{s.id} {s.title} · {s.status} · {s.policy_label}\n"
                       f"Client {s.client_name} · Freelancer {s.freelancer_name}", s.totals)

    def _tick(self) -> None:
        if self.table.summaries:
            self.table.tick(self.app.clock.now())

    # --- events ----------------------------------------------------------------------

    def data_changed(self, contract_ids: set[int], *, time_moved: bool = False) -> None:
        """The deadline sweep changed contracts (or the demo clock moved): show it."""
        if contract_ids & {s.id for s in self.table.summaries}:
            self.reload()
        elif time_moved:
            self._tick()

    def on_resize(self) -> None:
        if self.table.summaries:
            self.table.refit(self.app.clock.now())

    @on(DataTable.RowHighlighted, "#contracts")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_totals()
        if event.cursor_row >= len(self.table.summaries) - MORE_WHEN_WITHIN:
            self._load_more()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self.reload)

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        # Enter keeps the filter and hands the keys back to the list.
        self.table.focus()

    # --- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        filter_box = self.query_one("#filter", Input)
        if action == "open_contract":
            # None lets enter through to the filter box (it submits there).
            return True if (self.table.has_focus and self.table.highlighted()) else None
        if action == "filter":
            return not filter_box.has_focus
        if action == "clear_filter":
            return bool(filter_box.value) or filter_box.has_focus
        return True

    def action_open_contract(self) -> None:
        summary = self.table.highlighted()
        if summary is not None:
            self.app.push_screen(ContractScreen(summary.id))

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        filter_box = self.query_one("#filter", Input)
        if filter_box.value:
            if self._debounce is not None:
                self._debounce.stop()
            with filter_box.prevent(Input.Changed):  # one reload, not a debounced second
                filter_box.value = ""
            self.reload()
        self.table.focus()

    def action_cycle_sort(self) -> None:
        self._sort = (self._sort + 1) % len(SORTS)
        self.reload()

    def action_refresh(self) -> None:
        self.reload()
