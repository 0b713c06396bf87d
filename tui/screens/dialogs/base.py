"""What the room's dialogs share: a titled box, labelled fields, an inline error line,
a row of buttons and a footer of their own."""
from __future__ import annotations

from typing import Iterable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Button, Label, Static

from rules.availability import refused
from rules.errors import RuleError
from tui.safe_text import shown, user_text
from tui.screens.base import BaseModal, ResultT
from tui.widgets.footer import KeyFooter

ERROR_ID = "dialog-error"


def refusal_text(error: RuleError | str | None) -> str:
    """A refusal as the user reads it: plain words, then the rule ("… (U-18).")."""
    if error is None:
        return ""
    if isinstance(error, str):
        return shown(error, multiline=True)
    # Refusals quote what was typed or stored (a title, a date): placeholders, no bytes.
    return shown(refused(error.rule_id, error.message).reason, multiline=True)


def field(label: str, *widgets: Widget, id: str | None = None) -> Horizontal:
    """One labelled row of a form: the label column lines the fields up."""
    return Horizontal(Label(Text(label), classes="field-label"), *widgets, classes="field",
                      id=id)


def buttons(*items: Button) -> Horizontal:
    return Horizontal(*items, classes="dialog-buttons")


def button(label: str, id: str, *, variant: str = "default") -> Button:
    return Button(label, id=id, variant=variant, compact=True)


class RoomDialog(BaseModal[ResultT]):
    """Subclasses give `title_text()`, `body()` (inside the box, before the error line)
    and `button_row()`; escape cancels (None), as does a button with id `cancel`.
    Text from users (titles, names) is passed as `Text`, never as markup."""

    TITLE_TEXT = ""

    def __init__(self, *, error: RuleError | str | None = None) -> None:
        super().__init__()
        self.initial_error = refusal_text(error)

    def title_text(self) -> str | Text:
        return self.TITLE_TEXT

    def body(self) -> Iterable[Widget]:
        return ()

    def button_row(self) -> Iterable[Button]:
        return ()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog room-dialog"):
            title = self.title_text()
            yield Label(user_text(title) if isinstance(title, str) else title,
                        classes="dialog-title")
            yield from self.body()
            yield Static(Text(self.initial_error), id=ERROR_ID, classes="dialog-error")
            yield buttons(*self.button_row())
        yield KeyFooter()

    def on_mount(self) -> None:
        self.show_error(self.initial_error)

    def show_error(self, text: RuleError | str | None) -> None:
        """The refusal inline, in words (and a style); None clears it."""
        line = self.query_one(f"#{ERROR_ID}", Static)
        words = refusal_text(text)
        line.update(Text(words) if words else "")  # bold and coloured by screens.css
        line.display = bool(words)

    @property
    def error_text(self) -> str:
        return str(self.query_one(f"#{ERROR_ID}", Static).content)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()  # as escape does, whatever a subclass makes of it
