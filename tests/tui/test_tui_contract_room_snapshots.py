"""Snapshots of the contract room, as the client and as the freelancer, at 80x24 and
120x40: frozen clock, fixed data (the `world` fixture), no animation, no blink.

Regenerate with `pytest tests/tui --snapshot-update`, then look at every SVG."""
from __future__ import annotations

import pytest

from rules.contract_view import contract_detail
from rules.work import request_changes
from tui.screens.contract import ContractScreen
from room_helpers import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def room(contract_id: int):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(ContractScreen(contract_id))
        await settle(pilot)
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_room_as_the_client(snap_compare, make_app, world, size):
    """Ada: work submitted for review (p, c, x offered), overdue marked, next to fund."""
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=room(world.website.id))


@pytest.mark.parametrize("size", SIZES)
def test_room_as_the_freelancer(snap_compare, make_app, world, clock, size):
    """Bo, after Ada asked for changes: submit work (w) is offered."""
    wireframes = contract_detail(world.ada, world.website.id).milestones[0]
    request_changes(world.ada, wireframes.id, "Bigger headings, please.", clock=clock)
    assert snap_compare(make_app(world.bo), terminal_size=size,
                        run_before=room(world.website.id))


def test_room_without_colour(snap_compare, make_app, world, monkeypatch):
    """NO_COLOR: no colour at all (the snapshot shows it in greys); the overdue date,
    the statuses and the cursor row still read. (The room in the 16-colour ANSI theme
    is test_tui_snapshots.py::test_contract_screen_in_16_colours.)"""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app(world.ada), terminal_size=(80, 24),
                        run_before=room(world.website.id))


def test_room_while_a_release_is_held(snap_compare, make_app, world, app_clock):
    """Ada released Wireframes with the undo window on (X-30): "releasing, final at",
    `z Take back` in the footer, and every other key on it gone (X-31)."""
    from rules.pending_release import release_with_undo
    wireframes = contract_detail(world.ada, world.website.id).milestones[0]
    release_with_undo(world.ada, wireframes.id, clock=app_clock)
    assert snap_compare(make_app(world.ada), terminal_size=(80, 24),
                        run_before=room(world.website.id))


def test_room_after_a_nudge(snap_compare, make_app, world, app_clock):
    """Bo nudged Ada about her review (X-27): its countdown, and "you nudged" beside it;
    the nudge key is gone for a day (X-28)."""
    from models.deadlines import Deadline
    from rules.nudges import nudge
    review = Deadline.get((Deadline.contract == world.website.id) & (Deadline.kind == "review")
                          & (Deadline.status == "open"))
    nudge(world.bo, review.id, clock=app_clock)
    app_clock.advance(seconds=2 * 3600)
    assert snap_compare(make_app(world.bo), terminal_size=(80, 24),
                        run_before=room(world.website.id))


def test_room_funded_all_up_front(snap_compare, make_app, world, app_clock):
    """Bo asked to fund the website all up front and Ada agreed (X-38): the heading says
    "all up front", and `F Fund ahead` funds the two milestones left in one go (X-37)."""
    from rules.funding_change import accept_funding_change, request_funding_change
    cr = request_funding_change(world.bo, world.website.id, "all", clock=app_clock)
    accept_funding_change(world.ada, cr.id, clock=app_clock)
    assert snap_compare(make_app(world.ada), terminal_size=(80, 24),
                        run_before=room(world.website.id))
