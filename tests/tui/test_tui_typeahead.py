"""Keys that arrive together are handled in the order they were typed (issue 18).

Over a slow link, in a paste or from `tmux send-keys`, several keys come in one read. A
`priority=True` binding runs as the key is read, before the focused widget has handled
the keys queued ahead of it, so on our screens only keys that move the focus are (the
keys after them must go where the focus went: Textual picks each key's widget as it
reads it), and the palette's ctrl+p. The plain-Textual reproduction shows why; the pty
tests drive the real app, several keys in one write.
"""
from __future__ import annotations

import asyncio
import importlib
import pkgutil
from pathlib import Path

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

import tui.app
from pty_app import PtyApp, keys
from pty_seed import REORDER_TITLE, STAGES
from tui.widgets.list_keys import ListTable

# --- the plain-Textual reproduction ------------------------------------------------


class PlainApp(App[None]):
    """A DataTable of five rows and an enter that opens the highlighted one."""

    def __init__(self, table: type[DataTable], *, priority: bool) -> None:
        super().__init__()
        self.table_class, self.opened = table, []
        self._bindings.bind("enter", "open", priority=priority)

    def compose(self) -> ComposeResult:
        yield self.table_class(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("row")
        table.add_rows([[f"row {i}"] for i in range(5)])
        table.focus()

    def action_open(self) -> None:
        self.opened.append(self.query_one(DataTable).cursor_row)


def opened_after_one_read(table: type[DataTable], *, priority: bool) -> list[int]:
    async def go() -> list[int]:
        app = PlainApp(table, priority=priority)
        async with app.run_test() as pilot:
            for key in ("down", "down", "enter"):  # queued together, as one read does
                app.post_message(events.Key(key, None))
            await pilot.pause()
            await pilot.pause()
            return app.opened
    return asyncio.run(go())


def test_a_priority_enter_runs_before_the_arrows_queued_ahead_of_it():
    # Why our screens have no priority bindings: plain Textual opens the first row.
    assert opened_after_one_read(DataTable, priority=True) == [0]


def test_an_ordinary_enter_after_a_list_that_gives_it_up_opens_the_row_typed_to():
    assert opened_after_one_read(ListTable, priority=False) == [2]


def _binding_owners():
    # The package's own folder: under pytest the name `tui` can also resolve to
    # tests/tui (a namespace package, since tests/ is on sys.path).
    package_dir = str(Path(tui.app.__file__).parent)
    for info in pkgutil.walk_packages([package_dir], "tui."):
        if info.name.endswith("__main__"):  # `python -m tui`: it would run the program
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (isinstance(value, type) and value.__module__ == info.name
                    and "BINDINGS" in value.__dict__):
                yield value


# Priority bindings that only move the focus (or open the palette; the filter's enter
# moves it and reads the filter later, from the box's own queue): the keys after
# them must go to where they move it (base.SCREEN_KEYS says why).
FOCUS_ONLY = {"app.focus_next", "app.focus_previous", "filter", "filter_done", "search",
              "command_palette"}


def test_only_keys_that_move_the_focus_are_priority_bindings():
    found = {(owner.__qualname__, b.key, b.action) for owner in _binding_owners()
             for b in Binding.make_bindings(owner.__dict__["BINDINGS"]) if b.priority}
    assert {action for _, _, action in found} <= FOCUS_ONLY, found
    assert ("MilestonesApp", "ctrl+p", "command_palette") in found


# --- the real app in a pseudo-terminal ------------------------------------------------


def rows_of(screen: str, first: str, count: int) -> list[str]:
    """The `count` screen lines from the first that starts with `first`."""
    lines = screen.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    return lines[start:start + count]


def third_title(screen: str) -> str:
    """The start of the title in the third row of a contract table (under its heading)."""
    return rows_of(screen, " Title ", 4)[3].split("…")[0].split("  ")[0].strip()


@pytest.fixture
def ada(pty_db):
    with PtyApp(pty_db, "ada") as app:
        app.wait_for("› Contracts", "⏎ Open")
        yield app


def test_down_down_enter_in_one_read_opens_the_third_contract(ada):
    third = third_title(ada.wait_quiet())
    ada.write(keys("down", "down", "enter"))
    room = ada.wait_for("› Contract #", gone="Loading…")
    assert third in room.splitlines()[1]  # the room's heading names the contract


def test_j_j_space_k_space_moves_the_milestone_as_typed(ada):
    ada.write(keys("end", "enter"))  # the seeded contract is the last of ada's
    ada.wait_for(REORDER_TITLE, "Plan")
    ada.wait_quiet()
    ada.write(keys("m"))
    ada.wait_for("› Milestones", "Alpha stage")
    ada.wait_quiet()
    ada.write(keys("j", "j", "space", "k", "space"))
    shown = ada.wait_for("Moved “Gamma stage” from 3 to 2.")
    titles = [next(t for t in STAGES if t in line) for line in rows_of(shown, "  1 ", 4)]
    assert titles == ["Alpha stage", "Gamma stage", "Beta stage", "Delta stage"]


def test_the_palette_runs_a_command_typed_with_it(ada):
    ada.wait_quiet()
    # The palette's search box takes keys once it is mounted: what is typed before that
    # is Textual's to route (to no one), so the name comes once the palette shows.
    ada.write(keys("down", "ctrl+p"))
    ada.wait_for("Search for commands")
    ada.write(keys("reverse", "enter"))
    shown = ada.wait_for("by number, last first")
    assert "Search for commands" not in shown  # the palette closed as it ran


def test_down_down_down_enter_opens_the_fourth_notification(pty_db):
    with PtyApp(pty_db, "ada") as app:
        app.wait_for("› Contracts")
        app.write(keys("n"))
        app.wait_for("› Notifications", "⏎ Open")
        lines = app.wait_quiet().splitlines()  # two lines each, under the heading
        first, fourth = (lines[n].rstrip().split("  ")[-1] for n in (1, 7))
        assert first != fourth
        app.write(keys("down", "down", "down", "enter"))
        assert fourth in app.wait_for("› Contract #", gone="Loading…").splitlines()[1]


def test_the_support_console_opens_the_row_typed_to(pty_db):
    with PtyApp(pty_db, "sam") as app:
        app.wait_for("› Contracts")
        app.wait_quiet()
        app.write(keys("c"))
        app.wait_for("Support console", "Party")
        app.wait_quiet()
        # Enter in a search field searches and hands the keys to the results.
        app.write(keys("enter"))
        app.wait_for("⏎ Open")
        third = third_title(app.wait_quiet())
        app.write(keys("down", "down", "enter"))
        assert third in app.wait_for("› Contract #", gone="Loading…").splitlines()[1]


def test_slash_and_the_text_typed_with_it_go_to_the_filter(ada):
    # Not to the list: "Data pipeline" has i (requests), n (notifications), s (sort)...
    ada.wait_quiet()
    ada.write(keys("slash", "Data pipeline"))
    assert "/ Data pipeline" in ada.wait_for("1 match")
    assert "› Contracts" in ada.text()


def test_tab_and_the_text_typed_with_it_go_to_the_next_search_field(pty_db):
    with PtyApp(pty_db, "sam") as app:
        app.wait_for("› Contracts")
        app.wait_quiet()
        app.write(keys("c"))
        app.wait_for("Support console", "Party")
        app.wait_quiet()
        app.write(keys("tab", "Brand", "enter"))
        shown = app.wait_for("1 match")
        assert "Title Brand" in shown and "Party name or login" in shown
        assert rows_of(shown, " Title ", 2)[1].startswith(" Brand refresh")


def test_a_filter_and_two_enters_typed_together_open_what_it_finds(ada):
    # The first enter leaves the filter, the second opens the row it finds: not the
    # row highlighted before the filter's rows came.
    ada.wait_quiet()
    ada.write(keys("slash", "Data pipeline", "enter", "enter"))
    room = ada.wait_for("› Contract #", gone="Loading…")
    assert "Data pipeline" in room.splitlines()[1]


def test_right_enter_in_the_requests_opens_the_next_box_s_request(ada):
    # Ada's incoming box is empty, her outgoing one holds a request: enter typed with
    # the arrow opens it once that box has loaded (not nothing, not the box left).
    ada.wait_quiet()
    ada.write(keys("i"))
    ada.wait_for("› Change requests", "Outgoing (1)")
    ada.wait_quiet()
    ada.write(keys("right", "enter"))
    assert "› Change request #" in ada.wait_for("› Change request #").splitlines()[0]
