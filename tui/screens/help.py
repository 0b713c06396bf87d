"""Every key of the screen it was opened from, read from that screen's bindings."""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from tui.commands import Entry, bindings_of, command, entries
from tui.screens.base import BaseScreen
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader


# The focused list's own keys worth listing: up and down through rows. (Its enter,
# left and right do nothing of use in a list of rows.)
MOVING = {"cursor_up", "cursor_down", "page_up", "page_down", "scroll_top", "scroll_bottom",
          "first", "last", "scroll_up", "scroll_down"}


def moving_keys(screen: Screen) -> list[Entry]:
    """The cursor keys of the widget that had focus, from its bindings."""
    widget = screen.focused
    if widget is None:
        return []
    app = screen.app
    return [Entry(app.get_key_display(b), b.description, b.tooltip, b.action, widget, True)
            for b in bindings_of(widget) if b.description and b.action in MOVING]


def keys_table(groups: list[tuple[str, list[Entry]]], moving: list[Entry]) -> Group:
    """One table per group, all with the same key and name widths so they line up."""
    every = [e for _, found in groups for e in found]
    key_width = max((len(e.key) for e in every), default=3)
    label_width = max((len(e.label) for e in every), default=5)
    parts: list = []
    for title, found in groups:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, style="bold", width=key_width)
        grid.add_column(no_wrap=True, width=label_width)
        grid.add_column(ratio=1)  # the sentence wraps; key and name never do
        for e in found:
            dim = "" if e.enabled else "dim"
            grid.add_row(Text(e.key, style=dim), Text(e.label, style=dim),
                         Text(e.help + ("" if e.enabled else " Not now."), style=dim))
        parts += [Text(title, style="bold underline"), grid, Text("")]
    shown = {e.key for e in every}
    rest = [e for e in moving if e.key not in shown]
    if rest:
        # Cursor keys are many and speak for themselves: one paragraph, not a row each.
        line = Text()
        for e in rest:
            line.append(e.key, style="bold").append(f" {e.label.lower()}   ")
        parts += [Text("In the list", style="bold underline"), line]
    return Group(*parts)


class HelpScreen(BaseScreen):
    BINDINGS = [
        command("escape", "close", "Close", "Close the help and go back."),
        command("question_mark", "close", "Close", "Close the help and go back.",
                show=False, key_display="?"),
    ]

    def __init__(self, for_screen: Screen, place: str = "") -> None:
        super().__init__()
        # Read now, while `for_screen` is still on top: which of its keys are
        # available depends on what it had focused.
        self.groups = list(entries(for_screen))
        self.moving = moving_keys(for_screen)
        self.place = place or type(for_screen).__name__.removesuffix("Screen")

    def compose(self) -> ComposeResult:
        yield ActingHeader(f"Help · {self.place}")
        with VerticalScroll(id="help-body"):
            yield Static(keys_table(self.groups, self.moving), id="help-keys")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss()
