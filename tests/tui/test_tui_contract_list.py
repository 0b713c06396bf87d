"""The contract list: what each role sees, filtering, sorting, paging, totals."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from textual.widgets import Input, Static
from tui_helpers import press, settle, text_of

from models.accounts import Account
from models.vocabulary import Role
from rules.notifications import unread_count
from rules.queries import list_contracts
from tui.screens import contract_list, contract_reads
from tui.widgets.contract_table import ContractTable
from tui.widgets.totals import TotalsPanel


def bench_builder():
    """bench/tui.py's builder of big databases (raw SQL into the real schema)."""
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("bench_tui", root / "bench" / "tui.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_contracts


def shown_ids(pilot) -> list[int]:
    return [s.id for s in pilot.app.screen.query_one(ContractTable).summaries]


def row_text(table: ContractTable, row: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(row)]


def headings(pilot) -> list[str]:
    table = pilot.app.screen.query_one(ContractTable)
    return [column.label.plain for column in table.ordered_columns]


def table_keys(pilot) -> list[int]:
    table = pilot.app.screen.query_one(ContractTable)
    return [int(row.key.value) for row in table.ordered_rows]


def test_G07_client_sees_exactly_their_contracts_and_who_is_acting(make_app, world, drive):
    async def scenario(pilot):
        expected = [c.id for c in list_contracts(world.ada, limit=1000)]
        assert table_keys(pilot) == expected
        assert set(expected) == {world.website.id, world.logo.id, world.mobile.id}
        acting = text_of(pilot.app.screen.query_one("#acting", Static))
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
        assert "Ada Client" in row_text(table, 0)  # the wide layout has the column

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
        assert "1 match" in text_of(screen.query_one("#list-info", Static))
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


def test_s_cycles_through_the_columns_shown_and_the_heading_says_so(make_app, world, drive):
    async def scenario(pilot):
        info = pilot.app.screen.query_one("#list-info", Static)
        assert "by number" in text_of(info)
        assert not any("▲" in h or "▼" in h for h in headings(pilot))
        await press(pilot, "s")
        assert table_keys(pilot) == [world.logo.id, world.mobile.id, world.website.id]
        assert "Title ▲" in headings(pilot)
        assert text_of(info) == "3 contracts · by title, A to Z"
        await press(pilot, "s")  # status (the other party's column is not shown at 80)
        assert "Status ▲" in headings(pilot) and "by status" in text_of(info)
        await press(pilot, "s")  # the current milestone
        assert table_keys(pilot) == [world.mobile.id, world.logo.id, world.website.id]
        await press(pilot, "s")  # escrow, the most first
        assert "In escrow ▼" in headings(pilot)
        assert text_of(info).endswith("by escrow, most first")
        assert table_keys(pilot) == [world.website.id, world.logo.id, world.mobile.id]
        await press(pilot, "s")  # the next deadline, the soonest first; none last
        assert "Next deadline ▲" in headings(pilot)
        assert table_keys(pilot) == [world.website.id, world.logo.id, world.mobile.id]
        await press(pilot, "s")  # and round to the number again
        assert "by number" in text_of(info)
        assert table_keys(pilot) == [world.website.id, world.logo.id, world.mobile.id]

    drive(make_app(world.ada), scenario)


def test_shift_s_reverses_the_sort(make_app, world, drive):
    async def scenario(pilot):
        await press(pilot, "s", "S")
        assert table_keys(pilot) == [world.website.id, world.mobile.id, world.logo.id]
        assert "Title ▼" in headings(pilot)
        info = text_of(pilot.app.screen.query_one("#list-info", Static))
        assert info.endswith("by title, Z to A")
        await press(pilot, "S")
        assert table_keys(pilot) == [world.logo.id, world.mobile.id, world.website.id]
        await press(pilot, "s", "s", "s", "s", "s", "S")  # by number, last first
        assert table_keys(pilot) == [world.mobile.id, world.logo.id, world.website.id]

    drive(make_app(world.ada), scenario)


def test_a_wide_terminal_sorts_by_its_extra_columns_too(make_app, world, drive):
    async def scenario(pilot):
        screen = pilot.app.screen
        assert screen.sort_cycle() == ["title", "counterpart", "policy", "status", "current",
                                       "escrow", "paid", "deadline", "id"]
        await press(pilot, "s", "s")
        assert "Other party ▲" in headings(pilot)
        # Sam sees "client / freelancer": by the client, then the freelancer.
        assert table_keys(pilot) == [world.website.id, world.logo.id, world.mobile.id,
                                     world.pipeline.id, world.translation.id]
        await press(pilot, "S")
        assert table_keys(pilot) == [world.translation.id, world.pipeline.id,
                                     world.mobile.id, world.logo.id, world.website.id]

    drive(make_app(world.sam), scenario, size=(140, 30))


def test_s_is_a_letter_in_the_filter(make_app, world, drive):
    async def scenario(pilot):
        await pilot.press("slash", "s", "S")
        await pilot.pause(contract_list.DEBOUNCE + 0.1)
        await settle(pilot)
        assert pilot.app.screen.query_one("#filter", Input).value == "sS"
        assert "by number" in text_of(pilot.app.screen.query_one("#list-info", Static))

    drive(make_app(world.ada), scenario)


def test_sorting_is_in_the_palette_and_the_help(make_app, world, drive):
    from tui.commands import entries

    async def scenario(pilot):
        found = {e.action: e for _, group in entries(pilot.app.screen) for e in group}
        assert found["cycle_sort"].key == "s" and found["cycle_sort"].enabled
        assert found["reverse_sort"].key == "S" and found["reverse_sort"].label == "Reverse"

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
    """Pages of 2 rows, in a table 2 rows high (an 80x10 terminal): smaller pages than
    the screen would all load at once (see the next test)."""
    monkeypatch.setattr(contract_reads, "PAGE_SIZE", 2)  # what the workers read
    monkeypatch.setattr(contract_list, "MORE_WHEN_WITHIN", 1)

    async def scenario(pilot):
        assert shown_ids(pilot) == [world.website.id, world.logo.id]
        await press(pilot, "down")  # the cursor nears the end: the next page loads
        assert shown_ids(pilot) == [world.website.id, world.logo.id, world.mobile.id]
        total = text_of(pilot.app.screen.query_one("#list-info", Static))
        assert total.startswith("3 contracts")  # counted, not just what is loaded

    drive(make_app(world.ada), scenario, size=(80, 10))


def test_pages_smaller_than_the_screen_load_until_it_is_full(make_app, world, drive,
                                                            monkeypatch):
    monkeypatch.setattr(contract_reads, "PAGE_SIZE", 2)  # what the workers read
    monkeypatch.setattr(contract_list, "MORE_WHEN_WITHIN", 1)

    async def scenario(pilot):
        await settle(pilot)
        assert shown_ids(pilot) == [world.website.id, world.logo.id, world.mobile.id]
        assert pilot.app.screen.table.cursor_row == 0

    drive(make_app(world.ada), scenario)


def test_countdowns_follow_the_app_clock_without_a_query(make_app, world, drive, app_clock):
    async def scenario(pilot):
        table = pilot.app.screen.query_one(ContractTable)
        assert str(table.get_cell(str(world.website.id), "deadline")) == "in 8 days 4 h"
        app_clock.advance(days=2)
        pilot.app.screen._tick()
        assert str(table.get_cell(str(world.website.id), "deadline")) == "in 6 days 4 h"

    drive(make_app(world.ada), scenario)


def test_pages_follow_the_sort(make_app, world, drive, monkeypatch):
    monkeypatch.setattr(contract_reads, "PAGE_SIZE", 2)  # what the workers read
    monkeypatch.setattr(contract_list, "MORE_WHEN_WITHIN", 1)

    async def scenario(pilot):
        await press(pilot, "s", "S")  # by title, Z to A
        assert shown_ids(pilot) == [world.website.id, world.mobile.id]
        await press(pilot, "down")
        await press(pilot, "down", "down")
        assert shown_ids(pilot) == [s.id for s in list_contracts(
            world.sam, sort="title", descending=True, limit=100)]
        assert len(shown_ids(pilot)) == 5

    drive(make_app(world.sam), scenario, size=(80, 10))


def test_a_deadline_applied_elsewhere_redraws_its_row_in_place(make_app, world, drive):
    from rules.contract_view import contract_detail
    from rules.payments import release

    async def scenario(pilot):
        screen = pilot.app.screen
        await press(pilot, "down", "down")
        wireframes = contract_detail(world.ada, world.website.id).milestones[0]
        release(world.ada, wireframes.id, clock=pilot.app.clock)
        screen.data_changed({world.website.id})
        await settle(pilot)
        table = screen.query_one(ContractTable)
        assert table.cursor_row == 2  # where it was
        assert str(table.get_cell(str(world.website.id), "escrow")) == "$0.00"
        assert str(table.get_cell(str(world.website.id), "current")).startswith(
            "Visual design")

    drive(make_app(world.ada), scenario)


def test_thousands_of_contracts_load_page_by_page_without_redrawing(make_app, world, drive,
                                                                      tmp_path):
    """Rows are added a page at a time and never rebuilt, whatever the widths do."""
    built = bench_builder()(tmp_path / "test.db", 1000, fresh=False)
    agent = Account.get_by_id(built["agent"])

    async def scenario(pilot):
        table = pilot.app.screen.query_one(ContractTable)
        rebuilds = []
        original = table._rebuild
        table._rebuild = lambda *a: (rebuilds.append(a), original(*a))[1]
        assert len(table.summaries) == contract_list.PAGE_SIZE
        info = text_of(pilot.app.screen.query_one("#list-info", Static))
        assert info.startswith("1,005 contracts")
        for _ in range(3):
            await press(pilot, "end")
        assert len(table.summaries) == table.row_count == 4 * contract_list.PAGE_SIZE
        assert table.cursor_row == 3 * contract_list.PAGE_SIZE - 1  # each end: one page more
        assert rebuilds == []
        assert [s.id for s in table.summaries] == list(range(1, 401))
        await press(pilot, "s")  # a new sort starts again from the top
        assert table.cursor_row == 0 and len(table.summaries) == contract_list.PAGE_SIZE

    drive(make_app(agent), scenario)


def test_the_first_page_read_before_start_is_shown_without_another_read(world, app_clock,
                                                                        drive, monkeypatch):
    """`main` reads the first page before the app starts; the list shows it as it is
    and asks no worker for it (start-up time, bench/tui.py)."""
    from tui.app import MilestonesApp
    first = contract_list.read_first_page(world.ada)
    assert [s.id for s in first.rows] == [c.id for c in list_contracts(world.ada, limit=1000)]
    assert first.total == 3
    asked = []
    monkeypatch.setattr(contract_reads, "list_contracts",
                        lambda *a, **k: asked.append(a) or list_contracts(*a, **k))
    app = MilestonesApp(world.ada, clock=app_clock, cursor_blink=False,
                        theme="textual-dark", first_page=first)
    app.animation_level = "none"

    async def scenario(pilot):
        assert shown_ids(pilot) == [s.id for s in first.rows]
        assert asked == []
        await press(pilot, "r")  # a reload reads the database again
        await settle(pilot)
        assert asked and shown_ids(pilot) == [s.id for s in first.rows]

    drive(app, scenario)


def test_a_screenful_read_before_start_is_followed_by_whole_pages(app_clock, drive,
                                                                   tmp_path, world):
    """At start-up `main` reads a screenful (`rows_at_start`), not a whole page; the
    pages after it follow on without a gap or a repeat."""
    from tui.app import MilestonesApp
    built = bench_builder()(tmp_path / "test.db", 300, fresh=False)
    agent = Account.get_by_id(built["agent"])
    assert contract_list.rows_at_start(24) == 24 + contract_list.MORE_WHEN_WITHIN
    assert contract_list.rows_at_start(10) == contract_list.rows_at_start(24)  # at least
    assert contract_list.rows_at_start(500) == contract_list.PAGE_SIZE         # at most
    first = contract_list.read_first_page(agent, 40)  # 80x24 shows 15: 20 rows to spare
    assert [s.id for s in first.rows] == list(range(1, 41)) and first.total == 305
    app = MilestonesApp(agent, clock=app_clock, cursor_blink=False, theme="textual-dark",
                        first_page=first)
    app.animation_level = "none"

    async def scenario(pilot):
        assert shown_ids(pilot) == list(range(1, 41))
        await press(pilot, "end")
        await settle(pilot)
        assert shown_ids(pilot) == list(range(1, 40 + contract_list.PAGE_SIZE + 1))
        for _ in range(3):
            await press(pilot, "end")
            await settle(pilot)
        assert shown_ids(pilot) == list(range(1, 306))  # all, each once, in order

    drive(app, scenario)


def test_a_screen_taller_than_the_rows_read_gets_the_next_page_at_once(app_clock, drive,
                                                                        tmp_path, world):
    """The rows read before start were fewer than the table shows (here 5; a browser
    whose size was not known, a terminal made taller): the next page is read at once,
    not at the first key, and again when the terminal grows past what is loaded."""
    from tui.app import MilestonesApp
    built = bench_builder()(tmp_path / "test.db", 300, fresh=False)
    agent = Account.get_by_id(built["agent"])
    app = MilestonesApp(agent, clock=app_clock, cursor_blink=False, theme="textual-dark",
                        first_page=contract_list.read_first_page(agent, 5))
    app.animation_level = "none"

    async def scenario(pilot):
        await settle(pilot)
        assert shown_ids(pilot) == list(range(1, 5 + contract_list.PAGE_SIZE + 1))
        await pilot.resize_terminal(80, 130)
        await settle(pilot)
        await settle(pilot)
        assert len(shown_ids(pilot)) == 5 + 2 * contract_list.PAGE_SIZE
        assert pilot.app.screen.table.cursor_row == 0  # nobody moved it

    drive(app, scenario)


def test_a_first_page_read_for_another_user_is_not_shown(world, app_clock, drive):
    from tui.app import MilestonesApp
    stale = contract_list.read_first_page(world.cy)
    app = MilestonesApp(world.ada, clock=app_clock, cursor_blink=False,
                        theme="textual-dark", first_page=stale)
    app.animation_level = "none"

    async def scenario(pilot):
        assert set(shown_ids(pilot)) == {world.website.id, world.logo.id, world.mobile.id}

    drive(app, scenario)
