"""The freelancer submits work for the active milestone: a message and, optionally, a
link (U-17); for a milestone with acceptance criteria, evidence for each: a link, a note,
or "link | note" (X-33). Late is allowed (U-13): the dialog only says so."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rich.text import Text
from textual import on
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Static, TextArea

from tui.commands import command
from tui.safe_text import shown
from tui.screens.dialogs.base import RoomDialog, button, field
from tui.widgets.plain_text import PlainInput, PlainTextArea


@dataclass(frozen=True)
class WorkSubmission:
    message: str
    link: str
    evidence: tuple[str, ...] = ()  # as typed, one per criterion


class SubmitWorkDialog(RoomDialog[WorkSubmission]):
    BINDINGS = [
        command("f2", "submit", "Submit", "Submit the work (the button does the same)."),
        command("escape", "cancel", "Cancel", "Close without submitting anything."),
    ]

    def __init__(self, title: str, *, overdue: bool = False, review_days: int = 14,
                 criteria: tuple[str, ...] = (), draft: WorkSubmission | None = None,
                 error=None) -> None:
        super().__init__(error=error)
        self.milestone_title = shown(title)  # user text: control characters made visible
        self.overdue = overdue
        self.review_days = review_days
        self.criteria = criteria
        self.draft = draft or WorkSubmission("", "", ("",) * len(criteria))

    def title_text(self) -> str:
        return f"Submit work · “{self.milestone_title}”"

    def body(self) -> Iterable[Widget]:
        text = (f"The client then has {self.review_days} days to review it; with no answer "
                "it counts as approved (U-06, F-05).")
        if self.overdue:
            text = "Past its due date: late work can still be submitted (U-13). " + text
        yield Static(Text(text), classes="dialog-text")
        yield field("Message", PlainTextArea(self.draft.message, id="message", compact=True,
                                        soft_wrap=True, placeholder="what you deliver"))
        yield field("Link (optional)", PlainInput(self.draft.link, id="link", compact=True,
                                             placeholder="https://…"))
        if self.criteria:
            yield Static(Text("Evidence for each acceptance criterion: a link, a note, or "
                              "“link | note” (X-33)."), classes="dialog-hint")
            typed = tuple(self.draft.evidence) + ("",) * len(self.criteria)
            with VerticalScroll(id="evidence"):
                for n, criterion in enumerate(self.criteria, 1):
                    yield Static(Text(f"{n}. {shown(criterion)}"), classes="criterion")
                    yield field("Evidence", PlainInput(typed[n - 1], id=f"evidence-{n}",
                                                       compact=True,
                                                       placeholder="https://… | note"))

    def button_row(self) -> Iterable[Button]:
        yield button("Submit", "submit", variant="primary")
        yield button("Cancel", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#message", TextArea).focus()

    def action_submit(self) -> None:
        evidence = tuple(self.query_one(f"#evidence-{n}", Input).value
                         for n in range(1, len(self.criteria) + 1))
        self.dismiss(WorkSubmission(self.query_one("#message", TextArea).text,
                                    self.query_one("#link", Input).value, evidence))

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    @on(Input.Submitted)
    def _enter_submits(self) -> None:
        self.action_submit()
