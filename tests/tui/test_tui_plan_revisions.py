"""The plan revisions screen (X-20, X-21), from the milestone manager's `v`, at 80x24:
the revisions newest first with the one in force marked, the highlighted one as it
was, and with `space` the diff from a marked revision to the highlighted one."""
from __future__ import annotations

from textual.widgets import DataTable, Static

from rules.contract_view import contract_detail
from rules.plan import AddMilestone, EditMilestone
from rules.planning import save_plan
from tui_helpers import press, settle, text_of
from tui.screens.milestone_manager import MilestoneManagerScreen
from tui.screens.plan_revisions import PlanRevisionsScreen


def revised(world, clock):
    """The website contract with two saved plans after its creation."""
    c = world.website
    m = contract_detail(world.ada, c.id).milestones
    save_plan(world.ada, c.id, [EditMilestone(m[2].id, {"amount_cents": 1_000_00})],
              clock=clock)
    save_plan(world.ada, c.id, [AddMilestone("Handover", 150_00)], clock=clock)
    return c


def detail_text(screen) -> str:
    return text_of(screen.query_one("#revision-detail", Static))


def test_X21_v_lists_revisions_shows_one_as_it_was_and_diffs_any_two(
        make_app, world, clock, drive):
    contract = revised(world, clock)

    async def scenario(pilot):
        await pilot.app.push_screen(MilestoneManagerScreen(contract.id))
        await settle(pilot)
        await press(pilot, "v")
        screen = pilot.app.screen
        assert isinstance(screen, PlanRevisionsScreen)
        table = screen.query_one(DataTable)
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == ["3 ●", "2", "1"]
        assert [table.get_row_at(i)[3] for i in range(table.row_count)] == [
            "plan saved", "plan saved", "contract created"]
        assert "Revision 3 is in force" in text_of(screen.query_one("#revisions-info"))
        assert "Handover · $150.00" in detail_text(screen)
        await press(pilot, "down", "down")  # revision 1, as it was
        assert "Revision 1 as it was" in detail_text(screen)
        assert "Build and launch · $1,200.00" in detail_text(screen)
        await press(pilot, "space", "up", "up")  # mark 1, look at 3
        assert table.get_row_at(2)[0] == "1 ◆"
        said = detail_text(screen)
        assert "From revision 1 to 3 · 2 changes" in said
        assert "edited “Build and launch” (amount: $1,200.00 → $1,000.00)" in said
        assert "added “Handover”" in said
        await press(pilot, "down", "down", "space")  # unmark
        assert "Revision 1 as it was" in detail_text(screen)
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, MilestoneManagerScreen)

    drive(make_app(world.bo), scenario)  # the freelancer reads them too


def test_the_revisions_screen_at_80x24(snap_compare, make_app, world, clock):
    contract = revised(world, clock)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.app.push_screen(PlanRevisionsScreen(contract.id))
        await settle(pilot)
        await press(pilot, "down", "down", "space", "up", "up")

    assert snap_compare(make_app(world.ada), terminal_size=(80, 24), run_before=run_before)
