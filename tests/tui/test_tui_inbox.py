"""The change-request inbox (`i`): each answer through the keys, and its effect on the
milestones and the ledger (U-15, U-20..U-24); refusals shown inline."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from textual.widgets import Input, Static, Tabs
from textual.widgets._footer import FooterKey

from models.change_requests import ChangeRequest
from models.milestones import Milestone
from rules.change_requests import (approve_milestone_change, propose_milestone_changes,
                                   request_milestone_change, withdraw_milestone_change)
from rules.contract_view import contract_detail
from rules.ledger import A, balance, milestone_escrow, project_funds
from rules.payments import fund_next_milestone
from rules.plan import AddMilestone, DeleteMilestone, EditMilestone
from rules.work import submit_work
from room_helpers import milestone as room_milestone
from room_helpers import new_contract, open_room, settle
from room_helpers import press as room_press
from tui_helpers import press, text_of, wait_for
from tui.commands import ScreenCommands, entries
from tui.screens.active_change import ActiveChangeDialog, request_active_change
from tui.screens.contract_list import ContractListScreen
from tui.screens.inbox import InboxScreen, RequestScreen
from tui.screens.milestone_form import ConfirmDialog, MessageDialog


@pytest.fixture
def reports(world, clock) -> Milestone:
    """The pipeline's second milestone ($700.00, Cy's contract with Bo), funded: $50.00
    from the project funds a partial release left, $650.00 charged."""
    return fund_next_milestone(world.cy, world.pipeline.id, clock=clock)


def charged(contract) -> int:
    return -balance(A.CLIENT_PAYMENT, contract_id=contract.id)


def listed(screen: InboxScreen) -> list[str]:
    return [v.title for v in screen.items[screen.box]]


def answer_status(screen) -> Static:
    return screen.query_one("#answer-status", Static)


async def open_inbox(pilot) -> InboxScreen:
    await press(pilot, "i")
    screen = pilot.app.screen
    assert isinstance(screen, InboxScreen)
    return screen


def test_i_opens_the_inbox_and_left_right_switch_boxes(make_app, world, reports, clock,
                                                        drive):
    request_milestone_change(world.cy, reports.id, {"amount_cents": 600_00}, "Smaller",
                             clock=clock)

    async def scenario(pilot):
        screen = await open_inbox(pilot)
        assert listed(screen) == ["Change to “Reports”"]
        item = screen.items["incoming"][0]
        now = pilot.app.clock.now()
        assert item.author_name == "Cy Client"
        assert item.expiry(now).startswith("expires in ")  # U-24
        assert "i" not in {b.binding.key for b in screen.active_bindings.values()
                           if b.enabled}  # already here
        tabs = screen.query_one(Tabs)
        assert str(tabs.active_tab.label) == "Incoming (1)"
        await press(pilot, "right")
        assert screen.box == "outgoing" and listed(screen) == []
        await press(pilot, "3")
        assert screen.box == "history"
        await press(pilot, "left", "left")
        assert screen.box == "incoming"
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, ContractListScreen)

    drive(make_app(world.bo), scenario)


def test_U22_the_freelancer_approves_a_lower_amount_the_difference_goes_to_project_funds(
        make_app, world, reports, clock, drive):
    cr = request_milestone_change(world.cy, reports.id, {"amount_cents": 600_00}, clock=clock)
    assert project_funds(world.pipeline.id) == 0

    async def scenario(pilot):
        screen = await open_inbox(pilot)
        await press(pilot, "a")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await press(pilot, "enter")
        assert text_of(answer_status(screen)) == (
            "Approved: the change applies now. $100.00 moved to project funds.")
        assert listed(screen) == []  # answered: no longer incoming
        assert Milestone.get_by_id(reports.id).amount_cents == 600_00
        assert milestone_escrow(reports.id) == 600_00
        assert project_funds(world.pipeline.id) == 100_00
        assert ChangeRequest.get_by_id(cr.id).status == "approved"

    drive(make_app(world.bo), scenario)


def test_U22_the_freelancer_rejects_with_a_reason_and_nothing_changes(make_app, world,
                                                                      reports, clock, drive):
    cr = request_milestone_change(world.cy, reports.id, {"title": "Dashboards"}, clock=clock)

    async def scenario(pilot):
        screen = await open_inbox(pilot)
        await press(pilot, "r")
        assert isinstance(pilot.app.screen, MessageDialog)
        await press(pilot, *"Out of scope", "enter")
        assert text_of(answer_status(screen)) == "Rejected: the milestone stays as it was."
        assert ChangeRequest.get_by_id(cr.id).status == "rejected"
        assert Milestone.get_by_id(reports.id).title == "Reports"
        await press(pilot, "3", "enter")  # the history, and the request in full
        full = pilot.app.screen
        assert isinstance(full, RequestScreen)
        facts = text_of(full.query_one("#request-facts", Static))
        assert "Rejected by the freelancer: nothing changed." in facts
        assert "Reason" in facts and "Out of scope" in facts

    drive(make_app(world.bo), scenario)


def test_U22_after_an_approved_higher_amount_the_client_adds_funds(make_app, world, reports,
                                                                   clock, drive):
    cr = request_milestone_change(world.cy, reports.id, {"amount_cents": 800_00}, clock=clock)
    approve_milestone_change(world.bo, cr.id, clock=clock)
    before = charged(world.pipeline)

    async def scenario(pilot):
        screen = await open_inbox(pilot)
        assert listed(screen) == ["Change to “Reports”"]  # waiting for the client's funds
        assert screen.selected.funds_needed_cents == 100_00
        await press(pilot, "f")
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.question == "Add $100.00 to the escrow of “Reports”?"
        await press(pilot, "enter")
        assert text_of(answer_status(screen)) == "Added $100.00 to escrow."
        assert milestone_escrow(reports.id) == 800_00
        assert charged(world.pipeline) == before + 100_00
        assert listed(screen) == []

    drive(make_app(world.cy), scenario)


def test_U21_the_client_edits_the_pending_request(make_app, world, reports, clock, drive):
    cr = request_milestone_change(world.cy, reports.id, {"amount_cents": 800_00}, clock=clock)

    async def scenario(pilot):
        screen = await open_inbox(pilot)
        await press(pilot, "right")
        assert listed(screen) == ["Change to “Reports”"]
        await pilot.press("e")
        dialog = await wait_for(pilot, ActiveChangeDialog)
        amount = dialog.query_one("#field-amount_cents", Input)
        assert amount.value == "$800.00"  # what the pending request asks for
        # ctrl+s is XOFF on many terminals: f2 sends too, and it is the key shown.
        footer = [k.key_display for k in dialog.query(FooterKey) if k.action == "send"]
        assert footer == ["f2"]
        send = next(e for _, group in entries(dialog) for e in group if e.action == "send")
        assert send.key.split() == ["f2", "^s"]  # the help screen and the palette
        amount.focus()
        await pilot.press("end", *["backspace"] * len(amount.value), *"750")
        await press(pilot, "f2")
        assert pilot.app.screen is screen
        payload = json.loads(ChangeRequest.get_by_id(cr.id).payload)
        assert payload["changes"] == {"amount_cents": 750_00}
        assert "Change request edited." in text_of(answer_status(screen))

    drive(make_app(world.cy), scenario)


def test_U21_the_client_withdraws_the_pending_request(make_app, world, reports, clock, drive):
    cr = request_milestone_change(world.cy, reports.id, {"title": "X"}, clock=clock)

    async def scenario(pilot):
        screen = await open_inbox(pilot)
        await press(pilot, "2", "w", "enter")
        assert text_of(answer_status(screen)) == "Withdrawn."
        assert ChangeRequest.get_by_id(cr.id).status == "withdrawn"
        assert Milestone.get_by_id(reports.id).title == "Reports"

    drive(make_app(world.cy), scenario)


@pytest.fixture
def proposal(world, clock):
    visual, build = contract_detail(world.ada, world.website.id).milestones[1:]
    return propose_milestone_changes(world.bo, world.website.id, [
        EditMilestone(visual.id, {"amount_cents": 650_00, "due_date": dt.date(2026, 3, 30)}),
        DeleteMilestone(build.id),
        AddMilestone("QA pass", 300_00, due_date=dt.date(2026, 4, 20), ref="qa")],
        "Scope moved", clock=clock)


def titles(contract) -> list[tuple[str, int]]:
    return [(m.title, m.amount_cents) for m in Milestone.select()
            .where(Milestone.contract == contract.id).order_by(Milestone.position)]


def test_U15_the_client_accepts_a_proposal_and_every_change_applies_at_once(
        make_app, world, proposal, drive):
    async def scenario(pilot):
        screen = await open_inbox(pilot)
        await press(pilot, "enter")
        full = pilot.app.screen
        assert isinstance(full, RequestScreen)
        changes = " ".join(text_of(full.query_one("#request-changes", Static)).split())
        assert "Visual design edited due date 2026-03-23 2026-03-30" in changes
        assert "amount $500.00 $650.00" in changes
        assert "Build and launch deleted" in changes
        assert "QA pass added title — QA pass" in changes
        await press(pilot, "a")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await press(pilot, "enter")
        assert "every change of the proposal applies now" in text_of(answer_status(full))
        assert titles(world.website) == [("Wireframes", 250_00), ("Visual design", 650_00),
                                         ("QA pass", 300_00)]
        assert ChangeRequest.get_by_id(proposal.id).status == "approved"
        await press(pilot, "escape")
        assert pilot.app.screen is screen and listed(screen) == []

    drive(make_app(world.ada), scenario)


def test_U15_the_client_declines_a_proposal_and_nothing_changes(make_app, world, proposal,
                                                                drive):
    before = titles(world.website)

    async def scenario(pilot):
        screen = await open_inbox(pilot)
        await press(pilot, "r", *"Not now", "enter")
        assert text_of(answer_status(screen)) == "Declined: nothing changed."
        assert titles(world.website) == before
        assert ChangeRequest.get_by_id(proposal.id).status == "rejected"

    drive(make_app(world.ada), scenario)


def test_U23_a_submission_cancels_the_request_and_the_history_says_so(make_app, world,
                                                                      reports, clock, drive):
    cr = request_milestone_change(world.cy, reports.id, {"title": "Dashboards"}, clock=clock)
    submit_work(world.bo, reports.id, "Reports attached", clock=clock)

    async def scenario(pilot):
        screen = await open_inbox(pilot)
        assert listed(screen) == []
        await press(pilot, "3")
        [view] = screen.items["history"]
        assert view.id == cr.id and view.status == "cancelled"
        assert view.outcome == ("Cancelled automatically: the freelancer submitted work "
                                "while it was pending (U-23).")

    drive(make_app(world.cy), scenario)


def test_a_refusal_from_the_rules_is_shown_inline(make_app, world, reports, clock, drive):
    cr = request_milestone_change(world.cy, reports.id, {"title": "Dashboards"}, clock=clock)

    async def scenario(pilot):
        screen = await open_inbox(pilot)
        withdraw_milestone_change(world.cy, cr.id, clock=clock)  # meanwhile, elsewhere
        await press(pilot, "a", "enter")
        status = answer_status(screen)
        assert text_of(status) == ("This change request is withdrawn; it can no longer be "
                                   "answered or changed. (U-22)")
        assert status.has_class("-error")
        assert Milestone.get_by_id(reports.id).title == "Reports"

    drive(make_app(world.bo), scenario)


def test_U20_the_active_change_dialog_sends_a_request_and_shows_refusals_inline(
        make_app, world, reports, drive):
    async def scenario(pilot):
        detail = contract_detail(world.cy, world.pipeline.id)
        screen = pilot.app.screen
        sent = []

        async def flow():
            sent.append(await request_active_change(screen, detail, reports.id))

        pilot.app.run_worker(flow())
        dialog = await wait_for(pilot, ActiveChangeDialog)
        amount = dialog.query_one("#field-amount_cents", Input)
        amount.focus()
        await pilot.press("end", *["backspace"] * len(amount.value), "2")
        await pilot.pause()
        assert text_of(dialog.query_one("#problem-amount_cents", Static)) == \
            "Milestones must be at least $5.00. (U-01)"
        await pilot.press("0", "0", "0")
        dialog.query_one("#change-note", Input).value = "Two more reports"
        await press(pilot, "ctrl+s")
        assert sent == [True]
        cr = ChangeRequest.get(ChangeRequest.milestone == reports.id)
        assert json.loads(cr.payload)["changes"] == {"amount_cents": 2000_00}
        assert cr.message == "Two more reports"

        # A second request while one is pending: the rules refuse, the dialog says so.
        pilot.app.run_worker(flow())
        dialog = await wait_for(pilot, ActiveChangeDialog)
        dialog.query_one("#field-title", Input).value = "Dashboards"
        await pilot.press("ctrl+s")
        for _ in range(100):  # the refusal reopens the dialog
            await pilot.pause(0.02)
            if pilot.app.screen is not dialog and isinstance(pilot.app.screen,
                                                             ActiveChangeDialog):
                break
        dialog = pilot.app.screen
        assert isinstance(dialog, ActiveChangeDialog)
        assert "is already pending: edit or withdraw it. (U-21)" in text_of(
            dialog.query_one("#change-error", Static))
        assert dialog.query_one("#field-title", Input).value == "Dashboards"
        await press(pilot, "escape")
        assert sent == [True, False]

    drive(make_app(world.cy), scenario)


def test_U20_U21_from_the_contract_room_C_requests_a_change_then_edits_it(
        make_app, world, clock, drive):
    """The whole flow, no part faked: C in the contract room on the active milestone
    opens the change dialog; f2 sends; C again edits the pending request (U-21) rather
    than asking twice; the freelancer finds it in the inbox."""
    handoff = new_contract(world, clock, "Server handoff", ("Handoff", 400_00, "2026-04-01"),
                           fund=True)
    active = room_milestone(handoff, 0)

    async def scenario(pilot):
        room = await open_room(pilot, world.ada, handoff)
        await room_press(pilot, "C")
        dialog = await wait_for(pilot, ActiveChangeDialog)
        amount = dialog.query_one("#field-amount_cents", Input)
        amount.focus()
        await pilot.press("end", *["backspace"] * len(amount.value), *"450")
        await room_press(pilot, "f2")
        for _ in range(100):
            if pilot.app.screen is room and ChangeRequest.select().where(
                    ChangeRequest.milestone == active.id).exists():
                break
            await pilot.pause(0.02)
        cr = ChangeRequest.get(ChangeRequest.milestone == active.id)
        assert json.loads(cr.payload)["changes"] == {"amount_cents": 450_00}
        assert cr.status == "pending"

        await settle(pilot)  # (the room's flow waits for its dialog: not tui_helpers')
        await room_press(pilot, "C")  # U-21: the pending request, to edit
        dialog = await wait_for(pilot, ActiveChangeDialog)
        assert dialog.request is not None and dialog.request.id == cr.id
        assert dialog.query_one("#field-amount_cents", Input).value == "$450.00"
        await room_press(pilot, "escape")
        assert ChangeRequest.select().where(ChangeRequest.milestone == active.id).count() == 1

        pilot.app.actor = world.bo
        while len(pilot.app.screen_stack) > 1:
            pilot.app.pop_screen()
        screen = await open_inbox(pilot)
        assert "Change to “Handoff”" in listed(screen)

    drive(make_app(world.ada), scenario)


def test_the_palette_has_every_answer(make_app, world, reports, proposal, clock, drive):
    request_milestone_change(world.cy, reports.id, {"title": "Dashboards"}, clock=clock)

    async def freelancer(pilot):
        screen = await open_inbox(pilot)
        names = [hit.text async for hit in ScreenCommands(screen).discover()]
        assert {"Open", "Approve", "Reject", "Back", "Next box"} <= set(names)
        assert not {"Edit", "Withdraw", "Add funds"} & set(names)

    drive(make_app(world.bo), freelancer)

    async def client(pilot):
        screen = await open_inbox(pilot)
        await press(pilot, "2")
        names = [hit.text async for hit in ScreenCommands(screen).discover()]
        assert {"Edit", "Withdraw"} <= set(names) and "Approve" not in names

    drive(make_app(world.cy), client)
