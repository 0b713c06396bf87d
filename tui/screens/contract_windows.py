"""The contract room's open windows: each with what it waits for, its due time in the
reader's zone and its countdown (refreshed every minute from memory), and when the
reader last nudged about it; and the nudge itself (X-27, X-28), one key that reminds the
other party of the soonest window they have not answered."""
from __future__ import annotations

from textual import work
from textual.content import Content
from textual.widgets import Static

from rules.availability import Verdict
from rules.contract_view import ContractDetail
from rules.nudges import nudge, room_nudge_verdict, room_nudges, sent_ago
from tui.format import countdown, local_time
from tui.safe_text import shown
from tui.screens.contract_actions import FLOW
from tui.screens.contract_releases import held_line
from tui.screens.dialogs.confirm import ReadBackDialog

# What each open window waits for, as a sentence about this contract.
WAITING_FOR = {
    "review": "Client's review of {m}",
    "start_next": "Start of the next milestone",
    "change_request": "Pending change request on {m}: the other party's answer",
    "refund_answer": "Answer to the refund request on {m}",
    "dispute_response": "Client's reply to the dispute on {m}",
}

NUDGE_HELP = ("Remind the other party of the open window they have not answered, with "
              "the time left before its outcome: once per 24 hours per window (X-27, X-28).")


def deadline_lines(d: ContractDetail, now, tz: str) -> list[Content]:
    titles = {m.id: m.title for m in d.milestones}
    lines = []
    for dl in d.deadlines:
        # milestone_id, not .milestone: a foreign key read here would query the
        # database on the event loop.
        m = titles.get(dl.milestone_id)
        held = d.held_releases.get(dl.milestone_id) if dl.kind == "release_at" else None
        if held is not None:  # waits for nobody, says when it is final
            lines.append(Content.assemble(*held_line(m or "the milestone", held, now, tz,
                                                     client=d.capacity == "client")))
            continue
        what = WAITING_FOR.get(dl.kind, dl.kind.replace("_", " ")).format(
            m=f"“{m}”" if m else "the milestone")
        if dl.kind == "change_request" and dl.milestone_id is None:
            what = "Pending funding request: the other party's answer"
        parts = [shown(what), f" until {local_time(dl.due_at, tz)} (",
                 (countdown(dl.due_at, now), "bold"), ")"]
        if dl.id in d.last_nudged:
            parts.append(f" · you nudged {sent_ago(d.last_nudged[dl.id], now)}")
        lines.append(Content.assemble(*parts))
    return lines


class RoomWindows:
    """Mixed into ContractScreen, which provides `detail`, `call_rules`, `ask`,
    `succeeded` and `refused_by_rules`."""

    detail: ContractDetail | None

    def _show_deadlines(self, d: ContractDetail, now, tz: str) -> None:
        lines = deadline_lines(d, now, tz)
        self.query_one("#deadlines-box").display = bool(lines)
        self.query_one("#deadlines", Static).update(Content("\n").join(lines))

    def _nudge_options(self):
        if self.detail is None:
            return []
        return room_nudges(self.app.actor, self.detail, self.app.clock.now())

    def nudge_verdict(self) -> Verdict | None:
        """rules.nudges.room_nudge_verdict for the palette and the footer; None while
        loading."""
        if self.detail is None:
            return None
        return room_nudge_verdict(self.app.actor, self.detail, self.app.clock.now())

    def action_nudge(self) -> None:
        self._nudge()

    @work(**FLOW)
    async def _nudge(self) -> None:
        option = next((o for o in self._nudge_options() if o.allowed), None)
        if option is None:
            return
        d = self.detail
        to = d.client if option.recipient_id == d.client.id else d.freelancer
        lines = [f"{to.display_name} gets this notification:", option.text,
                 "You can nudge about this window again in 24 hours (X-28)."]
        if not await self.ask(ReadBackDialog(f"Nudge {to.display_name}?", lines, "Nudge")):
            return
        out = await self.call_rules(nudge, option.deadline_id)
        if out.refusal:
            self.refused_by_rules(out.refusal)
        elif out.ok:
            self.succeeded(f"{to.display_name} was nudged: {option.text}")
