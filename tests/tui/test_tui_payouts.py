"""The payouts screen (X-24, X-26), from the contract list's `p`, at 80x24: what is usable
now, each payment on hold or in review with its date and countdown, and the 8 weeks as
bars. Only a freelancer has the key."""
from __future__ import annotations

from textual.widgets import DataTable

from rules.deadlines import sweep
from tui.screens.contract_list import ContractListScreen
from tui.screens.payouts import PayoutsScreen
from tui_helpers import press, settle, text_of


def rows(table: DataTable) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def test_X24_p_shows_a_freelancers_payouts_soonest_first_and_the_weeks(
        make_app, world, drive):
    async def scenario(pilot):
        await press(pilot, "p")
        screen = pilot.app.screen
        assert isinstance(screen, PayoutsScreen)
        # The pipeline's $250.00 (released Mar 4) ended its 5-day hold on Mar 9, but no
        # sweep has run yet; the wireframes are in review until Mar 18, then held until
        # Mar 23.
        assert text_of(screen.query_one("#payouts-info")).strip() == (
            "Usable now: $0.00. Coming: $500.00 net, 2 payments.")
        assert rows(screen.query_one(DataTable)) == [
            ["Mar 9 16:00", "available", "$250.00", "on hold", "Ingest", "Data pipeline"],
            ["Mar 23 16:00", "in 13 days 4 h", "$250.00", "in review", "Wireframes",
             "Website redesign"]]
        chart = text_of(screen.query_one("#payouts-chart")).splitlines()
        assert chart[0] == "Net becoming usable, week by week from today"
        assert len(chart) == 9 and "█" * 30 in chart[2] and "$250.00" in chart[2]
        assert all("█" not in line for i, line in enumerate(chart[1:]) if i != 1)
        # The worker's sweep moves the ended hold to available; r reads again.
        sweep(clock=pilot.app.clock)
        await press(pilot, "r")
        assert text_of(screen.query_one("#payouts-info")).strip() == (
            "Usable now: $250.00. Coming: $250.00 net, 1 payment.")
        assert rows(screen.query_one(DataTable))[0][:2] == ["Mar 23 16:00", "in 13 days 4 h"]
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, ContractListScreen)

    drive(make_app(world.bo), scenario)


def test_X24_only_a_freelancer_has_the_payouts_key(make_app, world, drive):
    for who in (world.ada, world.sam):
        async def scenario(pilot):
            await press(pilot, "p")
            assert isinstance(pilot.app.screen, ContractListScreen)
            assert pilot.app.screen.check_action("payouts", ()) is False

        drive(make_app(who), scenario)


def test_the_payouts_screen_at_80x24(snap_compare, make_app, world):
    """Layout only: Bo's payments (one on hold, one in review), the 8 weeks as bars, and
    the footer's keys, at the smallest terminal."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "p")

    assert snap_compare(make_app(world.bo), terminal_size=(80, 24), run_before=run_before)
