"""Snapshots of the offer form and of an offer opened by its receiver (issue 14), at
80x24 and 120x40: frozen clock, fixed data (the `world` fixture). Behaviour is tested in
test_tui_offers.py; these are for layout.

Regenerate with `pytest tests/tui/test_tui_offer_snapshots.py --snapshot-update`, then
look at every SVG."""
from __future__ import annotations

import pytest

from offer_helpers import add_milestone, type_into
from rules.offers import send_offer
from tui_helpers import press, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_an_upwork_offer_being_written(snap_compare, make_app, world, size):
    """Ada's offer to Bo: the receiver found by name, two milestones, the total."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "N")
        await type_into(pilot, "#offer-to", "Bo F")
        await type_into(pilot, "#offer-title", "Landing page")
        await add_milestone(pilot, "Design", "2026-04-01", "300")
        await add_milestone(pilot, "Build", "2026-04-20", "700")

    assert snap_compare(make_app(world.ada), terminal_size=size, run_before=run_before)


def test_a_fiverr_offer_refused_in_the_form(snap_compare, make_app, world):
    """Bo's offer of $80 in all, where a Fiverr order with milestones is over $100
    (F-01): the refusal, with its id, on the form, before anything is sent."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "N")
        await type_into(pilot, "#offer-to", "ada")
        await type_into(pilot, "#offer-title", "Logo")
        await add_milestone(pilot, "Concepts", "2026-04-01", "40")
        await add_milestone(pilot, "Final", "2026-04-10", "40")

    assert snap_compare(make_app(world.bo), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_an_offer_received(snap_compare, make_app, world, clock, size):
    """Bo opens Ada's offer from his list: who it is from, the plan, when it expires,
    and his keys (accept, decline)."""
    send_offer(world.ada, "bo", "upwork", "Landing page", "Three pages and a contact form.",
               [("Design", 300_00, None), ("Build", 700_00, None)], clock=clock)

    async def run_before(pilot) -> None:
        await settle(pilot)
        table = pilot.app.screen.query_one("#contracts")
        table.move_cursor(row=next(i for i, s in enumerate(table.summaries)
                                   if s.title == "Landing page"))
        await press(pilot, "enter")

    assert snap_compare(make_app(world.bo), terminal_size=size, run_before=run_before)
