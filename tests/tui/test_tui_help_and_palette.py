"""One definition per command: the help screen and the palette list what the keys do."""
from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Static

from tui_helpers import press, text_of
from tui.commands import ScreenCommands, bindings_of
from tui.screens.contract import ContractScreen
from tui.screens.contract_list import ContractListScreen
from tui.screens.help import HelpScreen


def test_help_lists_every_key_of_the_screen_it_came_from(make_app, world, drive):
    async def scenario(pilot):
        home = pilot.app.screen
        await press(pilot, "question_mark")
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        text = text_of(help_screen.query_one("#help-keys", Static))
        offered = [b for b in bindings_of(home)  # straight from the screen's BINDINGS
                   if b.description and home.check_action(b.action, ())]
        for binding in offered:  # a key hidden from this user (another role's) is not
            assert binding.description in text, binding
            assert binding.tooltip in text, binding
        for key, label in [("/", "Filter"), ("s", "Sort"), ("⏎", "Open"), ("u", "User"),
                           ("n", "Inbox"), ("^p", "Commands"), ("q ^q", "Quit")]:
            assert any(line.split()[:len(key.split()) + 1] == [*key.split(), label]
                       for line in text.splitlines()), (key, label)
        assert "Clear filter" not in text  # nothing to clear: check_action hides it
        assert "↓ cursor down" in text     # the list's own keys
        await press(pilot, "escape")
        assert pilot.app.screen is home

    drive(make_app(world.ada), scenario)


def test_help_follows_the_screen_it_was_opened_from(make_app, world, drive):
    async def scenario(pilot):
        await press(pilot, "enter", "question_mark")
        text = text_of(pilot.app.screen.query_one("#help-keys", Static))
        assert "Older" in text and "Back" in text
        assert "Filter" not in text
        assert "Help · Contract #1" in text_of(pilot.app.screen.query_one("#place", Static))
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, ContractScreen)

    drive(make_app(world.ada), scenario)


def test_the_palette_runs_the_screens_commands(make_app, world, drive):
    async def scenario(pilot):
        screen = pilot.app.screen
        names = [hit.text async for hit in ScreenCommands(screen).discover()]
        for label in ("Open", "Filter", "Sort", "Refresh", "Help", "Inbox", "User", "Quit"):
            assert label in names
        assert "Clear filter" not in names  # hidden where its key is hidden

        await press(pilot, "ctrl+p")
        assert isinstance(pilot.app.screen, CommandPalette)
        await pilot.press("s", "o", "r")
        await pilot.pause(0.3)  # the palette searches in the background
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, ContractListScreen)
        assert "by title" in text_of(screen.query_one("#list-info", Static))

    drive(make_app(world.ada), scenario)
