"""The funding policy in the TUI at 80x24 (X-36..X-38): the room's `F` funds what the
policy has room for after a read-back; `ctrl+f` asks the other party for another policy
(a refusal stays in the dialog, nothing written); the other party accepts in the inbox."""
from __future__ import annotations

import datetime as dt

from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.milestones import Milestone
from rules.contracts import create_contract
from rules.funding_change import request_funding_change
from rules.plan import AddMilestone
from room_helpers import notes, open_room, press, settle, stored
from tui.screens.dialogs.confirm import ReadBackDialog
from tui.screens.dialogs.funding import FundingDialog
from tui.screens.inbox import InboxScreen
from tui.screens.milestone_form import ConfirmDialog
from tui_helpers import footer_labels, text_of
from tui_helpers import press as app_press


def up_front(world, clock) -> Contract:
    drafts = [AddMilestone(title=t, amount_cents=a, due_date=dt.date(2026, 4, 1))
              for t, a in (("Design", 300_00), ("Build", 900_00), ("Launch", 200_00))]
    return create_contract(world.ada, freelancer=world.bo, title="Shop", policy="upwork",
                           milestones=drafts, funding="all", clock=clock)


def statuses(c) -> list[str]:
    return [m.status for m in Milestone.select().where(Milestone.contract == c.id)
            .order_by(Milestone.position)]


def test_X37_F_funds_every_milestone_up_front_after_a_read_back(make_app, world, clock,
                                                                 drive):
    shop = up_front(world, clock)

    async def scenario(pilot):
        room = await open_room(pilot, world.ada, shop)
        assert "all up front" in text_of(room.query_one("#contract-heading"))
        assert "Fund ahead" in " ".join(footer_labels(room))
        await press(pilot, "F")
        dialog = pilot.app.screen
        assert isinstance(dialog, ReadBackDialog)
        said = text_of(dialog.query_one("#confirm-text"))
        assert "“Design”: $300.00" in said and "$1,400.00 goes into escrow" in said
        await press(pilot, "y")
        for _ in range(50):
            if statuses(shop) == ["funded"] * 3:
                break
            await settle(pilot)
        assert statuses(shop) == ["funded"] * 3
        assert any("Funded 3 milestones: $1,400.00 in escrow." in n for n in notes(pilot.app))

    drive(make_app(world.ada), scenario)


def test_X37_one_at_a_time_has_no_F_and_the_palette_says_why(make_app, world, drive):
    async def scenario(pilot):
        room = await open_room(pilot, world.ada, world.website)
        assert room.check_action("fund_ahead", ()) is False
        assert "Fund ahead" not in " ".join(footer_labels(room))
        assert room.fund_ahead_verdict().reason.endswith("(X-37).")
        await press(pilot, "F")
        assert pilot.app.screen is room

    drive(make_app(world.ada), scenario)


def test_X38_ctrl_f_asks_for_another_policy_a_refusal_stays_in_the_dialog(
        make_app, world, drive):
    async def scenario(pilot):
        room = await open_room(pilot, world.bo, world.website)
        assert room.check_action("change_funding", ()) is True
        await press(pilot, "ctrl+f")
        dialog = pilot.app.screen
        assert isinstance(dialog, FundingDialog)
        assert "Now: one milestone at a time" in text_of(dialog.query_one(".dialog-text"))
        before = stored()
        await press(pilot, *"lots", "f2")
        dialog = pilot.app.screen
        assert isinstance(dialog, FundingDialog)  # opened again with the refusal
        assert text_of(dialog.query_one("#dialog-error")).strip().endswith("(X-36).")
        assert stored() == before
        await press(pilot, *["backspace"] * 4, "2", "f2")
        for _ in range(50):
            if pilot.app.screen is room and ChangeRequest.select().exists():
                break
            await settle(pilot)
        cr = ChangeRequest.get(ChangeRequest.kind == "funding")
        assert (cr.status, cr.author_id) == ("pending", world.bo.id)
        await settle(pilot)
        assert "Pending funding request" in text_of(room.query_one("#deadlines"))
        assert room.check_action("change_funding", ()) is False  # one at a time

    drive(make_app(world.bo), scenario)


def test_X38_the_client_accepts_in_the_inbox(make_app, world, clock, drive):
    cr = request_funding_change(world.bo, world.website.id, "all", clock=clock)

    async def scenario(pilot):
        await app_press(pilot, "i")
        inbox = pilot.app.screen
        assert isinstance(inbox, InboxScreen)
        assert [v.title for v in inbox.items["incoming"]] == [
            "Funding: one milestone at a time → all milestones up front"]
        await app_press(pilot, "a")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await app_press(pilot, "enter")
        assert text_of(inbox.query_one("#answer-status")) == (
            "Accepted: the contract funds all milestones up front now.")
        assert Contract.get_by_id(world.website.id).funding_limit == 0
        assert ChangeRequest.get_by_id(cr.id).status == "approved"

    drive(make_app(world.ada), scenario)
