"""The contract screen: what one contract shows, read-only."""
from __future__ import annotations

from textual.widgets import Static

from rules.contract_view import contract_detail, timeline_page
from tui_helpers import press, text_of
from tui.screens import contract as contract_screen
from tui.screens.contract import ContractScreen
from tui.screens.contract_list import ContractListScreen
from tui.widgets.milestone_table import MilestoneTable
from tui.widgets.timeline import Timeline


def test_enter_opens_the_contract_with_its_milestones_deadlines_and_timeline(
        make_app, world, drive):
    async def scenario(pilot):
        await press(pilot, "enter")  # the first row: Website redesign
        screen = pilot.app.screen
        assert isinstance(screen, ContractScreen) and screen.contract_id == world.website.id
        detail = contract_detail(world.ada, world.website.id)

        table = screen.query_one(MilestoneTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        # The title cells are Text, never markup (issue 17): compare their plain text.
        assert [str(r[1]) for r in rows] == [m.title for m in detail.milestones]
        assert [str(r[1]) for r in rows] == ["Wireframes", "Visual design", "Build and launch"]
        # U-13: due on 2026-03-09, submitted but not paid: overdue on the 10th.
        assert str(rows[0][2]) == "2026-03-09 overdue"
        assert str(rows[1][2]) == "2026-03-23"
        assert [str(r[4]) for r in rows] == ["$250.00", "$0.00", "$0.00"]  # escrow
        # Statuses in words (a badge); the next milestone to fund is marked (U-09).
        assert [str(r[5]) for r in rows] == ["submitted", "next to fund", "planned"]

        heading = text_of(screen.query_one("#contract-heading", Static))
        assert heading == "#1 Website redesign · open · Upwork fixed price"
        parties = text_of(screen.query_one("#contract-parties", Static))
        assert "Client Ada Client (you) · Freelancer Bo Freelancer" in parties
        assert "$1,950.00" in text_of(screen.query_one("#contract-totals", Static))
        # U-06: the review window of the submission, with its countdown.
        deadlines = text_of(screen.query_one("#deadlines", Static))
        assert "Client's review of “Wireframes” until 2026-03-18" in deadlines
        assert "(in 8 days" in deadlines

        entries, _ = timeline_page(world.ada, world.website.id)
        timeline = screen.query_one(Timeline)
        assert [e.id for e in timeline.entries] == [e.id for e in entries]  # newest first
        assert timeline.entries[0].summary == "Submitted work for “Wireframes”"

        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, ContractListScreen)

    drive(make_app(world.ada), scenario)


def test_o_loads_older_timeline_entries(make_app, world, drive, monkeypatch):
    monkeypatch.setattr(contract_screen, "TIMELINE_PAGE", 2)

    async def scenario(pilot):
        await press(pilot, "enter")
        timeline = pilot.app.screen.query_one(Timeline)
        assert len(timeline.entries) == 2 and timeline.has_more
        await press(pilot, "o")
        all_entries, _ = timeline_page(world.ada, world.website.id, limit=100)
        assert [e.id for e in timeline.entries] == [e.id for e in all_entries]
        assert not timeline.has_more

    drive(make_app(world.ada), scenario)


def test_G07_a_contract_that_is_not_yours_is_not_shown(make_app, world, drive):
    async def scenario(pilot):
        await pilot.app.push_screen(ContractScreen(world.pipeline.id))  # Cy's
        await press(pilot)
        assert isinstance(pilot.app.screen, ContractListScreen)
        messages = [n.message for n in pilot.app._notifications]
        assert messages == ["No such contract, or it is not yours to see."]

    drive(make_app(world.ada), scenario)
