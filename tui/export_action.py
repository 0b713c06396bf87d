"""`E` on the contract list and in the room: the export dialog, then the file written in
a thread worker (rules.export decides what may be seen; tui.export_files writes).

A served session (SSH, web) has no `E`: it would write a file on the server (the
principle that a served session touches nothing on the host). There the same rows come
through the CLI: `ssh host export …`."""
from __future__ import annotations

from pathlib import Path

from textual import work
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from rules.errors import RuleError
from tui.export_files import ExportFileError, write_export
from tui.safe_text import notify_plain
from tui.screens.dialogs.export import ExportDialog, ExportRequest
from tui.workers import db_work

EXPORT_HELP = "Export what this screen shows to a CSV, JSON or JSON-lines file."


def can_export(screen: Screen) -> bool:
    return not getattr(screen.app, "session", None)


class ExportShown:
    """Mixed into a screen that calls `export_shown` from its `action_export`."""

    @db_work("export", exclusive=True)
    def _write_export(self, actor, request: ExportRequest, scope: dict) -> int | str:
        try:
            return write_export(actor, request.kind, request.format, request.path, **scope)
        except (RuleError, ExportFileError) as exc:
            return getattr(exc, "message", None) or str(exc)

    # The group the room's flows share (contract_actions.FLOW): it waits for the user.
    @work(group="room-flow", exclusive=True, exit_on_error=False)
    async def export_shown(self: Screen, kinds: tuple[str, ...], words: str, *,
                           contract_id: int | None = None, search: str | None = None,
                           folder: Path | None = None) -> None:
        """Ask what and where; write; say how many rows went where, or why not (the
        dialog opens again as it was, with the reason)."""
        scope = {"contract_id": contract_id, "search": search or None}
        now = self.app.clock.now()
        draft, error = None, None
        while True:
            request = await self.app.push_screen_wait(ExportDialog(
                kinds, scope=words, now=now, contract_id=contract_id, folder=folder,
                draft=draft, error=error))
            if request is None:
                return
            try:
                outcome = await self._write_export(self.app.actor, request, scope).wait()
            except (WorkerFailed, WorkerCancelled):
                return  # reported as a notification by the screen
            if isinstance(outcome, int):
                notify_plain(self, f"{outcome:,} {request.kind} rows written to "
                                   f"{Path(request.path).expanduser()}.")
                return
            draft, error = request, outcome
