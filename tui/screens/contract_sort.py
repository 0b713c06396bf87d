"""How the contract list starts and names each sort (the `s` key), in words."""
from __future__ import annotations

from tui.screens.contract_pages import NUMBER
from tui.widgets.contract_table import COLUMNS

# Which way each sort starts when `s` reaches it (True: descending): the most money and
# the soonest deadline first; text from A.
STARTS_DESCENDING = {"escrow": True, "paid": True}
# What the info line says of each sort, ascending and descending: in words, so that the
# direction does not depend on seeing the arrow.
SORT_WORDS = {
    "id": ("by number", "by number, last first"),
    "title": ("by title, A to Z", "by title, Z to A"),
    "counterpart": ("by party, A to Z", "by party, Z to A"),
    "policy": ("by policy, A to Z", "by policy, Z to A"),
    "status": ("by status, A to Z", "by status, Z to A"),
    "current": ("by milestone, A to Z", "by milestone, Z to A"),
    "escrow": ("by escrow, least first", "by escrow, most first"),
    "paid": ("by paid, least first", "by paid, most first"),
    "deadline": ("by deadline, soonest first", "by deadline, latest first"),
}


class SortKeys:
    """Mixin of ContractListScreen: `s` and `S`. The heading and the info line follow
    the key at once; the rows come with the reload."""

    def sort_cycle(self) -> list[str]:
        """What `s` goes through: the columns shown at this width, then the number."""
        shown = {c.key for c in self.table.columns_now} or {c.key for c in COLUMNS
                                                             if not c.shown_from}
        return [c.key for c in COLUMNS if c.key in shown] + [NUMBER]

    def action_cycle_sort(self) -> None:
        cycle = self.sort_cycle()
        at = cycle.index(self.sort_key) if self.sort_key in cycle else -1
        self.sort_key = cycle[(at + 1) % len(cycle)]
        self.descending = STARTS_DESCENDING.get(self.sort_key, False)
        self._announce_sort()
        self.reload()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self._announce_sort()
        self.reload()

    def _announce_sort(self) -> None:
        """The heading and the info line follow the key at once, before the rows."""
        sort = None if self.sort_key == NUMBER else (self.sort_key, self.descending)
        self.table.show_sort(sort)
        self._show_info()
