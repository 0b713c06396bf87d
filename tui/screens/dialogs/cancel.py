"""A support agent cancels a milestone, or the whole order, for a recorded reason
(F-08); money in escrow returns to the client."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Button, RadioButton, RadioSet, Static, TextArea

from tui.commands import command
from tui.safe_text import shown
from tui.screens.dialogs.base import RoomDialog, button, field
from tui.widgets.plain_text import PlainTextArea


@dataclass(frozen=True)
class Cancellation:
    whole_order: bool
    reason: str


class CancelDialog(RoomDialog[Cancellation]):
    BINDINGS = [
        command("f2", "cancel_it", "Cancel it", "Cancel what is chosen, with the reason."),
        command("escape", "cancel", "Close", "Close; nothing is cancelled."),
    ]

    def __init__(self, milestone: str | None, milestone_effect: str, order_effect: str, *,
                 draft: Cancellation | None = None, error=None) -> None:
        """`milestone` None: only the whole order can be cancelled. The effects say
        what happens to the money, in a sentence each."""
        super().__init__(error=error)
        self.milestone = shown(milestone)  # user text: control characters made visible
        self.effects = {"one": milestone_effect, "whole": order_effect}
        self.draft = draft

    def title_text(self) -> str:
        return "Cancel through support (F-08)"

    def body(self) -> Iterable[Widget]:
        whole = self.milestone is None or (self.draft is not None and self.draft.whole_order)
        choices = []
        if self.milestone is not None:
            choices.append(RadioButton(Text(f"Only “{self.milestone}”"), value=not whole,
                                       id="one"))
        choices.append(RadioButton("The whole order", value=whole, id="whole"))
        yield RadioSet(*choices, id="scope")
        yield Static("", id="cancel-effect", classes="dialog-text")
        yield field("Reason", PlainTextArea(self.draft.reason if self.draft else "", id="reason",
                                       compact=True, soft_wrap=True,
                                       placeholder="required: recorded with the audit"))

    def button_row(self) -> Iterable[Button]:
        yield button("Cancel it", "cancel-it", variant="error")
        yield button("Close", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_effect()
        self.query_one(RadioSet).focus()

    @property
    def whole_order(self) -> bool:
        pressed = self.query_one(RadioSet).pressed_button
        return pressed is None or pressed.id == "whole"

    def _show_effect(self) -> None:
        self.query_one("#cancel-effect", Static).update(
            Text(self.effects["whole" if self.whole_order else "one"]))

    @on(RadioSet.Changed)
    def _chosen(self) -> None:
        self._show_effect()

    def action_cancel_it(self) -> None:
        self.dismiss(Cancellation(self.whole_order, self.query_one("#reason", TextArea).text))

    @on(Button.Pressed, "#cancel-it")
    def _pressed(self) -> None:
        self.action_cancel_it()
