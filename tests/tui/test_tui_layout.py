"""The contract table's columns fit any width, and nothing is cut at 80 columns."""
from __future__ import annotations

import arrow
import pytest

from rules.queries import ContractSummary, Totals
from tui.widgets.contract_table import CELL_PADDING, SCROLLBAR, TITLE_COMFORT, cell, layout

NOW = arrow.get("2026-03-10T12:00:00+00:00")


def summary(title: str, current: str | None = "Design", status: str = "submitted",
            counterpart: str = "Bo Freelancer", cents: int = 1_250_000_00) -> ContractSummary:
    return ContractSummary(
        id=1, title=title, policy="upwork-compliance", policy_label="Upwork compliance (WPP)",
        status="open", client_name="Ada Client", freelancer_name=counterpart,
        counterpart=counterpart, milestone_count=3, current_title=current,
        current_status=status, totals=Totals(budget_cents=cents, in_escrow_cents=cents,
                                             released_cents=cents),
        next_deadline_kind="dispute_response", next_deadline_at=NOW.shift(days=13, hours=23))


ROWS = [summary("A contract title far longer than any column could show whole",
                current="A milestone title just as long as the contract's own title",
                status="changes_requested", counterpart="Maximilian Featherstonehaugh"),
        summary("Logo", current=None)]


@pytest.mark.parametrize("width", [60, 80, 99, 100, 120, 129, 130, 140, 200])
def test_columns_never_overflow_the_width_and_labels_are_whole(width):
    columns = layout(width, ROWS, NOW)
    used = sum(c.width + 2 * CELL_PADDING for c in columns) + SCROLLBAR
    assert used <= width
    if width >= 80:
        assert all(c.width >= len(c.label) for c in columns)


def test_80_columns_keep_the_essentials_and_wide_terminals_show_all():
    rows = [summary("Website redesign", cents=1_950_00)]
    assert [c.key for c in layout(80, rows, NOW)] == [
        "title", "status", "current", "escrow", "deadline"]
    assert [c.key for c in layout(120, rows, NOW)] == [
        "title", "counterpart", "status", "current", "escrow", "paid", "deadline"]
    assert [c.key for c in layout(140, rows, NOW)] == [
        "title", "counterpart", "policy", "status", "current", "escrow", "paid", "deadline"]


def test_huge_amounts_make_optional_columns_give_way():
    assert [c.key for c in layout(100, ROWS, NOW)] == [
        "title", "status", "current", "escrow", "deadline"]
    assert [c.key for c in layout(120, ROWS, NOW)] == [
        "title", "status", "current", "escrow", "paid", "deadline"]
    assert [c.key for c in layout(130, ROWS, NOW)] == [
        "title", "counterpart", "status", "current", "escrow", "paid", "deadline"]


@pytest.mark.parametrize("width", range(60, 201, 5))
def test_optional_columns_give_way_before_the_title_is_cut_short(width):
    # A long countdown once left "Logo refr…" at 100 columns beside the other party.
    rows = ROWS + [summary("Logo refresh", cents=250_00)]
    columns = {c.key: c for c in layout(width, rows, NOW)}
    if columns.keys() & {"policy", "counterpart", "paid"}:
        assert columns["title"].width >= TITLE_COMFORT


def test_money_and_countdowns_are_never_cut():
    for width in (80, 120, 140):
        columns = {c.key: c for c in layout(width, ROWS, NOW)}
        assert str(cell(ROWS[0], columns["escrow"], NOW, wide=width >= 140)) == "$1,250,000.00"
        deadline = cell(ROWS[0], columns["deadline"], NOW, wide=width >= 140)
        assert deadline.endswith("in 13 days 23 h")


def test_the_current_milestone_keeps_its_status_when_its_title_is_cut():
    columns = {c.key: c for c in layout(80, ROWS, NOW)}
    text = cell(ROWS[0], columns["current"], NOW, wide=False)
    assert text.endswith("… · changes req.") and len(text) <= columns["current"].width
    assert cell(ROWS[1], columns["current"], NOW, wide=False) == "—"


def test_a_short_party_is_shown_whole_beside_a_long_title():
    rows = [summary("A contract title far longer than any column could show whole",
                    cents=1_950_00)]
    columns = {c.key: c for c in layout(120, rows, NOW)}
    assert cell(rows[0], columns["counterpart"], NOW, wide=False) == "Bo Freelancer"
