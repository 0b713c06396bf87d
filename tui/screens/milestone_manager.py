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

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.markup import escape
from textual.message import Message
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from models.accounts import Account
from rules import access
from rules.change_requests import propose_milestone_changes
from rules.errors import RuleError
from rules.inbox import RequestView, pending_proposal
from rules.plan import (AddMilestone, DeleteMilestone, EditMilestone, PlanChange,
                        PlanContext, PlanOp, PlanRow, ReorderMilestones, apply_ops,
                        describe_field, show_value)
from rules.planning import save_plan
from rules.policy import get_policy
from rules.queries import ContractDetail, contract_detail
from tui.commands import command
from tui.format import clip, date_text, format_money, status_text
from tui.screens.base import BaseScreen
from tui.screens.inbox import RequestScreen
from tui.screens.milestone_form import (ConfirmDialog, MessageDialog, MilestoneDraft,
                                        MilestoneForm, refusal_text)
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


@dataclass
class PlanSaved(Message):
    summary: str
    proposed: bool


@dataclass
class PlanRefused(Message):
    text: str


def rows_of(detail: ContractDetail) -> list[PlanRow]:
    """The saved plan as `rules.plan` reads it."""
    return [PlanRow(id=m.id, position=m.position, title=m.title, amount_cents=m.amount_cents,
                    status=m.status, description=m.description, due_date=m.due_date,
                    revisions_allowed=m.revisions_allowed) for m in detail.milestones]


def shown_changes(changes: list[PlanChange]) -> list[PlanChange]:
    """The changes worth showing: `rules.plan.diff_plans` also lists as moved a row whose
    position number ends where it was (it made room for one row and lost another above
    it); its place did not change, so it is not shown as moved."""
    return [c for c in changes
            if not (c.kind == "moved" and c.fields["position"][0] == c.fields["position"][1])]


def marks_of(changes: list[PlanChange]) -> dict[int | str, list[str]]:
    marks: dict[int | str, list[str]] = {}
    for c in shown_changes(changes):
        word = {"added": "new"}.get(c.kind, c.kind)
        marks.setdefault(c.key, []).append(word)
    return marks


class MilestoneManagerScreen(BaseScreen):
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
        command("ctrl+s", "save", "Save", "Save every pending change at once, or none "
                "(U-11); the freelancer sends them to the client as one proposal (U-14)."),
        command("f2", "save", "Save", "Save every pending change at once, or none "
                "(U-11); the freelancer sends them to the client as one proposal (U-14).",
                show=False),
        command("p", "open_proposal", "Proposal",
                "Open the pending milestone proposal, to answer it (U-16)."),
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
        yield Footer(compact=True)

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
        self.query_one("#plan-heading", Static).update(
            f"[b]#{d.id} {escape(d.title)}[/b] · {d.policy_label} · you: {d.capacity}")
        self.query_one("#plan-note", Static).update(self.note)
        self.plan_list.reorderable = self.can_reorder
        self._show()
        self._say("")
        self.refresh_bindings()

    def _explain(self, actor, d: ContractDetail, policy, may_edit: bool, may_propose: bool,
                 is_open: bool, pending: bool) -> str:
        """Why the plan can or cannot change, in the rules' own words."""
        if not is_open:
            return f"This contract is {d.status}: its milestones can no longer change (G-03)."
        if not (may_edit or may_propose):
            try:
                access.check("edit_plan", actor.id, actor.role, d.client.id, d.freelancer.id)
            except RuleError as exc:
                return f"{exc.message} You see the plan; nothing here can change it."
        if pending and may_edit:
            return (self._probe(AddMilestone("probe", policy.min_milestone_cents))
                    + " Press [b]p[/b] to open the proposal.")
        if pending:
            return ("Your proposal is waiting for the client's answer; one proposal at a "
                    "time (U-16). Press [b]p[/b] to see it.")
        if may_propose and not policy.freelancer_proposals:
            rule = "U-10" if policy.name == "upwork-compliance" else "U-14"
            return f"Milestone proposals are not available on {policy.label} ({rule})."
        if may_propose:
            return ("Your changes go to the client as one proposal (U-14): [b]a[/b] adds, "
                    "[b]e[/b] edits, [b]d[/b] deletes future milestones; [b]ctrl+s[/b] "
                    "sends them.")
        if not policy.plan_editable:
            why = escape(self._probe(AddMilestone("probe", policy.min_milestone_cents)))
            if policy.reorderable:
                return why + " [b]space[/b] picks up a future milestone to move it."
            return why
        return ("[b]space[/b] picks up a future milestone to move it; [b]a[/b] adds, "
                "[b]e[/b] edits, [b]d[/b] deletes. Nothing is saved until [b]ctrl+s[/b].")

    def _probe(self, op: PlanOp) -> str:
        """The rule's refusal of `op` on this plan, in its own words (or "")."""
        try:
            apply_ops(self.saved, [op], self.ctx)
        except RuleError as exc:
            return refusal_text(exc)
        return ""

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
                cells=(r.title, date_text(r.due_date), format_money(r.amount_cents), state)))
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
        if text:
            shown = escape(text)
        elif self.ops:
            n = len(shown_changes(self.changes))
            verb = "sends them" if self.capacity == "freelancer" else "saves them"
            shown = (f"{n} change{'s' if n != 1 else ''} not saved: [b]c[/b] shows them, "
                     f"[b]u[/b] takes back the last, [b]ctrl+s[/b] {verb}.")
        else:
            shown = ""
        status.update(shown)
        status.set_class(error, "-error")

    # --- reordering (the list's state machine tells us what happened) -------------------

    def _reorder_allowed(self, action: str) -> bool:
        return self.is_mounted and self.can_reorder and self.plan_list.allows(action)

    @on(ReorderList.Grabbed)
    def _grabbed(self, message: ReorderList.Grabbed) -> None:
        item = self.plan_list.grabbed
        title = item.cells[0] if item else ""
        self._say(f"Moving “{title}”: ↑ ↓ (or j k) carry it, space or enter puts it "
                  "down, escape puts it back.")
        self.refresh_bindings()

    @on(ReorderList.Dropped)
    def _dropped(self, message: ReorderList.Dropped) -> None:
        self.refresh_bindings()
        future = tuple(i.key for i in self.plan_list.items if not i.locked)
        row = next(r for r in self.rows if r.key == message.key)
        self._push(ReorderMilestones(future),
                   f"Moved “{row.title}” from {message.origin + 1} to {message.index + 1}.",
                   cursor=message.key)

    @on(ReorderList.PutBack)
    def _put_back(self, message: ReorderList.PutBack) -> None:
        self._say("")
        self.refresh_bindings()

    @on(ReorderList.Blocked)
    def _blocked(self, message: ReorderList.Blocked) -> None:
        locked = message.locked
        self._say(f"“{locked.cells[0]}” is {locked.why_locked}: active and finished "
                  "milestones keep their place in the list (U-09).", error=True)

    def action_grab(self) -> None:
        self.plan_list.grab()

    def action_carry_up(self) -> None:
        self.plan_list.carry(-1)

    def action_carry_down(self) -> None:
        self.plan_list.carry(1)

    def action_carry_first(self) -> None:
        self.plan_list.carry_to_end(last=False)

    def action_carry_last(self) -> None:
        self.plan_list.carry_to_end(last=True)

    def action_drop(self) -> None:
        self.plan_list.drop()

    def action_put_back(self) -> None:
        self.plan_list.put_back()

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
                          revisions=f.get("revisions_allowed"), ref=ref)
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

    # --- save, propose, leave ----------------------------------------------------------

    def action_save(self) -> None:
        if self._saving:
            return  # one save at a time: the first is still being written
        if self.capacity == "freelancer":
            self._ask_and_propose()
            return
        if not self.ops:
            self._say("Nothing to save: the plan is as saved.")
            return
        self._saving = True
        self._say("Saving…")
        self._save(self.app.actor, list(self.ops), self.detail.version)

    @db_work("save-plan")
    def _save(self, actor: Account, ops: list[PlanOp], version: int) -> None:
        try:
            save_plan(actor, self.contract_id, ops, version=version, clock=self.app.clock)
        except RuleError as exc:
            self.post_message(PlanRefused(refusal_text(exc)))
            return
        self.post_message(PlanSaved(self._summary(), proposed=False))

    def _ask_and_propose(self) -> None:
        if not self.ops:
            self._say("Nothing to propose yet: a adds, e edits, d deletes.")
            return
        n = len(shown_changes(self.changes))
        self.app.push_screen(MessageDialog(
            "Send the proposal", f"{n} change{'s' if n != 1 else ''} go to the client, who "
            "accepts or declines them all (U-15). A note for the client:", action="Send"),
            self._send_proposal)

    def _send_proposal(self, note: str | None) -> None:
        if note is None:
            return
        self._saving = True
        self._say("Sending…")
        self._propose(self.app.actor, list(self.ops), note)

    @db_work("save-plan")
    def _propose(self, actor: Account, ops: list[PlanOp], note: str) -> None:
        try:
            propose_milestone_changes(actor, self.contract_id, ops, note, clock=self.app.clock)
        except RuleError as exc:
            self.post_message(PlanRefused(refusal_text(exc)))
            return
        self.post_message(PlanSaved(self._summary(), proposed=True))

    def _summary(self) -> str:
        n = len(shown_changes(self.changes))
        return f"{n} milestone change{'s' if n != 1 else ''}"

    @on(PlanSaved)
    def _saved(self, message: PlanSaved) -> None:
        self._saving = False
        self.ops = []
        if message.proposed:
            self.notify(f"Proposal sent to the client: {message.summary}.", timeout=5)
        else:
            self.notify(f"Saved: {message.summary}.", timeout=5)
        self._done = True
        if self.is_current:
            self.dismiss(True)

    @on(PlanRefused)
    def _refused(self, message: PlanRefused) -> None:
        self._saving = False
        self._say(message.text, error=True)  # the batch stays, to fix or take back

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
        n = len(shown_changes(self.changes))
        self.app.push_screen(ConfirmDialog(
            f"Discard {n} unsaved change{'s' if n != 1 else ''}?",
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


def diff_view(saved: list[PlanRow], rows: list[PlanRow], changes: list[PlanChange],
              width: int) -> Group:
    """U-11: the saved plan beside the plan after saving, then each change as
    before → after per field."""
    marks = marks_of(changes)
    removed = {c.key for c in changes if c.kind == "deleted"}
    col = max((width - 3) // 2, 20)
    money = max((len(format_money(r.amount_cents)) for r in [*saved, *rows]), default=5)
    number = len(str(max(len(saved), len(rows), 1)))

    marks_width = max([len(", ".join(m)) for m in marks.values()] + [len("removed")])
    longest = max((len(r.title) for r in [*saved, *rows]), default=4)
    # Titles as wide as the longest (a wide terminal need not spread the columns).
    title_room = max(min(col - number - money - marks_width - 3, longest), 4)

    def line(pos: int, r: PlanRow, mark: str) -> Text:
        text = Text(f"{pos:>{number}} ")
        text.append(clip(r.title, title_room).ljust(title_room),
                    style="strike" if mark == "removed" else "")
        text.append(f" {format_money(r.amount_cents):>{money}}")
        if mark:
            text.append(f" {mark}", style="bold")
        return text

    left = Text("\n").join(
        [Text("Saved plan", style="bold underline")]
        + [line(r.position, r, "removed" if r.key in removed else
                ("locked" if not r.is_future else "")) for r in saved])
    right = Text("\n").join(
        [Text("After saving", style="bold underline")]
        + [line(i + 1, r, ("locked" if not r.is_future else
                           ", ".join(marks.get(r.key, [])))) for i, r in enumerate(rows)])
    side = Table.grid(padding=(0, 3))
    side.add_column(width=col, no_wrap=True)
    side.add_column(width=col, no_wrap=True)
    side.add_row(left, right)

    listed = Table.grid(padding=(0, 1))
    listed.add_column(no_wrap=True, style="bold")
    listed.add_column(ratio=1)
    order = {"added": 0, "deleted": 1, "moved": 2, "edited": 3}
    changes = shown_changes(changes)
    for c in sorted(changes, key=lambda c: order.get(c.kind, 9)):
        if c.kind == "moved":
            b, a = c.fields["position"]
            what = Text.assemble(f"“{c.title}”: ", (f"{b} → {a}", "bold"))
        elif c.kind == "edited":
            what = Text(f"“{c.title}”")
            for name, (b, a) in c.fields.items():
                what.append("\n  " + describe_field(name, b, a))
        elif c.kind == "added":
            r = next((r for r in rows if r.key == c.key), None)
            what = Text(f"“{c.title}”")
            if r is not None:
                what.append(f"  {show_value('amount_cents', r.amount_cents)}, due "
                            f"{show_value('due_date', r.due_date)}")
        else:
            what = Text(f"“{c.title}”")
        listed.add_row({"deleted": "removed"}.get(c.kind, c.kind), what)
    n = len(changes)
    heading = Text(f"{n} pending change{'s' if n != 1 else ''}" if n else
                   "No pending changes: the plan is as saved.", style="bold")
    intro = Text("Show changes (U-11): the saved plan beside the plan after saving; "
                 "c or escape goes back to the list.", style="dim")
    return Group(intro, Text(""), side, Text(""), heading, listed)
