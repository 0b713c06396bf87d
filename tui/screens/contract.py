"""One contract in full: parties, money, milestones, open deadlines and the timeline.

Read-only for now: the actions on it (fund, submit, release, ...) come with their own
dialogs, each calling one `rules/` action.
"""
from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape as _escape  # user text inside markup stays text
from textual.message import Message
from textual.widgets import Footer, Label, Static
from textual.worker import Worker, WorkerState

from models.accounts import Account
from rules.queries import ContractDetail, TimelineEntry, contract_detail, timeline_page
from tui.commands import command
from tui.format import countdown, date_text, local_time
from tui.screens.base import BaseScreen
from tui.widgets.header import ActingHeader
from tui.widgets.milestone_table import MilestoneTable
from tui.widgets.timeline import Timeline
from tui.widgets.totals import totals_table
from tui.workers import db_work

TIMELINE_PAGE = 20
TICK = 60  # seconds between countdown refreshes (from memory, no query)

# What each open window waits for, as a sentence about this contract.
WAITING_FOR = {
    "review": "Client's review of {m}",
    "start_next": "Start of the next milestone",
    "change_request": "Answer to the change request on {m}",
    "refund_answer": "Answer to the refund request on {m}",
    "dispute_response": "Client's reply to the dispute on {m}",
}


@dataclass
class ContractLoaded(Message):
    detail: ContractDetail
    entries: list[TimelineEntry]
    has_more: bool


@dataclass
class OlderTimelineLoaded(Message):
    entries: list[TimelineEntry]
    has_more: bool


class ContractScreen(BaseScreen):
    BINDINGS = [
        command("escape", "back", "Back", "Go back to the previous screen."),
        command("o", "older", "Older",
                "Load older entries of the timeline (it shows the newest first)."),
        command("r", "refresh", "Refresh", "Read the contract again from the database.",
                show=False),
    ]

    def __init__(self, contract_id: int) -> None:
        super().__init__()
        self.contract_id = contract_id
        self.detail: ContractDetail | None = None
        self._unavailable = False

    def compose(self) -> ComposeResult:
        yield ActingHeader(f"Contract #{self.contract_id}")
        with Vertical(id="contract-summary"):
            yield Static("Loading…", id="contract-heading")
            yield Static("", id="contract-parties")
            yield Static("", id="contract-totals")
        yield Label("Milestones", classes="section")
        yield MilestoneTable(id="milestones")
        with Vertical(id="deadlines-box"):
            yield Label("Open deadlines", classes="section")
            yield Static("", id="deadlines")
        yield Label("Timeline · newest first", classes="section")
        yield Timeline(id="timeline")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(MilestoneTable).focus()
        self.set_interval(TICK, self._tick)
        self.action_refresh()

    # --- loading -----------------------------------------------------------------

    @db_work("contract")
    def _load(self, actor: Account, contract_id: int) -> None:
        detail = contract_detail(actor, contract_id)
        entries, more = timeline_page(actor, contract_id, limit=TIMELINE_PAGE)
        self.post_message(ContractLoaded(detail, entries, more))

    @db_work("timeline")
    def _load_older(self, actor: Account, contract_id: int, before_id: int) -> None:
        entries, more = timeline_page(actor, contract_id, before_id=before_id,
                                      limit=TIMELINE_PAGE)
        self.post_message(OlderTimelineLoaded(entries, more))

    @on(ContractLoaded)
    def _show(self, message: ContractLoaded) -> None:
        d = self.detail = message.detail
        now = self.app.clock.now()
        tz = self.app.actor.timezone
        self.query_one("#contract-heading", Static).update(
            f"[b]#{d.id} {_escape(d.title)}[/b] · {d.status} · {d.policy_label}")
        until = f" to {date_text(d.end_date)}" if d.end_date else ""
        self.query_one("#contract-parties", Static).update(
            f"Client [b]{_escape(d.client.display_name)}[/b] · Freelancer "
            f"[b]{_escape(d.freelancer.display_name)}[/b] · from {date_text(d.starts_on)}"
            f"{until} · you: {d.capacity}")
        self.query_one("#contract-totals", Static).update(totals_table(d.totals))
        self.query_one(MilestoneTable).show(d.milestones, now)
        self._show_deadlines(d, now, tz)
        self.query_one(Timeline).show(message.entries, message.has_more, tz)
        self.refresh_bindings()

    def _show_deadlines(self, d: ContractDetail, now, tz: str) -> None:
        titles = {m.id: m.title for m in d.milestones}
        lines = []
        for dl in d.deadlines:
            # milestone_id, not .milestone: a foreign key read here would query the
            # database on the event loop.
            m = titles.get(dl.milestone_id)
            what = WAITING_FOR.get(dl.kind, dl.kind.replace("_", " ")).format(
                m=f"“{m}”" if m else "the milestone")
            lines.append(f"{_escape(what)} until {local_time(dl.due_at, tz)} "
                         f"([b]{countdown(dl.due_at, now)}[/b])")
        self.query_one("#deadlines-box").display = bool(lines)
        self.query_one("#deadlines", Static).update("\n".join(lines))

    @on(OlderTimelineLoaded)
    def _show_older(self, message: OlderTimelineLoaded) -> None:
        self.query_one(Timeline).show(message.entries, message.has_more,
                                      self.app.actor.timezone, append=True)
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # BaseScreen's handler (Textual runs it too) has told the user why.
        if event.state == WorkerState.ERROR and event.worker.group == "contract":
            # Gone, or not this user's to see (G-07): nothing to show here.
            self._unavailable = True
            if self.is_current:
                self.dismiss()

    def on_screen_resume(self) -> None:
        # It failed to load while help or a dialog was on top: leave now.
        if self._unavailable:
            self.dismiss()

    def _tick(self) -> None:
        if self.detail is not None:
            now = self.app.clock.now()
            self._show_deadlines(self.detail, now, self.app.actor.timezone)
            self.query_one(MilestoneTable).refit(now)  # "overdue" starts at midnight

    def data_changed(self, contract_ids: set[int], *, time_moved: bool = False) -> None:
        """The deadline sweep changed contracts (or the demo clock moved): reload if ours."""
        if self.contract_id in contract_ids:
            self.action_refresh()
        elif time_moved:
            self._tick()

    def on_resize(self) -> None:
        if self.detail is not None:
            self.query_one(MilestoneTable).refit(self.app.clock.now())

    # --- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "older" and self.is_mounted:
            return self.query_one(Timeline).has_more or None
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self._load(self.app.actor, self.contract_id)

    def action_older(self) -> None:
        timeline = self.query_one(Timeline)
        if timeline.has_more and timeline.oldest_id is not None:
            self._load_older(self.app.actor, self.contract_id, timeline.oldest_id)

