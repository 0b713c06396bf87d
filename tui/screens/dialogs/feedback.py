"""Feedback after the contract ended: 1 to 5 stars and a comment, once (G-04)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Button, RadioButton, RadioSet, Static, TextArea

from tui.commands import command
from tui.screens.dialogs.base import RoomDialog, button, field
from tui.widgets.plain_text import PlainTextArea

WORDS = {1: "poor", 2: "fair", 3: "good", 4: "very good", 5: "excellent"}


@dataclass(frozen=True)
class FeedbackGiven:
    stars: int
    comment: str


class FeedbackDialog(RoomDialog[FeedbackGiven]):
    BINDINGS = [
        command("f2", "send", "Send", "Leave this feedback (once per contract)."),
        command("escape", "cancel", "Cancel", "Close without leaving feedback."),
    ]

    def __init__(self, about: str, *, draft: FeedbackGiven | None = None, error=None) -> None:
        super().__init__(error=error)
        self.about = about
        self.draft = draft or FeedbackGiven(5, "")

    def title_text(self) -> str:
        return f"Feedback on {self.about} (G-04)"

    def body(self) -> Iterable[Widget]:
        yield Static(Text("Once per contract; the other party sees it."),
                     classes="dialog-text")
        yield RadioSet(*(RadioButton(f"{'★' * n}{'☆' * (5 - n)}  {n} · {WORDS[n]}",
                                     value=n == self.draft.stars, id=f"stars-{n}")
                         for n in range(5, 0, -1)), id="stars")
        yield field("Comment", PlainTextArea(self.draft.comment, id="comment", compact=True,
                                        soft_wrap=True, placeholder="optional"))

    def button_row(self) -> Iterable[Button]:
        yield button("Send feedback", "send", variant="primary")
        yield button("Cancel", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(RadioSet).focus()

    @property
    def stars(self) -> int:
        pressed = self.query_one(RadioSet).pressed_button
        return int(pressed.id.removeprefix("stars-")) if pressed is not None else 0

    def action_send(self) -> None:
        self.dismiss(FeedbackGiven(self.stars, self.query_one("#comment", TextArea).text))

    @on(Button.Pressed, "#send")
    def _send_pressed(self) -> None:
        self.action_send()
