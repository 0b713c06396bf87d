"""`E`: export what the screen shows (issue 14) to a file: which table (in the room),
which format, and where. The dialog only asks; `tui.export_action` writes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import arrow
from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from tui.commands import command
from tui.export_files import FORMATS
from tui.screens.dialogs.base import RoomDialog, button, field
from tui.widgets.plain_text import PlainInput

KIND_LABELS = {"contracts": "Contracts", "milestones": "Milestones", "ledger": "Ledger",
               "timeline": "Timeline", "audit": "Audit"}


@dataclass(frozen=True)
class ExportRequest:
    kind: str
    format: str
    path: str


def default_name(kind: str, fmt: str, now: arrow.Arrow, contract_id: int | None) -> str:
    """milestones-contracts-20261203-1305.csv, or with the contract: …-c42-…"""
    which = f"{kind}-c{contract_id}" if contract_id is not None else kind
    return f"milestones-{which}-{now.format('YYYYMMDD-HHmm')}.{fmt}"


class ExportDialog(RoomDialog[ExportRequest]):
    BINDINGS = [
        command("f2", "export", "Export", "Write the file (the button does the same)."),
        command("escape", "cancel", "Cancel", "Close without writing anything."),
    ]

    def __init__(self, kinds: tuple[str, ...], *, scope: str, now: arrow.Arrow,
                 contract_id: int | None = None, folder: Path | None = None,
                 draft: ExportRequest | None = None, error=None) -> None:
        """`kinds` to choose from (the first is the default); `scope` says in words what
        is exported ("the 12 contracts the filter finds")."""
        super().__init__(error=error)
        self.kinds = kinds
        self.scope = scope
        self.now = now
        self.contract_id = contract_id
        self.folder = folder or Path.cwd()
        self.draft = draft or ExportRequest(kinds[0], FORMATS[0], "")

    def title_text(self) -> str:
        return "Export"

    def _default_path(self, kind: str, fmt: str) -> str:
        return str(self.folder / default_name(kind, fmt, self.now, self.contract_id))

    def body(self) -> Iterable[Widget]:
        yield Static(Text(f"Writes {self.scope}, as you may see them."),
                     classes="dialog-text")
        if len(self.kinds) > 1:
            yield field("Table", RadioSet(
                *(RadioButton(KIND_LABELS[k], value=k == self.draft.kind, id=f"kind-{k}")
                  for k in self.kinds), id="kind", classes="choices"))
        yield field("Format", RadioSet(
            *(RadioButton(f, value=f == self.draft.format, id=f"format-{f}")
              for f in FORMATS), id="format", classes="choices"))
        path = self.draft.path or self._default_path(self.draft.kind, self.draft.format)
        yield field("File", PlainInput(path, id="path", compact=True))

    def button_row(self) -> Iterable[Button]:
        yield button("Export", "export", variant="primary")
        yield button("Cancel", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        path = self.query_one("#path", Input)
        path.focus()
        path.cursor_position = len(path.value)  # typing goes on from the name

    def _chosen(self, radios: str, prefix: str, fallback: str) -> str:
        found = self.query(f"#{radios}")
        pressed = found.first(RadioSet).pressed_button if found else None
        return pressed.id.removeprefix(prefix) if pressed and pressed.id else fallback

    @property
    def request(self) -> ExportRequest:
        return ExportRequest(self._chosen("kind", "kind-", self.kinds[0]),
                             self._chosen("format", "format-", FORMATS[0]),
                             self.query_one("#path", Input).value)

    @on(RadioSet.Changed)
    def _follow_choice(self, event: RadioSet.Changed) -> None:
        """A file name still the default follows the table and the format chosen."""
        path = self.query_one("#path", Input)
        request = self.request
        defaults = {self._default_path(k, f) for k in self.kinds for f in FORMATS}
        if path.value in defaults:
            path.value = self._default_path(request.kind, request.format)

    def action_export(self) -> None:
        self.dismiss(self.request)

    @on(Button.Pressed, "#export")
    def _export_pressed(self) -> None:
        self.action_export()

    @on(Input.Submitted, "#path")
    def _enter_exports(self) -> None:
        self.action_export()
