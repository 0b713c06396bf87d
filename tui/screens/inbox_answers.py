"""The answers to a change request, shared by the inbox and the full view (`AnswerActions`):
approve or reject a client's change (the freelancer, U-22), edit or withdraw it (the
client, U-21), accept or decline a proposal (the client, U-15), add funds after an
approved higher amount (the client, U-22). Each answer is one `rules/` action, offered
under one key (`ANSWER_KEYS`) only when `rules.inbox` lists it for the acting user.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual import work
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from models.accounts import Account
from models.base import database
from rules.change_requests import (accept_proposal, approve_milestone_change, decline_proposal,
                                   reject_milestone_change, withdraw_milestone_change)
from rules.contract_view import contract_detail
from rules.errors import RuleError
from rules.funding import describe_funding
from rules.funding_change import (accept_funding_change, decline_funding_change,
                                  withdraw_funding_change)
from rules.inbox import RequestView
from rules.payments import add_escrow_funds
from tui.commands import command
from tui.format import format_money
from tui.safe_text import shown
from tui.screens.active_change import request_active_change
from tui.screens.inbox_format import changes_lines
from tui.screens.milestone_form import ConfirmDialog, MessageDialog, refusal_text
from tui.workers import db_work

# One key per answer: a says yes (the freelancer approves a change, U-22; the client
# accepts a proposal, U-15), r says no (reject, decline).
ANSWER_KEYS = [
    command("a", "approve", "Approve", "Approve the client's change (it applies at once, "
            "U-22), or accept the freelancer's whole proposal (every change applies at "
            "once, U-15)."),
    command("r", "reject", "Reject", "Reject the client's change, or decline the whole "
            "proposal, with a reason: nothing changes (U-22, U-15)."),
    command("e", "edit_request", "Edit",
            "Edit your pending change request before the freelancer answers (U-21)."),
    command("w", "withdraw", "Withdraw",
            "Withdraw your pending change request before the freelancer answers (U-21)."),
    command("f", "add_funds", "Add funds", "Add the difference of an approved higher amount "
            "to escrow; project funds are used first (U-22, U-04)."),
    command("o", "counter", "Counter", "Answer with your own version instead: an amended "
            "change, or an amended proposal; the other party then answers it (X-22)."),
]
ANSWER_ACTIONS = {"approve": ("approve", "accept"), "reject": ("reject", "decline"),
                  "edit_request": ("edit",), "withdraw": ("withdraw",),
                  "add_funds": ("add_funds",), "counter": ("counter",)}


def run_funding_answer(actor: Account, answer: str, request_id: int, note: str,
                       clock) -> str:
    """Accept, decline or withdraw a funding request (X-38); what it did, in words."""
    if answer == "accept":
        limit = accept_funding_change(actor, request_id, clock=clock)
        return f"Accepted: the contract funds {describe_funding(limit)} now."
    if answer == "decline":
        decline_funding_change(actor, request_id, note, clock=clock)
        return "Declined: the funding stays as it was."
    withdraw_funding_change(actor, request_id, clock=clock)
    return "Withdrawn."


@dataclass
class Answered(Message):
    text: str


@dataclass
class AnswerRefused(Message):
    text: str


@dataclass
class CounterAsked(Message):
    """Answer this proposal with an amended one (X-22): the app opens the manager."""
    view: RequestView
    then: object  # called when the manager closes


class AnswerActions:
    """The answers to a request, shared by the inbox and the full view. The screen
    provides `selected` (the request the keys act on) and `reload()`."""

    selected: RequestView | None

    def answer_allowed(self, action: str) -> bool | None:
        answers = ANSWER_ACTIONS.get(action)
        if answers is None:
            return None
        view = self.selected
        return view is not None and any(a in view.answers for a in answers)

    def _say(self, text: str, *, error: bool = False) -> None:
        """What an answer did, or the rules' refusal, inline under the list."""
        status = self.query_one("#answer-status", Static)
        status.update(Content(shown(text)))  # a refusal may quote a title
        status.display = bool(text)
        status.set_class(error, "-error")

    # Named handlers, not @on: Textual registers @on only on the classes it builds, and
    # this mixin is a plain class.
    def on_answered(self, message: Answered) -> None:
        self._say(message.text)
        self.app.refresh_unread()
        self.reload()

    def on_answer_refused(self, message: AnswerRefused) -> None:
        self._say(message.text, error=True)
        self.reload()  # what the rules saw may differ from what is shown

    def action_approve(self) -> None:
        view = self.selected
        if view.is_funding:
            self.app.push_screen(ConfirmDialog(
                "Accept this change of funding?", view.title + "\nIt applies at once.",
                yes="Accept"), lambda yes: yes and self._answer("accept", view))
            return
        if view.is_proposal:
            self._accept(view)
            return
        self.app.push_screen(ConfirmDialog(
            f"Approve the change to “{view.milestone_title}”?",
            "\n".join(changes_lines(view)) + "\nIt applies at once.", yes="Approve"),
            lambda yes: yes and self._answer("approve", view))

    def action_reject(self) -> None:
        view = self.selected
        if view.is_proposal or view.is_funding:
            self._decline(view)
            return
        self.app.push_screen(MessageDialog(
            "Reject the change", "The milestone stays as it was. Why (optional):",
            action="Reject"), lambda note: note is not None and self._answer(
                "reject", view, note=note))

    def _accept(self, view: RequestView) -> None:
        n = len(view.changes)
        self.app.push_screen(ConfirmDialog(
            f"Accept all {n} change{'s' if n != 1 else ''}?",
            "\n".join(changes_lines(view)) + "\nEvery change applies at once (U-15).",
            yes="Accept"), lambda yes: yes and self._answer("accept", view))

    def _decline(self, view: RequestView) -> None:
        what = "funding request" if view.is_funding else "proposal"
        self.app.push_screen(MessageDialog(
            f"Decline the {what}", "Nothing changes. Why (optional):", action="Decline"),
            lambda note: note is not None and self._answer("decline", view, note=note))

    def action_withdraw(self) -> None:
        view = self.selected
        self.app.push_screen(ConfirmDialog(
            "Withdraw the funding request?" if view.is_funding else
            f"Withdraw the change request on “{view.milestone_title}”?",
            "The funding stays as it is." if view.is_funding else
            "The milestone stays as it is.", yes="Withdraw"),
            lambda yes: yes and self._answer("withdraw", view))

    def action_add_funds(self) -> None:
        view = self.selected
        self.app.push_screen(ConfirmDialog(
            f"Add {format_money(view.funds_needed_cents)} to the escrow of "
            f"“{view.milestone_title}”?",
            "Project funds are used first (U-04); you are charged the rest.",
            yes="Add funds"), lambda yes: yes and self._answer("add_funds", view))

    def action_edit_request(self) -> None:
        self._edit_flow(self.selected)

    def action_counter(self) -> None:
        view = self.selected
        if view.is_proposal:
            # The app opens the manager for it (tui.screens.plan_counter): the manager
            # opens requests, so importing it here would make an import circle.
            self.post_message(CounterAsked(view, self.reload))
            return
        self._edit_flow(view, counter=True)

    @work(group="edit-request", exclusive=True, exit_on_error=False)
    async def _edit_flow(self, view: RequestView, counter: bool = False) -> None:
        def load():
            with database.connection_context():
                return contract_detail(self.app.actor, view.contract_id)
        try:
            detail = await asyncio.to_thread(load)
        except RuleError as exc:
            self._say(refusal_text(exc), error=True)
            return
        if await request_active_change(self, detail, view.milestone_id, request=view,
                                       counter=counter):
            self.post_message(Answered("Counter-proposal sent." if counter else
                                       "Change request edited."))

    def _answer(self, answer: str, view: RequestView, note: str = "") -> None:
        self._say("…")
        self._run_answer(self.app.actor, answer, view, note)

    @db_work("answer")
    def _run_answer(self, actor: Account, answer: str, view: RequestView, note: str) -> None:
        clock = self.app.clock
        try:
            if view.is_funding:
                text = run_funding_answer(actor, answer, view.id, note, clock)
            elif answer == "approve":
                result = approve_milestone_change(actor, view.id, clock=clock)
                text = "Approved: the change applies now."
                if result["to_project_funds_cents"]:
                    text += (f" {format_money(result['to_project_funds_cents'])} moved to "
                             "project funds.")
                if result["funds_needed_cents"]:
                    text += (f" The client adds {format_money(result['funds_needed_cents'])} "
                             "to escrow.")
            elif answer == "reject":
                reject_milestone_change(actor, view.id, note, clock=clock)
                text = "Rejected: the milestone stays as it was."
            elif answer == "accept":
                accept_proposal(actor, view.id, clock=clock)
                text = "Accepted: every change of the proposal applies now."
            elif answer == "decline":
                decline_proposal(actor, view.id, note, clock=clock)
                text = "Declined: nothing changed."
            elif answer == "withdraw":
                withdraw_milestone_change(actor, view.id, clock=clock)
                text = "Withdrawn."
            else:
                added = add_escrow_funds(actor, view.milestone_id, clock=clock)
                text = f"Added {format_money(added)} to escrow."
        except RuleError as exc:
            self.post_message(AnswerRefused(refusal_text(exc)))
            return
        self.post_message(Answered(text))
