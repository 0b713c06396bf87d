"""The milestones of one contract, in list order: due dates with overdue marked (U-13),
statuses as words (a badge), and the next one to fund (U-09)."""
from __future__ import annotations

import arrow
from rich.text import Text

from rules.contract_view import MilestoneView
from tui.format import clip, date_text, format_money, is_overdue
from tui.widgets.list_keys import ListTable
from tui.safe_text import shown
from tui.widgets.status_badge import status_badge

NARROW_BELOW = 100


def _due(m: MilestoneView, now: arrow.Arrow) -> Text:
    if is_overdue(m.due_date, m.status, now):
        # U-13: late work is allowed; the list only says so, in words and in colour.
        return Text.assemble(date_text(m.due_date), " ", ("overdue", "bold red"))
    return Text(date_text(m.due_date))


class MilestoneTable(ListTable):
    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", **kwargs)
        self.milestones: list[MilestoneView] = []
        self.next_to_fund_id: int | None = None
        self.platform = "upwork"

    def show(self, milestones: list[MilestoneView], now: arrow.Arrow, *,
             next_to_fund_id: int | None = None, platform: str = "upwork") -> None:
        """Show these rows; `next_to_fund_id` is marked "next to fund" (Fiverr: start)."""
        self.milestones = list(milestones)
        self.next_to_fund_id = next_to_fund_id
        self.platform = platform
        self.refit(now)

    @property
    def highlighted(self) -> MilestoneView | None:
        if not 0 <= self.cursor_row < len(self.milestones):
            return None
        return self.milestones[self.cursor_row]

    def select(self, milestone_id: int | None) -> None:
        """Put the cursor on this milestone (if shown)."""
        for i, m in enumerate(self.milestones):
            if m.id == milestone_id:
                self.move_cursor(row=i)
                return

    def refit(self, now: arrow.Arrow) -> None:
        """Columns sized to their cells; the title takes what is left of the width."""
        width = self.size.width or self.app.size.width
        short = width < NARROW_BELOW
        rows = [(str(m.position), shown(m.title), _due(m, now), format_money(m.amount_cents),
                 format_money(m.escrow_cents),
                 status_badge(m.status, short=short, platform=self.platform,
                              next_to_fund=m.id == self.next_to_fund_id))
                for m in self.milestones]
        labels = ("#", "Title", "Due", "Amount", "Escrow", "Status")
        widths = [max([len(labels[i])] + [len(r[i]) if isinstance(r[i], str) else
                                          r[i].cell_len for r in rows]) for i in range(6)]
        # The title gets the room left (6 columns padded on both sides, a scrollbar),
        # but no more than its longest cell: a wide terminal need not spread the table.
        room = width - 1 - 12 - sum(widths) + widths[1]
        widths[1] = max(min(room, widths[1]), min(room, 8), 5)
        row = self.cursor_row
        self.clear(columns=True)
        for i, label in enumerate(labels):
            right = label in ("Amount", "Escrow")
            self.add_column(Text(label, justify="right") if right else label,
                            width=widths[i], key=label.lower())
        for m, r in zip(self.milestones, rows):
            self.add_row(r[0], Text(clip(r[1], widths[1])), r[2], Text(r[3], justify="right"),
                         Text(r[4], justify="right"), r[5], key=str(m.id))
        if self.milestones:
            self.move_cursor(row=min(max(row, 0), len(self.milestones) - 1))
