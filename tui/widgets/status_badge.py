"""A status as a word with a style: the word carries the meaning, the colour only helps
(16 colours, NO_COLOR). Used in the milestone table, the room's heading and dialogs."""
from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.format import status_text

# Named ANSI colours: a 16-colour terminal shows its own, NO_COLOR drops them and the
# words remain. Bold marks what waits on somebody; dim what is over.
STYLES = {
    # milestones
    "planned": "",
    "funded": "bold cyan",
    "submitted": "bold magenta",
    "changes_requested": "bold yellow",
    "refund_requested": "bold red",
    "disputed": "bold red",
    "in_support": "bold red",
    "releasing": "green",
    "released": "green",
    "refunded": "dim",
    "resolved": "dim",
    "cancelled": "dim",
    # contracts
    "open": "bold green",
    "ended": "dim",
    "completed": "dim",
    # offers: waiting on their receiver, then over
    "offered": "bold",
    "declined": "dim",
    "withdrawn": "dim",
    "expired": "dim",
}
NEXT_STYLE = "bold"


def next_word(platform: str = "upwork") -> str:
    """How the next milestone to fund (U-09) is marked; Fiverr "starts" milestones."""
    return "next to start" if platform == "fiverr" else "next to fund"


def status_badge(status: str, *, short: bool = False, next_to_fund: bool = False,
                 platform: str = "upwork") -> Text:
    """ "submitted", "changes req." (short), "next to fund": styled words."""
    if next_to_fund and status == "planned":
        return Text(next_word(platform), style=NEXT_STYLE)
    return Text(status_text(status, short=short), style=STYLES.get(status, ""))


class StatusBadge(Static):
    """One status on its own line (a dialog's heading)."""

    def __init__(self, status: str, **kwargs) -> None:
        super().__init__(status_badge(status), **kwargs)

    def show(self, status: str) -> None:
        self.update(status_badge(status))
