"""N on the contract list: write an offer (O-01; issue 14).

Upwork's client offers to a freelancer, Fiverr's seller to a buyer: the policies shown
are the ones the acting user may offer on (rules.offer_form). The receiver is typed by
login or name, with completion from the accounts of the receiving role. The milestones
are added with the manager's own form (tui/screens/milestone_form.py, every field
checked as typed by the rule that checks it on save), and the plan as a whole is checked
as it changes by the same function `send_offer` calls (F-01's total, F-02's count), so
a limit is refused in the form, before anything is sent. The expiry (O-06) is read as
typed too, and says when. f2 sends; a refusal stays on
the form with everything typed.
"""
from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.suggester import Suggester
from textual.widgets import Input, Label, Select, Static

from models.base import database
from rules.errors import RuleError
from rules.money import format_money
from rules.offer_form import (
    check_offer_plan,
    parse_expiry,
    plan_context,
    receivers,
    sendable_policies,
)
from rules.offers import expiry_of, send_offer
from rules.plan import AddMilestone
from tui.commands import command
from tui.format import date_text, offer_expiry_text
from tui.safe_text import shown
from tui.screens.base import BaseScreen
from tui.screens.dialogs.base import refusal_text
from tui.screens.milestone_form import MilestoneDraft, MilestoneForm
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.widgets.list_keys import ListTable
from tui.widgets.plain_text import PlainInput
from tui.workers import db_work


def _matches(app, policy: str, typed: str) -> list[tuple[str, str]]:
    with database.connection_context():
        return receivers(app.actor, policy, typed)


class ReceiverSuggester(Suggester):
    """Completes a login as it is typed (right arrow takes it)."""

    def __init__(self, form: "OfferForm") -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.form = form

    async def get_suggestion(self, value: str) -> str | None:
        if not value.strip():
            return None
        try:
            found = await asyncio.to_thread(_matches, self.form.app, self.form.policy, value)
        except RuleError:
            return None
        return next((login for login, _ in found if login.startswith(value)), None)


class OfferForm(BaseScreen):
    """Dismissed with the new offer's contract id, or None when left unsent."""

    BINDINGS = [
        command("f2", "send", "Send", "Send the offer: the receiver accepts or declines "
                "it (O-01..O-03)."),
        command("ctrl+s", "send", "Send", "Send the offer.", show=False),
        command("a", "add", "Add", "Add a milestone to the plan (same checks as the "
                "manager)."),
        command("e", "edit", "Edit", "Edit the highlighted milestone of the plan."),
        command("d", "delete", "Delete", "Take the highlighted milestone out of the plan."),
        command("escape", "cancel", "Cancel", "Close the form; nothing is sent."),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plan: list[AddMilestone] = []
        self.receiver: str | None = None  # the login the To field stands for, if one
        self._sending = False

    @property
    def policy(self) -> str:
        value = self.query_one("#offer-policy", Select).value
        return value if isinstance(value, str) else self._policies[0][1]

    def compose(self) -> ComposeResult:
        self._policies = [(p.label, p.name) for p in sendable_policies(self.app.actor)]
        yield ActingHeader("New offer")
        with Vertical(id="offer-form"):
            with Horizontal(classes="field-row"):
                yield Label("To", classes="field-label")
                yield PlainInput(placeholder="login or name", compact=True, id="offer-to",
                                 suggester=ReceiverSuggester(self))
            yield Static("", id="offer-to-hint", classes="field-hint")
            with Horizontal(classes="field-row"):
                yield Label("Policy", classes="field-label")
                yield Select(self._policies, value=self._policies[0][1], allow_blank=False,
                             compact=True, id="offer-policy")
            with Horizontal(classes="field-row"):  # changed later only by both
                yield Label("Funding", classes="field-label")
                yield Select(FUNDING_CHOICES, value="one", allow_blank=False, compact=True,
                             id="offer-funding")
            with Horizontal(classes="field-row"):
                yield Label("Title", classes="field-label")
                yield PlainInput(placeholder="what the contract is for", compact=True,
                                 id="offer-title")
            with Horizontal(classes="field-row"):
                yield Label("Description", classes="field-label")
                yield PlainInput(placeholder="optional", compact=True, id="offer-description")
            with Horizontal(classes="field-row"):
                yield Label("Expires in", classes="field-label")
                yield PlainInput(placeholder="14 days; or 7d, or a date YYYY-MM-DD",
                                 compact=True, id="offer-expires")
            yield Static("", id="offer-expires-hint", classes="field-hint")
            yield Label("Milestones", classes="section")
            yield ListTable(id="offer-plan", cursor_type="row")
            yield Static("", id="offer-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#offer-plan", ListTable)
        table.add_columns("#", "Title", "Due", "Amount")
        blink = getattr(self.app, "cursor_blink", True)
        for field in self.query(Input):
            field.cursor_blink = blink
        self.query_one("#offer-to", Input).focus()
        self._show_plan()
        self._check_expiry()

    # --- the receiver ------------------------------------------------------------------

    @on(Input.Changed, "#offer-to")
    def _to_changed(self) -> None:
        self._find_receiver(self.query_one("#offer-to", Input).value)

    @on(Select.Changed, "#offer-policy")
    def _policy_changed(self) -> None:
        self._find_receiver(self.query_one("#offer-to", Input).value)
        self._show_plan()

    @db_work("offer-receiver")
    def _find_receiver(self, typed: str) -> None:
        try:
            found = receivers(self.app.actor, self.policy, typed)
        except RuleError as exc:
            self.app.call_from_thread(self._show_receiver, typed, [], refusal_text(exc))
            return
        self.app.call_from_thread(self._show_receiver, typed, found, "")

    def _show_receiver(self, typed: str, found: list[tuple[str, str]], refusal: str) -> None:
        if typed != self.query_one("#offer-to", Input).value:
            return  # an answer for text since changed
        exact = [f for f in found if f[0] == typed.strip()]
        chosen = exact or (found if len(found) == 1 else [])
        self.receiver = chosen[0][0] if chosen else None
        hint = self.query_one("#offer-to-hint", Static)
        if refusal:
            words = refusal
        elif chosen:
            words = f"→ {shown(chosen[0][1])} ({chosen[0][0]})"
        elif found:
            words = "Which one? " + " · ".join(f"{shown(l)} ({shown(n)})" for l, n in found)
        elif typed.strip():
            words = "No account of the receiving role matches."
        else:
            words = ""
        hint.update(Content(words))

    # --- the expiry (O-06) -------------------------------------------------------------

    @on(Input.Changed, "#offer-expires")
    def _check_expiry(self) -> bool:
        """What the expiry field says, as send_offer will read it; False if refused."""
        hint = self.query_one("#offer-expires-hint", Static)
        now = self.app.clock.now()
        try:
            due = expiry_of(parse_expiry(self.query_one("#offer-expires", Input).value), now)
        except RuleError as exc:
            hint.update(Content(refusal_text(exc)))
            hint.set_class(True, "-error")
            return False
        hint.update(Content(offer_expiry_text(due, now, self.app.actor.timezone)))
        hint.set_class(False, "-error")
        return True

    # --- the plan ----------------------------------------------------------------------

    def _today(self):
        return self.app.clock.now().date()

    def _show_plan(self) -> None:
        table = self.query_one("#offer-plan", ListTable)
        at = table.cursor_row
        table.clear()
        for i, m in enumerate(self.plan, 1):
            table.add_row(str(i), Text(shown(m.title)), date_text(m.due_date),
                          format_money(m.amount_cents))
        if self.plan:
            table.move_cursor(row=min(at, len(self.plan) - 1))
        self._check_plan()
        self.refresh_bindings()

    def _check_plan(self) -> bool:
        status = self.query_one("#offer-status", Static)
        if not self.plan:
            status.update("No milestones yet: tab to the plan and press a to add one.")
            status.set_class(False, "-error")
            return False
        try:
            rows = check_offer_plan(self.policy, self.plan, self._today())
        except RuleError as exc:
            status.update(Content(refusal_text(exc)))
            status.set_class(True, "-error")
            return False
        total = sum(r["amount_cents"] for r in rows)
        count = f"{len(rows)} milestone{'s' if len(rows) != 1 else ''}"
        status.update(f"{count}, {format_money(total)} in all. f2 sends the offer.")
        status.set_class(False, "-error")
        return True

    def _highlighted(self) -> int | None:
        table = self.query_one("#offer-plan", ListTable)
        return table.cursor_row if self.plan and table.has_focus else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        on_plan = self.focused is self.query_one("#offer-plan", ListTable)
        if action == "add":
            return on_plan  # elsewhere `a` is a letter of a field
        if action in ("edit", "delete"):
            return on_plan and bool(self.plan)
        return True

    def _form(self, row: AddMilestone | None = None) -> MilestoneForm:
        values = None if row is None else {
            "title": row.title, "description": row.description, "due_date": row.due_date,
            "amount_cents": row.amount_cents, "revisions_allowed": row.revisions,
            "criteria": row.criteria}
        return MilestoneForm(plan_context(self.policy, self._today()), values=values)

    def action_add(self) -> None:
        def added(draft: MilestoneDraft | None) -> None:
            if draft is not None:
                self.plan.append(_milestone(draft.fields))
                self._show_plan()
                self.query_one("#offer-plan", ListTable).move_cursor(row=len(self.plan) - 1)
        self.app.push_screen(self._form(), added)

    def action_edit(self) -> None:
        at = self._highlighted()
        if at is None:
            return
        old = self.plan[at]

        def edited(draft: MilestoneDraft | None) -> None:
            if draft is not None:
                self.plan[at] = _milestone(draft.fields)
                self._show_plan()
        self.app.push_screen(self._form(old), edited)

    def action_delete(self) -> None:
        at = self._highlighted()
        if at is not None:
            del self.plan[at]
            self._show_plan()

    # --- sending -----------------------------------------------------------------------

    def action_send(self) -> None:
        if self._sending:
            return
        status = self.query_one("#offer-status", Static)
        if self.receiver is None:
            status.update("Choose who receives the offer: a login, or a name that "
                          "matches one account.")
            status.set_class(True, "-error")
            self.query_one("#offer-to", Input).focus()
            return
        if not self._check_plan() or not self._check_expiry():
            return
        self._sending = True
        status.update("Sending…")
        status.set_class(False, "-error")
        title = self.query_one("#offer-title", Input).value
        text = self.query_one("#offer-description", Input).value
        expires = parse_expiry(self.query_one("#offer-expires", Input).value)
        funding = self.query_one("#offer-funding", Select).value
        self._send(self.receiver, self.policy, title, text, list(self.plan), expires, funding)

    @db_work("offer-send")
    def _send(self, receiver: str, policy: str, title: str, text: str,
              plan: list[AddMilestone], expires, funding: str) -> None:
        try:
            contract = send_offer(self.app.actor, receiver, policy, title, text, plan,
                                  expires, funding=funding, clock=self.app.clock)
        except RuleError as exc:
            self.app.call_from_thread(self._refused, refusal_text(exc))
            return
        self.app.call_from_thread(self.dismiss, contract.id)

    def _refused(self, words: str) -> None:
        self._sending = False
        status = self.query_one("#offer-status", Static)
        status.update(Content(words))  # it may quote what was typed
        status.set_class(True, "-error")

    def action_cancel(self) -> None:
        self.dismiss(None)


# The funding policies an offer offers; the CLI takes any N from 2 to 20.
FUNDING_CHOICES = [("One milestone at a time", "one"), ("2 at a time", "2"),
                   ("3 at a time", "3"), ("5 at a time", "5"), ("All up front", "all")]


def _milestone(fields: dict) -> AddMilestone:
    return AddMilestone(title=fields["title"], amount_cents=fields["amount_cents"],
                        description=fields.get("description") or "",
                        due_date=fields.get("due_date"),
                        revisions=fields.get("revisions_allowed"),
                        criteria=fields.get("criteria") or ())
