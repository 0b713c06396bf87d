"""Focus, the cursor row and the grabbed row without colour (issue 18): with NO_COLOR
Textual draws in greys (or, in a 16-colour terminal, drops every colour), and in 16
colours the theme's shades are gone, so what has the keys must show by a text style
(reverse video) or a marker. 80x24, one per case.

NO_COLOR is captured in the default theme: there Textual's filter turns colours to
greys, which an SVG can show; in the ANSI theme it removes them, and the SVG export then
draws reverse video black on black (tests/tui/test_tui_typeahead.py's pty sees it).

Regenerate with `pytest tests/tui/test_tui_no_color_snapshots.py --snapshot-update`,
then look at every SVG: the focused field, the cursor row, the grabbed row must stand out.
"""
from __future__ import annotations

import pytest

from tui_helpers import press, settle
from tui.screens.milestone_manager import MilestoneManagerScreen
from tui.screens.notifications import NotificationsScreen
from tui.screens.support_console import SupportConsoleScreen


@pytest.fixture
def no_color_app(make_app, monkeypatch):
    """The app as NO_COLOR=1 gets it."""
    monkeypatch.setenv("NO_COLOR", "1")

    def build(actor):
        app = make_app(actor)
        assert app.no_color
        return app
    return build


@pytest.fixture
def ansi_app(make_app):
    """The app in a 16-colour terminal: the ANSI theme."""
    return lambda actor: make_app(actor, theme="ansi-dark")


def then(*steps):
    """A run_before: settle, then each step (a key name, or a screen to push)."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        for step in steps:
            if isinstance(step, str):
                await press(pilot, step)
            else:
                await pilot.app.push_screen(step())
                await settle(pilot)
            await pilot.pause()
    return run_before


def snap(snap_compare, app, *steps) -> bool:
    return snap_compare(app, terminal_size=(80, 24), run_before=then(*steps))


def test_list_cursor_row(snap_compare, no_color_app, world):
    assert snap(snap_compare, no_color_app(world.ada), "down")


def test_list_filter_focused(snap_compare, no_color_app, world):
    assert snap(snap_compare, no_color_app(world.ada), "slash")


def test_console_second_field_focused(snap_compare, no_color_app, world):
    assert snap(snap_compare, no_color_app(world.sam), SupportConsoleScreen, "tab")


def test_console_results_cursor_row(snap_compare, no_color_app, world):
    assert snap(snap_compare, no_color_app(world.sam), SupportConsoleScreen, "enter", "down")


def test_manager_grabbed_row(snap_compare, no_color_app, world):
    def manager():
        return MilestoneManagerScreen(world.website.id)
    # Visual design (row 2) picked up and carried below Build and launch.
    assert snap(snap_compare, no_color_app(world.ada), manager, "down", "space", "down")


def test_notifications_highlighted(snap_compare, no_color_app, world):
    assert snap(snap_compare, no_color_app(world.bo), NotificationsScreen, "down")


def test_16_colours_console_second_field_focused(snap_compare, ansi_app, world):
    assert snap(snap_compare, ansi_app(world.sam), SupportConsoleScreen, "tab")


def test_16_colours_list_cursor_row(snap_compare, ansi_app, world):
    assert snap(snap_compare, ansi_app(world.ada), "down")


def test_16_colours_manager_grabbed_row(snap_compare, ansi_app, world):
    def manager():
        return MilestoneManagerScreen(world.website.id)
    assert snap(snap_compare, ansi_app(world.ada), manager, "down", "space", "down")
