"""A contract's activity timeline (U-31), newest first, one page at a time."""
from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rules.contract_view import TimelineEntry
from tui.format import local_time
from tui.safe_text import shown

MORE_ID = "older"


class Timeline(OptionList):
    """Entries wrap rather than being cut: a summary says what changed (U-31)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entries: list[TimelineEntry] = []
        self.has_more = False

    def show(self, entries: list[TimelineEntry], has_more: bool, timezone: str, *,
             append: bool = False) -> None:
        if not append:
            self.entries = []
            self.clear_options()
        elif self.has_more:
            self.remove_option(MORE_ID)
        self.entries.extend(entries)
        self.has_more = has_more
        self.add_options(Option(self._prompt(e, timezone), id=f"event-{e.id}")
                         for e in entries)
        if not self.entries:
            self.add_option(Option("Nothing has happened on this contract yet.",
                                   disabled=True))
        if has_more:
            self.add_option(Option(Content.styled("Older entries: press o", "dim italic"),
                                   id=MORE_ID, disabled=True))

    @property
    def oldest_id(self) -> int | None:
        return self.entries[-1].id if self.entries else None

    @staticmethod
    def _prompt(entry: TimelineEntry, timezone: str) -> Content:
        parts = [(f"{local_time(entry.at, timezone)}  {shown(entry.actor_name)}", "dim"), "\n",
                 shown(entry.summary)]
        if entry.reason:  # an agent's reason is part of the record (G-05, F-08)
            parts += ["\n", (f"Reason: {shown(entry.reason, multiline=True)}", "italic")]
        return Content.assemble(*parts)
