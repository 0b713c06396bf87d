"""How the inbox writes a change request: its changes as before → after lines, its
status in a word, and its entry in the list (`prompt`). Shared by the inbox, the full
view and the answer dialogs; no queries here."""
from __future__ import annotations

from rich.table import Table
from rich.text import Text

from rules.inbox import RequestView
from tui.format import clip, format_money
from tui.safe_text import shown

CHANGES_SHOWN = 3  # change lines per request in the list; the full view has them all


def changes_lines(view: RequestView, limit: int | None = None) -> list[str]:
    """Each change as one line: "amount: $500.00 → $650.00", "added “QA”: amount…"."""
    lines: list[str] = []
    for change in view.changes:
        fields = "; ".join(f.describe() for f in change.fields)
        if view.is_proposal:
            if change.kind == "added":
                fields = "; ".join(f"{f.label} {f.after_text}" for f in change.fields
                                   if f.name != "title")
            lines.append(change.headline() + (f": {fields}" if fields else ""))
        else:
            lines.extend(f.describe() for f in change.fields)
    if limit is not None and len(lines) > limit:
        more = len(lines) - limit + 1
        lines = lines[:limit - 1] + [f"… and {more} more (enter shows them all)"]
    return lines


def status_words(view: RequestView, now) -> str:
    return "expired" if view.is_pending and view.expired(now) else view.status


def prompt(view: RequestView, now, width: int) -> Table:
    """A request in the list: what, where, who, when, and its changes."""
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    head = Text.assemble((clip(shown(view.title), max(width - 24, 10)), "bold"),
                         f" · {clip(shown(view.contract_title), 30)}")
    grid.add_row(head)
    when = [f"by {shown(view.author_name)}", view.age(now)]
    if (expiry := view.expiry(now)):
        when.append(expiry)
    if not view.is_pending or view.expired(now):
        when.append(status_words(view, now))
    if view.funds_needed_cents:
        when.append(f"needs {format_money(view.funds_needed_cents)} in escrow")
    grid.add_row(Text(" · ".join(when), style="dim"))
    for line in changes_lines(view, CHANGES_SHOWN):
        grid.add_row(Text("  " + clip(shown(line), max(width - 4, 10))))
    if not view.is_pending or view.funds_needed_cents:
        outcome = view.outcome + (f" “{view.answer_message}”" if view.answer_message else "")
        grid.add_row(Text("  " + clip(shown(outcome), max(width - 4, 10)), style="italic"))
    return grid
