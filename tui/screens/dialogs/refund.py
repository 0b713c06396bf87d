"""The client asks for money back (U-29): the whole escrow of the active milestone, or
part or all of what was paid for a finished one; with an optional reason."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, TextArea

from rules.money import format_money
from tui.commands import command
from tui.safe_text import shown
from tui.screens.dialogs.base import RoomDialog, button, field
from tui.widgets.money_input import MoneyInput, amount_text
from tui.widgets.plain_text import PlainTextArea


@dataclass(frozen=True)
class RefundAsk:
    amount_cents: int | None  # None: the whole escrow
    reason: str
    amount_text: str = ""


class RefundDialog(RoomDialog[RefundAsk]):
    BINDINGS = [
        command("f2", "ask", "Ask", "Send the refund request (the button does the same)."),
        command("escape", "cancel", "Cancel", "Close without asking for anything."),
    ]

    def __init__(self, title: str, *, escrow_cents: int = 0, paid_cents: int | None = None,
                 freelancer: str = "the freelancer", answer_days: int = 7,
                 draft: RefundAsk | None = None, error=None) -> None:
        """`paid_cents` None: a refund of the escrow; else of (part of) a paid amount."""
        super().__init__(error=error)
        self.milestone_title = shown(title)  # user text: control characters made visible
        self.escrow_cents = escrow_cents
        self.paid_cents = paid_cents
        self.freelancer = shown(freelancer)
        self.answer_days = answer_days
        self.draft = draft

    @property
    def of_escrow(self) -> bool:
        return self.paid_cents is None

    def title_text(self) -> str:
        return f"Ask for a refund · “{self.milestone_title}”"

    def body(self) -> Iterable[Widget]:
        if self.of_escrow:
            yield Static(Text(
                f"The whole escrow, {format_money(self.escrow_cents)}, is asked back. "
                f"{self.freelancer} agrees (it returns to you) or disputes; with no answer "
                f"in {self.answer_days} days it is granted (U-29, U-32)."), classes="dialog-text")
        else:
            yield Static(Text(
                f"{format_money(self.paid_cents)} was paid for this milestone. Ask back "
                f"part or all of it; {self.freelancer} agrees or disputes (U-29)."),
                classes="dialog-text")
            text = self.draft.amount_text if self.draft else amount_text(self.paid_cents)
            yield field("Amount", Label("$", classes="unit"), MoneyInput(text=text, id="amount"),
                        Label(f"at most {format_money(self.paid_cents)}", classes="field-note"))
        spacer = [] if self.of_escrow else [Label("", classes="unit")]  # under the amount
        yield field("Reason", *spacer, PlainTextArea(self.draft.reason if self.draft else "",
                                                id="reason", compact=True, soft_wrap=True,
                                                placeholder="optional"))

    def button_row(self) -> Iterable[Button]:
        yield button("Ask for the refund", "ask", variant="primary")
        yield button("Cancel", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#reason" if self.of_escrow else "#amount").focus()

    def action_ask(self) -> None:
        reason = self.query_one("#reason", TextArea).text
        if self.of_escrow:
            self.dismiss(RefundAsk(None, reason))
            return
        field_ = self.query_one("#amount", MoneyInput)
        cents, problem = field_.read()
        if problem:
            self.show_error(f"Amount: {problem}")
            field_.focus()
            return
        self.dismiss(RefundAsk(cents, reason, field_.value))

    @on(Button.Pressed, "#ask")
    def _ask_pressed(self) -> None:
        self.action_ask()

    @on(Input.Submitted, "#amount")
    def _enter_asks(self) -> None:
        self.action_ask()

    @on(Input.Changed, "#amount")
    def _typed(self, event: Input.Changed) -> None:
        opened_with = self.draft.amount_text if self.draft else amount_text(self.paid_cents)
        if event.value != opened_with:  # typed, not the value it opened with
            self.show_error(None)
