"""Yes or go back: a confirmation that reads back what is about to happen."""
from __future__ import annotations

from typing import Iterable, Sequence

from rich.console import Group
from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Button, Static

from tui.commands import command
from tui.safe_text import user_text
from tui.screens.dialogs.base import RoomDialog, button


class ReadBackDialog(RoomDialog[bool]):
    """Dismisses True on confirm; None on escape or "Go back"."""

    BINDINGS = [
        command("y", "confirm", "Yes", "Do it (enter on the highlighted button does the "
                "same; tab moves between them)."),
        command("escape", "cancel", "Go back", "Go back without doing anything."),
    ]

    def __init__(self, title: str, lines: Sequence[str | Text], confirm: str = "Confirm",
                 *, back: str = "Go back", error: str | None = None) -> None:
        super().__init__(error=error)
        self.heading = title
        self.lines = list(lines)
        self.confirm_label = confirm
        self.back_label = back

    def title_text(self) -> str:
        return self.heading

    def body(self) -> Iterable[Widget]:
        yield Static(Group(*(user_text(line, multiline=True) if isinstance(line, str) else line
                             for line in self.lines)), id="confirm-text")

    def button_row(self) -> Iterable[Button]:
        yield button(self.confirm_label, "confirm", variant="primary")
        yield button(self.back_label, "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#confirm", Button).focus()

    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.dismiss(True)
