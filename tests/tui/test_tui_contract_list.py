"""The contract list: what each role sees, filtering, sorting, paging, totals."""
from __future__ import annotations

from textual.widgets import Input, Label, Static

from models.accounts import Account
from models.vocabulary import Role
from rules.queries import list_contracts, unread_count
from tui_helpers import press, settle, text_of
from tui.screens import contract_list
from tui.widgets.contract_table import ContractTable
from tui.widgets.totals import TotalsPanel


def shown_ids(pilot) -> list[int]:
    return [s.id for s in pilot.app.screen.query_one(ContractTable).summaries]


def table_keys(pilot) -> list[int]:
    table = pilot.app.screen.query_one(ContractTable)
    return [int(row.key.value) for row in table.ordered_rows]


def test_G07_client_sees_exactly_their_contracts_and_who_is_acting(make_app, world, drive):
    async def scenario(pilot):
        expected = [c.id for c in list_contracts(world.ada, limit=1000)]
        assert table_keys(pilot) == expected
        assert set(expected) == {world.website.id, world.logo.id, world.mobile.id}
        acting = text_of(pilot.app.screen.query_one("#acting", Label))
        assert acting == f"Ada Client · client · {unread_count(world.ada)} unread"
        assert unread_count(world.ada) == 1  # Bo's submission

    drive(make_app(world.ada), scenario)


def test_G07_a_client_never_sees_another_clients_contracts(make_app, world, drive):
    async def scenario(pilot):
        ids = table_keys(pilot)
        assert ids == [world.pipeline.id, world.translation.id]
        assert world.website.id not in ids

    drive(make_app(world.cy), scenario)


def test_freelancer_sees_their_contracts_with_the_client_as_counterpart(make_app, world, drive):
    async def scenario(pilot):
        assert table_keys(pilot) == [world.website.id, world.logo.id, world.pipeline.id]
        table = pilot.app.screen.query_one(ContractTable)
        assert {s.counterpart for s in table.summaries} == {"Ada Client", "Cy Client"}
        assert "Ada Client" in table.get_row_at(0)  # the wide layout has the column

    drive(make_app(world.bo), scenario, size=(120, 24))


def test_agent_sees_every_contract(make_app, world, drive):
    async def scenario(pilot):
        assert len(table_keys(pilot)) == 5

    drive(make_app(world.sam), scenario)


def test_filter_narrows_as_you_type_and_escape_clears_it(make_app, world, drive):
    async def scenario(pilot):
        await pilot.press("slash")
        screen = pilot.app.screen
        assert screen.query_one("#filter", Input).has_focus
        await pilot.press("l", "o")
        await pilot.pause(contract_list.DEBOUNCE + 0.1)
        await settle(pilot)
        assert table_keys(pilot) == [world.logo.id]
        assert "1 match" in text_of(screen.query_one("#list-info", Label))
        await pilot.press("backspace", "backspace", "z", "z")
        await pilot.pause(contract_list.DEBOUNCE + 0.1)
        await settle(pilot)
        assert not screen.query_one(ContractTable).display
        empty = screen.query_one("#empty", Static)
        assert empty.display and "No contract matches “zz”" in text_of(empty)
        await press(pilot, "escape")
        assert screen.query_one("#filter", Input).value == ""
        assert len(table_keys(pilot)) == 3
        assert screen.query_one(ContractTable).has_focus

    drive(make_app(world.ada), scenario)


def test_filter_matches_the_counterpart_too_and_enter_keeps_it(make_app, world, drive):
    async def scenario(pilot):
        await pilot.press("slash", "d", "i", "enter")  # Di Freelancer
        await pilot.pause(contract_list.DEBOUNCE + 0.1)
        await settle(pilot)
        assert table_keys(pilot) == [world.mobile.id]
        assert pilot.app.screen.query_one(ContractTable).has_focus

    drive(make_app(world.ada), scenario)


def test_a_user_without_contracts_gets_an_empty_state(make_app, world, drive):
    newcomer = Account.create(login="eve", display_name="Eve New", role=Role.FREELANCER)

    async def scenario(pilot):
        empty = pilot.app.screen.query_one("#empty", Static)
        assert empty.display and "Eve New has no contracts yet" in text_of(empty)
        assert not pilot.app.screen.query_one(TotalsPanel).display

    drive(make_app(newcomer), scenario)


def test_s_cycles_the_sort_column(make_app, world, drive):
    async def scenario(pilot):
        await press(pilot, "s")
        assert table_keys(pilot) == [world.logo.id, world.mobile.id, world.website.id]
        info = pilot.app.screen.query_one("#list-info", Label)
        assert "by title" in text_of(info)
        await press(pilot, "s", "s", "s")  # status, policy, then newest first
        assert "by newest" in text_of(info)
        assert table_keys(pilot) == [world.mobile.id, world.logo.id, world.website.id]
        await press(pilot, "s")  # and round again
        assert "by number" in text_of(info)

    drive(make_app(world.ada), scenario)


def test_totals_panel_follows_the_highlighted_contract(make_app, world, drive):
    async def scenario(pilot):
        panel = pilot.app.screen.query_one(TotalsPanel)
        assert "Website redesign" in text_of(panel)
        assert "$1,950.00" in text_of(panel)
        await press(pilot, "down")
        assert "Logo refresh" in text_of(panel)
        assert "$140.00" in text_of(panel)  # budget of the Fiverr order
        assert "$80.00" in text_of(panel)   # its first milestone, in escrow (F-04)

    drive(make_app(world.ada), scenario)


def test_rows_load_page_by_page(make_app, world, drive, monkeypatch):
    monkeypatch.setattr(contract_list, "PAGE_SIZE", 2)
    monkeypatch.setattr(contract_list, "MORE_WHEN_WITHIN", 1)

    async def scenario(pilot):
        assert shown_ids(pilot) == [world.website.id, world.logo.id]
        await press(pilot, "down")  # the cursor nears the end: the next page loads
        assert shown_ids(pilot) == [world.website.id, world.logo.id, world.mobile.id]
        total = text_of(pilot.app.screen.query_one("#list-info", Label))
        assert total.startswith("3 contracts")  # counted, not just what is loaded

    drive(make_app(world.ada), scenario)




def test_countdowns_follow_the_app_clock_without_a_query(make_app, world, drive, app_clock):
    async def scenario(pilot):
        table = pilot.app.screen.query_one(ContractTable)
        assert table.get_cell(str(world.website.id), "deadline") == "in 8 days 4 h"
        app_clock.advance(days=2)
        pilot.app.screen._tick()
        assert table.get_cell(str(world.website.id), "deadline") == "in 6 days 4 h"

    drive(make_app(world.ada), scenario)
