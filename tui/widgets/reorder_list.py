"""A list whose rows can be carried to a new place: the reordering state machine.

    idle ──space──▶ grabbed ──↑↓ j k home end──▶ grabbed (the row travels, the others
      ▲                │                          make room, the numbers follow)
      │                ├──space / enter──▶ idle   (Dropped: the new order)
      │                └──escape─────────▶ idle   (PutBack: the order before the grab)
      └── mouse: press on a row grabs it (the mouse is captured), moving carries it,
          release drops it.

Locked rows (active and finished milestones, U-09) cannot be grabbed and a carried row
cannot pass them. Nothing is saved here: the list only tells its screen, by message,
what the user did. The keys are declared in `REORDER_KEYS`, for the screen to list in its
own BINDINGS with `PUT_BACK_KEY` (both in `tui.widgets.reorder_keys`); the screen's
actions call `grab`, `carry`, `carry_to_end`, `drop` and `put_back`.

Rendering is the Line API: a step repaints the two rows that swapped, as a cursor move
in a DataTable repaints the two rows it left and entered.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.reorder_keys import (DRAGGING, GRABBED, IDLE, PUT_BACK_KEY, REORDER_ACTIONS,
                                     REORDER_KEYS, Column, ReorderItem)

__all__ = ["PUT_BACK_KEY", "REORDER_KEYS", "Column", "ReorderItem", "ReorderList"]


class ReorderList(ScrollView, can_focus=True):
    """Rows with a position number, a cursor, and one row that can be carried."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reorder-list--header", "reorder-list--cursor", "reorder-list--grabbed",
        "reorder-list--locked",
    }
    # The list's own cursor keys; while a row is grabbed they give way to the carry keys.
    BINDINGS = [
        Binding("up,k", "cursor_up", "Cursor up", show=False),
        Binding("down,j", "cursor_down", "Cursor down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    # --- messages: what the user did ---------------------------------------------------

    @dataclass
    class Grabbed(Message):
        key: int | str
        index: int

    @dataclass
    class Dropped(Message):
        key: int | str
        origin: int           # index before the grab
        index: int            # index now
        order: tuple          # every key, in the new order

    @dataclass
    class PutBack(Message):
        key: int | str

    @dataclass
    class Blocked(Message):
        """A row could not be grabbed, or carried past a locked one."""
        key: int | str
        locked: ReorderItem

    def __init__(self, columns: Sequence[Column], *, moving_column: int | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        """`moving_column`: the column where the carried row says so, in words."""
        super().__init__(id=id, classes=classes)
        self.columns = tuple(columns)
        self.moving_column = moving_column
        self.items: list[ReorderItem] = []
        self.cursor = 0
        self.state = IDLE
        self.reorderable = True  # the screen turns it off when the policy says so
        self._origin: int | None = None
        self._before_grab: list[ReorderItem] = []
        self._bounds = (0, 0)
        self._widths: list[int] = [len(c.label) for c in self.columns]
        self._number = 1
        # Where what the user did goes: a message, unless a key's action takes it at
        # once (plan_reorder.py: so a key queued behind it sees the new state).
        self.tell = self.post_message

    # --- data ------------------------------------------------------------------------

    def set_items(self, items: Sequence[ReorderItem], *, cursor_key: int | str | None = None
                  ) -> None:
        """Show new rows (a reload or an undo). A grab in progress is abandoned."""
        if self.state != IDLE:
            self._end_grab()
        self.items = list(items)
        keys = [i.key for i in self.items]
        if cursor_key is not None and cursor_key in keys:
            self.cursor = keys.index(cursor_key)
        self.cursor = min(max(self.cursor, 0), max(len(self.items) - 1, 0))
        self._fit()
        self.refresh()
        self._ensure_visible(self.cursor)

    @property
    def order(self) -> tuple:
        return tuple(i.key for i in self.items)

    @property
    def current(self) -> ReorderItem | None:
        return self.items[self.cursor] if self.items else None

    @property
    def grabbed(self) -> ReorderItem | None:
        return self.items[self.cursor] if self.state != IDLE and self.items else None

    def allows(self, action: str) -> bool:
        """Which of REORDER_KEYS the current state offers."""
        if REORDER_ACTIONS.get(action) == IDLE:
            return self.state == IDLE and self.reorderable and bool(self.items)
        if action == "put_back":
            return self.state != IDLE  # escape also calls off a mouse drag
        return self.state == GRABBED

    # --- the state machine -----------------------------------------------------------

    def grab(self) -> bool:
        item = self.current
        if self.state != IDLE or item is None or not self.reorderable:
            return False
        if item.locked:
            self.tell(self.Blocked(item.key, item))
            return False
        lo = self.cursor
        while lo > 0 and not self.items[lo - 1].locked:
            lo -= 1
        hi = self.cursor
        while hi < len(self.items) - 1 and not self.items[hi + 1].locked:
            hi += 1
        self._bounds = (lo, hi)
        self._origin = self.cursor
        self._before_grab = list(self.items)
        self.state = GRABBED
        self._refresh_rows(self.cursor)
        self.tell(self.Grabbed(item.key, self.cursor))
        return True

    def carry(self, step: int) -> bool:
        """Carry the grabbed row `step` places (±1 per key press); the row it passes
        moves the other way. Refused at a locked row, silently at the ends."""
        if self.state == IDLE or not step:
            return False
        target = self.cursor + step
        if not 0 <= target < len(self.items):
            return False
        lo, hi = self._bounds
        if not lo <= target <= hi:
            locked = self.items[target]
            self.tell(self.Blocked(self.items[self.cursor].key, locked))
            return False
        a, b = self.cursor, target
        items = self.items
        direction = 1 if b > a else -1
        for i in range(a, b, direction):  # one place at a time: the others make room
            items[i], items[i + direction] = items[i + direction], items[i]
        self.cursor = b
        self._refresh_rows(min(a, b), max(a, b))
        self._ensure_visible(b)
        return True

    def carry_to_end(self, last: bool) -> bool:
        if self.state == IDLE:
            return False
        lo, hi = self._bounds
        return self.carry((hi if last else lo) - self.cursor)

    def drop(self) -> bool:
        if self.state == IDLE:
            return False
        item, origin, index = self.items[self.cursor], self._origin, self.cursor
        self._end_grab()
        if origin is not None and origin != index:
            self.tell(self.Dropped(item.key, origin, index, self.order))
        else:
            self.tell(self.PutBack(item.key))
        return True

    def put_back(self) -> bool:
        if self.state == IDLE:
            return False
        item, origin = self.items[self.cursor], self._origin
        self.items = self._before_grab
        first, last = sorted((self.cursor, origin if origin is not None else self.cursor))
        self.cursor = origin if origin is not None else self.cursor
        self._end_grab()
        self._refresh_rows(first, last)
        self._ensure_visible(self.cursor)
        self.tell(self.PutBack(item.key))
        return True

    def _end_grab(self) -> None:
        if self.state == DRAGGING:
            self.release_mouse()
        self.state = IDLE
        self._origin = None
        self._before_grab = []
        self._refresh_rows(self.cursor)

    # --- cursor keys (idle) ----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cursor_up", "cursor_down", "first", "last", "page_up", "page_down"):
            # While a row is carried, these keys belong to the carry (the screen's keys).
            return self.state == IDLE
        return True

    def move_cursor(self, index: int) -> None:
        if not self.items:
            return
        index = min(max(index, 0), len(self.items) - 1)
        if index != self.cursor:
            old, self.cursor = self.cursor, index
            self._refresh_rows(old)
            self._refresh_rows(index)
        self._ensure_visible(index)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.items) - 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - max(self._rows_visible - 1, 1))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + max(self._rows_visible - 1, 1))

    # --- the mouse: press, move, release -----------------------------------------------

    def _row_at(self, y: int) -> int:
        return y - 1 + round(self.scroll_y)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or self.state != IDLE:
            return
        index = self._row_at(event.y)
        if not 0 <= index < len(self.items):
            return
        self.focus()
        self.move_cursor(index)  # a locked row is only highlighted: a click is no drag
        if self.reorderable and not self.items[index].locked:
            self.capture_mouse()  # moves outside the list still reach it
            if self.grab():
                self.state = DRAGGING
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self.state != DRAGGING:
            return
        lo, hi = self._bounds
        target = self._row_at(event.y)
        # Dragged past a locked row, the row stops at it, as with the keys.
        clamped = min(max(target, lo), hi)
        if clamped != self.cursor:
            self.carry(clamped - self.cursor)
        event.stop()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self.state == DRAGGING:
            self.drop()
            event.stop()

    def on_mouse_release(self, event: events.MouseRelease) -> None:
        # The capture ended some other way (another widget took it): keep where it is.
        if self.state == DRAGGING:
            self.state = GRABBED
            self.drop()

    # --- layout and rendering --------------------------------------------------------

    @property
    def _rows_visible(self) -> int:
        return max(self.size.height - 1, 1)

    def _fit(self) -> None:
        width = self.size.width or self.app.size.width
        columns = self.columns
        number = max(len(str(len(self.items))), 1)
        widths = []
        for i, col in enumerate(columns):
            cells = (it.cells[i] for it in self.items)
            longest = max((c.cell_len if isinstance(c, Text) else len(c) for c in cells),
                          default=0)
            widths.append(max(longest, len(col.label), col.min_width))
        # gutter (2) + number + a space between each column + the scrollbar (1)
        room = width - 2 - number - len(columns) - 1
        flex = next((i for i, c in enumerate(columns) if c.flex), None)
        if flex is not None:
            # The flexible column takes what is left, but no more than its longest cell:
            # a wide terminal need not spread the list.
            rest = room - sum(w for i, w in enumerate(widths) if i != flex)
            widths[flex] = max(min(rest, widths[flex]), 4)
        self._number = number
        self._widths = widths
        self.virtual_size = Size(width, len(self.items) + 1)

    def on_resize(self) -> None:
        self._fit()
        self.refresh()

    def _ensure_visible(self, index: int) -> None:
        top = round(self.scroll_y)
        rows = self._rows_visible
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + rows:
            self.scroll_to(y=index - rows + 1, animate=False, immediate=True)

    def _refresh_rows(self, first: int, last: int | None = None) -> None:
        last = first if last is None else last
        top = round(self.scroll_y)
        y0, y1 = first - top + 1, last - top + 1
        y0, y1 = max(y0, 1), min(y1, self.size.height - 1)
        if y1 >= y0:
            self.refresh(Region(0, y0, self.size.width, y1 - y0 + 1))

    def _cells(self, texts: Sequence[str | Text], style: Style) -> list[Segment]:
        segments: list[Segment] = []
        console = self.app.console
        for col, width, value in zip(self.columns, self._widths, texts):
            text = value.copy() if isinstance(value, Text) else Text(value)
            text.truncate(width, overflow="ellipsis")
            if col.justify == "right":
                text.pad_left(width - text.cell_len)
            else:
                text.pad_right(width - text.cell_len)
            segments.append(Segment(" ", style))
            for seg in text.render(console, ""):
                if seg.text:
                    segments.append(Segment(seg.text, style + seg.style if seg.style else style))
        return segments

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("reorder-list--header")
            labels = [Text(c.label) for c in self.columns]
            segments = [Segment("  " + "#".rjust(self._number), style),
                        *self._cells(labels, style)]
            return Strip(segments).adjust_cell_length(width, style)
        index = y - 1 + round(self.scroll_y)
        if not 0 <= index < len(self.items):
            return Strip.blank(width, base)
        item = self.items[index]
        style = base
        if item.locked:
            style += self.get_component_rich_style("reorder-list--locked")
        gutter = "  "
        cells = item.cells
        if index == self.cursor:
            if self.state != IDLE:
                style += self.get_component_rich_style("reorder-list--grabbed")
                gutter = "⇅ "
                if self.moving_column is not None:
                    cells = list(cells)
                    cells[self.moving_column] = Text("moving", style="bold")
            elif self.has_focus:
                style += self.get_component_rich_style("reorder-list--cursor")
                gutter = "▸ "
            else:
                gutter = "▸ "
        segments = [Segment(gutter + str(index + 1).rjust(self._number), style),
                    *self._cells(cells, style)]
        return Strip(segments).adjust_cell_length(width, style)

    def on_focus(self) -> None:
        self._refresh_rows(self.cursor)

    def on_blur(self) -> None:
        self._refresh_rows(self.cursor)
