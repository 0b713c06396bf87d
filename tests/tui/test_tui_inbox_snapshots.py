"""Snapshots of the change-request inbox and of one request in full, at 80x24 and
120x40. Frozen clock, fixed data, no animation, no blink.

Regenerate with `pytest tests/tui --snapshot-update`, then look at every SVG."""
from __future__ import annotations

import datetime as dt

import pytest

from rules.change_requests import (propose_milestone_changes, reject_milestone_change,
                                   request_milestone_change)
from rules.contract_view import contract_detail
from rules.payments import fund_next_milestone
from rules.plan import AddMilestone, DeleteMilestone, EditMilestone
from tui_helpers import press, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def requests(world, clock):
    """Bo's inbox: Cy's change to the active “Reports” (incoming), an earlier one he
    rejected (history), and his own proposal on the website (outgoing)."""
    reports = fund_next_milestone(world.cy, world.pipeline.id, clock=clock)
    old = request_milestone_change(world.cy, reports.id, {"title": "Dashboards"}, clock=clock)
    clock.advance(hours=2)
    reject_milestone_change(world.bo, old.id, "Dashboards are a new contract", clock=clock)
    clock.advance(hours=1)
    request_milestone_change(world.cy, reports.id, {"amount_cents": 820_00,
                                                    "due_date": dt.date(2026, 4, 6)},
                             "Two more reports, a week more", clock=clock)
    visual, build = contract_detail(world.ada, world.website.id).milestones[1:]
    propose_milestone_changes(world.bo, world.website.id, [
        EditMilestone(visual.id, {"amount_cents": 650_00}), DeleteMilestone(build.id),
        AddMilestone("QA pass", 300_00, due_date=dt.date(2026, 4, 20), ref="qa")],
        "The launch moves to a new contract", clock=clock)


def inbox(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, "i", *keys)
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_inbox(snap_compare, make_app, world, requests, size):
    assert snap_compare(make_app(world.bo), terminal_size=size, run_before=inbox())


@pytest.mark.parametrize("size", SIZES)
def test_request_in_full(snap_compare, make_app, world, requests, size):
    assert snap_compare(make_app(world.ada), terminal_size=size, run_before=inbox("enter"))


def test_inbox_history(snap_compare, make_app, world, requests):
    assert snap_compare(make_app(world.bo), terminal_size=(80, 24), run_before=inbox("3"))
