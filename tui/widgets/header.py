"""The top line of every screen: where you are, who is acting, what is unread."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from tui.safe_text import shown


class ActingHeader(Horizontal):
    """"Milestones › Contracts            Ada Client · client · 2 unread".

    It follows the app's `actor` and `unread` reactives, so a user switch or a
    notification marked read shows at once on every screen."""

    def __init__(self, place: str) -> None:
        super().__init__()
        self.place = place

    def compose(self) -> ComposeResult:
        # Static, not Label: Label's own CSS is parsed at start-up for nothing (bench/tui.py).
        yield Static(f"Milestones › {self.place}", id="place")
        yield Static("", id="acting")

    def on_mount(self) -> None:
        self.watch(self.app, "actor", self._show, init=False)
        self.watch(self.app, "unread", self._show, init=False)
        self._show()

    def _show(self, _value: object = None) -> None:
        actor = getattr(self.app, "actor", None)
        if actor is None:
            return
        unread = getattr(self.app, "unread", 0)
        label = self.query_one("#acting", Static)
        label.update(Content(f"{shown(actor.display_name)} · {actor.role} · {unread} unread"))
        label.set_class(unread > 0, "-unread")
