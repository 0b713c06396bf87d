"""The support console (agents only, G-07): every contract, searched by party, title,
number, status, overdue milestones (U-13) and closing windows, the criteria combined.

The search and its refusal live in `rules.support_search`; this screen shows the
answer with the contract list's own pieces (ContractTable, the totals panel and its
`summary_text`). A search reads the ids of every match once (one query), then the rows
a page at a time by id as the cursor nears the end. Enter opens the contract in the
room as support sees it (every party action is refused there by rules/, so it reads
only, but for resolving a dispute and cancelling, G-02, F-08), with the audit trail one
key away; `a` opens the audit trail from here.
"""
from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label, Static

from models.accounts import Account
from models.vocabulary import ContractStatus, MilestoneStatus
from rules.clock import Clock
from rules.errors import RuleError
from rules.queries import ContractSummary
from rules.support_search import Criteria, matching_ids, support_rows
from tui.commands import command
from tui.safe_text import shown, user_content
from tui.screens.audit_trail import AuditTrailScreen, SupportRoomScreen
from tui.screens.base import BaseScreen
from tui.screens.contract_pages import DEBOUNCE, MORE_WHEN_WITHIN
from tui.widgets.contract_summary import summary_text
from tui.screens.dialogs.base import refusal_text
from tui.widgets.contract_table import ContractTable
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.widgets.plain_text import PlainInput
from tui.widgets.totals import TotalsPanel
from tui.workers import db_work

PAGE_SIZE = 50
STATUSES = [*ContractStatus, *(s.replace("_", " ") for s in MilestoneStatus
                               if s not in set(ContractStatus))]


def days_text(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


@dataclass
class SearchLoaded(Message):
    generation: int
    ids: list[int]
    rows: list[ContractSummary]
    overdue: dict[int, tuple[str, int]]
    error: RuleError | None = None


@dataclass
class PageLoaded(Message):
    generation: int
    rows: list[ContractSummary]
    overdue: dict[int, tuple[str, int]]


class SupportConsoleScreen(BaseScreen):
    AUTO_FOCUS = "#party"
    BINDINGS = [
        command("enter", "open_contract", "Open",
                "Open the highlighted contract as support: read-only, but for resolving "
                "a dispute (G-02) and cancelling (F-08); its audit trail is one key away."),
        command("a", "audit_trail", "Audit",
                "The highlighted contract's audit trail, newest first: who, when, what, "
                "before and after, the reason (G-05)."),
        command("slash", "search", "Search",
                "Back to the search fields: party, title, number, status, overdue by more "
                "than N days, a window closing within N days.", key_display="/",
                priority=True),  # moves the focus only: base.SCREEN_KEYS
        command("escape", "back", "Back", "Close the console: back to the contract list."),
        command("r", "refresh", "Refresh", "Search again in the database.", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._generation = 0
        self._ids: list[int] = []
        self._overdue: dict[int, tuple[str, int]] = {}
        self._loading = False
        self._debounce: Timer | None = None
        self._refusal = ""

    def compose(self) -> ComposeResult:
        yield ActingHeader("Support console")
        with Horizontal(classes="support-criteria"):
            yield Label("Party", classes="support-label")
            yield PlainInput(placeholder="name or login", id="party", compact=True)
            yield Label("Title", classes="support-label")
            yield PlainInput(placeholder="words", id="title", compact=True)
            yield Label("#", classes="support-label")
            yield PlainInput(placeholder="no.", id="number", type="integer", compact=True)
        with Horizontal(classes="support-criteria"):
            yield Label("Status", classes="support-label")
            yield PlainInput(placeholder="any", id="status", compact=True,
                        suggester=SuggestFromList(STATUSES, case_sensitive=False))
            yield Label("Overdue >", classes="support-label")
            yield PlainInput(placeholder="days", id="overdue", type="integer", compact=True)
            yield Label("Closing ≤", classes="support-label")
            yield PlainInput(placeholder="days", id="closing", type="integer", compact=True)
        yield Label("", id="support-info")
        yield ContractTable(id="support-contracts")
        yield Static("", id="support-empty")
        yield TotalsPanel(id="support-totals")
        yield KeyFooter()

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.cursor_blink = getattr(self.app, "cursor_blink", True)
        self.reload()

    @property
    def table(self) -> ContractTable:
        return self.query_one(ContractTable)

    # --- the criteria -------------------------------------------------------------

    def criteria(self) -> Criteria:
        def text(box: str) -> str:
            return self.query_one(f"#{box}", Input).value.strip()

        def number(box: str) -> int | None:
            value = text(box)
            try:
                return int(value) if value else None
            except ValueError:  # a lone "-": not a number yet
                return None
        return Criteria(party=text("party"), title=text("title"),
                        contract_id=number("number"), status=text("status"),
                        overdue_days=number("overdue"), closing_days=number("closing"))

    @on(Input.Changed)
    def _criteria_changed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self.reload)

    @on(Input.Submitted)
    def _criteria_done(self) -> None:
        # Enter searches at once and hands the keys to the results.
        if self._debounce is not None:
            self._debounce.stop()
        self.reload()
        if self.table.display:
            self.table.focus()

    # --- loading ----------------------------------------------------------------------

    def reload(self) -> None:
        self._generation += 1
        self._loading = True
        self._search(self._generation, self.app.actor, self.criteria(), self.app.clock)

    @db_work("support-search")
    def _search(self, generation: int, actor: Account, criteria: Criteria,
                clock: Clock) -> None:
        try:
            ids = matching_ids(actor, criteria, clock=clock)
            rows, overdue = support_rows(actor, ids[:PAGE_SIZE], clock=clock)
        except RuleError as exc:  # G-07 for a non-agent, or a criterion not understood
            self.post_message(SearchLoaded(generation, [], [], {}, error=exc))
            return
        self.post_message(SearchLoaded(generation, ids, rows, overdue))

    @db_work("support-page")
    def _page(self, generation: int, actor: Account, ids: list[int], clock: Clock) -> None:
        rows, overdue = support_rows(actor, ids, clock=clock)
        self.post_message(PageLoaded(generation, rows, overdue))

    def _load_more(self) -> None:
        shown = len(self.table.summaries)
        if not self._loading and shown < len(self._ids):
            self._loading = True
            self._page(self._generation, self.app.actor,
                       self._ids[shown:shown + PAGE_SIZE], self.app.clock)

    @on(SearchLoaded)
    def _show_search(self, message: SearchLoaded) -> None:
        if message.generation != self._generation:
            return
        self._loading = False
        self._ids = message.ids
        self._overdue = dict(message.overdue)
        self._refusal = refusal_text(message.error) if message.error else ""
        self.table.show(message.rows, self.app.clock.now())
        self._show_state()

    @on(PageLoaded)
    def _show_page(self, message: PageLoaded) -> None:
        if message.generation != self._generation:
            return
        self._loading = False
        self._overdue.update(message.overdue)
        self.table.show(message.rows, self.app.clock.now(), append=True)

    def _show_state(self) -> None:
        has_rows = bool(self.table.summaries)
        self.table.display = has_rows
        empty = self.query_one("#support-empty", Static)
        empty.display = not has_rows
        if self._refusal:
            empty.update(user_content(self._refusal))  # it may quote what was typed
        elif not has_rows:
            empty.update("No contract matches these criteria.")
        total = len(self._ids)
        noun = "match" if total == 1 else "matches"
        words = "every contract" if self.criteria().empty else f"{total:,} {noun}"
        info = "" if self._refusal else f"{words} · by number · enter opens, a: audit trail"
        self.query_one("#support-info", Label).update(Content(info))
        self._show_totals()
        self.refresh_bindings()

    def _show_totals(self) -> None:
        panel = self.query_one("#support-totals", TotalsPanel)
        s = self.table.highlighted() if self.table.display else None
        panel.display = s is not None
        if s is None:
            return
        late = self._overdue.get(s.id)
        line = (Content.assemble(("Overdue ", "bold"),
                                 f"“{shown(late[0])}” by {days_text(late[1])} (U-13)")
                if late else Content.styled("Nothing overdue", "dim"))
        panel.update(Content.assemble(summary_text(s), "\n", line), layout=False)

    @on(DataTable.RowHighlighted, "#support-contracts")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_totals()
        if event.cursor_row >= len(self.table.summaries) - MORE_WHEN_WITHIN:
            self._load_more()

    def on_resize(self) -> None:
        if self.table.summaries:
            self.table.refit(self.app.clock.now())

    def on_screen_resume(self) -> None:
        # Back from a contract where support may have acted: search again.
        if self.table.summaries:
            self.reload()

    def data_changed(self, contract_ids: set[int], *, time_moved: bool = False) -> None:
        """The deadline sweep changed contracts, or the demo clock moved: the windows
        and the overdue days may have changed too, so search again."""
        if time_moved or contract_ids & set(self._ids):
            self.reload()

    # --- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action in ("open_contract", "audit_trail"):
            # Only on the results: in a field, enter searches and `a` is a letter.
            return bool(self.focused is self.table and self.table.highlighted()) or (
                None if action == "open_contract" else False)
        if action == "search":
            return not isinstance(self.focused, Input)
        return True

    def action_open_contract(self) -> None:
        s = self.table.highlighted()
        if s is not None:
            self.app.push_screen(SupportRoomScreen(s.id))

    def action_audit_trail(self) -> None:
        s = self.table.highlighted()
        if s is not None:
            self.app.push_screen(AuditTrailScreen(s.id, s.title))

    def action_search(self) -> None:
        self.set_focus(self.query_one("#party", Input))  # now: the next keys are its

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.reload()
