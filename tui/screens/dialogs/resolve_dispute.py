"""A support agent splits a disputed amount between the parties, with a written reason
(G-02): what the freelancer gets is typed, the client gets the rest, shown live."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from rich.console import Group
from rich.text import Text
from textual import on
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, TextArea

from rules.money import format_money
from tui.commands import command
from tui.safe_text import shown
from tui.screens.dialogs.base import RoomDialog, button, field
from tui.widgets.money_input import MoneyInput
from tui.widgets.plain_text import PlainTextArea


@dataclass(frozen=True)
class Split:
    to_freelancer_cents: int
    to_client_cents: int
    reason: str
    amount_text: str = ""


class ResolveDisputeDialog(RoomDialog[Split]):
    BINDINGS = [
        command("f2", "resolve", "Resolve", "Settle the dispute with this split."),
        command("escape", "cancel", "Cancel", "Close; the dispute stays with support."),
    ]

    def __init__(self, title: str, disputed_cents: int, *, client: str, freelancer: str,
                 claims: str = "", criteria: Sequence[Text] = (), draft: Split | None = None,
                 error=None) -> None:
        super().__init__(error=error)
        self.criteria = list(criteria)  # the criteria against the evidence
        self.milestone_title = shown(title)  # user text: control characters made visible
        self.disputed = disputed_cents
        self.client = shown(client)
        self.freelancer = shown(freelancer)
        self.claims = shown(claims, multiline=True)
        self.draft = draft

    def title_text(self) -> str:
        return f"Resolve the dispute · “{self.milestone_title}”"

    def body(self) -> Iterable[Widget]:
        yield Static(Text(f"{format_money(self.disputed)} is disputed. Split it between the "
                          "parties; the split must add up, and the reason is recorded "
                          f"(G-02).{self.claims}"), classes="dialog-text")
        if self.criteria:
            with VerticalScroll(id="criteria", can_focus=False):
                yield Static(Group(*self.criteria))
        text = self.draft.amount_text if self.draft else ""
        yield field(f"To {self.freelancer}", Label("$", classes="unit"),
                    MoneyInput(text=text, id="to-freelancer", allow_zero=True,
                               placeholder=""))
        yield Static("", id="to-client")
        yield field("Reason", Label("", classes="unit"),
                    PlainTextArea(self.draft.reason if self.draft else "", id="reason",
                             compact=True, soft_wrap=True,
                             placeholder="required: why this split"))

    def button_row(self) -> Iterable[Button]:
        yield button("Resolve", "resolve", variant="primary")
        yield button("Cancel", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_rest()
        self.query_one("#to-freelancer").focus()

    def _read(self) -> tuple[int | None, str | None]:
        return self.query_one("#to-freelancer", MoneyInput).read()

    def _show_rest(self) -> None:
        cents, problem = self._read()
        line = self.query_one("#to-client", Static)
        if not self.query_one("#to-freelancer", MoneyInput).value.strip():
            line.update(Text(f"Type what {self.freelancer} gets; {self.client} gets the rest."))
        elif problem:
            line.update(Text(problem, style="bold"))
        elif cents > self.disputed:
            line.update(Text(f"More than the {format_money(self.disputed)} disputed (G-02).",
                             style="bold"))
        else:
            line.update(Text(f"{self.client} gets the other "
                             f"{format_money(self.disputed - cents)}."))

    @on(Input.Changed, "#to-freelancer")
    def _typed(self, event: Input.Changed) -> None:
        if event.value != (self.draft.amount_text if self.draft else ""):
            self.show_error(None)  # typed, not the value it opened with
        self._show_rest()

    def action_resolve(self) -> None:
        field_ = self.query_one("#to-freelancer", MoneyInput)
        cents, problem = self._read()
        if problem:
            self.show_error(f"Amount: {problem}")
            field_.focus()
            return
        rest = max(self.disputed - cents, 0)
        self.dismiss(Split(cents, rest, self.query_one("#reason", TextArea).text,
                           field_.value))

    @on(Button.Pressed, "#resolve")
    def _resolve_pressed(self) -> None:
        self.action_resolve()
