"""One change request in full (enter in the inbox, or p in the milestone manager): who
asked what and when, its expiry (U-24), how it ended and the reason given, and every
change per milestone and field, before → after; with the same answer keys as the inbox.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Label, Static
from textual.worker import Worker, WorkerState

from models.accounts import Account
from rules.counters import Version, request_thread
from rules.inbox import RequestView, request_view
from tui.commands import command
from tui.format import local_time
from tui.safe_text import shown, user_text
from tui.screens.base import BaseScreen
from tui.screens.inbox_answers import (
    ANSWER_ACTIONS,
    ANSWER_KEYS,
    AnswerActions,
)
from tui.screens.inbox_format import status_words
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.workers import db_work

TICK = 60  # seconds between countdown refreshes (from memory, no query)


@dataclass
class RequestLoaded(Message):
    view: RequestView
    thread: list[Version]


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
            yield Label("Versions, oldest first (X-23)", classes="section",
                        id="versions-label")
            yield Static("", id="request-versions")
        yield Static("", id="answer-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#answer-status").display = False
        self.query_one("#request-body").focus()
        self.set_interval(TICK, self._show_view)
        self.reload()

    def reload(self) -> None:
        self._load(self.app.actor, self.request_id)

    @db_work("request")
    def _load(self, actor: Account, request_id: int) -> None:
        self.post_message(RequestLoaded(request_view(actor, request_id, clock=self.app.clock),
                                        request_thread(actor, request_id)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Not this user's to see (G-07), or gone: BaseScreen has said why.
        if event.state == WorkerState.ERROR and event.worker.group == "request":
            self.dismiss()

    @on(RequestLoaded)
    def _loaded(self, message: RequestLoaded) -> None:
        self.view = message.view
        self._show_thread(message.thread)
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
        facts.add_row("Request", Text.assemble((shown(v.title), "bold"), f" · {status_words(v, now)}"))
        facts.add_row("Contract", user_text(f"#{v.contract_id} {v.contract_title}"))
        facts.add_row("From", user_text(f"{v.author_name} ({v.author_role}) · "
                                        f"{local_time(v.created_at, tz)} · {v.age(now)}"))
        if v.expires_at is not None:
            facts.add_row("Expires", f"{local_time(v.expires_at, tz)} · {v.expiry(now)} "
                                     "(U-24)")
        elif v.is_pending:
            facts.add_row("Expires", "no expiry: it waits for the client's answer")
        if v.answered_at is not None:
            facts.add_row("Ended", f"{local_time(v.answered_at, tz)}")
        if v.message:
            facts.add_row("Message", user_text(v.message, multiline=True))
        facts.add_row("Status", user_text(v.outcome))
        if v.answer_message:
            facts.add_row("Reason", user_text(v.answer_message, multiline=True))
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
                table.add_row(user_text(change.title), change.kind, "—", "", "")
            for i, f in enumerate(fields):
                table.add_row(user_text(change.title if i == 0 else ""),
                              change.kind if i == 0 else "", f.label,
                              user_text(f.before_text, multiline=True),
                              user_text(f.after_text, "bold", multiline=True))
        self.query_one("#request-changes", Static).update(table)

    def _show_thread(self, thread: list[Version]) -> None:
        """Each version: who wrote it, when, how it ended, and what it changed of the
        one before (+ new in it, − dropped from it)."""
        countered = len(thread) > 1
        self.query_one("#versions-label").display = countered
        block = self.query_one("#request-versions", Static)
        block.display = countered
        if not countered:
            return
        tz = self.app.actor.timezone
        lines = Text()
        for v in thread:
            here = " (this one)" if v.request_id == self.request_id else ""
            lines.append(f"{v.number}. ", "bold")
            lines.append(user_text(f"{v.author} · {local_time(v.created_at, tz)} · "
                                   f"{v.status}{here}"))
            for line in v.since or v.lines:
                lines.append("\n   ")
                lines.append(user_text(line))
            lines.append("\n")
        block.update(lines)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ANSWER_ACTIONS:
            return bool(self.answer_allowed(action))
        return True

    def action_back(self) -> None:
        self.dismiss()
