"""Snapshots of the review-and-pay dialog and of its confirmation, at 80x24 and 120x40
(frozen clock, the `world` fixture: Bo's wireframes wait for Ada's review).

Regenerate with `pytest tests/tui --snapshot-update`, then look at every SVG."""
from __future__ import annotations

import pytest

from tui.screens.contract import ContractScreen
from tui.screens.dialogs.review_pay import ReviewPayDialog
from room_helpers import press, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def review(contract_id: int, *, amount: str | None = None, bonus: str | None = None,
           confirm: bool = False):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(ContractScreen(contract_id))
        await settle(pilot)
        await press(pilot, "p")
        dialog = pilot.app.screen
        assert isinstance(dialog, ReviewPayDialog)
        if amount is not None:
            dialog.query_one("#amount").value = amount
        if bonus is not None:
            dialog.query_one("#bonus").value = bonus
        await settle(pilot)
        if confirm:
            await press(pilot, "f2")
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_review_and_pay(snap_compare, make_app, world, size):
    """The submission, the countdown to auto-release, the amount (the funded $250.00)."""
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=review(world.website.id))


@pytest.mark.parametrize("size", SIZES)
def test_pay_confirmation(snap_compare, make_app, world, size):
    """The confirmation reads the amounts back: $275.00 released, $25.00 charged."""
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=review(world.website.id, amount="275", confirm=True))
