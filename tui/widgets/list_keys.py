"""Enter on a list is the screen's command, run in the order the keys arrived.

A DataTable (and an OptionList) binds enter to its own "select" action, which hides a
screen's enter binding from the key chain and the footer. Binding the screen's enter
with `priority=True` gets round that, but a priority binding runs as the key is read,
before the focused list has handled the keys queued ahead of it: `down enter` arriving
in one read (typed ahead over SSH, a paste, tmux send-keys) opened the row highlighted
before the arrow (issue 18). So our lists turn their own enter off, and the screen's
enter is an ordinary binding: the key reaches it after the list has moved its cursor.
The only priority bindings left move the focus (tui/screens/base.py says why);
tests/tui/test_tui_typeahead.py holds the rule.
"""
from __future__ import annotations

from textual.widgets import DataTable, OptionList

LIST_SELECT_ACTIONS = frozenset({"select_cursor", "select"})  # DataTable, OptionList


class EnterIsTheScreens:
    """Mixin for a list widget: its own enter ("select") is off, so enter goes on to
    the screen's binding (which the footer, help and palette show)."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in LIST_SELECT_ACTIONS:
            return False
        return super().check_action(action, parameters)  # type: ignore[misc]


class ListTable(EnterIsTheScreens, DataTable):
    """A DataTable whose enter is the screen's command."""


class ListOptions(EnterIsTheScreens, OptionList):
    """An OptionList whose enter is the screen's command."""
