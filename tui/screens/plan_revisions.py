"""A contract's plan revisions (X-20, X-21), from the milestone manager's `v`: every
saved plan, newest (in force) first, with who made it, when and how. The highlighted
revision shows below as it was; `space` marks one, and then the panel shows the diff
from the marked revision to the highlighted one, so any two can be compared.

The revisions come from `rules.plan_revisions.all_revisions` (G-07: a stranger gets
none); the diff is `rules.plan_revisions.diff_rows`, computed from what was read."""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from rules.errors import RuleError
from rules.money import format_money
from rules.plan_revisions import Revision, all_revisions, diff_rows
from tui.commands import command
from tui.format import date_text, local_time
from tui.safe_text import shown
from tui.screens.base import BaseScreen
from tui.screens.dialogs.base import refusal_text
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.workers import db_work

REVISIONS_HELP = ("Every saved plan of this contract, who made it and when; any one as "
                  "it was, and the diff between any two (X-21).")
REVISIONS_KEY = command("v", "revisions", "Revisions", REVISIONS_HELP)


class RevisionsKey:
    """Mixed into the milestone manager: `v` opens this screen."""

    def action_revisions(self) -> None:
        self.app.push_screen(PlanRevisionsScreen(self.contract_id))


@dataclass
class RevisionsLoaded(Message):
    revisions: list[Revision]
    refusal: RuleError | None = None


def plan_text(revision: Revision) -> Content:
    """A revision's plan as it was: a milestone a line."""
    lines = [Content.assemble((f"Revision {revision.info.number} as it was", "bold"),
                              f" · {revision.info.milestones} milestones, "
                              f"{format_money(revision.info.total_cents)}")]
    for r in revision.rows:
        lines.append(Content.assemble(f"  {r.position:>2}. ", shown(r.title),
                                      f" · {format_money(r.amount_cents)}"
                                      f" · due {date_text(r.due_date)}"))
    return Content("\n").join(lines)


def diff_text(marked: Revision, shown_one: Revision) -> Content:
    changes = diff_rows(marked.rows, shown_one.rows)
    head = Content.assemble((f"From revision {marked.info.number} to "
                             f"{shown_one.info.number}", "bold"),
                            f" · {len(changes)} change{'s' if len(changes) != 1 else ''}")
    body = [Content.assemble("  ", shown(c.describe())) for c in changes] or [
        Content("  none")]
    return Content("\n").join([head, *body])


class PlanRevisionsScreen(BaseScreen):
    AUTO_FOCUS = "#revisions"
    BINDINGS = [
        command("space", "mark", "Mark",
                "Mark the highlighted revision: the panel then shows the diff from it to "
                "the one highlighted. Again to unmark."),
        command("escape", "back", "Back", "Go back to the milestones."),
    ]

    def __init__(self, contract_id: int) -> None:
        super().__init__()
        self.contract_id = contract_id
        self.revisions: list[Revision] = []
        self.marked: Revision | None = None

    def compose(self) -> ComposeResult:
        yield ActingHeader(f"Contract #{self.contract_id} › Plan revisions")
        yield Static("Loading…", id="revisions-info")
        yield DataTable(id="revisions", cursor_type="row", zebra_stripes=False)
        yield Static("", id="revision-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, key in (("No.", "number"), ("When", "when"), ("By", "by"),
                           ("What", "what"), ("Milestones", "count"), ("Total", "total")):
            table.add_column(label, key=key)
        self._load(self.app.actor, self.contract_id)

    @db_work("revisions")
    def _load(self, actor, contract_id: int) -> None:
        try:
            self.post_message(RevisionsLoaded(all_revisions(actor, contract_id)))
        except RuleError as exc:
            self.post_message(RevisionsLoaded([], exc))

    @on(RevisionsLoaded)
    def _loaded(self, message: RevisionsLoaded) -> None:
        info = self.query_one("#revisions-info", Static)
        if message.refusal is not None:
            info.update(Text(refusal_text(message.refusal)))
            return
        self.revisions = message.revisions
        tz = self.app.actor.timezone
        table = self.query_one(DataTable)
        table.clear()
        for r in self.revisions:
            i = r.info
            number = f"{i.number} ●" if i.in_force else str(i.number)
            table.add_row(number, local_time(i.created_at, tz), Text(shown(i.author) or "—"),
                          i.source, str(i.milestones), format_money(i.total_cents),
                          key=str(i.number))
        in_force = self.revisions[0].info.number if self.revisions else None
        info.update(Text(f"Revision {in_force} is in force (●). space marks one to diff "
                         "against." if in_force else "No revisions kept for this plan."))
        self._show()

    @property
    def highlighted(self) -> Revision | None:
        row = self.query_one(DataTable).cursor_row
        return self.revisions[row] if 0 <= row < len(self.revisions) else None

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self._show()

    def _show(self) -> None:
        current = self.highlighted
        detail = self.query_one("#revision-detail", Static)
        if current is None:
            detail.update("")
        elif self.marked is not None:
            detail.update(diff_text(self.marked, current))
        else:
            detail.update(plan_text(current))

    def action_mark(self) -> None:
        current = self.highlighted
        self.marked = None if (self.marked is not None and current is not None and
                               self.marked.info.number == current.info.number) else current
        table = self.query_one(DataTable)
        for r in self.revisions:
            n = r.info.number
            label = f"{n} ●" if r.info.in_force else str(n)
            if self.marked is not None and n == self.marked.info.number:
                label += " ◆"  # the marked one: a glyph, visible without colour
            table.update_cell(str(n), "number", label)
        self._show()

    def action_back(self) -> None:
        self.dismiss()
