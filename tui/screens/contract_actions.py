"""What the contract room's keys do: each opens its dialog(s), runs one `rules/` call in
a thread worker, and refreshes the room.

A flow of several dialogs (review → end or keep → confirm → pay) is one `@work` method
awaiting `push_screen_wait`. The dialogs never write; when rules/ refuses, the flow
shows the refusal in the dialog, everything typed still there (nothing was written):
the review dialog stays open meanwhile, the others open again as they were. A refusal
after a plain confirmation is a notification.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import arrow
from textual import work
from textual.screen import Screen
from textual.worker import WorkerCancelled, WorkerFailed

from rules.availability import is_last_to_pay, review_deadline
from rules.calendar import is_overdue
from rules.contract_view import ContractDetail, MilestoneView
from rules.contracts import end_contract, leave_feedback
from rules.errors import RuleError
from rules.evidence import evidence_from_text
from rules.money import format_money
from rules.payments import ReleaseResult, add_escrow_funds, fund_next_milestone
from rules.pending_release import release_with_undo, schedule_release
from rules.policy import get_policy
from rules.work import request_changes, submit_work
from tui.format import local_time
from tui.safe_text import notify_plain, shown
from tui.screens.dialogs.base import refusal_text
from tui.screens.dialogs.confirm import ReadBackDialog
from tui.screens.dialogs.end_or_keep import EndOrKeepDialog
from tui.screens.dialogs.feedback import FeedbackDialog
from tui.screens.dialogs.message import SendMessageDialog
from tui.screens.dialogs.review_pay import (ChangesDecision, Review, ReviewPayDialog,
                                           pay_readback)
from tui.screens.dialogs.submit_work import SubmitWorkDialog
from tui.workers import db_work

FLOW = dict(group="room-flow", exclusive=True, exit_on_error=False)


@dataclass(frozen=True)
class Outcome:
    """What a rules/ call came to: its value, its refusal, or a failure already
    reported (a worker error becomes a notification, see BaseScreen)."""
    value: Any = None
    refusal: RuleError | None = None
    failed: bool = False

    @property
    def ok(self) -> bool:
        return self.refusal is None and not self.failed


class RoomFlows:
    """What every flow of the room uses. Mixed into ContractScreen, which provides
    `detail`, `availability`, `target` and `action_refresh`."""

    detail: ContractDetail | None

    @db_work("rules-call", exclusive=False)
    def _rules_call(self, fn: Callable, args: tuple, kwargs: dict) -> Outcome:
        try:
            return Outcome(fn(*args, **kwargs))
        except RuleError as exc:  # expected: shown where the user acted, not as a crash
            return Outcome(refusal=exc)

    async def call_rules(self, fn: Callable, *args, **kwargs) -> Outcome:
        """Run one rules/ action in a thread worker, as the acting user, on the app's
        clock; wait for it without blocking the event loop."""
        kwargs.setdefault("clock", self.app.clock)
        worker = self._rules_call(fn, (self.app.actor, *args), kwargs)
        try:
            return await worker.wait()
        except (WorkerFailed, WorkerCancelled):
            return Outcome(failed=True)

    async def ask(self, dialog: Screen):
        return await self.app.push_screen_wait(dialog)

    async def ask_until_done(self, dialog: Callable[[Any, RuleError | None], Screen],
                             act: Callable[[Any], Awaitable[Outcome]]
                             ) -> tuple[Any, Outcome] | None:
        """The shape of most flows: ask with `dialog(draft, error)` (first None, None),
        run `act(draft)`; when rules/ refuses, the same dialog opens again with what was
        typed and the refusal (nothing was written). Returns the draft and the outcome,
        or None when the user closed the dialog."""
        draft = error = None
        while True:
            draft = await self.ask(dialog(draft, error))
            if draft is None:
                return None
            out = await act(draft)
            if out.refusal is None:
                return draft, out
            error = out.refusal

    def succeeded(self, text: str) -> None:
        notify_plain(self, text, timeout=5)  # titles are the users' own words
        self.action_refresh()

    def refused_by_rules(self, refusal: RuleError) -> None:
        notify_plain(self, refusal_text(refusal), title="Not done", severity="warning",
                     timeout=8)
        self.action_refresh()  # the room may be out of date: that is often why

    def _names(self) -> tuple[str, str]:
        d = self.detail
        return d.client.display_name, d.freelancer.display_name

    def _you_or(self, name: str, capacity: str) -> str:
        return "you" if self.detail.capacity == capacity else name


class RoomActions(RoomFlows):
    """Funding, work, review and pay, ending, feedback; and the keys that open other
    parts of the app."""

    # --- funding -----------------------------------------------------------------------

    def action_fund_next(self) -> None:
        self._fund_next()

    @work(**FLOW)
    async def _fund_next(self) -> None:
        d = self.detail
        m = next(x for x in d.milestones if x.id == d.next_to_fund_id)
        policy = get_policy(d.policy)
        funds = d.totals.project_funds_cents
        from_funds = min(funds, m.amount_cents)
        fee = policy.initiation_fee_cents if d.totals.funded_cents == 0 else 0
        charged = m.amount_cents - from_funds + fee
        verb = "Start" if policy.platform == "fiverr" else "Fund"
        lines = [f"{verb} “{m.title}”: {format_money(m.amount_cents)} goes into escrow "
                 f"until it is released (U-03)."]
        if from_funds:
            lines.append(f"{format_money(from_funds)} of it comes from project funds (U-04).")
        lines.append(f"You are charged {format_money(charged)} now" + (
            f", with the one-time contract initiation fee of {format_money(fee)} (U-05)."
            if fee else "."))
        if not await self.ask(ReadBackDialog(f"{verb} the next milestone", lines,
                                             f"{verb} it")):
            return
        out = await self.call_rules(fund_next_milestone, d.id, milestone_id=m.id)
        if out.refusal:
            self.refused_by_rules(out.refusal)
        elif out.ok:
            self.succeeded(f"{verb}ed “{m.title}”: {format_money(m.amount_cents)} in escrow.")

    def action_top_up(self) -> None:
        self._top_up(self.target)

    @work(**FLOW)
    async def _top_up(self, m: MilestoneView) -> None:
        missing = m.amount_cents - m.escrow_cents
        from_funds = min(self.detail.totals.project_funds_cents, missing)
        lines = [f"“{m.title}” is now {format_money(m.amount_cents)}; its escrow holds "
                 f"{format_money(m.escrow_cents)} (U-22).",
                 f"Add the missing {format_money(missing)}: {format_money(from_funds)} from "
                 f"project funds, {format_money(missing - from_funds)} charged to you now."]
        if not await self.ask(ReadBackDialog("Top up the escrow", lines, "Add the funds")):
            return
        out = await self.call_rules(add_escrow_funds, m.id)
        if out.refusal:
            self.refused_by_rules(out.refusal)
        elif out.ok:
            self.succeeded(f"Added {format_money(out.value)} to the escrow of “{m.title}”.")

    # --- work and review ---------------------------------------------------------------

    def action_submit_work(self) -> None:
        self._submit_work(self.target)

    @work(**FLOW)
    async def _submit_work(self, m: MilestoneView) -> None:
        policy = get_policy(self.detail.policy)
        overdue = is_overdue(m.due_date, m.status, self.app.clock.now())
        done = await self.ask_until_done(
            lambda draft, error: SubmitWorkDialog(m.title, overdue=overdue,
                                                  review_days=policy.review_days,
                                                  criteria=m.criteria, draft=draft,
                                                  error=error),
            lambda draft: self.call_rules(submit_work, m.id, draft.message, draft.link,
                                          evidence=evidence_from_text(draft.evidence),
                                          version=m.version))
        if done and done[1].ok:
            self.succeeded(f"Submitted work for “{m.title}”: the client has "
                           f"{policy.review_days} days to review it.")

    def review_of(self, m: MilestoneView) -> Review:
        d = self.detail
        due = review_deadline(d, m.id)
        return Review(
            milestone=m, policy=get_policy(d.policy), freelancer=shown(d.freelancer.display_name),
            timezone=self.app.actor.timezone,
            review_due_at=arrow.get(due.due_at) if due is not None else None,
            is_last=is_last_to_pay(d, m.id),
            project_funds_cents=d.totals.project_funds_cents,
            changes=self.availability.of("request_changes", m.id),
            undo_minutes=self.app.release_undo_minutes)

    def action_review_pay(self) -> None:
        self._review_pay(self.target)

    @work(**FLOW)
    async def _review_pay(self, m: MilestoneView) -> None:
        """Review → (last milestone: end or keep open) → confirm → pay; or send back."""
        review = self.review_of(m)
        dialog = ReviewPayDialog(review)
        await self.app.push_screen(dialog)
        while True:
            decision = await dialog.next_decision()
            if decision is None:
                return  # closed: nothing paid or sent
            if isinstance(decision, ChangesDecision):
                out = await self.call_rules(request_changes, m.id, decision.message,
                                            version=m.version)
                done = f"Sent “{m.title}” back with your message."
            else:
                end = False
                if review.is_last:
                    end = await self.ask(EndOrKeepDialog(review, decision))
                    if end is None:
                        continue  # back to the review, as it was
                if not await self.ask(ReadBackDialog(
                        "Schedule the payment?" if decision.release_at else "Pay now?",
                        pay_readback(review, decision, end),
                        ("Schedule " if decision.release_at else "Pay ")
                        + format_money(decision.amount_cents + decision.bonus_cents))):
                    continue
                out, done = await self._pay(m, review, decision, end)
            if out.refusal is None:
                break
            dialog.show_error(out.refusal)  # the dialog is on top again: it stays open
        dialog.dismiss(None)
        if out.ok:
            self.succeeded(done)

    async def _pay(self, m: MilestoneView, review: Review, decision, end: bool):
        """Release now, in the undo window (X-30), or at the time typed (X-29)."""
        money, bonus = decision.amount_cents, decision.bonus_cents
        with_bonus = f" with a {format_money(bonus)} bonus" if bonus else ""
        paid = format_money(money) + with_bonus
        if decision.release_at is not None:
            out = await self.call_rules(schedule_release, m.id, decision.release_at, money,
                                        bonus, end_contract=end, version=m.version)
            when = out.value.final_at if out.ok else None
            return out, (f"Scheduled {paid} for “{m.title}” at "
                         f"{local_time(when, self.app.actor.timezone)}; z takes it back "
                         "until then.")
        out = await self.call_rules(release_with_undo, m.id, money, bonus,
                                    undo_minutes=review.undo_minutes, end_contract=end,
                                    version=m.version)
        if out.ok and not isinstance(out.value, ReleaseResult):  # held: X-30
            return out, (f"Released {paid} for “{m.title}”: final at "
                         f"{local_time(out.value.final_at, self.app.actor.timezone, 'HH:mm')}"
                         "; z takes it back until then.")
        return out, (f"Paid {format_money(money)} for “{m.title}”{with_bonus}"
                     + ("; the contract has ended." if end else "."))

    def action_request_changes(self) -> None:
        self._request_changes(self.target)

    @work(**FLOW)
    async def _request_changes(self, m: MilestoneView) -> None:
        fiverr = get_policy(self.detail.policy).platform == "fiverr"
        what = "a revision" if fiverr else "changes"
        lines = [f"“{m.title}” goes back to {self.detail.freelancer.display_name} with your "
                 "message; a new submission starts a new review window (U-18)."]
        if m.revisions_allowed is not None:
            lines.append(f"{m.revisions_used} of {m.revisions_allowed} revisions used (F-06).")
        done = await self.ask_until_done(
            lambda text, error: SendMessageDialog(
                f"Request {what} · “{m.title}”", lines, label="Changes wanted",
                send=f"Request {what}", text=text or "", placeholder="what needs changing",
                error=error),
            lambda text: self.call_rules(request_changes, m.id, text, version=m.version))
        if done and done[1].ok:
            self.succeeded(f"Requested {what} on “{m.title}”.")

    # --- ending and feedback -----------------------------------------------------------

    def action_end_contract(self) -> None:
        self._end_contract()

    @work(**FLOW)
    async def _end_contract(self) -> None:
        d = self.detail
        to = self._you_or(d.client.display_name, "client")
        funds = d.totals.project_funds_cents
        planned = sum(1 for m in d.milestones if m.status == "planned")
        lines = ["Nothing more can be funded, paid or changed on it (G-03)."]
        lines.append(f"{format_money(funds)} of project funds return to {to} (U-04)."
                     if funds else f"No project funds are left: nothing returns to {to}.")
        if d.totals.released_cents == 0 and d.totals.funded_cents:
            lines.append(f"Nothing was released: the initiation fee returns to {to} (U-05).")
        if planned:
            lines.append(f"{planned} future milestone{'s' if planned != 1 else ''} "
                         f"{'are' if planned != 1 else 'is'} closed.")
        lines.append("Each party can then leave feedback once (G-04).")
        if not await self.ask(ReadBackDialog(f"End “{d.title}”?", lines, "End the contract")):
            return
        out = await self.call_rules(end_contract, d.id)
        if out.refusal:
            self.refused_by_rules(out.refusal)
        elif out.ok:
            back = out.value.get("project_funds_returned_cents", 0)
            self.succeeded("Contract ended" + (f": {format_money(back)} returned to {to}."
                                               if back else "."))

    def action_leave_feedback(self) -> None:
        self._leave_feedback()

    @work(**FLOW)
    async def _leave_feedback(self) -> None:
        d = self.detail
        other = d.freelancer if d.capacity == "client" else d.client
        done = await self.ask_until_done(
            lambda draft, error: FeedbackDialog(shown(other.display_name), draft=draft, error=error),
            lambda draft: self.call_rules(leave_feedback, d.id, draft.stars, draft.comment))
        if done and done[1].ok:
            self.succeeded(f"Feedback left: {'★' * done[0].stars}.")

    # --- screens of other parts of the app ---------------------------------------------

    def action_change_milestone(self) -> None:
        """U-20/U-21: the change-request dialog and its flow live with the inbox."""
        try:
            from tui.screens.active_change import request_active_change
        except ImportError:
            self.notify("Changing the active milestone is not available yet.",
                        severity="warning")
            return
        self._change_milestone(self.target, request_active_change)

    @work(**FLOW)
    async def _change_milestone(self, m: MilestoneView, flow: Callable) -> None:
        pending = next((c for c in self.detail.change_requests if c.milestone_id == m.id
                        and c.status == "pending" and c.kind == "client_active"), None)
        request = None
        if pending is not None:  # edited or withdrawn, not asked twice (U-21)
            from rules.inbox import request_view
            out = await self.call_rules(request_view, pending.id)
            if not out.ok:
                if out.refusal:
                    self.refused_by_rules(out.refusal)
                return
            request = out.value
        if await flow(self, self.detail, m.id, request):
            self.action_refresh()

    def action_manage_milestones(self) -> None:
        try:
            from tui.screens.milestone_manager import MilestoneManagerScreen
        except ImportError:
            self.notify("Managing milestones is not available yet.", severity="warning")
            return
        self.app.push_screen(MilestoneManagerScreen(self.detail.id),
                             lambda _result: self.action_refresh())
