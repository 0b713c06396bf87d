"""The milestone form (add, edit), and the two small dialogs the plan screens share: a
yes/no question and a message to send with an answer.

Every field is checked as it is typed, by the rule that will check it on save
(`rules.plan.check_milestone_fields`, `rules.money.parse_money`,
`rules.validation.parse_date`), and the rule's own message is shown under it. Dialogs
return what was typed through `dismiss`; they never write to the database.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, Static

from rules.errors import RuleError
from rules.money import format_money, parse_money
from rules.plan import PlanContext, PlanRow, check_milestone_fields
from rules.validation import parse_date
from tui.commands import command
from tui.safe_text import user_content
from tui.screens.base import BaseModal
from tui.widgets.footer import KeyFooter
from tui.widgets.plain_text import PlainInput

LABELS = {"title": "Title", "description": "Description", "due_date": "Due date",
          "amount_cents": "Amount", "revisions_allowed": "Revisions", "criteria": "Criteria"}
PLACEHOLDERS = {"title": "what is delivered", "description": "optional",
                "due_date": "YYYY-MM-DD, optional", "amount_cents": "like 1,250.00",
                "revisions_allowed": "0 to 99",
                "criteria": "optional: acceptance criteria, separated by ;"}


def refusal_text(error: RuleError) -> str:
    """A refusal as the user reads it: the rule's message, and its ID when it has one."""
    rule = error.rule_id
    if rule and rule[:1].isupper() and "-" in rule and rule.split("-")[1].isdigit():
        return f"{error.message} ({rule})"
    return error.message


def field_text(name: str, value: Any) -> str:
    """A stored value as the form shows it for editing."""
    if value is None:
        return ""
    if name == "amount_cents":
        return format_money(value)
    if name == "due_date":
        return value.isoformat()
    if name == "criteria":
        return "; ".join(value)
    return str(value)


def read_field(name: str, text: str, ctx: PlanContext) -> Any:
    """What `text` means for field `name`, checked by the rules; raises RuleError."""
    if name == "due_date":
        value: Any = parse_date(text)
    elif name == "amount_cents":
        value = parse_money(text)
    elif name == "revisions_allowed":
        raw = text.strip()
        value = int(raw) if raw.isdigit() else (raw or None)
    elif name == "criteria":  # one line here, the criteria separated by ";"
        value = [part.strip() for part in text.split(";") if part.strip()]
    else:
        value = text
    return check_milestone_fields({name: value}, ctx)[name]


class MilestoneFields(Vertical):
    """Labelled inputs, each checked as it is typed, with the rule's message under it."""

    @dataclass
    class Checked(Message):
        fields: "MilestoneFields"
        valid: bool

    def __init__(self, names: list[str], ctx: PlanContext, initial: dict[str, Any],
                 *, id: str | None = None) -> None:
        super().__init__(id=id, classes="milestone-fields")
        self.names = names
        self.ctx = ctx
        self.initial = initial
        self.errors: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._shown: set[str] = set()  # fields whose problem is shown (touched, or tried)

    def compose(self) -> ComposeResult:
        for name in self.names:
            with Horizontal(classes="field-row"):
                yield Label(LABELS[name], classes="field-label")
                yield PlainInput(field_text(name, self.initial.get(name)), compact=True,
                            placeholder=PLACEHOLDERS[name], id=f"field-{name}")
            yield Static("", id=f"problem-{name}", classes="field-problem")

    def on_mount(self) -> None:
        blink = getattr(self.app, "cursor_blink", True)
        for name in self.names:
            self.query_one(f"#field-{name}", Input).cursor_blink = blink
            self._check(name)

    def _check(self, name: str) -> None:
        text = self.query_one(f"#field-{name}", Input).value
        try:
            self.values[name] = read_field(name, text, self.ctx)
            self.errors.pop(name, None)
        except RuleError as exc:
            self.values.pop(name, None)
            self.errors[name] = refusal_text(exc)
        problem = self.query_one(f"#problem-{name}", Static)
        words = self.errors.get(name, "") if name in self._shown else ""
        problem.update(Content(words))  # a refusal may quote what was typed
        problem.display = bool(words)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        if name in self.names:
            self._shown.add(name)
            self._check(name)
            self.post_message(self.Checked(self, not self.errors))

    def show_problems(self) -> bool:
        """Show every field's problem (the user tried to finish); True when none."""
        self._shown.update(self.names)
        for name in self.names:
            self._check(name)
        first = next((n for n in self.names if n in self.errors), None)
        if first is not None:
            self.query_one(f"#field-{first}", Input).focus()
        return first is None

    def changed_values(self) -> dict[str, Any]:
        """The checked values that differ from the initial ones."""
        return {k: v for k, v in self.values.items() if self.initial.get(k) != v}


@dataclass(frozen=True)
class MilestoneDraft:
    """What the form returns: for a new milestone every field, for an edit the changed."""
    fields: dict[str, Any]


class MilestoneForm(BaseModal[MilestoneDraft | None]):
    BINDINGS = [
        # f2 first (the footer shows it): ctrl+s is XOFF on many terminals.
        command("f2", "done", "Done", "Keep these values (the plan is saved later, "
                "all at once)."),
        command("ctrl+s", "done", "Done", "Keep these values (the plan is saved later, "
                "all at once)."),
        command("escape", "cancel", "Cancel", "Close the form, changing nothing."),
    ]

    def __init__(self, ctx: PlanContext, row: PlanRow | None = None, *,
                 values: dict[str, Any] | None = None) -> None:
        """`row`: edit a stored milestone (the changed fields return). `values`: start
        from these, every field returns (a plan not yet stored: a new offer's)."""
        super().__init__()
        self.ctx = ctx
        self.row = row
        names = ["title", "description", "due_date", "amount_cents"]
        if ctx.policy.default_revisions is not None:  # F-06: Fiverr milestones
            names.append("revisions_allowed")
        names.append("criteria")
        self.names = names
        start = {n: getattr(row, n) for n in names} if row is not None else (values or {})
        self.initial = {n: start.get(n) for n in names} if start else {}
        self.heading = (f"Edit “{start.get('title')}”" if start
                        else "Add a milestone")

    def compose(self) -> ComposeResult:
        heading = self.heading
        with Vertical(classes="dialog", id="milestone-form"):
            yield Label(user_content(heading), classes="dialog-title")
            yield MilestoneFields(self.names, self.ctx, self.initial)
            yield Static("Enter or f2 keeps the values; the plan is saved later, all "
                         "at once.", classes="dialog-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#field-title", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_done()

    def action_done(self) -> None:
        fields = self.query_one(MilestoneFields)
        if not fields.show_problems():
            return
        values = fields.changed_values() if self.row is not None else dict(fields.values)
        if self.row is not None and not values:
            self.dismiss(None)  # nothing changed: nothing to record
            return
        self.dismiss(MilestoneDraft(values))

    def action_cancel(self) -> None:
        self.dismiss(None)


# --- two small dialogs ------------------------------------------------------------------

class ConfirmDialog(BaseModal[bool]):
    """A question with a yes (enter or y) and a no (escape or n)."""

    BINDINGS = [
        command("enter", "yes", "Yes", "Answer yes."),
        command("y", "yes", "Yes", "Answer yes.", show=False),
        command("escape", "no", "No", "Answer no."),
        command("n", "no", "No", "Answer no.", show=False),
    ]

    def __init__(self, question: str, detail: str = "", *, yes: str = "Yes",
                 no: str = "No") -> None:
        super().__init__()
        self.question, self.detail = question, detail
        self.yes_label, self.no_label = yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="confirm"):
            # Questions and details quote titles: plain text, control characters visible.
            yield Label(user_content(self.question), classes="dialog-title")
            if self.detail:
                yield Static(user_content(self.detail, multiline=True),
                             classes="dialog-detail")
            yield Static(f"enter  {self.yes_label}     esc  {self.no_label}",
                         classes="dialog-hint")
        yield KeyFooter()

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class MessageDialog(BaseModal[str | None]):
    """One line of text sent with an answer (a reason, a note); escape sends nothing."""

    BINDINGS = [
        command("escape", "cancel", "Cancel", "Close, sending nothing."),
    ]

    def __init__(self, title: str, prompt: str, *, action: str = "Send",
                 placeholder: str = "optional", value: str = "") -> None:
        super().__init__()
        self.title_text, self.prompt, self.action_label = title, prompt, action
        self.placeholder, self.value = placeholder, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="message-dialog"):
            yield Label(user_content(self.title_text), classes="dialog-title")
            yield Static(user_content(self.prompt, multiline=True), classes="dialog-detail")
            yield PlainInput(self.value, compact=True, placeholder=self.placeholder,
                             id="message")
            yield Static(f"enter  {self.action_label}     esc  Cancel",
                         classes="dialog-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        field = self.query_one("#message", Input)
        field.cursor_blink = getattr(self.app, "cursor_blink", True)
        field.focus()

    @on(Input.Submitted)
    def _send(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
