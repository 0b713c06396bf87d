"""Review and pay one milestone: the submission, the amount to release (U-25) with what
happens to any difference (U-26, U-27), a bonus for the full amount (U-28), or changes
sent back with a message (U-18). Pay now is confirmed by a second dialog that reads the
amounts back (`pay_readback`); on the last milestone the room first asks whether to end
the contract (U-30, `end_or_keep.py`).

The dialog stays open while the room's flow asks for confirmation and calls rules/: each
decision goes to the flow (`next_decision`), which closes the dialog once the money has
moved, or shows rules/' refusal in it (`show_error`), everything typed still there."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Iterable

import arrow
from rich.text import Text
from textual import on
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, TextArea

from rules.availability import Verdict
from rules.errors import RuleError
from rules.evidence import criteria_table
from rules.pending_release import parse_release_at
from rules.release_terms import changes_message, release_terms
from rules.contract_view import MilestoneView
from rules.money import format_money
from rules.policy import Policy
from tui.commands import command
from tui.format import countdown, local_time
from tui.safe_text import shown, user_text
from tui.screens.dialogs.base import RoomDialog, button, field
from tui.widgets.criteria import criteria_text
from tui.widgets.money_input import MoneyInput, amount_text
from tui.widgets.plain_text import PlainInput, PlainTextArea
from tui.widgets.status_badge import status_badge

TICK = 30  # seconds between countdown refreshes


@dataclass(frozen=True)
class Review:
    """What the dialog shows, read from the room's ContractDetail."""
    milestone: MilestoneView
    policy: Policy
    freelancer: str
    timezone: str
    review_due_at: arrow.Arrow | None  # the open review window (U-06, F-05)
    is_last: bool                       # U-30: no future milestone after this one
    project_funds_cents: int            # held on the contract now (U-04)
    changes: Verdict                    # may changes be requested now (U-18, F-06)
    undo_minutes: int = 0               # how long a release made now can be taken back

    @property
    def held(self) -> int:
        return self.milestone.escrow_cents

    @property
    def fiverr(self) -> bool:
        return self.policy.platform == "fiverr"


@dataclass(frozen=True)
class ReviewDraft:
    """What was typed, to open the dialog again as it was after a refusal."""
    amount: str
    bonus: str
    message: str
    release_at: str = ""


@dataclass(frozen=True)
class PayDecision:
    amount_cents: int
    bonus_cents: int
    draft: ReviewDraft
    release_at: arrow.Arrow | None = None  # paid then by itself; None: now


@dataclass(frozen=True)
class ChangesDecision:
    message: str
    draft: ReviewDraft


def difference_line(review: Review, amount: int, bonus: int) -> str:
    """What happens to the money, in words, for `amount` released out of what is held."""
    held, who = review.held, review.freelancer
    if amount == held:
        text = f"The whole {format_money(held)} goes to {who}."
    elif amount < held:
        rest = format_money(held - amount)
        later = (" for the next milestone" if not review.is_last else
                 ": it funds a milestone added later, or returns to you when the "
                 "contract ends")
        text = f"{format_money(amount)} goes to {who}; the other {rest} stays as project " \
               f"funds{later} (U-26)."
    else:
        text = f"{format_money(amount)} goes to {who}: you are charged the " \
               f"{format_money(amount - held)} difference now (U-27)."
    if bonus and amount >= held:
        text += f" Plus a {format_money(bonus)} bonus, charged to you (U-28)."
    return text


def release_at_note(review: Review) -> str:
    """Beside the empty "Release at": what happens when it stays empty."""
    if review.undo_minutes:
        return f"empty: now; {review.undo_minutes} min to undo (X-30)"
    return "empty: now (X-29)"


def pay_readback(review: Review, decision: PayDecision, end_contract: bool) -> list[str]:
    """The confirmation's lines: every amount, said back before anything is paid."""
    m, held = review.milestone, review.held
    amount, bonus = decision.amount_cents, decision.bonus_cents
    lines = [f"Release {format_money(amount)} to {review.freelancer} for “{m.title}”."]
    if amount < held:
        lines.append(f"The other {format_money(held - amount)} of the {format_money(held)} "
                     "in escrow stays as project funds (U-26).")
    if bonus:
        lines.append(f"Bonus: {format_money(bonus)} on top (U-28).")
    charged = max(amount - held, 0) + bonus
    held_first = decision.release_at is not None or review.undo_minutes > 0
    if charged:
        lines.append(f"You are charged {format_money(charged)} "
                     + ("when it is final" if held_first else "now")
                     + (f" ({format_money(amount - held)} above the escrow, U-27)."
                        if amount > held else "."))
    else:
        lines.append("Nothing more is charged: it is paid from the escrow.")
    if end_contract:
        back = review.project_funds_cents + max(held - amount, 0)
        lines.append("Then the contract ends" + (
            f": {format_money(back)} of project funds return to you (G-03)."
            if back else " (G-03)."))
    elif review.is_last:
        lines.append("The contract stays open: you can add and fund another milestone.")
    if decision.release_at is not None:
        lines.append(f"Paid by itself at {local_time(decision.release_at, review.timezone)}; "
                     "until then z in the room takes it back (X-29).")
    elif review.undo_minutes:
        lines.append(f"Final {review.undo_minutes} min later: until then z in the room "
                     "takes it back and nothing is paid (X-30).")
    return lines


class ReviewPayDialog(RoomDialog[PayDecision | ChangesDecision]):
    BINDINGS = [
        command("f2", "pay", "Pay now", "Pay the amount shown; a confirmation reads it "
                "back first."),
        command("f3", "send_back", "Send back", "Send the work back with the message "
                "saying what to change (U-18)."),
        command("escape", "cancel", "Cancel", "Close the review: nothing is paid or sent."),
    ]

    def __init__(self, review: Review, *, draft: ReviewDraft | None = None,
                 error=None) -> None:
        super().__init__(error=error)
        self.review = review
        self.draft = draft or ReviewDraft(amount_text(review.held), "", "")
        self._decisions: asyncio.Queue[PayDecision | ChangesDecision | None] = \
            asyncio.Queue()

    async def next_decision(self) -> PayDecision | ChangesDecision | None:
        """The next Pay now or Send back, the dialog still open; None: it was closed."""
        return await self._decisions.get()

    def _decide(self, decision: PayDecision | ChangesDecision) -> None:
        self._decisions.put_nowait(decision)

    def action_cancel(self) -> None:
        self._decisions.put_nowait(None)
        self.dismiss(None)

    # --- what it shows ---------------------------------------------------------------

    def title_text(self) -> Text:
        m = self.review.milestone
        return Text.assemble(f"Review and pay · “{shown(m.title)}” · ", status_badge(m.status))

    def body(self) -> Iterable[Widget]:
        r = self.review
        sub = r.milestone.last_submission if r.milestone.status == "submitted" else None
        if sub is not None:
            yield Static("", id="submitted-when")
            with VerticalScroll(id="submission-message", can_focus=False):
                yield Static(user_text(sub["message"], multiline=True))
            if sub.get("link"):
                yield Static(user_text(f"Link: {sub['link']}", overflow="fold"),
                             id="submission-link")
            if r.milestone.criteria:  # each criterion against its evidence
                with VerticalScroll(id="criteria", can_focus=False):
                    yield Static(criteria_text(criteria_table(r.milestone.criteria,
                                                              sub.get("evidence"))))
        else:
            before = ("The last submission was sent back for changes" if
                      r.milestone.status == "changes_requested" else
                      "No work is submitted for this milestone")
            yield Static(Text(f"{before}. Paying now releases it without a submission, "
                              "for work delivered outside the workroom (U-19)."),
                         id="no-submission")
        yield Static("", id="auto-release")
        amount = MoneyInput(text=self.draft.amount, id="amount",
                            disabled=not r.policy.partial_release)
        yield field("Amount to release", Label("$", classes="unit"), amount,
                    Label(f"funded {format_money(r.held)}", classes="field-note"))
        yield Static("", id="difference")
        bonus = MoneyInput(text=self.draft.bonus, id="bonus", empty_is_zero=True)
        yield field("Bonus", Label("$", classes="unit"), bonus,
                    Label("", id="bonus-note", classes="field-note"), id="bonus-row")
        yield field("Release at", Label("", classes="unit"),
                    PlainInput(self.draft.release_at, id="release-at", compact=True,
                          placeholder="YYYY-MM-DD HH:mm"),
                    Label(release_at_note(r), classes="field-note"), id="release-at-row")
        if r.changes:
            word = "Revision wanted" if r.fiverr else "Changes wanted"
            yield field(word, Label("", classes="unit"),
                        PlainTextArea(self.draft.message, id="changes", compact=True,
                                 soft_wrap=True, placeholder="what needs changing"))
            if r.milestone.revisions_allowed is not None:
                yield Static(f"{r.milestone.revisions_used} of "
                             f"{r.milestone.revisions_allowed} revisions used (F-06).",
                             classes="field-hint")
        else:
            yield Static(user_text(f"Changes: {r.changes.reason}"), id="no-changes",
                         classes="field-hint")

    def button_row(self) -> Iterable[Button]:
        yield button("Pay now…", "pay", variant="primary")
        if self.review.changes:
            yield button("Request a revision" if self.review.fiverr else "Request changes",
                         "send-back")
        yield button("Cancel", "cancel")

    def on_mount(self) -> None:
        super().on_mount()
        self._show_countdown()
        self._show_difference()
        self.set_interval(TICK, self._show_countdown)
        first = self.query_one("#amount", MoneyInput)
        (first if not first.disabled else self.query_one("#pay", Button)).focus()

    def _now(self) -> arrow.Arrow:
        clock = getattr(self.app, "clock", None)
        return clock.now() if clock is not None else arrow.utcnow()

    def _show_countdown(self) -> None:
        r, now = self.review, self._now()
        sub = r.milestone.last_submission
        if sub is not None and self.query("#submitted-when"):
            at = arrow.get(sub["submitted_at"])
            self.query_one("#submitted-when", Static).update(Text(
                f"{r.freelancer} submitted {local_time(at, r.timezone)} "
                f"({countdown(at, now)}):"))
        auto = self.query_one("#auto-release", Static)
        if r.review_due_at is None:
            auto.display = False
            return
        due = f"{local_time(r.review_due_at, r.timezone)} ({countdown(r.review_due_at, now)})"
        if r.fiverr:
            text = (f"Accepted and paid automatically {due} if you do nothing; the order "
                    "then completes (F-05).")
        else:
            text = f"Paid automatically {due} unless you act first (U-06)."
        auto.update(Text(text, style="bold"))

    def _show_difference(self) -> None:
        r = self.review
        amount_input = self.query_one("#amount", MoneyInput)
        bonus_input = self.query_one("#bonus", MoneyInput)
        amount, problem = amount_input.read()
        note = self.query_one("#bonus-note", Label)
        line = self.query_one("#difference", Static)
        if not r.policy.bonus:
            bonus_input.disabled = True
            note.update(f"no bonuses on {r.policy.label} (U-28)")
        else:
            full = amount is not None and amount >= r.held
            bonus_input.disabled = not full
            note.update("on top of the full amount" if full else
                        "only with the full amount (U-28)")
        if not r.policy.partial_release:
            line.update(Text(f"{r.policy.label}: the funded {format_money(r.held)} is paid "
                             "in full (U-25)."))
            return
        if problem:
            line.update(Text(problem, style="bold"))
            return
        bonus, _ = bonus_input.read()
        line.update(Text(difference_line(r, amount, bonus or 0)))

    @on(Input.Changed, "#amount, #bonus")
    def _typed(self, event: Input.Changed) -> None:
        # The field's first value is not typing: a refusal it reopened with stays.
        opened_with = self.draft.amount if event.input.id == "amount" else self.draft.bonus
        if event.value != opened_with:
            self.show_error(None)
        self._show_difference()

    @on(Input.Submitted, "#amount, #bonus, #release-at")
    def _enter_pays(self) -> None:
        self.action_pay()

    # --- what it returns -------------------------------------------------------------

    def _draft(self) -> ReviewDraft:
        changes = self.query("#changes")
        return ReviewDraft(self.query_one("#amount", MoneyInput).value,
                           self.query_one("#bonus", MoneyInput).value,
                           changes.first(TextArea).text if changes else "",
                           self.query_one("#release-at", Input).value)

    def action_pay(self) -> None:
        """Check what was typed as rules/ will (G-01, U-25, U-28); then return it."""
        amount, problem = self.query_one("#amount", MoneyInput).read()
        if problem:
            self.show_error(f"Amount to release: {problem}")
            self.query_one("#amount").focus()
            return
        bonus, problem = self.query_one("#bonus", MoneyInput).read()
        if problem:
            self.show_error(f"Bonus: {problem}")
            return
        verdict = release_terms(self.review.policy, self.review.held, amount, bonus)
        if not verdict:
            self.show_error(verdict.reason)
            return
        draft = self._draft()
        try:  # the time as rules/ reads it; whether it is in range is schedule_release's
            at = parse_release_at(draft.release_at, self.review.timezone, self._now())
        except RuleError as exc:
            self.show_error(f"Release at: {exc.message}")
            self.query_one("#release-at").focus()
            return
        self._decide(PayDecision(amount, bonus, draft, release_at=at))

    def action_send_back(self) -> None:
        if not self.review.changes:
            self.show_error(self.review.changes.reason)
            return
        draft = self._draft()
        verdict = changes_message(draft.message)  # U-18: refused here, the dialog stays
        if not verdict:
            self.show_error(verdict.reason)
            self.query_one("#changes").focus()
            return
        self._decide(ChangesDecision(draft.message, draft))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send_back":
            return bool(self.review.changes)
        return True

    @on(Button.Pressed, "#pay")
    def _pay_pressed(self) -> None:
        self.action_pay()

    @on(Button.Pressed, "#send-back")
    def _send_back_pressed(self) -> None:
        self.action_send_back()
