"""A written message sent with an action: changes wanted (U-18), a dispute (U-33), a
response to one. It returns the text; whether it may be empty is for rules/ to say."""
from __future__ import annotations

from typing import Iterable, Sequence

from rich.console import Group
from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Button, Static, TextArea

from tui.commands import command
from tui.safe_text import user_text
from tui.screens.dialogs.base import RoomDialog, button, field
from tui.widgets.plain_text import PlainTextArea


class SendMessageDialog(RoomDialog[str]):
    BINDINGS = [
        command("f2", "send", "Send", "Send the message (the button does the same)."),
        command("escape", "cancel", "Cancel", "Close without sending anything."),
    ]

    def __init__(self, title: str, lines: Sequence[str | Text], *, label: str = "Message",
                 send: str = "Send", text: str = "", placeholder: str = "",
                 error=None) -> None:
        super().__init__(error=error)
        self.heading = title
        self.lines = list(lines)
        self.label = label
        self.send_label = send
        self.text = text
        self.placeholder = placeholder

    def title_text(self) -> str:
        return self.heading

    def body(self) -> Iterable[Widget]:
        if self.lines:
            yield Static(Group(*(user_text(x, multiline=True) if isinstance(x, str) else x
                                 for x in self.lines)),
                         classes="dialog-text")
        yield field(self.label, PlainTextArea(self.text, id="message", compact=True,
                                         placeholder=self.placeholder, soft_wrap=True))

    def button_row(self) -> Iterable[Button]:
        yield button(self.send_label, "send", variant="primary")
        yield button("Cancel", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        area = self.query_one("#message", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def message(self) -> str:
        return self.query_one("#message", TextArea).text

    def action_send(self) -> None:
        self.dismiss(self.message)

    @on(Button.Pressed, "#send")
    def _send_pressed(self) -> None:
        self.action_send()
