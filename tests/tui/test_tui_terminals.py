"""For remote shells: the app runs with NO_COLOR and in a 16-colour terminal, choosing
its look by itself (not pinned by the test), and a whole flow works there by keys."""
from __future__ import annotations

import pytest
import textual.constants

from rules.contract_view import contract_detail
from room_helpers import milestone, paste, press
from tui.app import MilestonesApp
from tui.screens.contract import ContractScreen
from tui.screens.dialogs.review_pay import ReviewPayDialog
from tui.screens.help import HelpScreen


def app_as_started(world, app_clock) -> MilestonesApp:
    """As `milestones` makes it: no theme given, so it follows the terminal."""
    app = MilestonesApp(world.ada, clock=app_clock, cursor_blink=False)
    app.animation_level = "none"
    return app


async def send_back_the_wireframes(pilot) -> None:
    """List → room → help → review dialog → changes sent back: keys only."""
    app = pilot.app
    await press(pilot, "enter")  # Website redesign, the first row
    assert isinstance(app.screen, ContractScreen)
    await press(pilot, "question_mark")
    assert isinstance(app.screen, HelpScreen)
    await press(pilot, "escape", "p")
    assert isinstance(app.screen, ReviewPayDialog)
    await press(pilot, "tab", "tab", "tab")  # amount → bonus → release at → changes
    await paste(pilot, "Bigger headings")
    await press(pilot, "f3")
    assert isinstance(app.screen, ContractScreen)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_NO_COLOR_the_app_runs_without_colour(world, app_clock, drive, monkeypatch, size):
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_as_started(world, app_clock)

    async def scenario(pilot):
        assert app.no_color  # Textual drops every colour from what it draws
        await send_back_the_wireframes(pilot)
        assert milestone(world.website, 0).status == "changes_requested"

    drive(app, scenario, size)


def test_a_16_colour_terminal_gets_the_ansi_theme_and_works(world, app_clock, drive,
                                                             monkeypatch):
    # What Textual reads from $TEXTUAL_COLOR_SYSTEM (or detects) for such a terminal.
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")
    app = app_as_started(world, app_clock)

    async def scenario(pilot):
        assert app.console.color_system == "standard"
        assert app.theme == "ansi-dark"  # the terminal's own 16 colours, not approximations
        await send_back_the_wireframes(pilot)
        wireframes = contract_detail(world.ada, world.website.id).milestones[0]
        assert wireframes.status == "changes_requested"

    drive(app, scenario)


def test_a_true_colour_terminal_keeps_the_default_theme(world, app_clock, drive,
                                                       monkeypatch):
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "truecolor")
    app = app_as_started(world, app_clock)

    async def scenario(pilot):
        assert app.theme != "ansi-dark"

    drive(app, scenario)
