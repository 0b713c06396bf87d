"""The change-request inbox (`i`): incoming, outgoing and history, and one request in full.

Both screens offer the same answers (`ANSWER_KEYS`), each one `rules/` action, shown only
when `rules.inbox` lists it among the request's `answers` for the acting user: approve or
reject a client's change (the freelancer, U-22), edit or withdraw it (the client, U-21),
accept or decline a proposal (the client, U-15), add funds after an approved higher
amount (the client, U-22). Refusals from the rules are shown inline.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Label, OptionList, Static, Tab, Tabs
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from models.accounts import Account
from models.base import database
from rules.change_requests import (accept_proposal, approve_milestone_change, decline_proposal,
                                   reject_milestone_change, withdraw_milestone_change)
from rules.errors import RuleError
from rules.inbox import BOXES, RequestView, inbox_counts, inbox_page, request_view
from rules.payments import add_escrow_funds
from rules.queries import contract_detail
from tui.commands import command
from tui.format import clip, format_money, local_time
from tui.screens.active_change import request_active_change
from tui.screens.base import BaseScreen
from tui.screens.milestone_form import ConfirmDialog, MessageDialog, refusal_text
from tui.widgets.header import ActingHeader
from tui.workers import db_work

PAGE_SIZE = 50
MORE_WHEN_WITHIN = 10
TICK = 60  # seconds between countdown refreshes (from memory, no query)
BOX_LABELS = {"incoming": "Incoming", "outgoing": "Outgoing", "history": "History"}
CHANGES_SHOWN = 3  # change lines per request in the list; the full view has them all

# One key per answer: a says yes (the freelancer approves a change, U-22; the client
# accepts a proposal, U-15), r says no (reject, decline).
ANSWER_KEYS = [
    command("a", "approve", "Approve", "Approve the client's change (it applies at once, "
            "U-22), or accept the freelancer's whole proposal (every change applies at "
            "once, U-15)."),
    command("r", "reject", "Reject", "Reject the client's change, or decline the whole "
            "proposal, with a reason: nothing changes (U-22, U-15)."),
    command("e", "edit_request", "Edit",
            "Edit your pending change request before the freelancer answers (U-21)."),
    command("w", "withdraw", "Withdraw",
            "Withdraw your pending change request before the freelancer answers (U-21)."),
    command("f", "add_funds", "Add funds", "Add the difference of an approved higher amount "
            "to escrow; project funds are used first (U-22, U-04)."),
]
ANSWER_ACTIONS = {"approve": ("approve", "accept"), "reject": ("reject", "decline"),
                  "edit_request": ("edit",), "withdraw": ("withdraw",),
                  "add_funds": ("add_funds",)}


@dataclass
class BoxLoaded(Message):
    generation: int
    box: str
    offset: int
    items: list[RequestView]
    counts: dict[str, int] | None


@dataclass
class RequestLoaded(Message):
    view: RequestView


@dataclass
class Answered(Message):
    text: str


@dataclass
class AnswerRefused(Message):
    text: str


def changes_lines(view: RequestView, limit: int | None = None) -> list[str]:
    """Each change as one line: "amount: $500.00 → $650.00", "added “QA”: amount…"."""
    lines: list[str] = []
    for change in view.changes:
        fields = "; ".join(f.describe() for f in change.fields)
        if view.is_proposal:
            if change.kind == "added":
                fields = "; ".join(f"{f.label} {f.after_text}" for f in change.fields
                                   if f.name != "title")
            lines.append(change.headline() + (f": {fields}" if fields else ""))
        else:
            lines.extend(f.describe() for f in change.fields)
    if limit is not None and len(lines) > limit:
        more = len(lines) - limit + 1
        lines = lines[:limit - 1] + [f"… and {more} more (enter shows them all)"]
    return lines


def status_words(view: RequestView, now) -> str:
    return "expired" if view.is_pending and view.expired(now) else view.status


def prompt(view: RequestView, now, width: int) -> Table:
    """A request in the list: what, where, who, when, and its changes."""
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    head = Text.assemble((clip(view.title, max(width - 24, 10)), "bold"),
                         f" · {clip(view.contract_title, 30)}")
    grid.add_row(head)
    when = [f"by {view.author_name}", view.age(now)]
    if (expiry := view.expiry(now)):
        when.append(expiry)
    if not view.is_pending or view.expired(now):
        when.append(status_words(view, now))
    if view.funds_needed_cents:
        when.append(f"needs {format_money(view.funds_needed_cents)} in escrow")
    grid.add_row(Text(" · ".join(when), style="dim"))
    for line in changes_lines(view, CHANGES_SHOWN):
        grid.add_row(Text("  " + clip(line, max(width - 4, 10))))
    if not view.is_pending or view.funds_needed_cents:
        outcome = view.outcome + (f" “{view.answer_message}”" if view.answer_message else "")
        grid.add_row(Text("  " + clip(outcome, max(width - 4, 10)), style="italic"))
    return grid


class RequestList(OptionList):
    """The requests of one box. Left and right switch boxes, not scroll sideways."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("scroll_left", "scroll_right"):
            return False
        return super().check_action(action, parameters)


class AnswerActions:
    """The answers to a request, shared by the inbox and the full view. The screen
    provides `selected` (the request the keys act on) and `answered()`."""

    selected: RequestView | None

    def answer_allowed(self, action: str) -> bool | None:
        answers = ANSWER_ACTIONS.get(action)
        if answers is None:
            return None
        view = self.selected
        return view is not None and any(a in view.answers for a in answers)

    def _say(self, text: str, *, error: bool = False) -> None:
        """What an answer did, or the rules' refusal, inline under the list."""
        status = self.query_one("#answer-status", Static)
        status.update(text)
        status.display = bool(text)
        status.set_class(error, "-error")

    def action_approve(self) -> None:
        view = self.selected
        if view.is_proposal:
            self._accept(view)
            return
        self.app.push_screen(ConfirmDialog(
            f"Approve the change to “{view.milestone_title}”?",
            "\n".join(changes_lines(view)) + "\nIt applies at once.", yes="Approve"),
            lambda yes: yes and self._answer("approve", view))

    def action_reject(self) -> None:
        view = self.selected
        if view.is_proposal:
            self._decline(view)
            return
        self.app.push_screen(MessageDialog(
            "Reject the change", "The milestone stays as it was. Why (optional):",
            action="Reject"), lambda note: note is not None and self._answer(
                "reject", view, note=note))

    def _accept(self, view: RequestView) -> None:
        n = len(view.changes)
        self.app.push_screen(ConfirmDialog(
            f"Accept all {n} change{'s' if n != 1 else ''}?",
            "\n".join(changes_lines(view)) + "\nEvery change applies at once (U-15).",
            yes="Accept"), lambda yes: yes and self._answer("accept", view))

    def _decline(self, view: RequestView) -> None:
        self.app.push_screen(MessageDialog(
            "Decline the proposal", "Nothing changes. Why (optional):", action="Decline"),
            lambda note: note is not None and self._answer("decline", view, note=note))

    def action_withdraw(self) -> None:
        view = self.selected
        self.app.push_screen(ConfirmDialog(
            f"Withdraw the change request on “{view.milestone_title}”?",
            "The milestone stays as it is.", yes="Withdraw"),
            lambda yes: yes and self._answer("withdraw", view))

    def action_add_funds(self) -> None:
        view = self.selected
        self.app.push_screen(ConfirmDialog(
            f"Add {format_money(view.funds_needed_cents)} to the escrow of "
            f"“{view.milestone_title}”?",
            "Project funds are used first (U-04); you are charged the rest.",
            yes="Add funds"), lambda yes: yes and self._answer("add_funds", view))

    def action_edit_request(self) -> None:
        self._edit_flow(self.selected)

    @work(group="edit-request", exclusive=True, exit_on_error=False)
    async def _edit_flow(self, view: RequestView) -> None:
        def load():
            with database.connection_context():
                return contract_detail(self.app.actor, view.contract_id)
        try:
            detail = await asyncio.to_thread(load)
        except RuleError as exc:
            self._say(refusal_text(exc), error=True)
            return
        if await request_active_change(self, detail, view.milestone_id, request=view):
            self.post_message(Answered("Change request edited."))

    def _answer(self, answer: str, view: RequestView, note: str = "") -> None:
        self._say("…")
        self._run_answer(self.app.actor, answer, view, note)

    @db_work("answer")
    def _run_answer(self, actor: Account, answer: str, view: RequestView, note: str) -> None:
        clock = self.app.clock
        try:
            if answer == "approve":
                result = approve_milestone_change(actor, view.id, clock=clock)
                text = "Approved: the change applies now."
                if result["to_project_funds_cents"]:
                    text += (f" {format_money(result['to_project_funds_cents'])} moved to "
                             "project funds.")
                if result["funds_needed_cents"]:
                    text += (f" The client adds {format_money(result['funds_needed_cents'])} "
                             "to escrow.")
            elif answer == "reject":
                reject_milestone_change(actor, view.id, note, clock=clock)
                text = "Rejected: the milestone stays as it was."
            elif answer == "accept":
                accept_proposal(actor, view.id, clock=clock)
                text = "Accepted: every change of the proposal applies now."
            elif answer == "decline":
                decline_proposal(actor, view.id, note, clock=clock)
                text = "Declined: nothing changed."
            elif answer == "withdraw":
                withdraw_milestone_change(actor, view.id, clock=clock)
                text = "Withdrawn."
            else:
                added = add_escrow_funds(actor, view.milestone_id, clock=clock)
                text = f"Added {format_money(added)} to escrow."
        except RuleError as exc:
            self.post_message(AnswerRefused(refusal_text(exc)))
            return
        self.post_message(Answered(text))


class InboxScreen(AnswerActions, BaseScreen):
    BINDINGS = [
        command("enter", "open_request", "Open", "Open the highlighted request in full.",
                priority=True),
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
        self._page_worker: Worker | None = None

    def compose(self) -> ComposeResult:
        yield ActingHeader("Change requests")
        yield Tabs(*(Tab(BOX_LABELS[b], id=f"box-{b}") for b in BOXES), active=f"box-{self.box}")
        yield RequestList(id="requests")
        yield Static("", id="empty")
        yield Static("", id="answer-status", markup=False)
        yield Footer(compact=True)

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
            self._say("")
            self._render_list()
            self.reload()

    # --- answers -----------------------------------------------------------------------

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        self._say(message.text)
        self.app.refresh_unread()
        self.reload()

    @on(AnswerRefused)
    def _refused(self, message: AnswerRefused) -> None:
        self._say(message.text, error=True)
        self.reload()  # what the rules saw may differ from what is shown

    # --- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ANSWER_ACTIONS:
            return self.is_mounted and bool(self.answer_allowed(action))
        if action == "open_request":
            return self.is_mounted and self.selected is not None or None
        return True

    def action_open_request(self) -> None:
        if (view := self.selected) is not None:
            self.app.push_screen(RequestScreen(view.id))

    def action_show_box(self, box: str) -> None:
        self.query_one(Tabs).active = f"box-{box}"

    def action_previous_box(self) -> None:
        self.query_one(Tabs).action_previous_tab()

    def action_next_box(self) -> None:
        self.query_one(Tabs).action_next_tab()

    def action_back(self) -> None:
        self.dismiss()


class RequestScreen(AnswerActions, BaseScreen):
    """One request in full: every change, per milestone and field, before → after."""

    BINDINGS = [*ANSWER_KEYS,
                command("escape", "back", "Back", "Go back to the previous screen.")]

    def __init__(self, request_id: int) -> None:
        super().__init__()
        self.request_id = request_id
        self.view: RequestView | None = None

    @property
    def selected(self) -> RequestView | None:
        return self.view

    def compose(self) -> ComposeResult:
        yield ActingHeader(f"Change request #{self.request_id}")
        with VerticalScroll(id="request-body"):
            yield Static("Loading…", id="request-facts")
            yield Label("Changes, per milestone and field", classes="section")
            yield Static("", id="request-changes")
        yield Static("", id="answer-status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#answer-status").display = False
        self.query_one("#request-body").focus()
        self.set_interval(TICK, self._show_view)
        self.reload()

    def reload(self) -> None:
        self._load(self.app.actor, self.request_id)

    @db_work("request")
    def _load(self, actor: Account, request_id: int) -> None:
        self.post_message(RequestLoaded(request_view(actor, request_id, clock=self.app.clock)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Not this user's to see (G-07), or gone: BaseScreen has said why.
        if event.state == WorkerState.ERROR and event.worker.group == "request":
            self.dismiss()

    @on(RequestLoaded)
    def _loaded(self, message: RequestLoaded) -> None:
        self.view = message.view
        self._show_view()
        self.refresh_bindings()

    def _show_view(self) -> None:
        v = self.view
        if v is None:
            return
        now = self.app.clock.now()
        tz = self.app.actor.timezone
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="bold", no_wrap=True)
        facts.add_column(ratio=1)
        facts.add_row("Request", Text.assemble((v.title, "bold"), f" · {status_words(v, now)}"))
        facts.add_row("Contract", f"#{v.contract_id} {v.contract_title}")
        facts.add_row("From", f"{v.author_name} ({v.author_role}) · "
                              f"{local_time(v.created_at, tz)} · {v.age(now)}")
        if v.expires_at is not None:
            facts.add_row("Expires", f"{local_time(v.expires_at, tz)} · {v.expiry(now)} "
                                     "(U-24)")
        elif v.is_pending:
            facts.add_row("Expires", "no expiry: it waits for the client's answer")
        if v.answered_at is not None:
            facts.add_row("Ended", f"{local_time(v.answered_at, tz)}")
        if v.message:
            facts.add_row("Message", Text(v.message))
        facts.add_row("Status", Text(v.outcome))
        if v.answer_message:
            facts.add_row("Reason", Text(v.answer_message))
        self.query_one("#request-facts", Static).update(facts)

        table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
        table.add_column("Milestone", ratio=2, overflow="fold")
        table.add_column("Change", no_wrap=True)
        table.add_column("Field", no_wrap=True)
        table.add_column("Before", ratio=1, overflow="fold")
        table.add_column("After", ratio=1, overflow="fold")
        for change in v.changes:
            fields = change.fields or ()
            if not fields:
                table.add_row(change.title, change.kind, "—", "", "")
            for i, f in enumerate(fields):
                table.add_row(change.title if i == 0 else "", change.kind if i == 0 else "",
                              f.label, f.before_text, Text(f.after_text, style="bold"))
        self.query_one("#request-changes", Static).update(table)

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        self._say(message.text)
        self.app.refresh_unread()
        self.reload()

    @on(AnswerRefused)
    def _refused(self, message: AnswerRefused) -> None:
        self._say(message.text, error=True)
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ANSWER_ACTIONS:
            return bool(self.answer_allowed(action))
        return True

    def action_back(self) -> None:
        self.dismiss()
