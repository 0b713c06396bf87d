"""The client's change request on the active milestone (U-20..U-24).

`ActiveChangeDialog(detail, milestone_id)` is a dialog: it shows the milestone's title,
description, due date and amount, checks each as it is typed with the rule's message,
and dismisses with an `ActiveChange` (only the fields that differ from the milestone, and
a note for the freelancer) or None. It writes nothing.

`request_active_change(node, detail, milestone_id)` is the whole flow for a screen to run
in an async worker: the dialog, then `rules.change_requests.request_milestone_change`
(or `edit_milestone_change` for a pending request) in a thread; a refusal from the rules
reopens the dialog with what was typed and the refusal shown inline.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.widgets import Input, Label, Static

from models.base import database
from rules.change_requests import edit_milestone_change, request_milestone_change
from rules.contract_view import ContractDetail, MilestoneView
from rules.counters import counter_milestone_change
from rules.errors import RuleError
from rules.inbox import RequestView
from rules.plan import PlanContext
from rules.policy import get_policy
from tui.commands import command
from tui.safe_text import user_content
from tui.screens.base import BaseModal
from tui.screens.milestone_form import MilestoneFields, refusal_text
from tui.widgets.footer import KeyFooter
from tui.widgets.plain_text import PlainInput

FIELDS = ["title", "description", "due_date", "amount_cents"]  # what U-20 may change


@dataclass(frozen=True)
class ActiveChange:
    changes: dict[str, Any]             # field: new value, only what differs
    message: str = ""                   # a note for the freelancer (new requests)
    typed: dict[str, Any] = field(default_factory=dict)  # every checked value, to reopen


def context_of(detail: ContractDetail) -> PlanContext:
    return PlanContext(policy=get_policy(detail.policy), starts_on=detail.starts_on,
                       end_date=detail.end_date)


class ActiveChangeDialog(BaseModal[ActiveChange | None]):
    BINDINGS = [
        # f2 first: the footer shows it. ctrl+s is XOFF on many terminals (and lost over
        # SSH), so it is only the second key of the same command.
        command("f2", "send", "Send", "Send the change request to the freelancer."),
        command("ctrl+s", "send", "Send", "Send the change request to the freelancer."),
        command("escape", "cancel", "Cancel", "Close, requesting nothing."),
    ]

    def __init__(self, detail: ContractDetail, milestone_id: int, *,
                 request: RequestView | None = None, draft: ActiveChange | None = None,
                 error: str = "", counter: bool = False) -> None:
        """`request`: a pending request of the client's, to edit (U-21), or with
        `counter` the other party's, to answer with another version (X-22). `draft`
        and `error`: what was typed and why the rules refused it, when reopened."""
        super().__init__()
        self.counter = counter
        self.detail = detail
        self.milestone: MilestoneView = next(m for m in detail.milestones
                                             if m.id == milestone_id)
        self.request = request
        self.error = error
        self.ctx = context_of(detail)
        current = {n: getattr(self.milestone, n) for n in FIELDS}
        self.current = current
        shown = dict(current)
        if request is not None:  # the values the pending request asks for
            for change in request.changes:
                for f in change.fields:
                    shown[f.name] = f.after
        if draft is not None:
            shown.update(draft.typed)
        self.shown = shown
        self.note = draft.message if draft is not None else ""

    def compose(self) -> ComposeResult:
        m = self.milestone
        verb = ("Answer with another change to" if self.counter else
                "Edit the change request on" if self.request else "Request a change to")
        who = "They accept, refuse or counter it (X-22)" if self.counter else \
            "The freelancer approves or rejects it (U-22)"
        with Vertical(classes="dialog", id="active-change"):
            yield Label(user_content(f"{verb} “{m.title}”"), classes="dialog-title")
            yield Static(f"{who}; unanswered, it expires after 7 days (U-24). Change any "
                         "of:", classes="dialog-detail")
            yield MilestoneFields(FIELDS, self.ctx, self.shown)
            if self.request is None or self.counter:
                yield PlainInput(self.note, compact=True, placeholder="a note for the "
                            "freelancer (optional)", id="change-note")
            yield Static(self.error, markup=False, id="change-error", classes="field-problem")
            yield Static("f2 (or ctrl+s) sends · esc cancels", classes="dialog-hint")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#change-error").display = bool(self.error)
        if self.query("#change-note"):
            self.query_one("#change-note", Input).cursor_blink = getattr(
                self.app, "cursor_blink", True)
        self.query_one("#field-title", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        fields = self.query_one(MilestoneFields)
        if not fields.show_problems():
            return
        changes = {k: v for k, v in fields.values.items() if self.current.get(k) != v}
        error = self.query_one("#change-error", Static)
        if not changes:
            error.update("Nothing differs from the milestone as it is: change a field "
                         "first (U-20).")
            error.display = True
            return
        note = self.query_one("#change-note", Input).value if self.query("#change-note") else ""
        self.dismiss(ActiveChange(changes, note, dict(fields.values)))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _write(actor, milestone_id: int, result: ActiveChange, request: RequestView | None,
           clock, counter: bool) -> None:
    with database.connection_context():
        if counter:
            counter_milestone_change(actor, request.id, result.changes, result.message,
                                     clock=clock)
        elif request is None:
            request_milestone_change(actor, milestone_id, result.changes, result.message,
                                     clock=clock)
        else:
            edit_milestone_change(actor, request.id, result.changes, version=request.version,
                                  clock=clock)


async def request_active_change(node: DOMNode, detail: ContractDetail, milestone_id: int,
                                request: RequestView | None = None,
                                counter: bool = False) -> bool:
    """The dialog and the rules call, from an async worker (`push_screen_wait`). True
    when the request was sent (edited, or countered); refusals are shown in the
    reopened dialog."""
    app = node.app
    draft: ActiveChange | None = None
    error = ""
    while True:
        result = await app.push_screen_wait(ActiveChangeDialog(
            detail, milestone_id, request=request, draft=draft, error=error,
            counter=counter))
        if result is None:
            return False
        try:
            await asyncio.to_thread(_write, app.actor, milestone_id, result, request,
                                    app.clock, counter)
        except RuleError as exc:
            draft, error = result, refusal_text(exc)
            continue
        app.notify("Counter-proposal sent: the other party answers it." if counter else
                   "Change request edited." if request else
                   "Change request sent: the freelancer approves or rejects it.", timeout=5)
        return True
