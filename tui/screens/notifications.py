"""The acting user's notifications (U-31), newest first: open one, mark them read."""
from __future__ import annotations

from dataclasses import dataclass, replace

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from models.accounts import Account
from rules.notifications import NotificationView, mark_read, notifications
from tui.commands import command
from tui.format import local_time
from tui.safe_text import shown
from tui.screens.base import BaseScreen
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.widgets.list_keys import ListOptions
from tui.workers import db_work

PAGE_SIZE = 50
MORE_WHEN_WITHIN = 10


@dataclass
class NotificationsLoaded(Message):
    generation: int
    offset: int
    items: list[NotificationView]


@dataclass
class NotificationsMarked(Message):
    ids: list[int] | None  # None: all of them
    count: int


def prompt(n: NotificationView, timezone: str) -> Table:
    """"new" in its own column, so a long summary wraps under itself."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text("new" if not n.read else "", style="bold"),
                 Text.assemble((f"{local_time(n.at, timezone)}  {shown(n.contract_title)}", "dim"),
                               "\n", shown(n.summary)))
    return grid


class NotificationsScreen(BaseScreen):
    BINDINGS = [
        command("enter", "open_contract", "Open", "Open the contract this notification is about."),
        command("r", "mark_read", "Mark read", "Mark the highlighted notification read."),
        command("a", "mark_all_read", "All read", "Mark every notification read."),
        command("escape", "back", "Back", "Go back to the previous screen."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[NotificationView] = []
        self._generation = 0
        self._loading = False
        self._has_more = False
        self._page_worker: Worker | None = None

    def compose(self) -> ComposeResult:
        yield ActingHeader("Notifications")
        yield ListOptions(id="notifications")
        yield Static("", id="empty")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()

    @property
    def highlighted(self) -> NotificationView | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    # --- loading -------------------------------------------------------------------

    def reload(self) -> None:
        self._generation += 1
        self._start_loading(0)

    def _start_loading(self, offset: int) -> None:
        self._loading = True
        self._page_worker = self._load(self._generation, offset, self.app.actor)

    @db_work("notifications")
    def _load(self, generation: int, offset: int, actor: Account) -> None:
        items = notifications(actor, offset=offset, limit=PAGE_SIZE)
        self.post_message(NotificationsLoaded(generation, offset, items))

    @on(NotificationsLoaded)
    def _show(self, message: NotificationsLoaded) -> None:
        if message.generation != self._generation:
            return
        self._loading = False
        self._has_more = len(message.items) == PAGE_SIZE
        options = self.query_one(OptionList)
        tz = self.app.actor.timezone
        if message.offset == 0:
            self.items = []
            options.clear_options()
        self.items.extend(message.items)
        options.add_options(Option(prompt(n, tz), id=str(n.id)) for n in message.items)
        if message.offset == 0 and self.items:
            options.highlighted = 0
        self._show_state()

    def _show_state(self) -> None:
        empty = self.query_one("#empty", Static)
        empty.display = not self.items
        self.query_one(OptionList).display = bool(self.items)
        empty.update("No notifications: when the other party acts on a contract, "
                     "it shows here.")
        self.refresh_bindings()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()  # "Mark read" depends on which one is highlighted
        if (not self._loading and self._has_more
                and event.option_index >= len(self.items) - MORE_WHEN_WITHIN):
            self._start_loading(len(self.items))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._page_worker and event.state in (WorkerState.ERROR,
                                                                 WorkerState.CANCELLED):
            self._loading = False  # BaseScreen's handler reports the error itself

    # --- marking read ----------------------------------------------------------------

    @db_work("mark-read", exclusive=False)
    def _mark(self, actor: Account, ids: list[int] | None) -> None:
        self.post_message(NotificationsMarked(ids, mark_read(actor, ids)))

    @on(NotificationsMarked)
    def _marked(self, message: NotificationsMarked) -> None:
        options = self.query_one(OptionList)
        tz = self.app.actor.timezone
        for i, n in enumerate(self.items):
            if not n.read and (message.ids is None or n.id in message.ids):
                self.items[i] = n = replace(n, read=True)
                options.replace_option_prompt_at_index(i, prompt(n, tz))
        self.app.refresh_unread()
        self.refresh_bindings()

    # --- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        n = self.highlighted
        if action == "open_contract":
            return n is not None or None
        if action == "mark_read":
            return (n is not None and not n.read) or None
        if action == "mark_all_read":
            return any(not i.read for i in self.items) or None
        return True

    def action_open_contract(self) -> None:
        # Imported here: the room and its dialogs load when a room is first opened,
        # not with this screen (start-up time, bench/tui.py).
        from tui.screens.contract import ContractScreen
        if (n := self.highlighted) is not None:
            self.app.push_screen(ContractScreen(n.contract_id))

    def action_mark_read(self) -> None:
        if (n := self.highlighted) is not None and not n.read:
            self._mark(self.app.actor, [n.id])
            # On to the next one, as a mail reader does: r, r, r reads down the list.
            self.query_one(OptionList).action_cursor_down()

    def action_mark_all_read(self) -> None:
        self._mark(self.app.actor, None)

    def action_back(self) -> None:
        self.dismiss()
