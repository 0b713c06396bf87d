"""Counter-proposals in the inbox (X-22, X-23), at 80x24: `o` answers a change with an
amended change, or a proposal with an amended proposal in the milestone manager; the
other party then accepts exactly that version; the full view lists every version."""
from __future__ import annotations

import datetime as dt
import json

from textual.widgets import Input, Static

from models.change_requests import ChangeRequest
from models.milestones import Milestone
from rules.change_requests import propose_milestone_changes, request_milestone_change
from rules.contract_view import contract_detail
from rules.counters import counter_milestone_change
from rules.payments import fund_next_milestone
from rules.plan import AddMilestone, EditMilestone
from tui_helpers import press, text_of, wait_for
from tui.screens.active_change import ActiveChangeDialog
from tui.screens.inbox import InboxScreen, RequestScreen
from tui.screens.milestone_form import ConfirmDialog, MessageDialog
from tui.screens.plan_counter import CounterPlanScreen


def test_X22_bo_counters_a_change_and_cy_approves_exactly_his_amount(make_app, world, clock,
                                                                      drive):
    reports = fund_next_milestone(world.cy, world.pipeline.id, clock=clock)
    asked = request_milestone_change(world.cy, reports.id, {"amount_cents": 600_00},
                                     "Smaller", clock=clock)

    async def bo(pilot):
        await press(pilot, "i")
        assert isinstance(pilot.app.screen, InboxScreen)
        await pilot.press("o")
        dialog = await wait_for(pilot, ActiveChangeDialog)
        assert "Answer with another change to “Reports”" in text_of(
            dialog.query_one(".dialog-title"))
        amount = dialog.query_one("#field-amount_cents", Input)
        assert amount.value == "$600.00"  # the version answered, to amend
        amount.focus()
        await pilot.press("end", *["backspace"] * len(amount.value), *"650")
        dialog.query_one("#change-note", Input).value = "Meet me halfway"
        await press(pilot, "f2")
        assert "Counter-proposal sent." in text_of(pilot.app.screen.query_one(
            "#answer-status", Static))

    drive(make_app(world.bo), bo)
    counter = ChangeRequest.get(ChangeRequest.previous == asked.id)
    assert json.loads(counter.payload)["changes"] == {"amount_cents": 650_00}
    assert ChangeRequest.get_by_id(asked.id).status == "countered"

    async def cy(pilot):
        await press(pilot, "i")
        await press(pilot, "enter")  # the counter, in full, with its versions
        full = pilot.app.screen
        assert isinstance(full, RequestScreen)
        versions = " ".join(text_of(full.query_one("#request-versions", Static)).split())
        assert "1. Cy Client" in versions and "countered" in versions
        assert "2. Bo Freelancer" in versions and "(this one)" in versions
        assert "+ amount: $700.00 → $650.00 − amount: $700.00 → $600.00" in versions
        await press(pilot, "a")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await press(pilot, "enter")

    drive(make_app(world.cy), cy)
    assert Milestone.get_by_id(reports.id).amount_cents == 650_00


def test_X22_ada_counters_bos_proposal_in_the_manager(make_app, world, clock, drive):
    visual = contract_detail(world.ada, world.website.id).milestones[1]
    proposal = propose_milestone_changes(world.bo, world.website.id, [
        EditMilestone(visual.id, {"amount_cents": 650_00}),
        AddMilestone("QA pass", 300_00, due_date=dt.date(2026, 4, 20), ref="qa")],
        clock=clock)

    async def ada(pilot):
        await press(pilot, "i")
        await pilot.press("o")
        manager = await wait_for(pilot, CounterPlanScreen)
        await press(pilot)
        assert [c.kind for c in manager.changes] == ["edited", "added"]  # Bo's batch
        await press(pilot, "u")  # take back the QA pass: only the new amount stays
        assert [c.kind for c in manager.changes] == ["edited"]
        await press(pilot, "f2")
        assert isinstance(pilot.app.screen, MessageDialog)
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, InboxScreen)

    drive(make_app(world.ada), ada)
    counter = ChangeRequest.get(ChangeRequest.previous == proposal.id)
    assert (counter.author_id, counter.status) == (world.ada.id, "pending")
    assert [c["kind"] for c in json.loads(counter.payload)["changes"]] == ["edited"]
    # The plan itself changes only when Bo accepts the counter (U-15).
    assert Milestone.get_by_id(visual.id).amount_cents == 500_00

    async def bo(pilot):
        await press(pilot, "i")
        await press(pilot, "a")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await press(pilot, "enter")

    drive(make_app(world.bo), bo)
    assert Milestone.get_by_id(visual.id).amount_cents == 650_00
    assert not Milestone.select().where(Milestone.title == "QA pass").exists()


def test_X22_counter_is_offered_only_to_the_party_a_version_waits_for(make_app, world,
                                                                      clock, drive):
    reports = fund_next_milestone(world.cy, world.pipeline.id, clock=clock)
    asked = request_milestone_change(world.cy, reports.id, {"title": "R"}, clock=clock)
    counter_milestone_change(world.bo, asked.id, {"title": "Reports v2"}, clock=clock)

    async def bo(pilot):  # his own counter: edit or withdraw it, not answer it
        await press(pilot, "i", "right")
        screen = pilot.app.screen
        assert screen.check_action("counter", ()) is False
        assert screen.check_action("withdraw", ()) is True

    drive(make_app(world.bo), bo)
