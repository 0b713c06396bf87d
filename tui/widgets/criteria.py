"""Acceptance criteria against evidence (X-34), as the review dialog, the dispute dialog
and the support console show them: one line per criterion, marked ✓ with its link and
note or ✗ with none. The marks carry the meaning without colour (NO_COLOR, 16 colours);
every word is the users' own, so it is Text, never markup."""
from __future__ import annotations

from typing import Sequence

from rich.text import Text

from rules.evidence import CriterionRow, criteria_table
from tui.safe_text import shown


def criteria_text(rows: Sequence[CriterionRow]) -> Text:
    out = Text()
    for row in rows:
        if row.position > 1:
            out.append("\n")
        mark = "✓" if row.shown else "✗"
        out.append(f"{mark} {row.position}. ", style="bold")
        out.append(shown(row.criterion))
        given = " · ".join(x for x in (row.link, row.note.replace("\n", " ")) if x)
        out.append(f" — {shown(given)}" if given else " — no evidence", style="" if given
                   else "italic")
    return out


def criteria_block(milestone) -> list[Text]:
    """For a dialog's lines: a heading and the table, or nothing for a milestone without
    criteria (a MilestoneView: its criteria and latest submission)."""
    if not milestone.criteria:
        return []
    sub = milestone.last_submission or {}
    rows = criteria_table(milestone.criteria, sub.get("evidence"))
    return [Text("Acceptance criteria against the latest evidence (X-34):", style="bold"),
            criteria_text(rows)]
