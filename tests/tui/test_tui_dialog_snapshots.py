"""Snapshots of every dialog of the contract room, and of the notifications and
switch-user screens, at 80x24 and 120x40: frozen clock, fixed data (the `world`
fixture), no animation, no blink. (The review-and-pay dialog and its confirmation are in
test_tui_review_pay_snapshots.py; the room, the list and help in the other files.)

Regenerate with `pytest tests/tui/test_tui_dialog_snapshots.py --snapshot-update`, then
look at every SVG."""
from __future__ import annotations

import pytest

from rules.contracts import end_contract
from rules.refunds import dispute_refund, request_refund, respond_to_dispute
from rules.work import request_changes
from room_helpers import detail, new_contract, press, settle
from tui.screens.contract import ContractScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def in_room(contract_id: int, *keys: str):
    """Open the room of `contract_id`, then press `keys` (the last opens the dialog)."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(ContractScreen(contract_id))
        await settle(pilot)
        await press(pilot, *keys)
    return run_before


def after(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, *keys)
    return run_before


def wireframes(world):
    return detail(world.ada, world.website).milestones[0]


@pytest.mark.parametrize("size", SIZES)
def test_fund_confirmation(snap_compare, make_app, world, clock, size):
    """Ada funds a new contract's first milestone: what goes into escrow, what she is
    charged with the initiation fee (U-03, U-05)."""
    brand = new_contract(world, clock, "Brand guide", ("Style guide", 300_00, "2026-04-01"),
                         ("Templates", 400_00, "2026-04-15"))
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=in_room(brand.id, "f"))


@pytest.mark.parametrize("size", SIZES)
def test_submit_work(snap_compare, make_app, world, clock, size):
    """Bo, after Ada asked for changes: a message and a link (U-17)."""
    request_changes(world.ada, wireframes(world).id, "Bigger headings, please.",
                    clock=clock)
    assert snap_compare(make_app(world.bo), terminal_size=size,
                        run_before=in_room(world.website.id, "w"))


@pytest.mark.parametrize("size", SIZES)
def test_request_changes(snap_compare, make_app, world, size):
    """Ada sends the wireframes back: the message is required (U-18)."""
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=in_room(world.website.id, "c"))


@pytest.mark.parametrize("size", SIZES)
def test_end_or_keep_open(snap_compare, make_app, world, clock, size):
    """Paying the last milestone of a contract: end it or keep it open (U-30)."""
    icons = new_contract(world, clock, "Icon set", ("Icons", 250_00, "2026-04-01"),
                         fund=True, submit="All 40 icons")
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=in_room(icons.id, "p", "f2"))


@pytest.mark.parametrize("size", SIZES)
def test_refund_request(snap_compare, make_app, world, size):
    """Ada asks the escrow of the submitted wireframes back (U-29)."""
    assert snap_compare(make_app(world.ada), terminal_size=size,
                        run_before=in_room(world.website.id, "x"))


@pytest.mark.parametrize("size", SIZES)
def test_resolve_dispute(snap_compare, make_app, world, clock, size):
    """Sam splits a disputed refund between the parties (G-02)."""
    rr = request_refund(world.ada, wireframes(world).id, reason="Not what we agreed",
                        clock=clock)
    dispute_refund(world.bo, rr.id, "Delivered as specified", clock=clock)
    respond_to_dispute(world.ada, rr.id, "The pages are missing", clock=clock)
    assert snap_compare(make_app(world.sam), terminal_size=size,
                        run_before=in_room(world.website.id, "v"))


@pytest.mark.parametrize("size", SIZES)
def test_cancel(snap_compare, make_app, world, size):
    """Sam cancels through support: the milestone or the whole order, a reason (F-08)."""
    assert snap_compare(make_app(world.sam), terminal_size=size,
                        run_before=in_room(world.website.id, "k"))


@pytest.mark.parametrize("size", SIZES)
def test_feedback(snap_compare, make_app, world, clock, size):
    """Cy, once the pipeline has ended: stars and a comment, once (G-04)."""
    end_contract(world.cy, world.pipeline.id, clock=clock)
    assert snap_compare(make_app(world.cy), terminal_size=size,
                        run_before=in_room(world.pipeline.id, "l"))


# At 80x24 these two are test_tui_snapshots.py::test_notifications and ::test_switch_user.

def test_notifications_screen(snap_compare, make_app, world):
    """Bo's notifications, newest first, the unread count in the header."""
    assert snap_compare(make_app(world.bo), terminal_size=(120, 40), run_before=after("n"))


def test_switch_user_screen(snap_compare, make_app, world):
    assert snap_compare(make_app(world.ada), terminal_size=(120, 40), run_before=after("u"))


def test_export_from_the_room(snap_compare, make_app, world, monkeypatch):
    """`E` in the room: the table, the format and the file (named by the app's clock,
    in the working folder; a fixed one here so the name does not change)."""
    monkeypatch.chdir("/tmp")
    assert snap_compare(make_app(world.ada), terminal_size=(80, 24),
                        run_before=in_room(world.website.id, "E"))


def test_submit_work_with_acceptance_criteria(snap_compare, make_app, world, clock):
    """Bo submits for a milestone with two criteria: evidence for each (X-33)."""
    from test_tui_evidence import landing_page
    page = landing_page(world, clock)
    assert snap_compare(make_app(world.bo), terminal_size=(80, 24),
                        run_before=in_room(page.id, "w"))


def test_review_with_acceptance_criteria(snap_compare, make_app, world, clock):
    """Ada reviews work with evidence for one criterion of two (X-34)."""
    from rules.evidence import EvidenceItem
    from rules.work import submit_work
    from test_tui_evidence import landing_page
    page = landing_page(world, clock)
    m = detail(world.ada, page).milestones[0]
    submit_work(world.bo, m.id, "Ready for review", evidence=[
        EvidenceItem("https://example.com/speed", "1.4 s"), EvidenceItem(note="Pixel 7")],
        clock=clock)
    assert snap_compare(make_app(world.ada), terminal_size=(80, 24),
                        run_before=in_room(page.id, "p"))


def test_funding_request_at_80x24(snap_compare, make_app, world):
    """Bo asks Ada to fund the website another way (ctrl+f, X-38): the policy in force,
    the field, the message."""
    assert snap_compare(make_app(world.bo), terminal_size=(80, 24),
                        run_before=in_room(world.website.id, "ctrl+f"))
