"""The contract room: what each role is offered (and told about what it is not), the
refund and dispute flow through to support's split, top-ups, ending, cancelling, the
keys that open other screens, and the timeline panel. Database checked after each act."""
from __future__ import annotations

import sys
import types

from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from models.contracts import Contract
from models.refunds import RefundRequest
from rules.change_requests import approve_milestone_change, request_milestone_change
from rules.queries import contract_totals
from room_helpers import (detail, milestone, new_contract, notes, open_room, paste,
                          press, stored, transfers, type_in)
from tui.screens.contract import UnavailableCommands
from tui.screens.dialogs.cancel import CancelDialog
from tui.screens.dialogs.confirm import ReadBackDialog
from tui.screens.dialogs.message import SendMessageDialog
from tui.screens.dialogs.refund import RefundDialog
from tui.screens.dialogs.resolve_dispute import ResolveDisputeDialog
from tui.screens.help import HelpScreen
from tui_helpers import footer_labels, shown, text_of


def test_G07_U03_each_role_is_offered_what_it_may_do_and_the_palette_says_why_not(
        make_app, world, drive):
    async def scenario(pilot):
        app = pilot.app
        # Ada, with Bo's wireframes waiting for her review.
        room = await open_room(pilot, world.ada, world.website)
        assert room.target.title == "Wireframes"  # the cursor starts on the active one
        keys = footer_labels(room)
        for label in ("Pay", "Changes", "Refund", "Plan"):
            assert label in keys
        for label in ("Fund next", "Submit", "Agree", "Dispute", "End", "Resolve"):
            assert label not in keys
        # The palette lists what is hidden, with the reason and the rule.
        why = {h.text: h.help async for h in UnavailableCommands(room).discover()}
        assert why["Fund next"] == ("Only one milestone is funded at a time: “Wireframes” "
                                    "must be released or refunded first (U-03).")
        assert why["End"].endswith("release or refund it before ending the contract (G-03).")
        assert "Submit" not in why  # another role's key: only when searched for
        found = {h.text: h.help async for h in UnavailableCommands(room).search("submit")}
        assert found["Submit"] == "Only the freelancer may submit work (G-07)."
        # Choosing it from the palette says why, and does nothing.
        before = stored()
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"fund next")
        await pilot.pause(0.3)  # the palette searches in the background
        await press(pilot, "enter")
        assert app.screen is room
        assert "Only one milestone is funded at a time" in notes(app)[-1]
        assert stored() == before
        # Moving to a future milestone: nothing to pay there (U-03).
        await press(pilot, "down")
        assert room.target.title == "Visual design"
        assert "Pay" not in footer_labels(room)
        # Help lists the keys available now, with their sentences.
        await press(pilot, "up", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = text_of(app.screen.query_one("#help-keys", Static))
        assert "Review the submitted work and pay it" in help_text
        assert "Fund next" not in help_text
        await press(pilot, "escape")

        # Bo, on the same contract: nothing to do until the review (no w, no p).
        room = await open_room(pilot, world.bo, world.website)
        for label in ("Submit", "Pay", "Changes", "Fund next", "Refund"):
            assert label not in footer_labels(room)
        why = {h.text: h.help async for h in UnavailableCommands(room).discover()}
        assert why["Submit"] == ("Work for “Wireframes” is already submitted and waiting "
                                 "for the client's review (U-17).")

        # Sam, support: sees the contract, cannot pay or submit; may cancel (F-08).
        room = await open_room(pilot, world.sam, world.website)
        assert footer_labels(room)[:1] == ["Cancel…"]
        assert not room.check_action("review_pay", ())
        assert not room.check_action("submit_work", ())

    drive(make_app(world.ada), scenario)


def test_U29_U33_G02_refund_request_dispute_response_and_a_split_by_support(
        make_app, world, drive):
    wireframes = detail(world.ada, world.website).milestones[0]

    async def scenario(pilot):
        app = pilot.app
        # Ada asks for the escrow back, with a reason.
        await open_room(pilot, world.ada, world.website)
        await press(pilot, "x")
        assert isinstance(app.screen, RefundDialog)
        assert "The whole escrow, $250.00, is asked back." in shown(app.screen)
        await paste(pilot, "Not what we agreed")
        await press(pilot, "f2")
        rr = RefundRequest.get(RefundRequest.milestone == wireframes.id)
        assert (rr.status, rr.amount_cents, rr.reason) == ("pending", 250_00,
                                                            "Not what we agreed")
        assert milestone(world.website, 0).status == "refund_requested"

        # Bo disputes it; an empty message is refused inline first (U-33).
        room = await open_room(pilot, world.bo, world.website)
        assert {"Agree", "Dispute"} <= set(footer_labels(room))
        await press(pilot, "d")
        assert isinstance(app.screen, SendMessageDialog)
        await press(pilot, "f2")
        assert isinstance(app.screen, SendMessageDialog)
        assert app.screen.error_text == "A message explaining the dispute is required (U-33)."
        await paste(pilot, "Delivered as specified")
        await press(pilot, "f2")
        assert RefundRequest.get_by_id(rr.id).status == "disputed"

        # Ada responds within the five business days: support decides (U-33, G-02).
        room = await open_room(pilot, world.ada, world.website)
        assert "Respond" in footer_labels(room)
        await press(pilot, "s")
        assert "Client's" not in shown(app.screen)
        await paste(pilot, "The pages are missing")
        await press(pilot, "f2")
        assert RefundRequest.get_by_id(rr.id).status == "in_support"
        assert milestone(world.website, 0).status == "in_support"

        # Sam splits it: $100.00 to Bo, the rest to Ada, with a reason (G-02).
        room = await open_room(pilot, world.sam, world.website)
        assert "Resolve" in footer_labels(room)
        await press(pilot, "v")
        assert isinstance(app.screen, ResolveDisputeDialog)
        await type_in(pilot, "100")
        assert "Ada Client gets the other $150.00." in shown(app.screen)
        await press(pilot, "tab")
        await paste(pilot, "Half the pages were delivered")
        await press(pilot, "f2")
        assert RefundRequest.get_by_id(rr.id).status == "resolved"
        assert milestone(world.website, 0).status == "resolved"
        assert transfers(world.website, "dispute_split_to_freelancer") == [100_00]
        assert transfers(world.website, "dispute_split_to_client") == [150_00]

    drive(make_app(world.ada), scenario)


def test_U22_top_up_then_G03_end_with_project_funds_and_F08_cancel(
        make_app, world, clock, drive):
    handoff = new_contract(world, clock, "Server handoff", ("Handoff", 400_00, "2026-04-01"),
                           fund=True)
    m = detail(world.ada, handoff).milestones[0]
    cr = request_milestone_change(world.ada, m.id, {"amount_cents": 450_00}, clock=clock)
    approve_milestone_change(world.bo, cr.id, clock=clock)  # U-22: $50.00 short

    async def scenario(pilot):
        app = pilot.app
        # Ada tops the escrow up to the approved amount.
        room = await open_room(pilot, world.ada, handoff)
        assert "Top up" in footer_labels(room)
        await press(pilot, "a")
        assert "Add the missing $50.00: $0.00 from project funds, $50.00 charged to you " \
               "now." in shown(app.screen)
        await press(pilot, "y")
        assert contract_totals([handoff.id])[handoff.id].in_escrow_cents == 450_00
        assert "Top up" not in footer_labels(room)

        # Cy ends the pipeline: the confirmation says what returns to her (G-03, U-04).
        room = await open_room(pilot, world.cy, world.pipeline)
        await press(pilot, "e")
        assert isinstance(app.screen, ReadBackDialog)
        readback = shown(app.screen)
        assert "$50.00 of project funds return to you (U-04)." in readback
        assert "1 future milestone is closed." in readback
        await press(pilot, "y")
        assert Contract.get_by_id(world.pipeline.id).status == "ended"
        assert transfers(world.pipeline, "project_funds_refund") == [50_00]
        assert "Feedback" in footer_labels(room)

        # Sam cancels the wireframes through support, for a reason (F-08).
        await open_room(pilot, world.sam, world.website)
        await press(pilot, "k")
        assert isinstance(app.screen, CancelDialog)
        # The highlighted milestone is chosen first; the line says what it does.
        assert "$250.00 in escrow returns to Ada Client." in shown(app.screen)
        await press(pilot, "tab")  # the milestone is chosen; on to the reason
        await paste(pilot, "Client and freelancer both asked")
        await press(pilot, "f2")
        assert milestone(world.website, 0).status == "cancelled"
        assert transfers(world.website, "cancel_to_client") == [250_00]
        assert Contract.get_by_id(world.website.id).status == "open"

    drive(make_app(world.ada), scenario)


class FakeManager(Screen):
    BINDINGS = [("escape", "close")]
    opened: list[int] = []

    def __init__(self, contract_id: int) -> None:
        super().__init__()
        FakeManager.opened.append(contract_id)

    def action_close(self) -> None:
        self.dismiss()


def test_C_m_h_other_screens_and_the_timeline_beside_or_below(
        make_app, world, clock, drive, monkeypatch):
    """C and m open the change-request flow and the milestone manager (other parts of
    the app, faked here); h hides the timeline, which is beside the milestones from
    SIDE_PANEL_FROM columns and below them under it (U-31)."""
    handoff = new_contract(world, clock, "Server handoff", ("Handoff", 400_00, "2026-04-01"),
                           fund=True)
    asked: list[tuple] = []

    async def request_active_change(node, d, milestone_id, request=None) -> bool:
        asked.append((d.id, milestone_id, request))
        return True

    monkeypatch.setitem(sys.modules, "tui.screens.active_change", types.SimpleNamespace(
        request_active_change=request_active_change))
    monkeypatch.setitem(sys.modules, "tui.screens.milestone_manager", types.SimpleNamespace(
        MilestoneManagerScreen=FakeManager))
    FakeManager.opened = []

    async def scenario(pilot):
        app = pilot.app
        room = await open_room(pilot, world.ada, handoff)
        assert room.check_action("change_milestone", ())  # funded, nothing submitted (U-20)
        await press(pilot, "C")
        assert asked == [(handoff.id, milestone(handoff, 0).id, None)]
        await press(pilot, "m")
        assert isinstance(app.screen, FakeManager) and FakeManager.opened == [handoff.id]
        await press(pilot, "escape")
        assert app.screen is room
        # With the other part of the app missing, the key says so.
        monkeypatch.setitem(sys.modules, "tui.screens.milestone_manager", None)
        await press(pilot, "m")
        assert notes(app)[-1] == "Managing milestones is not available yet."
        assert not isinstance(app.screen, ModalScreen)

        # U-31: the timeline below the milestones at 80 columns, beside them when wide.
        room = await open_room(pilot, world.ada, world.website)
        panel = room.query_one("#timeline-panel")
        main = room.query_one("#room-main")
        assert not room.has_class("-side-timeline")
        assert panel.region.y >= main.region.bottom and panel.region.height >= 4  # below
        await press(pilot, "h")
        assert not panel.display
        await press(pilot, "h")
        assert panel.display
        await pilot.resize_terminal(120, 40)
        await press(pilot)
        assert room.has_class("-side-timeline")
        assert panel.region.x >= main.region.right and panel.region.y == main.region.y

    drive(make_app(world.ada), scenario)



def test_U29_a_paid_amount_asked_back_in_part_then_what_is_left(make_app, world, drive):
    """The refund dialog offers what the freelancer still holds of a payment (the
    room's paid_cents, read with the milestones): $250.00, then $150.00 once $100.00
    came back; once all of it came back the key is hidden and the palette says why."""
    async def scenario(pilot):
        app = pilot.app
        room = await open_room(pilot, world.cy, world.pipeline)
        await press(pilot, "up")  # from the next to fund to "Ingest", paid $250.00
        assert room.target.title == "Ingest" and room.target.paid_cents == 250_00
        await press(pilot, "x")
        assert isinstance(app.screen, RefundDialog)
        assert "$250.00 was paid for this milestone." in shown(app.screen)
        await press(pilot, "ctrl+u")
        await type_in(pilot, "100")
        await press(pilot, "enter")
        rr = RefundRequest.get(RefundRequest.milestone == room.target.id)
        assert (rr.status, rr.amount_cents) == ("pending", 100_00)

        room = await open_room(pilot, world.bo, world.pipeline)
        await press(pilot, "up")
        await press(pilot, "y", "y")  # agree, and confirm
        assert RefundRequest.get_by_id(rr.id).status == "agreed"

        room = await open_room(pilot, world.cy, world.pipeline)
        await press(pilot, "up")
        assert room.target.paid_cents == 150_00
        await press(pilot, "x")
        assert "$150.00 was paid for this milestone." in shown(app.screen)
        await press(pilot, "ctrl+u")
        await type_in(pilot, "150")
        await press(pilot, "enter")
        assert RefundRequest.select().where(RefundRequest.status == "pending").count() == 1
        room = await open_room(pilot, world.bo, world.pipeline)
        await press(pilot, "up", "y", "y")
        assert RefundRequest.select().where(RefundRequest.status == "agreed").count() == 2
        room = await open_room(pilot, world.cy, world.pipeline)
        await press(pilot, "up")
        assert room.target.paid_cents == 0
        assert not room.check_action("request_refund", ())
        assert room.verdict("request_refund").reason == (
            "Everything paid for “Ingest” was already refunded (U-29).")

    drive(make_app(world.cy), scenario)


def test_a_refusal_reopens_the_dialog_with_what_was_typed_and_writes_nothing(
        make_app, world, drive, app_clock):
    """The room's flows (RoomFlows.ask_until_done): when rules/ refuses, here because the
    work was submitted from another session meanwhile (the milestone's version moved),
    the dialog opens again showing the refusal, with the message as typed; nothing more
    is written, and closing it ends the flow."""
    from textual.widgets import TextArea

    from models.milestones import Submission
    from rules.payments import fund_next_milestone
    from rules.work import submit_work
    from tui.screens.dialogs.submit_work import SubmitWorkDialog
    reports = fund_next_milestone(world.cy, world.pipeline.id, clock=app_clock)

    async def scenario(pilot):
        app = pilot.app
        await open_room(pilot, world.bo, world.pipeline)
        await press(pilot, "w")
        assert isinstance(app.screen, SubmitWorkDialog)
        await paste(pilot, "Reports attached")
        submit_work(world.bo, reports.id, "From the other terminal", clock=app_clock)
        before = stored()
        await press(pilot, "f2")
        assert isinstance(app.screen, SubmitWorkDialog)
        assert "someone acted first" in app.screen.error_text
        assert app.screen.query_one("#message", TextArea).text == "Reports attached"
        assert stored() == before
        assert [s.message for s in Submission.select().where(
            Submission.milestone == reports.id)] == ["From the other terminal"]
        await press(pilot, "escape")
        assert not isinstance(app.screen, ModalScreen)

    drive(make_app(world.bo), scenario)
