"""`b` in the room: the highlighted milestone's evidence bundle (X-35) written to a new
JSON file, the same bundle `milestones evidence` prints. A served session (SSH, web)
has no `b`: it would write a file on the server; there `ssh host evidence N` streams it."""
from __future__ import annotations

from pathlib import Path

from textual import work

from tui.export_action import can_export
from tui.export_files import write_evidence
from tui.safe_text import notify_plain
from tui.screens.contract_actions import FLOW
from tui.screens.milestone_form import MessageDialog

EVIDENCE_HELP = ("Write the highlighted milestone's evidence bundle to a JSON file: its "
                 "acceptance criteria, submissions, messages and audit records with their "
                 "hashes, for a dispute (X-35).")


class RoomEvidence:
    """Mixed into ContractScreen, which provides `target`, `ask`, `call_rules` and
    `refused_by_rules`."""

    def can_write_evidence(self) -> bool:
        return can_export(self) and self.target is not None

    def action_evidence(self) -> None:
        self._evidence(self.target)

    @work(**FLOW)
    async def _evidence(self, m) -> None:
        if m is None or not can_export(self):
            return
        stamp = self.app.clock.now().format("YYYYMMDD-HHmm")
        name = str(Path.cwd() / f"milestones-evidence-m{m.id}-{stamp}.json")
        while True:
            path = await self.ask(MessageDialog(
                f"Evidence of “{m.title}”", "Its criteria, submissions, messages and audit "
                "records go to this new file (X-35).", action="Write", value=name,
                placeholder="a file name"))
            if not path:
                return
            out = await self.call_rules(write_evidence, m.id, path)
            if out.refusal:
                self.refused_by_rules(out.refusal)
                return
            if not out.ok:
                return  # a failure already told (BaseScreen)
            written, text = out.value
            notify_plain(self, text, severity="information" if written else "warning",
                         timeout=8)
            if written:
                return
            name = path  # say why, then ask again with what was typed
