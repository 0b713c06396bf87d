"""The room's held releases (X-29, X-30): the line that says when a releasing milestone
becomes final, and the one key that takes it back before then (X-31)."""
from __future__ import annotations

from textual import work

from rules.availability import Verdict
from rules.contract_view import ContractDetail, HeldRelease
from rules.money import format_money
from rules.pending_release import take_back_release, take_back_verdict
from tui.format import countdown, local_time
from tui.safe_text import shown
from tui.screens.contract_actions import FLOW

TAKE_BACK_HELP = ("Take back a release that is not final yet (scheduled, or inside its "
                  "undo window): nothing is paid and the milestone is as it was (X-31).")


def held_line(title: str, held: HeldRelease, now, tz: str, *, client: bool) -> list:
    """ "“Wireframes” releasing, final at 14:32 (in 9 min) · z undoes it": what both
    parties read while a release is held, the client with the key that undoes it."""
    what = "scheduled" if held.kind == "scheduled" else "releasing"
    parts = [shown(f"“{title}” {what}, final at "),
             local_time(held.final_at, tz), " (", (countdown(held.final_at, now), "bold"), ")"]
    if client and now < held.final_at:
        parts.append(" · z undoes it")
    return parts


class RoomReleases:
    """Mixed into ContractScreen, which provides `detail`, `target`, `call_rules`,
    `succeeded` and `refused_by_rules`."""

    detail: ContractDetail | None

    def take_back_verdict(self) -> Verdict | None:
        """rules.pending_release.take_back_verdict for the footer and palette; None while
        loading."""
        if self.detail is None:
            return None
        m = self.target
        return take_back_verdict(self.detail, self.detail.capacity,
                                 m.id if m is not None else None, self.app.clock.now())

    def action_take_back(self) -> None:
        self._take_back(self.target)

    @work(**FLOW)
    async def _take_back(self, m) -> None:
        # One key, no confirmation: taking back is itself the undo, and a release made
        # again reads its amounts back first.
        verdict = self.take_back_verdict()
        if m is None or not verdict:
            return
        out = await self.call_rules(take_back_release, m.id, version=m.version)
        if out.refusal:
            self.refused_by_rules(out.refusal)
        elif out.ok:
            self.succeeded(f"Took back the release of {format_money(out.value.amount_cents)} "
                           f"for “{m.title}”: nothing was paid.")
