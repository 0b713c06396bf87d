"""The room's funding policy (X-36..X-38): `F` funds every milestone the policy has room
for in one go, and ctrl+f asks the other party for another policy."""
from __future__ import annotations

from textual import work

from rules.funding import (fund_ahead_verdict, funding_change_verdict, funds_ahead)
from rules.funding_change import request_funding_change
from rules.money import format_money
from rules.payments import fund_ahead
from rules.verdicts import Verdict
from tui.commands import command
from tui.screens.contract_actions import FLOW
from tui.screens.dialogs.confirm import ReadBackDialog
from tui.screens.dialogs.funding import FundingDialog

FUNDING_KEYS = [
    command("F", "fund_ahead", "Fund ahead", "Fund, in list order, every future milestone "
            "this contract's funding policy has room for: up to its limit, or all of them "
            "up front (X-36, X-37)."),
    command("ctrl+f", "change_funding", "Funding…", "Ask the other party to fund this contract "
            "another way: one milestone at a time, a number at a time, or all up front; "
            "they accept or decline (X-38).", show=False),
]


class RoomFunding:
    """Mixed into ContractScreen, which provides `detail`, `availability`, `ask`,
    `ask_until_done`, `call_rules`, `succeeded` and `refused_by_rules`."""

    def fund_ahead_verdict(self) -> Verdict | None:
        if self.detail is None or self.availability is None:
            return None
        return fund_ahead_verdict(self.detail, self.availability.of("fund_next"))

    def change_funding_verdict(self) -> Verdict | None:
        if self.detail is None:
            return None
        return funding_change_verdict(self.detail, self.detail.capacity)

    def action_fund_ahead(self) -> None:
        self._fund_ahead()

    @work(**FLOW)
    async def _fund_ahead(self) -> None:
        d = self.detail
        chosen = funds_ahead(d)
        if not chosen or not self.fund_ahead_verdict():
            return
        total = sum(m.amount_cents for m in chosen)
        lines = [f"“{m.title}”: {format_money(m.amount_cents)}" for m in chosen]
        lines.append(f"{format_money(total)} goes into escrow, project funds first (U-04); "
                     "each milestone stays there until it is released or refunded.")
        n = len(chosen)
        if not await self.ask(ReadBackDialog(f"Fund {n} milestone{'s' if n != 1 else ''}",
                                             lines, "Fund them")):
            return
        out = await self.call_rules(fund_ahead, d.id)
        if out.refusal:
            self.refused_by_rules(out.refusal)
        elif out.ok:
            self.succeeded(f"Funded {len(out.value)} milestone"
                           f"{'s' if len(out.value) != 1 else ''}: {format_money(total)} "
                           "in escrow.")

    def action_change_funding(self) -> None:
        self._change_funding()

    @work(**FLOW)
    async def _change_funding(self) -> None:
        d = self.detail
        other = d.freelancer if d.capacity == "client" else d.client
        done = await self.ask_until_done(
            lambda draft, error: FundingDialog(d.funding_limit, other.display_name,
                                               draft=draft, error=error),
            lambda draft: self.call_rules(request_funding_change, d.id, draft.funding,
                                          draft.message))
        if done and done[1].ok:
            self.succeeded(f"Asked {other.display_name} to change the funding; they have "
                           "7 days to answer.")
