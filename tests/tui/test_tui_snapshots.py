"""Snapshots at 80x24 and 120x40: frozen clock, fixed data, no animation, no blink.

Regenerate with `pytest tests/tui --snapshot-update`, then look at every SVG."""
from __future__ import annotations

import pytest

from tui_helpers import press, settle
from tui.screens.contract_list import DEBOUNCE

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def after(*keys: str, typing: bool = False):
    """A run_before that waits for the data, presses keys, and waits again (past the
    filter's debounce too, when the keys type into it)."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, *keys)
        if typing:
            await pilot.pause(DEBOUNCE + 0.05)
            await settle(pilot)
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_contract_list(snap_compare, make_app, world, size):
    assert snap_compare(make_app(world.ada), terminal_size=size, run_before=after())


@pytest.mark.parametrize("size", SIZES)
def test_contract_list_sorted(snap_compare, make_app, world, size):
    """By escrow, the most first: ▼ on the heading, the words on the info line."""
    keys = ("s",) * (4 if size == (80, 24) else 5)  # 120 columns show the other party
    assert snap_compare(make_app(world.sam), terminal_size=size, run_before=after(*keys))


def test_contract_list_sorted_in_16_colours(snap_compare, make_app, world):
    """By the next deadline in a 16-colour terminal: the arrow and words carry it."""
    assert snap_compare(make_app(world.sam, theme="ansi-dark"), terminal_size=(80, 24),
                        run_before=after("s", "s", "s", "s", "s"))


@pytest.mark.parametrize("size", SIZES)
def test_contract_screen(snap_compare, make_app, world, size):
    assert snap_compare(make_app(world.ada), terminal_size=size, run_before=after("enter"))


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, make_app, world, size):
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=after("question_mark"))


def test_contract_screen_in_16_colours(snap_compare, make_app, world):
    """What a 16-colour terminal gets: the ANSI theme, meaning carried by words too."""
    assert snap_compare(make_app(world.ada, theme="ansi-dark"), terminal_size=(80, 24),
                        run_before=after("enter"))


def test_agent_list_with_a_filter(snap_compare, make_app, world):
    assert snap_compare(make_app(world.sam), terminal_size=(80, 24),
                        run_before=after("slash", *"cy", "enter", typing=True))


@pytest.mark.parametrize("size", SIZES)
def test_switch_user(snap_compare, make_app, world, size):
    assert snap_compare(make_app(world.ada), terminal_size=size, run_before=after("u"))


@pytest.mark.parametrize("size", SIZES)
def test_notifications(snap_compare, make_app, world, size):
    assert snap_compare(make_app(world.bo), terminal_size=size, run_before=after("n"))
