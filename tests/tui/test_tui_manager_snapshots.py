"""Snapshots of the milestone manager at 80x24 and 120x40: the plan as saved, a row
carried, and Show changes (U-11). Frozen clock, fixed data, no animation, no blink.

Regenerate with `pytest tests/tui --snapshot-update`, then look at every SVG."""
from __future__ import annotations

import pytest

from rules.planning import add_milestone
from tui_helpers import press, settle
from tui.screens.milestone_manager import MilestoneManagerScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def website(world, clock):
    """Six milestones: Wireframes (submitted, locked) and five future ones."""
    for title, cents in (("Docs", 100_00), ("QA", 150_00), ("Launch party", 50_00)):
        add_milestone(world.ada, world.website.id, title, cents, clock=clock)
    return world.website


def manager(contract, *keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(MilestoneManagerScreen(contract.id))
        await settle(pilot)
        for key in keys:
            await press(pilot, key)
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_manager(snap_compare, make_app, world, website, size):
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=manager(website, "down"))


@pytest.mark.parametrize("size", SIZES)
def test_manager_with_a_row_grabbed(snap_compare, make_app, world, website, size):
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=manager(website, "end", "space", "up", "up"))


@pytest.mark.parametrize("size", SIZES)
def test_manager_show_changes(snap_compare, make_app, world, website, size):
    keys = ("end", "space", "up", "up", "up", "space",  # Launch party: 6 → 3
            "a", *"Extra polish", "tab", "tab", *"2026-05-04", "tab", *"320", "enter",
            "home", "down", "e", "tab", "tab", "tab", "end", *["backspace"] * 7, *"420",
            "enter", "down", "down", "down", "d", "c")  # Visual design's amount; Docs
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=manager(website, *keys))


def test_manager_grabbed_in_16_colours(snap_compare, make_app, world, website):
    """The ANSI theme: the carried row and the locked one say so in words too."""
    assert snap_compare(make_app(world.ada, theme="ansi-dark"), terminal_size=(80, 24),
                        run_before=manager(website, "end", "space", "up"))


def test_the_milestone_form_with_acceptance_criteria(snap_compare, make_app, world):
    """Editing Build and launch: every field, the criteria last, one line split by ;
    (X-32), the problem of a repeated one under it."""
    keys = ("end", "e", "tab", "tab", "tab", "tab", *"Loads fast; Works on phones; works on "
            "phones")
    assert snap_compare(make_app(world.ada), terminal_size=(80, 24),
                        run_before=manager(world.website, *keys))
