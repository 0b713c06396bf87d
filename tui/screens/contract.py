"""The contract room: parties, policy and money; the milestones with their status, due
dates (overdue marked, U-13) and the next one to fund; open deadlines; the activity
timeline (U-31) beside them, or below on a narrow terminal; and the actions this user
may take now, by key.

Which actions are offered comes from `rules.availability` (the same checks as the
actions themselves): one not allowed now is hidden (`check_action`), and the command
palette lists it with the reason. The actions themselves live in `contract_actions.py`
and `contract_refunds.py`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Label, Static
from textual.worker import Worker, WorkerState

from models.accounts import Account
from rules.availability import Availability, Verdict, availability
from rules.contract_view import (
    ContractDetail,
    MilestoneView,
    TimelineEntry,
    contract_detail,
    timeline_page,
)
from rules.funding import short_funding_words as funding_words
from rules.policy import get_policy
from tui.commands import bindings_of, command
from tui.export_action import EXPORT_HELP, ExportShown, can_export
from tui.format import date_text
from tui.safe_text import shown
from tui.screens.base import BaseScreen
from tui.screens.contract_actions import RoomActions
from tui.screens.contract_evidence import EVIDENCE_HELP, RoomEvidence
from tui.screens.contract_funding import FUNDING_KEYS, RoomFunding
from tui.screens.contract_refunds import RefundActions
from tui.screens.contract_releases import TAKE_BACK_HELP, RoomReleases
from tui.screens.contract_windows import NUDGE_HELP, RoomWindows
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.widgets.milestone_table import MilestoneTable
from tui.widgets.status_badge import status_badge
from tui.widgets.timeline import Timeline
from tui.widgets.totals import totals_table
from tui.workers import db_work

TIMELINE_PAGE = 20
TICK = 60          # seconds between countdown refreshes (from memory, no query)
SIDE_PANEL_FROM = 116  # columns: from this wide, the timeline is a panel beside the rest

# Screen action -> the rules.availability action it stands for.
ROOM_ACTIONS = {
    "fund_next": "fund_next", "submit_work": "submit_work", "review_pay": "release",
    "request_changes": "request_changes", "change_milestone": "change_milestone",
    "top_up": "add_escrow_funds", "request_refund": "request_refund",
    "agree_refund": "agree_refund", "dispute_refund": "dispute_refund",
    "respond_to_dispute": "respond_to_dispute", "resolve_dispute": "resolve_dispute",
    "cancel": "cancel_order", "end_contract": "end_contract",
    "leave_feedback": "leave_feedback", "manage_milestones": "manage_milestones",
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


class UnavailableCommands(Provider):
    """The palette's "why not": the room's actions hidden right now, each with the
    reason and the rule. Choosing one says the reason again. Role refusals (G-07) are
    listed only when searched for: a freelancer need not scroll past the client's keys."""

    def _hidden(self) -> list[tuple[Binding, Verdict]]:
        screen = self.screen
        return screen.hidden_actions() if isinstance(screen, ContractScreen) else []

    def _title(self, label, binding: Binding) -> Content:
        return Content.assemble(label, ("  not now", "dim italic"))

    def _explain(self, binding: Binding, verdict: Verdict):
        return partial(self.app.notify, shown(verdict.reason), title=f"{binding.description}: not now",
                       severity="warning", timeout=8, markup=False)

    async def discover(self) -> Hits:
        for binding, verdict in self._hidden():
            if verdict.rule_id != "G-07":
                yield DiscoveryHit(self._title(binding.description, binding),
                                   self._explain(binding, verdict),
                                   text=binding.description, help=verdict.reason)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for binding, verdict in self._hidden():
            score = max(matcher.match(binding.description), matcher.match(binding.tooltip) * 0.5)
            if score > 0:
                # Below what can be done now: the palette sorts by score.
                yield Hit(score * 0.5, self._title(matcher.highlight(binding.description),
                                                   binding),
                          self._explain(binding, verdict), text=binding.description,
                          help=verdict.reason)


# Room actions judged outside rules.availability: screen action -> the method saying.
OWN_VERDICTS = {"nudge": "nudge_verdict", "take_back": "take_back_verdict",
                "fund_ahead": "fund_ahead_verdict", "change_funding": "change_funding_verdict"}


class ContractScreen(RoomActions, RefundActions, RoomWindows, RoomReleases, RoomEvidence,
                     RoomFunding, ExportShown, BaseScreen):
    COMMANDS = {UnavailableCommands}
    BINDINGS = [
        command("escape", "back", "Back", "Go back to the previous screen.", show=False),
        command("f", "fund_next", "Fund next",
                "Fund (on Fiverr: start) the next milestone in list order; project funds "
                "are used first (U-03, U-04, U-09)."),
        FUNDING_KEYS[0],  # F, after f
        command("w", "submit_work", "Submit",
                "Submit work for the highlighted milestone: a message and an optional link "
                "(U-17)."),
        command("p", "review_pay", "Pay",
                "Review the submitted work and pay it, or send it back; a client can also "
                "pay without a submission (U-19, U-25..U-28)."),
        command("c", "request_changes", "Changes",
                "Send the submitted work back with a message saying what to change (U-18; "
                "on Fiverr a revision, F-06)."),
        command("C", "change_milestone", "Amend",
                "Ask the freelancer to accept a change to the active milestone's title, "
                "description, due date or amount (U-20, U-21).", show=False),
        command("a", "top_up", "Top up",
                "Add the missing funds to the escrow after a higher amount was approved "
                "(U-22)."),
        command("x", "request_refund", "Refund",
                "Ask for the escrow, or part of a paid amount, back (U-29)."),
        command("y", "agree_refund", "Agree",
                "Agree to the refund request: the money returns to the client (U-29)."),
        command("d", "dispute_refund", "Dispute",
                "Dispute the refund request with a message; the client then has 5 "
                "business days to respond (U-33)."),
        command("s", "respond_to_dispute", "Respond",
                "Respond to the freelancer's dispute: a support agent then decides "
                "(U-33, G-02)."),
        command("v", "resolve_dispute", "Resolve",
                "Split the disputed amount between the parties, with a written reason "
                "(G-02)."),
        command("k", "cancel", "Cancel…",
                "Cancel the highlighted milestone or the whole order, with a reason; "
                "escrow returns to the client (F-08)."),
        command("e", "end_contract", "End",
                "End the contract; leftover project funds return to the client (G-03)."),
        command("l", "leave_feedback", "Feedback",
                "Leave 1 to 5 stars and a comment, once, after the contract ended (G-04)."),
        command("g", "nudge", "Nudge", NUDGE_HELP),
        command("z", "take_back", "Take back", TAKE_BACK_HELP),
        command("m", "manage_milestones", "Plan",
                "Add, edit, delete or reorder future milestones, or propose changes "
                "(U-07..U-16)."),
        command("h", "toggle_timeline", "Timeline",
                "Show or hide the activity timeline (U-31).", show=False),
        command("o", "older", "Older",
                "Load older entries of the timeline (it shows the newest first).",
                show=False),
        command("r", "refresh", "Refresh", "Read the contract again from the database.",
                show=False),
        command("E", "export", "Export", EXPORT_HELP, show=False),
        command("b", "evidence", "Evidence", EVIDENCE_HELP, show=False),
        FUNDING_KEYS[1],  # ctrl+f
    ]

    def __init__(self, contract_id: int) -> None:
        super().__init__()
        self.contract_id = contract_id
        self.detail: ContractDetail | None = None
        self.availability: Availability | None = None
        self._unavailable = False
        self._keys_shown: tuple[bool, ...] = ()

    def compose(self) -> ComposeResult:
        yield ActingHeader(f"Contract #{self.contract_id}")
        with Horizontal(id="room"):
            with Vertical(id="room-main"):
                with Vertical(id="contract-summary"):
                    yield Static("Loading…", id="contract-heading")
                    yield Static("", id="contract-parties")
                    yield Static("", id="contract-totals")
                yield Label("Milestones", classes="section", id="milestones-label")
                yield MilestoneTable(id="milestones")
                with Vertical(id="deadlines-box"):
                    yield Label("Open deadlines", classes="section")
                    yield Static("", id="deadlines")
            with Vertical(id="timeline-panel"):
                yield Label("Timeline · newest first", classes="section")
                yield Timeline(id="timeline")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._fit_layout()
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
        first = self.detail is None
        table = self.query_one(MilestoneTable)
        keep = table.highlighted.id if table.highlighted is not None else None
        d = self.detail = message.detail
        now = self.app.clock.now()
        tz = self.app.actor.timezone
        self.availability = availability(d, d.capacity, now)
        self.query_one("#contract-heading", Static).update(Content.assemble(
            (f"#{d.id} {shown(d.title)}", "bold"), " · ",
            Content.from_rich_text(status_badge(d.status)), " · ", d.policy_label,
            *(() if d.funding_limit == 1 else (" · ", funding_words(d.funding_limit)))))
        until = f" to {date_text(d.end_date)}" if d.end_date else ""
        you = {"client": ("", " (you)", ""), "freelancer": ("", "", " (you)")}.get(
            d.capacity, (" · you: support", "", ""))
        # Content, not markup around escaped names: a name ending in "[" or a backslash
        # would still break the markup that follows it.
        self.query_one("#contract-parties", Static).update(Content.assemble(
            "Client ", (shown(d.client.display_name), "bold"), f"{you[1]} · Freelancer ",
            (shown(d.freelancer.display_name), "bold"),
            f"{you[2]} · from {date_text(d.starts_on)}{until}{you[0]}"))
        self.query_one("#contract-totals", Static).update(totals_table(d.totals))
        table.show(d.milestones, now, next_to_fund_id=d.next_to_fund_id,
                   platform=get_policy(d.policy).platform)
        table.select(self._current_milestone(d) if first else keep)
        self._show_deadlines(d, now, tz)
        self.query_one(Timeline).show(message.entries, message.has_more, tz)
        self._refresh_keys()

    @staticmethod
    def _current_milestone(d: ContractDetail) -> int | None:
        """Where the cursor starts: the active milestone, else the next to fund, else
        the last one (most recently finished)."""
        active = next((m for m in d.milestones if m.status in
                       ("funded", "submitted", "changes_requested", "refund_requested",
                        "disputed", "in_support", "releasing")), None)
        if active is not None:
            return active.id
        if d.next_to_fund_id is not None:
            return d.next_to_fund_id
        return d.milestones[-1].id if d.milestones else None

    @on(OlderTimelineLoaded)
    def _show_older(self, message: OlderTimelineLoaded) -> None:
        self.query_one(Timeline).show(message.entries, message.has_more,
                                      self.app.actor.timezone, append=True)
        self._refresh_keys()

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
            # A window that closed meanwhile changes what may be done (U-06, U-32, ...).
            self.availability = availability(self.detail, self.detail.capacity, now)
            self._refresh_keys()

    def data_changed(self, contract_ids: set[int], *, time_moved: bool = False) -> None:
        """The deadline sweep changed contracts (or the demo clock moved): reload if ours."""
        if self.contract_id in contract_ids:
            self.action_refresh()
        elif time_moved:
            self._tick()

    def on_resize(self) -> None:
        self._fit_layout()
        if self.detail is not None:
            self.query_one(MilestoneTable).refit(self.app.clock.now())

    def _fit_layout(self) -> None:
        """Wide: the timeline is a panel beside the rest; narrow: below it."""
        self.set_class(self.app.size.width >= SIDE_PANEL_FROM, "-side-timeline")

    @on(DataTable.RowHighlighted, "#milestones")
    def _milestone_highlighted(self) -> None:
        self._refresh_keys()  # most actions act on the highlighted milestone

    # --- what may be done now ------------------------------------------------------------

    def _refresh_keys(self) -> None:
        """Show the keys that may be used now. The footer is rebuilt only when that set
        changed: moving the cursor or reloading often leaves it as it was."""
        keys = tuple(bool(self.check_action(b.action, ())) for b in bindings_of(self))
        if keys != self._keys_shown:
            self._keys_shown = keys
            self.refresh_bindings()

    @property
    def target(self) -> MilestoneView | None:
        """The milestone the keys act on: the highlighted one."""
        if not self.is_mounted:
            return None
        return self.query_one(MilestoneTable).highlighted

    def verdict(self, action: str) -> Verdict | None:
        """What rules.availability says of a room action now; None while loading."""
        if action in OWN_VERDICTS:
            return getattr(self, OWN_VERDICTS[action])()
        if self.availability is None or action not in ROOM_ACTIONS:
            return None
        name = ROOM_ACTIONS[action]
        if name == "cancel_order":
            return self.availability.of(name)  # the dialog offers the milestone too
        m = self.target
        return self.availability.of(name, m.id if m is not None else None)

    def hidden_actions(self) -> list[tuple[Binding, Verdict]]:
        """The room's actions `check_action` hides now, with the reason for each."""
        out = []
        for binding in bindings_of(self):
            if binding.action in ROOM_ACTIONS or binding.action in OWN_VERDICTS:
                verdict = self.verdict(binding.action)
                if verdict is not None and not verdict:
                    out.append((binding, verdict))
        return out

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ROOM_ACTIONS or action in OWN_VERDICTS:
            verdict = self.verdict(action)
            return verdict is not None and verdict.allowed
        if action == "older" and self.is_mounted:
            return self.query_one(Timeline).has_more or None
        if action == "export":
            return can_export(self)
        if action == "evidence":
            return self.can_write_evidence()
        return True

    def action_export(self) -> None:
        self.export_shown(("milestones", "ledger", "timeline", "audit"),
                          f"contract #{self.contract_id}'s rows",
                          contract_id=self.contract_id)

    # --- the room's own keys -----------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self._load(self.app.actor, self.contract_id)

    def action_older(self) -> None:
        timeline = self.query_one(Timeline)
        if timeline.has_more and timeline.oldest_id is not None:
            self._load_older(self.app.actor, self.contract_id, timeline.oldest_id)

    def action_toggle_timeline(self) -> None:
        self.toggle_class("-timeline-hidden")
        panel = self.query_one("#timeline-panel")
        if panel.has_focus_within:
            self.query_one(MilestoneTable).focus()
