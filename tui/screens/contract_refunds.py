"""The contract room's refund, dispute and cancellation keys (U-29, U-32, U-33, G-02,
F-08): each opens its dialog, runs one `rules/` call in a thread worker (see
`contract_actions.RoomFlows`), and refreshes the room."""
from __future__ import annotations

from typing import Callable

from textual import work

from rules.availability import open_refund
from rules.contract_view import MilestoneView
from rules.money import format_money
from rules.policy import get_policy
from rules.refunds import (agree_refund, dispute_refund, request_refund, resolve_dispute,
                           respond_to_dispute)
from rules.support import cancel_milestone, cancel_order
from tui.format import countdown, local_time
from tui.screens.contract_actions import FLOW, RoomFlows
from tui.screens.dialogs.cancel import CancelDialog
from tui.screens.dialogs.confirm import ReadBackDialog
from tui.screens.dialogs.message import SendMessageDialog
from tui.screens.dialogs.refund import RefundDialog
from tui.screens.dialogs.resolve_dispute import ResolveDisputeDialog
from tui.widgets.criteria import criteria_block


class RefundActions(RoomFlows):
    # --- refunds and disputes ----------------------------------------------------------

    def action_request_refund(self) -> None:
        self._request_refund(self.target)

    @work(**FLOW)
    async def _request_refund(self, m: MilestoneView) -> None:
        policy = get_policy(self.detail.policy)
        paid = m.paid_cents if m.status == "released" else None
        done = await self.ask_until_done(
            lambda draft, error: RefundDialog(
                m.title, escrow_cents=m.escrow_cents, paid_cents=paid,
                freelancer=self.detail.freelancer.display_name,
                answer_days=policy.refund_answer_days, draft=draft, error=error),
            lambda draft: self.call_rules(request_refund, m.id, draft.amount_cents,
                                          draft.reason))
        if done and done[1].ok:
            self.succeeded(f"Asked for {format_money(done[1].value.amount_cents)} back on "
                           f"“{m.title}”; {self.detail.freelancer.display_name} answers next.")

    def action_agree_refund(self) -> None:
        self._agree_refund(self.target)

    @work(**FLOW)
    async def _agree_refund(self, m: MilestoneView) -> None:
        rr = open_refund(self.detail, m.id)
        client = self.detail.client.display_name
        where = "the escrow" if rr.source == "escrow" else "what you were paid"
        lines = [f"{client} asked for {format_money(rr.amount_cents)} back on “{m.title}”.",
                 f"Agreeing returns it to {client} from {where} (U-29)."]
        if rr.reason:
            lines.insert(1, f"Their reason: {rr.reason}")
        if not await self.ask(ReadBackDialog("Agree to the refund", lines,
                                            f"Refund {format_money(rr.amount_cents)}")):
            return
        out = await self.call_rules(agree_refund, rr.id)
        if out.refusal:
            self.refused_by_rules(out.refusal)
        elif out.ok:
            self.succeeded(f"Refund agreed: {format_money(rr.amount_cents)} returned to "
                           f"{client}.")

    def action_dispute_refund(self) -> None:
        self._dispute_refund(self.target)

    @work(**FLOW)
    async def _dispute_refund(self, m: MilestoneView) -> None:
        rr = open_refund(self.detail, m.id)
        days = get_policy(self.detail.policy).dispute_response_business_days
        lines = [f"{self.detail.client.display_name} asked for "
                 f"{format_money(rr.amount_cents)} back on “{m.title}”."
                 + (f" Their reason: {rr.reason}" if rr.reason else ""),
                 f"Disputing keeps it in escrow: the client has {days} business days to "
                 "respond, or the amount goes to you; a response hands it to support "
                 "(U-33, G-02).", *criteria_block(m)]
        await self._message_flow(
            lines, title=f"Dispute the refund · “{m.title}”", label="Why",
            send="Dispute", call=lambda text: (dispute_refund, rr.id, text),
            done="Refund disputed: the client has been told.")

    def action_respond_to_dispute(self) -> None:
        self._respond_to_dispute(self.target)

    @work(**FLOW)
    async def _respond_to_dispute(self, m: MilestoneView) -> None:
        rr = open_refund(self.detail, m.id)
        due = next((d for d in self.detail.deadlines if d.kind == "dispute_response"
                    and d.refund_request_id == rr.id), None)
        by = (f" by {local_time(due.due_at, self.app.actor.timezone)} "
              f"({countdown(due.due_at, self.app.clock.now())})" if due else "")
        lines = [f"{self.detail.freelancer.display_name} disputed your refund of "
                 f"{format_money(rr.amount_cents)} on “{m.title}”.",
                 f"Respond{by} and a support agent decides the split (G-02); with no "
                 "response the amount goes to the freelancer (U-33).", *criteria_block(m)]
        await self._message_flow(
            lines, title=f"Respond to the dispute · “{m.title}”", label="Your response",
            send="Respond", call=lambda text: (respond_to_dispute, rr.id, text),
            done="Response sent: a support agent will decide.")

    async def _message_flow(self, lines, *, title: str, label: str, send: str,
                            call: Callable, done: str) -> None:
        outcome = await self.ask_until_done(
            lambda text, error: SendMessageDialog(title, lines, label=label, send=send,
                                                  text=text or "", error=error),
            lambda text: self.call_rules(*call(text)))
        if outcome and outcome[1].ok:
            self.succeeded(done)

    def action_resolve_dispute(self) -> None:
        self._resolve_dispute(self.target)

    @work(**FLOW)
    async def _resolve_dispute(self, m: MilestoneView) -> None:
        rr = open_refund(self.detail, m.id)
        client, freelancer = self._names()
        claims = f" The client's reason: {rr.reason}" if rr.reason else ""
        done = await self.ask_until_done(
            lambda draft, error: ResolveDisputeDialog(
                m.title, rr.amount_cents, client=client, freelancer=freelancer,
                claims=claims, criteria=criteria_block(m), draft=draft, error=error),
            lambda draft: self.call_rules(resolve_dispute, rr.id, draft.to_freelancer_cents,
                                          draft.to_client_cents, draft.reason))
        if done and done[1].ok:
            split = done[0]
            self.succeeded(f"Dispute resolved: {format_money(split.to_freelancer_cents)} to "
                           f"{freelancer}, {format_money(split.to_client_cents)} to {client}.")

    # --- support cancellations ---------------------------------------------------------

    def action_cancel(self) -> None:
        m = self.target
        one = m if m is not None and self.availability.of("cancel_milestone", m.id) else None
        self._cancel(one)

    @work(**FLOW)
    async def _cancel(self, m: MilestoneView | None) -> None:
        d = self.detail
        client = d.client.display_name
        held = sum(x.escrow_cents for x in d.milestones)
        one_effect = (f"{format_money(m.escrow_cents)} in escrow returns to {client}."
                      if m is not None and m.escrow_cents else
                      "It is closed and will not be funded.")
        order_effect = (f"Every unfinished milestone ends; {format_money(held)} in escrow and "
                        f"{format_money(d.totals.project_funds_cents)} of project funds "
                        f"return to {client}.")
        done = await self.ask_until_done(
            lambda draft, error: CancelDialog(m.title if m else None, one_effect,
                                              order_effect, draft=draft, error=error),
            lambda draft: (self.call_rules(cancel_order, d.id, draft.reason)
                           if draft.whole_order
                           else self.call_rules(cancel_milestone, m.id, draft.reason)))
        if done and done[1].ok:
            self.succeeded("Order cancelled." if done[0].whole_order
                           else f"Cancelled “{m.title}”.")
