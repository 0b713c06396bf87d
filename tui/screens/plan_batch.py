"""What may happen to the milestone manager's batch, and its end: the note saying why
the plan can or cannot change (in the rules' own words), and saving it (the client,
U-11: one transaction through `rules.planning.save_plan`) or sending it as one proposal
(the freelancer, U-14: `rules.change_requests.propose_milestone_changes`).

`PlanBatch` is a mixin of `MilestoneManagerScreen` (its `saved`, `ops`, `changes`,
`ctx`, `capacity`, `_say`); its message handlers are named (`on_plan_saved`), not
decorated, because Textual registers `@on` only on the classes it builds.
"""
from __future__ import annotations

from dataclasses import dataclass

from textual.markup import escape
from textual.message import Message

from models.accounts import Account
from rules import access
from rules.change_requests import propose_milestone_changes
from rules.contract_view import ContractDetail
from rules.errors import RuleError
from rules.plan import AddMilestone, PlanOp, apply_ops
from rules.planning import save_plan
from tui.safe_text import notify_plain
from tui.screens.milestone_form import MessageDialog, refusal_text
from tui.screens.plan_changes import count_text
from tui.workers import db_work


@dataclass
class PlanSaved(Message):
    summary: str
    proposed: bool
    said: str = ""  # what to say instead (a counter-proposal, tui.screens.plan_counter)


@dataclass
class PlanRefused(Message):
    text: str


class PlanBatch:
    def _explain(self, actor, d: ContractDetail, policy, may_edit: bool, may_propose: bool,
                 is_open: bool, pending: bool) -> str:
        """Why the plan can or cannot change, in the rules' own words."""
        if not is_open:
            return f"This contract is {d.status}: its milestones can no longer change (G-03)."
        if not (may_edit or may_propose):
            try:
                access.check("edit_plan", actor.id, actor.role, d.client.id, d.freelancer.id)
            except RuleError as exc:
                return f"{escape(exc.message)} You see the plan; nothing here can change it."
        if pending and may_edit:
            return (escape(self._probe(AddMilestone("probe", policy.min_milestone_cents)))
                    + " Press [b]p[/b] to open the proposal.")
        if pending:
            return ("Your proposal is waiting for the client's answer; one proposal at a "
                    "time (U-16). Press [b]p[/b] to see it.")
        if may_propose and not policy.freelancer_proposals:
            rule = "U-10" if policy.name == "upwork-compliance" else "U-14"
            return f"Milestone proposals are not available on {policy.label} ({rule})."
        if may_propose:
            return ("Your changes go to the client as one proposal (U-14): [b]a[/b] adds, "
                    "[b]e[/b] edits, [b]d[/b] deletes future milestones; [b]f2[/b] "
                    "sends them.")
        if not policy.plan_editable:
            why = escape(self._probe(AddMilestone("probe", policy.min_milestone_cents)))
            if policy.reorderable:
                return why + " [b]space[/b] picks up a future milestone to move it."
            return why
        return ("[b]space[/b] picks up a future milestone to move it; [b]a[/b] adds, "
                "[b]e[/b] edits, [b]d[/b] deletes. Nothing is saved until [b]f2[/b].")

    def _probe(self, op: PlanOp) -> str:
        """The rule's refusal of `op` on this plan, in its own words (or "")."""
        try:
            apply_ops(self.saved, [op], self.ctx)
        except RuleError as exc:
            return refusal_text(exc)
        return ""


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
        self.app.push_screen(MessageDialog(
            "Send the proposal", f"{count_text(self.changes)} go to the client, who "
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
        return f"milestone {count_text(self.changes)}"

    def on_plan_saved(self, message: PlanSaved) -> None:
        self._saving = False
        self.ops = []
        if message.said:
            notify_plain(self, message.said, timeout=5)
        elif message.proposed:
            notify_plain(self, f"Proposal sent to the client: {message.summary}.", timeout=5)
        else:
            notify_plain(self, f"Saved: {message.summary}.", timeout=5)
        self._done = True
        if self.is_current:
            self.dismiss(True)

    def on_plan_refused(self, message: PlanRefused) -> None:
        self._saving = False
        self._say(message.text, error=True)  # the batch stays, to fix or take back
