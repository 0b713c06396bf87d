"""What the reorder list shares with the screen that holds it: the states of its state
machine, the keys of each state (`REORDER_KEYS`, `PUT_BACK_KEY`: the screen lists them in
its BINDINGS, so one definition feeds the footer, the palette and the help screen), and
the shapes of its columns and rows. The widget itself is `tui.widgets.reorder_list`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual.binding import Binding

from tui.commands import command

IDLE, GRABBED, DRAGGING = "idle", "grabbed", "dragging"

MOVE = Binding.Group("Move")

# The keys of the state machine, for the screen's BINDINGS. check_action on the screen
# asks `ReorderList.allows(action)` which of them the current state offers.
REORDER_KEYS = [
    command("space", "grab", "Grab", "Pick up the highlighted milestone to move it with "
            "↑ ↓ (or j k); space or enter puts it down, escape puts it back."),
    replace(command("up", "carry_up", "Move up",
                    "Carry the picked-up milestone one place up."), group=MOVE),
    replace(command("down", "carry_down", "Move down",
                    "Carry the picked-up milestone one place down."), group=MOVE),
    command("k", "carry_up", "Move up", "Carry the picked-up milestone one place up.",
            show=False),
    command("j", "carry_down", "Move down", "Carry the picked-up milestone one place down.",
            show=False),
    command("home", "carry_first", "To the top",
            "Carry the picked-up milestone as far up as it may go.", show=False),
    command("end", "carry_last", "To the bottom",
            "Carry the picked-up milestone as far down as it may go.", show=False),
    command("space", "drop", "Drop", "Put the milestone down here."),
    command("enter", "drop", "Drop", "Put the milestone down here.", show=False),
]
# Escape puts a carried row back; the screen lists it just before its own escape (Back),
# so that the footer shows it where escape is usually read, at the end.
PUT_BACK_KEY = command("escape", "put_back", "Put back",
                       "Put the milestone back where it was before you picked it up.")
REORDER_ACTIONS = {"grab": IDLE, "carry_up": GRABBED, "carry_down": GRABBED,
                   "carry_first": GRABBED, "carry_last": GRABBED, "drop": GRABBED,
                   "put_back": GRABBED}


@dataclass(frozen=True)
class Column:
    label: str
    justify: str = "left"   # "left" | "right"
    flex: bool = False      # takes the width left over (one column)
    min_width: int = 0


@dataclass(frozen=True)
class ReorderItem:
    key: int | str
    cells: tuple[str | Text, ...]  # one per column, after the position number
    locked: bool = False           # cannot be grabbed or passed
    why_locked: str = ""           # "funded", "released": said in words
