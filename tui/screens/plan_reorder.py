"""The milestone manager's side of reordering (U-09): the keys call the list's state
machine (`tui.widgets.reorder_list`), and its messages (grabbed, dropped, put back,
blocked by a locked row) become a ReorderMilestones operation or a line of status.

`ReorderHandlers` is a mixin of `MilestoneManagerScreen`: it uses the screen's
`plan_list`, `rows`, `can_reorder`, `_push` and `_say`. Its message handlers are named
(`on_reorder_list_dropped`), not decorated: Textual registers `@on` handlers only on
classes it builds, and a mixin is not one.
"""
from __future__ import annotations

from typing import Callable

from textual.message import Message

from rules.plan import ReorderMilestones
from tui.widgets.reorder_list import ReorderList


class ReorderHandlers:
    def _reorder_allowed(self, action: str) -> bool:
        return self.is_mounted and self.can_reorder and self.plan_list.allows(action)

    def on_reorder_list_grabbed(self, message: ReorderList.Grabbed) -> None:
        item = self.plan_list.grabbed
        title = item.cells[0] if item else ""
        self._say(f"Moving “{title}”: ↑ ↓ (or j k) carry it, space or enter puts it "
                  "down, escape puts it back.")
        self.refresh_bindings()

    def on_reorder_list_dropped(self, message: ReorderList.Dropped) -> None:
        self.refresh_bindings()
        future = tuple(i.key for i in self.plan_list.items if not i.locked)
        row = next(r for r in self.rows if r.key == message.key)
        self._push(ReorderMilestones(future),
                   f"Moved “{row.title}” from {message.origin + 1} to {message.index + 1}.",
                   cursor=message.key)

    def on_reorder_list_put_back(self, message: ReorderList.PutBack) -> None:
        self._say("")
        self.refresh_bindings()

    def on_reorder_list_blocked(self, message: ReorderList.Blocked) -> None:
        locked = message.locked
        self._say(f"“{locked.cells[0]}” is {locked.why_locked}: active and finished "
                  "milestones keep their place in the list (U-09).", error=True)

    def _at_once(self, step: Callable[[], object]) -> None:
        """Run a key's step of the state machine and handle what it tells now, not by
        message: keys typed ahead are queued before any message the step would post,
        and `space f2` arriving together must save the drop (issue 18)."""
        told: list[Message] = []
        self.plan_list.tell = told.append
        try:
            step()
        finally:
            self.plan_list.tell = self.plan_list.post_message
        handlers = {ReorderList.Grabbed: self.on_reorder_list_grabbed,
                    ReorderList.Dropped: self.on_reorder_list_dropped,
                    ReorderList.PutBack: self.on_reorder_list_put_back,
                    ReorderList.Blocked: self.on_reorder_list_blocked}
        for message in told:
            handlers[type(message)](message)

    def action_grab(self) -> None:
        self._at_once(self.plan_list.grab)

    def action_carry_up(self) -> None:
        self._at_once(lambda: self.plan_list.carry(-1))

    def action_carry_down(self) -> None:
        self._at_once(lambda: self.plan_list.carry(1))

    def action_carry_first(self) -> None:
        self._at_once(lambda: self.plan_list.carry_to_end(last=False))

    def action_carry_last(self) -> None:
        self._at_once(lambda: self.plan_list.carry_to_end(last=True))

    def action_drop(self) -> None:
        self._at_once(self.plan_list.drop)

    def action_put_back(self) -> None:
        self._at_once(self.plan_list.put_back)
