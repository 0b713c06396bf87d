"""The change-request inbox (`i`): incoming, outgoing and history, and one request in full.

Both screens offer the same answers (`ANSWER_KEYS`), each one `rules/` action, shown only
when `rules.inbox` lists it among the request's `answers` for the acting user: approve or
reject a client's change (the freelancer, U-22), edit or withdraw it (the client, U-21),
accept or decline a proposal (the client, U-15), add funds after an approved higher
amount (the client, U-22). Refusals from the rules are shown inline.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList, Static, Tab, Tabs
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from models.accounts import Account
from rules.inbox import BOXES, RequestView, inbox_counts, inbox_page
from tui.commands import command
from tui.screens.base import BaseScreen
from tui.screens.inbox_answers import (
    ANSWER_ACTIONS,
    ANSWER_KEYS,
    AnswerActions,
)
from tui.screens.inbox_format import prompt
from tui.screens.request_detail import TICK, RequestScreen
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.widgets.list_keys import ListOptions
from tui.workers import db_work

__all__ = ["InboxScreen", "RequestScreen"]  # RequestScreen: its home is request_detail

PAGE_SIZE = 50
MORE_WHEN_WITHIN = 10
BOX_LABELS = {"incoming": "Incoming", "outgoing": "Outgoing", "history": "History"}


@dataclass
class BoxLoaded(Message):
    generation: int
    box: str
    offset: int
    items: list[RequestView]
    counts: dict[str, int] | None


class RequestList(ListOptions):
    """The requests of one box. Left and right switch boxes, not scroll sideways."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("scroll_left", "scroll_right"):
            return False
        return super().check_action(action, parameters)


class InboxScreen(AnswerActions, BaseScreen):
    BINDINGS = [
        command("enter", "open_request", "Open", "Open the highlighted request in full."),
        *ANSWER_KEYS,
        replace(command("left", "previous_box", "Previous box",
                        "Show the previous box: incoming, outgoing, history."),
                group=Binding.Group("Box")),
        replace(command("right", "next_box", "Next box",
                        "Show the next box: incoming, outgoing, history."),
                group=Binding.Group("Box")),
        command("1", "show_box('incoming')", "Incoming",
                "Requests waiting for you.", show=False),
        command("2", "show_box('outgoing')", "Outgoing",
                "Your requests waiting for the other party.", show=False),
        command("3", "show_box('history')", "History",
                "Answered, withdrawn, cancelled and expired requests.", show=False),
        command("escape", "back", "Back", "Go back to the previous screen."),
    ]

    def __init__(self, box: str = "incoming") -> None:
        super().__init__()
        self.box = box
        self.items: dict[str, list[RequestView]] = {b: [] for b in BOXES}
        self.counts: dict[str, int] = {}
        self._generation = 0
        self._loading = False
        self._has_more = False
        self._loaded = False
        self._open_when_loaded = False  # enter came before the box it was typed for
        self._box_coming = False  # a box key was read; its tab says so by message
        self._page_worker: Worker | None = None

    def compose(self) -> ComposeResult:
        yield ActingHeader("Change requests")
        yield Tabs(*(Tab(BOX_LABELS[b], id=f"box-{b}") for b in BOXES), active=f"box-{self.box}")
        yield RequestList(id="requests")
        yield Static("", id="empty")
        yield Static("", id="answer-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#answer-status").display = False
        self.query_one(Tabs).can_focus = False  # left and right switch boxes from the list
        self.query_one(OptionList).focus()
        self.set_interval(TICK, self._render_list)
        self.reload()

    @property
    def selected(self) -> RequestView | None:
        index = self.query_one(OptionList).highlighted
        items = self.items[self.box]
        return items[index] if index is not None and index < len(items) else None

    # --- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        self._generation += 1
        self._start_loading(0)

    def _start_loading(self, offset: int) -> None:
        self._loading = True
        self._page_worker = self._load(self._generation, self.box, offset, self.app.actor)

    @db_work("inbox")
    def _load(self, generation: int, box: str, offset: int, actor: Account) -> None:
        items = inbox_page(actor, box, offset=offset, limit=PAGE_SIZE, clock=self.app.clock)
        counts = inbox_counts(actor) if offset == 0 else None
        self.post_message(BoxLoaded(generation, box, offset, items, counts))

    @on(BoxLoaded)
    def _loaded_box(self, message: BoxLoaded) -> None:
        if message.generation != self._generation or message.box != self.box:
            return
        self._loading = False
        self._loaded = True
        self._has_more = len(message.items) == PAGE_SIZE
        if message.counts is not None:
            self.counts = message.counts
            for b in ("incoming", "outgoing"):
                self.query_one(Tabs).query_one(f"#box-{b}", Tab).label = (
                    f"{BOX_LABELS[b]} ({self.counts.get(b, 0)})")
        kept = self.selected.id if self.selected and message.offset == 0 else None
        if message.offset == 0:
            self.items[self.box] = []
        self.items[self.box].extend(message.items)
        self._render_list(keep=kept, append=message.items if message.offset else None)
        if self._open_when_loaded:
            self._open_when_loaded = False
            self.action_open_request()

    def _render_list(self, keep: int | None = None, append: list | None = None) -> None:
        options = self.query_one(OptionList)
        now = self.app.clock.now()
        width = options.size.width or self.app.size.width
        items = self.items[self.box]
        if append is not None:
            options.add_options(Option(prompt(v, now, width), id=str(v.id)) for v in append)
        else:
            index = options.highlighted
            ids = [v.id for v in items]
            options.clear_options()
            options.add_options(Option(prompt(v, now, width), id=str(v.id)) for v in items)
            if items:
                if keep in ids:
                    index = ids.index(keep)
                options.highlighted = min(index or 0, len(items) - 1)
        empty = self.query_one("#empty", Static)
        empty.display = self._loaded and not items
        options.display = bool(items)
        if items and self.focused is None:
            options.focus()  # hidden while its box was empty, it lost the focus
        empty.update({
            "incoming": "Nothing waits for you: requests to answer arrive here.",
            "outgoing": "None of your requests is waiting for an answer.",
            "history": "No answered requests yet.",
        }[self.box])
        self.refresh_bindings()

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()  # the answers follow the highlighted request
        if (not self._loading and self._has_more
                and event.option_index >= len(self.items[self.box]) - MORE_WHEN_WITHIN):
            self._start_loading(len(self.items[self.box]))

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_open_request()  # a click opens too

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._page_worker and event.state in (WorkerState.ERROR,
                                                                 WorkerState.CANCELLED):
            self._loading = False

    def data_changed(self, contract_ids: set[int], *, time_moved: bool = False) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self._loaded:
            self.reload()  # an answer given in the full view, or elsewhere

    @on(Tabs.TabActivated)
    def _tab(self, event: Tabs.TabActivated) -> None:
        box = (event.tab.id or "").removeprefix("box-")
        if box in BOXES and box != self.box:
            self.box = box
            self._box_coming = False
            self._say("")
            self._render_list()
            self.reload()

    # --- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ANSWER_ACTIONS:
            return self.is_mounted and bool(self.answer_allowed(action))
        if action == "open_request":  # while a box loads: its first request (typed ahead)
            return self.is_mounted and (self.selected is not None or self._loading
                                        or self._box_coming) or None
        return True

    def action_open_request(self) -> None:
        if self._box_coming or (self.selected is None and self._loading):
            self._open_when_loaded = True  # `right enter` typed ahead: the box coming
            return
        if (view := self.selected) is not None:
            self.app.push_screen(RequestScreen(view.id))

    def action_show_box(self, box: str) -> None:
        self._box_coming = box != self.box
        self.query_one(Tabs).active = f"box-{box}"

    def action_previous_box(self) -> None:
        self._box_coming = True  # three boxes, in a ring: always another one
        self.query_one(Tabs).action_previous_tab()

    def action_next_box(self) -> None:
        self._box_coming = True
        self.query_one(Tabs).action_next_tab()

    def action_back(self) -> None:
        self.dismiss()
