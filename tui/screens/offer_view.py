"""An offer, opened from the contract list (O-02..O-04; issue 14).

The receiver accepts (a, with an optional message; on Fiverr this places the order and
charges the first milestone, F-04) or declines (x, with a message); the sender may
withdraw it (w) while it waits. Accepting opens the contract's room in its place. Who
may do what is rules/offers' to say: a refusal (someone answered first, the offer
expired) is shown here and nothing is written.
"""
from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Label, Static

from models.accounts import Account
from rules.contract_view import ContractDetail, contract_detail
from rules.errors import RuleError
from rules.money import format_money
from rules.offer_form import OfferTerms, offer_terms
from rules.offers import accept_offer, decline_offer, sender_role, withdraw_offer
from rules.funding import describe_funding
from rules.policy import get_policy
from tui.commands import command
from tui.format import countdown, deadline_text, local_time, offer_expiry_text
from tui.safe_text import shown, user_text
from tui.screens.base import BaseScreen
from tui.screens.dialogs.base import refusal_text
from tui.screens.milestone_form import ConfirmDialog, MessageDialog
from tui.widgets.footer import KeyFooter
from tui.widgets.header import ActingHeader
from tui.widgets.milestone_table import MilestoneTable
from tui.widgets.status_badge import status_badge
from tui.workers import db_work

OFFERED = "offered"


class OfferLoaded(Message):
    def __init__(self, detail: ContractDetail, terms: OfferTerms) -> None:
        super().__init__()
        self.detail, self.terms = detail, terms


class OfferAnswered(Message):
    def __init__(self, answer: str, text: str) -> None:
        super().__init__()
        self.answer, self.text = answer, text


class OfferRefused(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class OfferScreen(BaseScreen):
    BINDINGS = [
        command("escape", "back", "Back", "Go back to the list."),
        command("a", "accept", "Accept", "Accept the offer: the contract opens (on "
                "Fiverr the order is placed and its first milestone charged, F-04)."),
        command("x", "decline", "Decline", "Decline the offer, with a message for its "
                "sender (O-03)."),
        command("w", "withdraw", "Withdraw", "Withdraw the offer while it waits; to change "
                "it, withdraw and send a new one (O-04)."),
        command("r", "refresh", "Refresh", "Read the offer again from the database.",
                show=False),
    ]

    def __init__(self, contract_id: int) -> None:
        super().__init__()
        self.contract_id = contract_id
        self.detail: ContractDetail | None = None
        self.terms: OfferTerms | None = None
        self._busy = False

    def compose(self) -> ComposeResult:
        yield ActingHeader(f"Offer #{self.contract_id}")
        with Vertical(id="offer-view"):
            yield Static("Loading…", id="offer-heading")
            yield Static("", id="offer-parties")
            yield Static("", id="offer-description")
            yield Label("Milestones", classes="section")
            yield MilestoneTable(id="milestones")
            yield Static("", id="offer-criteria")
            yield Static("", id="offer-deadlines")
            yield Static("", id="offer-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(MilestoneTable).focus()
        self.action_refresh()

    @db_work("offer")
    def _load(self, actor: Account, contract_id: int) -> None:
        try:
            self.post_message(OfferLoaded(contract_detail(actor, contract_id),
                                          offer_terms(actor, contract_id)))
        except RuleError as exc:
            self.post_message(OfferRefused(refusal_text(exc)))

    @on(OfferLoaded)
    def _show(self, message: OfferLoaded) -> None:
        d, terms = self.detail, self.terms = message.detail, message.terms
        status = Text(f"offer {'sent' if terms.sent_by_actor else 'received'}",
                      style="bold") if d.status == OFFERED else status_badge(d.status)
        self.query_one("#offer-heading", Static).update(Content.assemble(
            (f"#{d.id} {shown(d.title)}", "bold"), " · ",
            Content.from_rich_text(status), " · ", d.policy_label))
        sender, receiver = ((d.freelancer, d.client) if sender_role(d.policy) == "freelancer"
                            else (d.client, d.freelancer))
        me = self.app.actor.id

        def name(a) -> str:
            return f"{a.display_name} (you)" if a.id == me else a.display_name
        sent = (f" · sent {local_time(terms.sent_at, self.app.actor.timezone)}"
                if terms.sent_at else "")
        total = sum(m.amount_cents for m in d.milestones)
        count = f"{len(d.milestones)} milestone{'s' if len(d.milestones) != 1 else ''}"
        self.query_one("#offer-parties", Static).update(Content(
            f"From {shown(name(sender))} to {shown(name(receiver))}{sent}\n"
            f"{count}, {format_money(total)} in all, funded "
            f"{describe_funding(d.funding_limit)}"))  # part of what is agreed
        description = self.query_one("#offer-description", Static)
        description.update(user_text(terms.description, multiline=True))
        description.display = bool(terms.description)
        self.query_one(MilestoneTable).show(d.milestones, self.app.clock.now(),
                                            platform=get_policy(d.policy).platform)
        agreed = [f"“{m.title}”: " + "; ".join(m.criteria) for m in d.milestones if m.criteria]
        criteria = self.query_one("#offer-criteria", Static)  # accepted with the plan
        criteria.update(user_text("Acceptance criteria\n" + "\n".join(agreed), multiline=True))
        criteria.display = bool(agreed)
        now = self.app.clock.now()
        zone = self.app.actor.timezone
        lines = [offer_expiry_text(x.due_at, now, zone) if x.kind == "offer_expiry"
                 else f"{deadline_text(x.kind)} {countdown(x.due_at, now)}"
                 for x in d.deadlines]
        self.query_one("#offer-deadlines", Static).update(Content("\n".join(lines)))
        self.refresh_bindings()

    @on(OfferRefused)
    def _refused(self, message: OfferRefused) -> None:
        self._busy = False
        status = self.query_one("#offer-status", Static)
        status.update(Content(message.text))
        status.set_class(True, "-error")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("accept", "decline", "withdraw"):
            d, terms = self.detail, self.terms
            if d is None or terms is None or d.status != OFFERED or d.capacity == "agent":
                return False  # support reads offers; their two parties answer them
            return terms.sent_by_actor == (action == "withdraw")
        return True

    # --- answers ---------------------------------------------------------------------

    @work(group="offer-answer", exclusive=True, exit_on_error=False)
    async def action_accept(self) -> None:
        d = self.detail
        pol = get_policy(d.policy)
        first = d.milestones[0] if d.milestones else None
        what = "The contract opens; the client then funds the first milestone."
        if pol.charge_first_on_create and first is not None:
            what = (f"The order is placed and its first milestone, “{first.title}”, is "
                    f"charged now: {format_money(first.amount_cents)} into escrow (F-04).")
        note = await self.app.push_screen_wait(MessageDialog(
            f"Accept “{d.title}”?", what, action="Accept"))
        if note is not None:
            self._answer("accept", note)

    @work(group="offer-answer", exclusive=True, exit_on_error=False)
    async def action_decline(self) -> None:
        note = await self.app.push_screen_wait(MessageDialog(
            f"Decline “{self.detail.title}”?", "A message for the sender: why, or what "
            "would do.", action="Decline"))
        if note is not None:
            self._answer("decline", note)

    @work(group="offer-answer", exclusive=True, exit_on_error=False)
    async def action_withdraw(self) -> None:
        if await self.app.push_screen_wait(ConfirmDialog(
                f"Withdraw “{self.detail.title}”?",
                "The receiver can no longer accept it. To change an offer, withdraw it "
                "and send a new one.", yes="Withdraw", no="Keep")):
            self._answer("withdraw", "")

    def _answer(self, answer: str, note: str) -> None:
        if self._busy:
            return
        self._busy = True
        self.query_one("#offer-status", Static).update("…")
        self._run_answer(self.app.actor, answer, note)

    @db_work("offer-write")
    def _run_answer(self, actor: Account, answer: str, note: str) -> None:
        clock = self.app.clock
        try:
            if answer == "accept":
                accept_offer(actor, self.contract_id, note, clock=clock)
                text = "Offer accepted: the contract is open."
            elif answer == "decline":
                decline_offer(actor, self.contract_id, note, clock=clock)
                text = "Offer declined."
            else:
                withdraw_offer(actor, self.contract_id, clock=clock)
                text = "Offer withdrawn."
        except RuleError as exc:
            self.post_message(OfferRefused(refusal_text(exc)))
            return
        self.post_message(OfferAnswered(answer, text))

    @on(OfferAnswered)
    def _answered(self, message: OfferAnswered) -> None:
        self._busy = False
        self.app.notify(message.text, timeout=6, markup=False)
        if message.answer == "accept":
            from tui.screens.contract import ContractScreen  # the room, as the list opens it
            self.app.switch_screen(ContractScreen(self.contract_id))
        else:
            self.dismiss(None)

    def action_refresh(self) -> None:
        self._load(self.app.actor, self.contract_id)

    def action_back(self) -> None:
        self.dismiss(None)

    def data_changed(self, contract_ids: set[int], *, time_moved: bool = False) -> None:
        """Another terminal answered, or the offer expired: read it again."""
        if self.contract_id in contract_ids:
            self.action_refresh()

