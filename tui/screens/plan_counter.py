"""The milestone manager as the answer to a pending proposal (X-22): it opens with the
proposal's batch applied, to amend like any batch (a adds, e edits, d deletes, u takes
back); f2 sends the amended batch to the other party as a counter-proposal
(`rules.counters.counter_proposal`). Nothing is saved to the plan here: the plan changes
when the other party accepts (U-15)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from textual import on
from textual.message import Message

from models.accounts import Account
from rules.contract_view import ContractDetail, contract_detail
from rules.counters import counter_proposal, proposal_ops
from rules.errors import RuleError
from rules.inbox import RequestView
from rules.plan import PlanOp
from tui.screens.milestone_form import MessageDialog, refusal_text
from tui.screens.milestone_manager import MilestoneManagerScreen, PlanLoaded
from tui.screens.plan_batch import PlanRefused, PlanSaved
from tui.screens.plan_changes import count_text
from tui.workers import db_work


@dataclass
class CounterLoaded(Message):
    detail: ContractDetail
    ops: list[PlanOp]


class CounterPlanScreen(MilestoneManagerScreen):
    def __init__(self, request: RequestView) -> None:
        super().__init__(request.contract_id)
        self.request = request

    @db_work("plan")
    def _load(self, actor: Account, contract_id: int) -> None:
        self.post_message(CounterLoaded(contract_detail(actor, contract_id),
                                        proposal_ops(actor, self.request.id)))

    @on(CounterLoaded)
    def _counter_loaded(self, message: CounterLoaded) -> None:
        # The manager's own set-up, as if no proposal were pending; then the batch is the
        # proposal's, checked as a proposal is (U-14: future milestones, no reordering).
        MilestoneManagerScreen._loaded(self, PlanLoaded(message.detail, None))
        self.ctx = replace(self.ctx, by_freelancer=True, proposal_pending=False)
        self.can_reorder = False
        self.can_edit = self.detail.status == "open"
        self.plan_list.reorderable = False
        self.note = ("You answer the proposal with your own version (X-22): it opens with "
                     "the proposal's changes; [b]a[/b] adds, [b]e[/b] edits, [b]d[/b] "
                     "deletes, [b]u[/b] takes back; [b]f2[/b] sends it.")
        self.query_one("#plan-note").update(self.note)
        self._apply(message.ops)
        self._show()
        self.refresh_bindings()

    def action_save(self) -> None:
        if self._saving:
            return
        if not self.ops:
            self._say("Nothing to send: the counter-proposal changes nothing.")
            return
        self.app.push_screen(MessageDialog(
            "Send the counter-proposal", f"{count_text(self.changes)} go to the other "
            "party, who accepts, declines or counters them (X-22). A note:", action="Send"),
            self._send_counter)

    def _send_counter(self, note: str | None) -> None:
        if note is None:
            return
        self._saving = True
        self._say("Sending…")
        self._counter(self.app.actor, list(self.ops), note)

    @db_work("save-plan")
    def _counter(self, actor: Account, ops: list[PlanOp], note: str) -> None:
        try:
            counter_proposal(actor, self.request.id, ops, note, clock=self.app.clock)
        except RuleError as exc:
            self.post_message(PlanRefused(refusal_text(exc)))
            return
        self.post_message(PlanSaved(self._summary(), proposed=True, said=(
            f"Counter-proposal sent: {self._summary()}.")))
