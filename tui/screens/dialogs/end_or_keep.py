"""U-30: before the last milestone is paid, end the contract or keep it open."""
from __future__ import annotations

from typing import Iterable

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Button, Static

from rules.money import format_money
from tui.commands import command
from tui.screens.dialogs.base import RoomDialog, button
from tui.screens.dialogs.review_pay import PayDecision, Review


class EndOrKeepDialog(RoomDialog[bool]):
    """U-30, before paying the last milestone: True ends the contract, False keeps it
    open; None goes back to the review."""

    BINDINGS = [
        command("e", "end", "End it", "Pay, then end the contract (G-03)."),
        command("k", "keep", "Keep open", "Pay, and keep the contract open for another "
                "milestone."),
        command("escape", "cancel", "Go back", "Go back to the review."),
    ]

    def __init__(self, review: Review, decision: PayDecision) -> None:
        super().__init__()
        self.review = review
        self.decision = decision

    def title_text(self) -> str:
        return f"“{self.review.milestone.title}” is the last milestone (U-30)"

    def body(self) -> Iterable[Widget]:
        r = self.review
        back = r.project_funds_cents + max(r.held - self.decision.amount_cents, 0)
        returned = (f" {format_money(back)} of project funds return to you."
                    if back else "")
        yield Static(Text.assemble(
            "After paying, end the contract or keep it open?\n",
            ("End", "bold"), f": nothing more is added or paid; each party can leave "
                             f"feedback (G-03, G-04).{returned}\n",
            ("Keep open", "bold"), ": you can add and fund another milestone later.",
        ), classes="dialog-text")

    def button_row(self) -> Iterable[Button]:
        yield button("End the contract", "end", variant="primary")
        yield button("Keep it open", "keep")
        yield button("Go back", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#keep", Button).focus()

    def action_end(self) -> None:
        self.dismiss(True)

    def action_keep(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#end")
    def _end(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        self.dismiss(False)
