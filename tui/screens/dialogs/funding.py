"""Ask the other party for another funding policy (X-38): one milestone at a time, a
number at a time, or all up front, with an optional message."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Button, Input, Static, TextArea

from rules.funding import MAX_AT_A_TIME, describe_funding
from tui.commands import command
from tui.screens.dialogs.base import RoomDialog, button, field
from tui.widgets.plain_text import PlainInput, PlainTextArea


@dataclass(frozen=True)
class FundingAsked:
    funding: str
    message: str


class FundingDialog(RoomDialog[FundingAsked]):
    BINDINGS = [
        command("f2", "send", "Send", "Send the request; the other party accepts or "
                "declines it (X-38)."),
        command("escape", "cancel", "Cancel", "Close without asking anything."),
    ]

    def __init__(self, current: int, other: str, *, draft: FundingAsked | None = None,
                 error=None) -> None:
        super().__init__(error=error)
        self.current = current
        self.other = other
        self.draft = draft or FundingAsked("", "")

    def title_text(self) -> str:
        return "Change how this contract is funded"

    def body(self) -> Iterable[Widget]:
        yield Static(Text(f"Now: {describe_funding(self.current)}. Type one, a number "
                          f"from 2 to {MAX_AT_A_TIME} at a time, or all (up front). "
                          f"{self.other} accepts or declines within 7 days; milestones "
                          "in escrow stay."),
                     classes="dialog-text")
        yield field("Funding", PlainInput(self.draft.funding, id="funding", compact=True,
                                          placeholder=f"one, 2-{MAX_AT_A_TIME}, all"))
        yield field("Message", PlainTextArea(self.draft.message, id="message", compact=True,
                                             soft_wrap=True, placeholder="optional"))

    def button_row(self) -> Iterable[Button]:
        yield button("Send request", "send", variant="primary")
        yield button("Cancel", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#funding", Input).focus()

    def action_send(self) -> None:
        self.dismiss(FundingAsked(self.query_one("#funding", Input).value,
                                  self.query_one("#message", TextArea).text))

    @on(Button.Pressed, "#send")
    def _send_pressed(self) -> None:
        self.action_send()

    @on(Input.Submitted, "#funding")
    def _submitted(self) -> None:
        self.action_send()
