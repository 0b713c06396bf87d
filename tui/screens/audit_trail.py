"""A contract's audit trail as support reads it (G-05): the hash-chained records, newest
first, a page at a time; the highlighted one in full below (who, when in UTC, what, the
values before and after, the reason, its hash). And the contract room as support opens
it from the console: the room itself, with the audit trail one key away.

The records come from `rules.support_search.audit_trail` (agents only, G-07), which
checks each one against its own hash as it is read; `milestones audit verify` checks the
whole chain.
"""
from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Label, Static

from models.accounts import Account
from rules.errors import RuleError
from rules.money import format_money
from rules.support_search import AuditEntry, audit_trail
from tui.commands import command
from tui.safe_text import shown, user_content, user_text
from tui.screens.base import BaseScreen
from tui.screens.contract import ContractScreen
from tui.screens.dialogs.base import refusal_text
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.workers import db_work

PAGE_SIZE = 50
MORE_WHEN_WITHIN = 10
TIME_FORMAT = "YYYY-MM-DD HH:mm:ss"  # UTC, as recorded (G-05)


def value_text(key: str, value: object) -> str:
    """A stored value as read: amounts in money, the rest as it is."""
    if key.endswith("_cents") and isinstance(value, int):
        return format_money(value)
    if value is None or value == "":
        return "—"
    return str(value)


def changes_text(entry: AuditEntry) -> str:
    """"status: in_support → resolved · to_freelancer: $100.00": each key once, its value
    before and after (one side only when the other did not have it)."""
    parts = []
    for key in [*entry.before, *(k for k in entry.after if k not in entry.before)]:
        name = key.removesuffix("_cents")
        if key in entry.before and key in entry.after:
            old, new = entry.before[key], entry.after[key]
            parts.append(f"{name}: {value_text(key, old)}" if old == new else
                         f"{name}: {value_text(key, old)} → {value_text(key, new)}")
        elif key in entry.after:
            parts.append(f"{name}: {value_text(key, entry.after[key])}")
        else:
            parts.append(f"{name}: was {value_text(key, entry.before[key])}")
    return " · ".join(parts) or "—"


def entry_detail(entry: AuditEntry) -> Content:
    """The highlighted record in full, for the panel under the table."""
    check = ("hash checked" if entry.intact else
             "CHANGED after it was written: its hash no longer matches (G-05)")
    lines = [
        Content.assemble((f"#{entry.id} {entry.action}", "bold"),
                         shown(f" by {entry.actor_name} ({entry.actor_login}, {entry.actor_role})"
                               f" · {entry.at.format(TIME_FORMAT)} UTC"
                               + (f" · {entry.target}" if entry.target else ""))),
        Content.assemble(("Reason ", "dim"), shown(entry.reason) or "—"),
        Content.assemble(("Values ", "dim"), shown(changes_text(entry))),
        Content.assemble(("Hash   ", "dim"), f"{entry.hash[:16]}… after "
                         f"{entry.prev_hash[:16] or 'the start'}… · ",
                         (check, "" if entry.intact else "bold reverse")),
    ]
    return Content("\n").join(lines)


@dataclass
class TrailLoaded(Message):
    entries: list[AuditEntry]
    has_more: bool
    append: bool
    error: RuleError | None = None


class AuditTrailScreen(BaseScreen):
    AUTO_FOCUS = "#audit-records"
    BINDINGS = [
        command("escape", "back", "Back", "Go back to where the audit trail was opened."),
        command("o", "older", "Older",
                "Load older records (the trail shows the newest first)."),
        command("r", "refresh", "Refresh", "Read the trail again from the database.",
                show=False),
    ]

    def __init__(self, contract_id: int, title: str = "") -> None:
        super().__init__()
        self.contract_id = contract_id
        self.contract_title = title
        self.entries: list[AuditEntry] = []
        self.has_more = False
        self._loading = False

    def compose(self) -> ComposeResult:
        yield ActingHeader(f"Audit · Contract #{self.contract_id}")
        yield Label("", id="audit-heading")
        yield DataTable(id="audit-records", cursor_type="row", cell_padding=1)
        yield Static("", id="audit-detail")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#audit-records", DataTable)
        for key, label in (("at", "When (UTC)"), ("who", "Who"), ("action", "Action"),
                           ("target", "Target"), ("check", "Hash")):
            table.add_column(label, key=key)
        self.action_refresh()

    # --- loading ----------------------------------------------------------------------

    @db_work("audit-trail")
    def _load(self, actor: Account, before_id: int | None, append: bool) -> None:
        try:
            entries, more = audit_trail(actor, self.contract_id, before_id=before_id,
                                        limit=PAGE_SIZE)
        except RuleError as exc:  # not an agent (G-07), or the contract is gone
            self.post_message(TrailLoaded([], False, append, error=exc))
            return
        self.post_message(TrailLoaded(entries, more, append))

    @on(TrailLoaded)
    def _show(self, message: TrailLoaded) -> None:
        self._loading = False
        table = self.query_one("#audit-records", DataTable)
        if not message.append:
            self.entries = []
            table.clear()
        self.entries += message.entries
        self.has_more = message.has_more
        for e in message.entries:
            table.add_row(e.at.format("YYYY-MM-DD HH:mm"), user_text(e.actor_login),
                          e.action.replace("_", " "), user_text(e.target),
                          "ok" if e.intact else Text("CHANGED", style="bold reverse"),
                          key=str(e.id))
        heading = self.query_one("#audit-heading", Label)
        if message.error is not None:
            heading.update(user_content(refusal_text(message.error)))
        else:
            title = f"“{shown(self.contract_title)}” · " if self.contract_title else ""
            more = " · o: older" if self.has_more else " · the whole trail"
            heading.update(Content(f"{title}{len(self.entries)} records, newest first{more}"))
        table.display = bool(self.entries)
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        table = self.query_one("#audit-records", DataTable)
        row = table.cursor_row
        detail = self.query_one("#audit-detail", Static)
        detail.display = 0 <= row < len(self.entries)
        if detail.display:
            detail.update(entry_detail(self.entries[row]))

    @on(DataTable.RowHighlighted, "#audit-records")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        if event.cursor_row >= len(self.entries) - MORE_WHEN_WITHIN:
            self.action_older()

    # --- actions ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "older":
            return self.has_more or None
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self._loading = True
        self._load(self.app.actor, None, False)

    def action_older(self) -> None:
        if self.has_more and not self._loading and self.entries:
            self._loading = True
            self._load(self.app.actor, self.entries[-1].id, True)

    def data_changed(self, contract_ids: set[int], *, time_moved: bool = False) -> None:
        if self.contract_id in contract_ids:
            self.action_refresh()


class SupportRoomScreen(ContractScreen):
    """The contract room as a support agent opens it from the console: every party
    action is refused to an agent by rules/ (so hidden here), resolving a dispute and
    cancelling remain (v, k); `a` (a client's "top up", never an agent's) opens the
    audit trail."""

    BINDINGS = [
        command("a", "audit_trail", "Audit",
                "This contract's audit trail, newest first: who, when, what, before and "
                "after, the reason (G-05)."),
    ]

    def action_audit_trail(self) -> None:
        title = self.detail.title if self.detail is not None else ""
        self.app.push_screen(AuditTrailScreen(self.contract_id, title))
