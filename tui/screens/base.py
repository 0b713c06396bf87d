"""What every Milestones screen shares: database errors become one readable line."""
from __future__ import annotations

from typing import TypeVar

from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from tui.commands import command
from tui.safe_text import notify_plain
from tui.workers import describe_error

ResultT = TypeVar("ResultT")


def report_failed_worker(node, event: Worker.StateChanged) -> bool:
    """Notify the user of a worker that failed; True when it did."""
    if event.state != WorkerState.ERROR:
        return False
    node.log.error(f"worker {event.worker.name!r} failed", event.worker.error)
    notify_plain(node, describe_error(event.worker.error), severity="error", timeout=8)
    return True


# Textual's own screen keys, with words for the help screen. Copy stays bound but
# undescribed: it only matters with a mouse selection.
# Tab moves the focus as the key is read (priority), and at once (focus_next is not
# deferred): the keys typed after it go to the part it moves to, even when they arrive
# in the same read (issue 18). Only keys that do nothing but move the focus are bound
# so; what acts on the focused widget is an ordinary binding (tui/widgets/list_keys.py).
SCREEN_KEYS = [
    command("tab", "app.focus_next", "Next part",
            "Move to the next part of the screen.", show=False, priority=True),
    command("shift+tab", "app.focus_previous", "Previous part",
            "Move to the previous part of the screen.", show=False, priority=True),
    Binding("ctrl+c,super+c", "screen.copy_text", show=False),
]


class BaseScreen(Screen):
    BINDINGS = SCREEN_KEYS

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event)


class BaseModal(ModalScreen[ResultT]):
    BINDINGS = SCREEN_KEYS

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event)
