"""Manage milestones (U-07..U-12, U-14..U-16): the plan of one contract, edited as one batch.

Every key press only adds to (or takes back from) a list of plan operations held here;
`rules.plan.apply_ops` computes the plan they make and what changed, so the screen never
decides a rule itself. Save hands the whole batch to `rules.planning.save_plan` (one
transaction, one timeline event, one audit record); for the freelancer the same batch
goes to the client as a proposal (`rules.change_requests.propose_milestone_changes`).

Opened from the contract room: `MilestoneManagerScreen(contract_id)`; it dismisses with
True when the plan was saved (or a proposal sent), False otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from models.accounts import Account
from rules import access
from rules.contract_view import ContractDetail, contract_detail
from rules.errors import RuleError
from rules.inbox import RequestView, pending_proposal
from rules.plan import (AddMilestone, DeleteMilestone, EditMilestone, PlanChange,
                        PlanContext, PlanOp, PlanRow, apply_ops, describe_field)
from rules.policy import get_policy
from tui.commands import command
from tui.format import date_text, format_money, status_text
from tui.safe_text import shown, user_content
from tui.screens.base import BaseScreen
from tui.screens.request_detail import RequestScreen
from tui.screens.milestone_form import (ConfirmDialog, MilestoneDraft, MilestoneForm,
                                        refusal_text)
from tui.screens.plan_batch import PlanBatch
from tui.screens.plan_changes import count_text, diff_view, marks_of
from tui.screens.plan_reorder import ReorderHandlers
from tui.screens.plan_revisions import REVISIONS_KEY, RevisionsKey
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.widgets.reorder_list import (PUT_BACK_KEY, REORDER_KEYS, Column, ReorderItem,
                                      ReorderList)
from tui.workers import db_work

COLUMNS = (Column("Title", flex=True), Column("Due", min_width=10),
           Column("Amount", justify="right"), Column("State", min_width=8))
STATE_COLUMN = 3


@dataclass
class PlanLoaded(Message):
    detail: ContractDetail
    proposal: RequestView | None


def rows_of(detail: ContractDetail) -> list[PlanRow]:
    """The saved plan as `rules.plan` reads it."""
    return [PlanRow(id=m.id, position=m.position, title=m.title, amount_cents=m.amount_cents,
                    status=m.status, description=m.description, due_date=m.due_date,
                    revisions_allowed=m.revisions_allowed, criteria=m.criteria)
            for m in detail.milestones]


class MilestoneManagerScreen(ReorderHandlers, PlanBatch, RevisionsKey, BaseScreen):
    BINDINGS = [
        *REORDER_KEYS,
        command("a", "add", "Add", "Add a milestone at the end of the plan."),
        command("e", "edit", "Edit",
                "Edit the highlighted milestone: title, description, due date, amount."),
        command("enter", "edit", "Edit", "Edit the highlighted milestone.", show=False),
        command("d", "delete", "Delete", "Delete the highlighted future milestone."),
        command("u", "undo", "Undo", "Take back the last change (until the plan is saved)."),
        command("c", "show_changes", "Changes", "Show changes: the pending edits beside "
                "the saved plan, each changed field as before → after (U-11)."),
        # One key for both: the client saves (U-11), the freelancer sends a proposal (U-14).
        # f2 first, so the footer shows it: ctrl+s is XOFF on many terminals.
        command("f2", "save", "Save", "Save every pending change at once, or none "
                "(U-11); the freelancer sends them to the client as one proposal (U-14)."),
        command("ctrl+s", "save", "Save", "Save every pending change at once, or none "
                "(U-11); the freelancer sends them to the client as one proposal (U-14)."),
        command("p", "open_proposal", "Proposal",
                "Open the pending milestone proposal, to answer it (U-16)."),
        REVISIONS_KEY,
        # While a row is carried, u would otherwise reach the app (switch user, which
        # leaves this screen): it only says what to do.
        Binding("u", "hold", show=False),
        # Escape: back (first, so that help and the palette list it), or, while a
        # milestone is carried, put it back.
        command("escape", "back", "Back",
                "Close the changes, or leave; unsaved changes are discarded after asking."),
        PUT_BACK_KEY,
        command("q", "quit_app", "Quit", "Leave Milestones (asks first when changes "
                "are not saved).", show=False),
    ]

    def __init__(self, contract_id: int) -> None:
        super().__init__()
        self.contract_id = contract_id
        self.detail: ContractDetail | None = None
        self.proposal: RequestView | None = None
        self.ctx: PlanContext | None = None
        self.saved: list[PlanRow] = []
        self.rows: list[PlanRow] = []
        self.ops: list[PlanOp] = []
        self.changes: list[PlanChange] = []
        self.capacity = ""
        self.can_reorder = False
        self.can_edit = False
        self.note = ""
        self._refs = 0
        self._saving = False
        self._done = False
        self._unavailable = False

    def compose(self) -> ComposeResult:
        yield ActingHeader(f"Contract #{self.contract_id} › Milestones")
        yield Static("Loading…", id="plan-heading")
        yield Static("", id="plan-note")
        yield ReorderList(COLUMNS, moving_column=STATE_COLUMN, id="plan-list")
        with VerticalScroll(id="plan-changes"):
            yield Static("", id="plan-diff")
        yield Static("", id="plan-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#plan-changes").display = False
        self.plan_list.focus()
        self.reload()

    @property
    def plan_list(self) -> ReorderList:
        return self.query_one(ReorderList)

    @property
    def dirty(self) -> bool:
        return bool(self.ops)

    @property
    def showing_changes(self) -> bool:
        return bool(self.query_one("#plan-changes").display)

    # --- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        self._load(self.app.actor, self.contract_id)

    @db_work("plan")
    def _load(self, actor: Account, contract_id: int) -> None:
        detail = contract_detail(actor, contract_id)
        self.post_message(PlanLoaded(detail, pending_proposal(actor, contract_id,
                                                              clock=self.app.clock)))

    @on(PlanLoaded)
    def _loaded(self, message: PlanLoaded) -> None:
        d = self.detail = message.detail
        self.proposal = message.proposal
        actor = self.app.actor
        policy = get_policy(d.policy)
        self.capacity = d.capacity
        by_freelancer = d.capacity == "freelancer"
        self.ctx = PlanContext(policy=policy, starts_on=d.starts_on, end_date=d.end_date,
                               proposal_pending=message.proposal is not None,
                               by_freelancer=by_freelancer)
        self.saved = rows_of(d)
        self.ops, self.changes, self.rows = [], [], list(self.saved)
        may_edit = access.is_allowed("edit_plan", actor.id, actor.role, d.client.id,
                                     d.freelancer.id)
        may_propose = access.is_allowed("propose_changes", actor.id, actor.role, d.client.id,
                                        d.freelancer.id)
        is_open = d.status == "open"
        pending = message.proposal is not None
        self.can_reorder = may_edit and is_open and policy.reorderable and not pending
        self.can_edit = is_open and not pending and (
            (may_edit and policy.plan_editable)
            or (may_propose and policy.freelancer_proposals))
        self.note = self._explain(actor, d, policy, may_edit, may_propose, is_open, pending)
        self.query_one("#plan-heading", Static).update(Content.assemble(
            (f"#{d.id} {shown(d.title)}", "bold"), f" · {d.policy_label} · you: {d.capacity}"))
        self.query_one("#plan-note", Static).update(self.note)  # markup: _explain escapes
        self.plan_list.reorderable = self.can_reorder
        self._show()
        self._say("")
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "plan":
            self._unavailable = True  # BaseScreen has said why (G-07, gone)
            if self.is_current:
                self.dismiss(False)

    def on_screen_resume(self) -> None:
        # It was saved, or failed to load, while help or a dialog was on top.
        if self._done:
            self.dismiss(True)
        elif self._unavailable:
            self.dismiss(False)

    def data_changed(self, contract_ids: set[int], *, time_moved: bool = False) -> None:
        """The deadline sweep changed contracts: reload ours unless edits are pending."""
        if self.contract_id in contract_ids:
            if self.dirty:
                self._say("This contract changed meanwhile; saving checks your changes "
                          "against it.")
            else:
                self.reload()

    # --- the batch ---------------------------------------------------------------------

    def _apply(self, ops: list[PlanOp]) -> bool:
        """Recompute the plan from the saved one and `ops`; False (and the rule's
        refusal shown) when the rules refuse them."""
        try:
            rows, changes = apply_ops(self.saved, ops, self.ctx) if ops else (self.saved, [])
        except RuleError as exc:
            self._say(refusal_text(exc), error=True)
            return False
        self.ops, self.rows, self.changes = ops, list(rows), changes
        return True

    def _push(self, op: PlanOp, done: str, cursor: int | str | None = None) -> bool:
        if not self._apply([*self.ops, op]):
            self._show()  # a refused move goes back where the plan has it
            return False
        self._show(cursor)
        self._say(done)
        return True

    def _items(self) -> list[ReorderItem]:
        marks = marks_of(self.changes)
        items = []
        for r in self.rows:
            if r.is_future:
                state = Text(", ".join(marks.get(r.key, [])), style="bold")
            else:
                state = Text(f"locked · {status_text(r.status, short=True)}", style="italic")
            items.append(ReorderItem(
                key=r.key, locked=not r.is_future, why_locked=status_text(r.status),
                cells=(shown(r.title), date_text(r.due_date), format_money(r.amount_cents), state)))
        return items

    def _show(self, cursor: int | str | None = None) -> None:
        plan_list = self.plan_list
        current = plan_list.current
        plan_list.set_items(self._items(), cursor_key=cursor if cursor is not None
                            else (current.key if current else None))
        if self.showing_changes:
            self._show_diff()
        self.refresh_bindings()

    def _say(self, text: str, *, error: bool = False) -> None:
        """The status line: what just happened, a refusal (inline, in the rule's words),
        or else what is pending."""
        status = self.query_one("#plan-status", Static)
        if text:  # a refusal may quote a title: plain text, control characters visible
            line = user_content(text)
        elif self.ops:
            verb = "sends them" if self.capacity == "freelancer" else "saves them"
            line = (f"{count_text(self.changes)} not saved: [b]c[/b] shows them, "
                    f"[b]u[/b] takes back the last, [b]f2[/b] {verb}.")
        else:
            line = ""
        status.update(line)
        status.set_class(error, "-error")

    # --- add, edit, delete, undo -------------------------------------------------------

    def _current_row(self) -> PlanRow | None:
        item = self.plan_list.current
        return next((r for r in self.rows if r.key == item.key), None) if item else None

    def action_add(self) -> None:
        self.app.push_screen(MilestoneForm(self.ctx), self._added)

    def _added(self, draft: MilestoneDraft | None) -> None:
        if draft is None:
            return
        self._refs += 1
        ref = f"new-{self._refs}"
        f = draft.fields
        op = AddMilestone(title=f["title"], amount_cents=f["amount_cents"],
                          description=f.get("description", ""), due_date=f.get("due_date"),
                          revisions=f.get("revisions_allowed"), ref=ref,
                          criteria=f.get("criteria") or ())
        self._push(op, f"Added “{op.title}” at the end (not saved yet).", cursor=ref)

    def action_edit(self) -> None:
        row = self._current_row()
        if row is None:
            return
        refused = self._refusal([*self.ops, EditMilestone(row.key, {"title": row.title})])
        if refused:
            self._say(refused, error=True)
            return
        self.app.push_screen(MilestoneForm(self.ctx, row),
                             lambda draft: self._edited(row, draft))

    def _edited(self, row: PlanRow, draft: MilestoneDraft | None) -> None:
        if draft is None or not draft.fields:
            return
        parts = "; ".join(describe_field(k, getattr(row, k), v) for k, v in draft.fields.items())
        self._push(EditMilestone(row.key, draft.fields), f"Edited “{row.title}”: {parts}.",
                   cursor=row.key)

    def action_delete(self) -> None:
        row = self._current_row()
        if row is not None:
            self._push(DeleteMilestone(row.key),
                       f"Deleted “{row.title}” (u takes it back until you save).")

    def _refusal(self, ops: list[PlanOp]) -> str:
        try:
            apply_ops(self.saved, ops, self.ctx)
        except RuleError as exc:
            return refusal_text(exc)
        return ""

    def action_undo(self) -> None:
        if not self.ops:
            self._say("Nothing to take back: the plan is as saved.")
            return
        self._apply(self.ops[:-1])
        self._show()
        self._say("Took back the last change.")

    # --- show changes (U-11) -----------------------------------------------------------

    def action_show_changes(self) -> None:
        panel = self.query_one("#plan-changes")
        if self.showing_changes:
            panel.display = False
            self.plan_list.display = True
            self.plan_list.focus()
        else:
            self._show_diff()
            panel.display = True
            self.plan_list.display = False
            panel.focus()
        self.refresh_bindings()

    def _show_diff(self) -> None:
        self.query_one("#plan-diff", Static).update(
            diff_view(self.saved, self.rows, self.changes, self.size.width - 2))

    def action_open_proposal(self) -> None:
        if self.proposal is None:
            return
        self.app.push_screen(RequestScreen(self.proposal.id), lambda _r: self.reload())

    def action_back(self) -> None:
        if self.showing_changes:
            self.action_show_changes()
            return
        if not self.dirty:
            self.dismiss(False)
            return
        self.app.push_screen(ConfirmDialog(
            f"Discard {count_text(self.changes).replace(' ', ' unsaved ', 1)}?",
            "Nothing has been saved yet. Discarding leaves the plan as it was.",
            yes="Discard", no="Keep editing"),
            lambda yes: self.dismiss(False) if yes else None)

    def action_hold(self) -> None:
        self._say("Put the milestone down first (space), or back where it was (escape).")

    def action_quit_app(self) -> None:
        if not self.dirty:
            self.app.exit()
            return
        self.app.push_screen(ConfirmDialog(
            "Quit and discard the unsaved changes?", yes="Quit", no="Keep editing"),
            lambda yes: self.app.exit() if yes else None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted or self.detail is None:
            return action in ("back", "quit_app")
        grabbed = self.plan_list.state != "idle"
        if action in ("grab", "carry_up", "carry_down", "carry_first", "carry_last", "drop",
                      "put_back"):
            return self._reorder_allowed(action) and not self.showing_changes
        if action == "hold":
            return grabbed
        if grabbed:
            return False  # while a row is carried, only the carry keys are offered
        if action in ("add", "edit", "delete"):
            return self.can_edit and not self.showing_changes
        if action == "save":
            return self.can_edit or self.can_reorder
        if action in ("undo", "show_changes"):
            return self.can_edit or self.can_reorder
        if action == "open_proposal":
            return self.proposal is not None
        return True


