"""The panel under a contract table (the list and the support console): which contract,
and its money."""
from __future__ import annotations

from textual.content import Content

from rules.queries import ContractSummary
from tui.format import format_money
from tui.safe_text import shown
from tui.widgets.totals import LAYOUT


def summary_text(s: ContractSummary) -> Content:
    """The panel under the table: which contract, and its money in the columns of
    `tui.widgets.totals.totals_table`. Plain content, not a Rich table: it is drawn
    again on every cursor move, and a table costs many times as much to measure and
    draw. (Lines too long for the panel end in an ellipsis: screens.css.)"""
    parts: list[str | tuple[str, str]] = [
        (f"#{s.id} {shown(s.title)} · {s.status} · {s.policy_label}\n"
         f"Client {shown(s.client_name)} · Freelancer {shown(s.freelancer_name)}")]
    groups = list(zip(*LAYOUT))  # the columns of label and amount pairs
    amounts = [[format_money(getattr(s.totals, field)) for _, field in group]
               for group in groups]
    label_width = [max(len(label) for label, _ in group) for group in groups]
    amount_width = [max(len(a) for a in column) for column in amounts]
    for row, pairs in enumerate(LAYOUT):
        parts.append("\n")
        for g, (label, _) in enumerate(pairs):
            if g:
                parts.append("   ")  # the grid's gap column between its cell padding
            parts += [(label.ljust(label_width[g]), "dim"), " ",
                      (amounts[g][row].rjust(amount_width[g]), "bold")]
    return Content.assemble(*parts)
