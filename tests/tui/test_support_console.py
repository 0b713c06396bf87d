"""The support console (agents, G-07): search, open a contract, its audit trail (G-05),
resolve a dispute (G-02) and cancel (F-08) from there, and what the database holds
afterwards. Snapshots at 80x24 and 120x40 (frozen clock, the `world` of conftest.py)."""
from __future__ import annotations

import pytest
from room_helpers import (
    detail,
    milestone,
    new_contract,
    paste,
    press,
    settle,
    transfers,
    type_in,
)
from textual.widgets import DataTable, Input
from textual.widgets._footer import FooterKey
from tui_helpers import footer_labels, shown, text_of

from models.audit import AuditRecord
from models.contracts import Contract
from models.events import Event
from models.refunds import RefundRequest
from rules.ledger import A, balance, milestone_escrow
from rules.refunds import (
    dispute_refund,
    request_refund,
    resolve_dispute,
    respond_to_dispute,
)
from tui.commands import entries
from tui.screens.audit_trail import AuditTrailScreen, SupportRoomScreen
from tui.screens.contract_list import DEBOUNCE, ContractListScreen
from tui.screens.dialogs.cancel import CancelDialog
from tui.screens.dialogs.resolve_dispute import ResolveDisputeDialog
from tui.screens.help import HelpScreen
from tui.screens.support_console import SupportConsoleScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def disputed(world, clock):
    """A sixth contract, Ada's "Brand guide" with Di: funded, refund asked, disputed,
    and the client responded: in support, waiting for an agent (G-02)."""
    guide = new_contract(world, clock, "Brand guide", ("Guide", 80_00, "2026-03-20"),
                         freelancer=world.di, fund=True)
    m = detail(world.ada, guide).milestones[0]
    rr = request_refund(world.ada, m.id, reason="Not the brief", clock=clock)
    dispute_refund(world.di, rr.id, "It follows the brief", clock=clock)
    respond_to_dispute(world.ada, rr.id, "Colours are all wrong", clock=clock)
    return RefundRequest.get_by_id(rr.id)


def titles(screen) -> list[str]:
    return [s.title for s in screen.table.summaries]


def palette_labels(screen) -> list[str]:
    """What the command palette offers on `screen` (its provider reads the same list)."""
    return [e.label for _, group in entries(screen) for e in group if e.enabled]


async def search(pilot, field: str, text: str) -> None:
    """Type into one criterion's field and wait for the debounced search."""
    pilot.app.screen.query_one(f"#{field}", Input).focus()
    await pilot.press(*text)
    await pilot.pause(DEBOUNCE + 0.05)
    await settle(pilot)


async def clear(pilot, field: str) -> None:
    pilot.app.screen.query_one(f"#{field}", Input).value = ""
    await pilot.pause(DEBOUNCE + 0.05)
    await settle(pilot)


async def open_console(pilot) -> SupportConsoleScreen:
    await press(pilot, "c")
    assert isinstance(pilot.app.screen, SupportConsoleScreen)
    return pilot.app.screen


def test_agent_searches_by_each_criterion_and_combined(make_app, world, disputed, drive):
    async def scenario(pilot):
        console = await open_console(pilot)
        assert titles(console) == ["Website redesign", "Logo refresh", "Mobile app MVP",
                                   "Data pipeline", "Manual translation", "Brand guide"]
        assert "every contract" in text_of(console.query_one("#support-info"))
        await search(pilot, "party", "cy")  # a login
        assert titles(console) == ["Data pipeline", "Manual translation"]
        await clear(pilot, "party")
        await search(pilot, "party", "Di Free")  # part of a name
        assert titles(console) == ["Mobile app MVP", "Manual translation", "Brand guide"]
        await search(pilot, "title", "manual")  # combined with the party
        assert titles(console) == ["Manual translation"]
        assert "1 match" in text_of(console.query_one("#support-info"))
        await clear(pilot, "party")
        await clear(pilot, "title")
        await search(pilot, "number", str(world.mobile.id))
        assert titles(console) == ["Mobile app MVP"]
        await clear(pilot, "number")
        await search(pilot, "status", "in support")  # a milestone waiting for support
        assert titles(console) == ["Brand guide"]
        await clear(pilot, "status")
        # 2026-03-10: the wireframes were due on the 9th (U-13); nothing later is late.
        await search(pilot, "overdue", "0")
        assert titles(console) == ["Website redesign"]
        assert "Overdue “Wireframes” by 1 day (U-13)" in shown(console)
        await clear(pilot, "overdue")
        # The only open window: the wireframes' review (U-06), due 2026-03-18 16:00.
        await search(pilot, "closing", "8")
        assert titles(console) == []
        await clear(pilot, "closing")
        await search(pilot, "closing", "9")
        assert titles(console) == ["Website redesign"]
        await search(pilot, "party", "nobody")
        assert titles(console) == []
        assert "No contract matches these criteria." in shown(console)

    drive(make_app(world.sam), scenario)


def test_a_status_not_understood_is_said_not_crashed(make_app, world, drive):
    async def scenario(pilot):
        console = await open_console(pilot)
        await search(pilot, "status", "lost")
        assert titles(console) == []
        assert "No status “lost”" in shown(console)

    drive(make_app(world.sam), scenario)


def test_G07_others_neither_see_the_key_nor_get_in(make_app, world, drive):
    async def scenario(pilot):
        app = pilot.app
        for who in (world.ada, world.bo):
            app.actor = who
            await settle(pilot)
            assert "Console" not in footer_labels(app.screen)
            await press(pilot, "c", "f3")
            assert isinstance(app.screen, ContractListScreen)
            await press(pilot, "question_mark")
            assert isinstance(app.screen, HelpScreen)
            assert "Console" not in text_of(app.screen.query_one("#help-keys"))
            await press(pilot, "escape")
            assert "Console" not in palette_labels(app.screen)
        # Should it be opened all the same, rules/ refuses, in words (G-07).
        app.push_screen(SupportConsoleScreen())
        await settle(pilot)
        assert titles(app.screen) == []
        assert "Only support agents may use the support console" in shown(app.screen)

    drive(make_app(world.ada), scenario)


def test_agent_list_footer_fits_and_the_console_is_in_help(make_app, world, drive):
    async def scenario(pilot):
        app = pilot.app
        labels = footer_labels(app.screen)
        assert {"Console", "User", "Help"} <= set(labels)
        # Filtered: the info line says how to clear it; still nothing cut off.
        await press(pilot, "slash", "c", "y", "enter")
        await pilot.pause(DEBOUNCE + 0.05)
        await settle(pilot)
        assert {"Console", "User"} <= set(footer_labels(app.screen))
        assert "esc clears" in text_of(app.screen.query_one("#list-info"))
        await press(pilot, "question_mark")
        keys = text_of(app.screen.query_one("#help-keys"))
        assert "c f3" in keys and "Clear filter" in keys
        await press(pilot, "escape")
        assert "Console" in palette_labels(app.screen)  # the palette lists it too
        await press(pilot, "f3")
        assert isinstance(app.screen, SupportConsoleScreen)

    drive(make_app(world.sam), scenario)


def test_open_a_contract_and_read_its_audit_trail(make_app, world, disputed, drive):
    async def scenario(pilot):
        console = await open_console(pilot)
        await search(pilot, "status", "in support")
        await press(pilot, "enter")  # from the field: searches, then the results
        assert console.table.has_focus
        await press(pilot, "enter")
        room = pilot.app.screen
        assert isinstance(room, SupportRoomScreen) and room.contract_id == disputed.contract_id
        # Read-only for support, but for resolving and cancelling (G-07).
        offered = {k.description for k in room.query(FooterKey)}
        assert {"Resolve", "Cancel…", "Audit"} <= offered
        assert not {"Fund next", "Pay", "Submit", "Refund", "Top up"} & offered
        await press(pilot, "a")
        trail = pilot.app.screen
        assert isinstance(trail, AuditTrailScreen)
        stored = list(AuditRecord.select().where(AuditRecord.contract == disputed.contract_id)
                      .order_by(AuditRecord.id.desc()))
        assert [e.id for e in trail.entries] == [r.id for r in stored]  # newest first
        top = trail.entries[0]
        assert (top.action, top.actor_login) == ("respond_to_dispute", "ada")
        detail_text = text_of(trail.query_one("#audit-detail"))
        assert "respond_to_dispute by Ada Client (ada, client)" in detail_text
        assert "hash checked" in detail_text
        table = trail.query_one("#audit-records", DataTable)
        assert table.row_count == len(stored)
        await press(pilot, "escape", "escape")
        assert isinstance(pilot.app.screen, SupportConsoleScreen)
        await press(pilot, "a")  # straight from the console too
        assert isinstance(pilot.app.screen, AuditTrailScreen)

    drive(make_app(world.sam), scenario)


def test_resolve_a_dispute_from_the_console(make_app, world, disputed, drive):
    guide = Contract.get_by_id(disputed.contract_id)
    m = detail(world.ada, guide).milestones[0]

    async def scenario(pilot):
        app = pilot.app
        console = await open_console(pilot)
        await search(pilot, "status", "in support")
        await press(pilot, "enter", "enter")
        await press(pilot, "v")
        assert isinstance(app.screen, ResolveDisputeDialog)
        await type_in(pilot, "30")
        assert "Ada Client gets the other $50.00." in shown(app.screen)
        await press(pilot, "tab", "f2")  # no reason: refused inline, nothing written
        assert isinstance(app.screen, ResolveDisputeDialog)
        assert "(G-02)" in app.screen.error_text and "reason" in app.screen.error_text
        assert RefundRequest.get_by_id(disputed.id).status == "in_support"
        await press(pilot, "tab")  # the dialog opened again, what was typed kept
        await paste(pilot, "Two of three concepts match the brief")
        await press(pilot, "f2")
        assert isinstance(app.screen, SupportRoomScreen)
        # The database: the split in the ledger, the timeline, the audit with the reason.
        assert RefundRequest.get_by_id(disputed.id).status == "resolved"
        assert milestone(guide, 0).status == "resolved"
        assert milestone_escrow(m.id) == 0
        assert transfers(guide, "dispute_split_to_freelancer") == [30_00]
        assert transfers(guide, "dispute_split_to_client") == [50_00]
        assert balance(A.CLIENT_REFUNDS, contract_id=guide.id) == 50_00
        event = Event.get((Event.contract == guide.id) & (Event.kind == "resolve_dispute"))
        assert event.actor_id == world.sam.id
        record = AuditRecord.get((AuditRecord.contract == disputed.contract_id)
                                 & (AuditRecord.action == "resolve_dispute"))
        assert record.reason == "Two of three concepts match the brief"
        assert record.actor_role == "agent"
        # And the trail shows it on top.
        await press(pilot, "a")
        assert app.screen.entries[0].id == record.id
        assert "Two of three concepts match the brief" in text_of(
            app.screen.query_one("#audit-detail"))
        await press(pilot, "escape", "escape")
        assert app.screen is console
        assert titles(console) == []  # searched again: no dispute waits any more

    drive(make_app(world.sam), scenario)


def test_cancel_with_a_reason_from_the_console(make_app, world, drive):
    async def scenario(pilot):
        app = pilot.app
        console = await open_console(pilot)
        await search(pilot, "overdue", "0")
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, SupportRoomScreen)
        await press(pilot, "k")
        assert isinstance(app.screen, CancelDialog)
        await press(pilot, "f2")  # no reason: refused inline, naming F-08
        assert "(F-08)" in app.screen.error_text
        assert milestone(world.website, 0).status == "submitted"
        await press(pilot, "tab")
        await paste(pilot, "Both parties asked")
        await press(pilot, "f2")
        assert milestone(world.website, 0).status == "cancelled"
        assert transfers(world.website, "cancel_to_client") == [250_00]
        assert Contract.get_by_id(world.website.id).status == "open"
        record = AuditRecord.get((AuditRecord.contract == world.website.id)
                                 & (AuditRecord.action == "cancel_milestone"))
        assert (record.reason, record.actor_id) == ("Both parties asked", world.sam.id)
        assert Event.select().where((Event.contract == world.website.id)
                                    & (Event.kind == "cancel_milestone")).exists()
        await press(pilot, "escape")
        assert app.screen is console and titles(console) == []  # nothing overdue now

    drive(make_app(world.sam), scenario)


# --- snapshots ------------------------------------------------------------------------

def after(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await press(pilot, *keys)
        await settle(pilot)
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_console_snapshot(snap_compare, make_app, world, disputed, size):
    """Every contract; the first highlighted, its money and what is overdue below."""
    assert snap_compare(make_app(world.sam), terminal_size=size,
                        run_before=after("c", "enter"))


@pytest.fixture
def resolved(world, disputed, clock):
    """Sam has split the guide's dispute, with a reason (G-02)."""
    clock.advance(days=1)
    resolve_dispute(world.sam, disputed.id, 30_00, 50_00,
                    "Two of three concepts match the brief", clock=clock)


@pytest.mark.parametrize("size", SIZES)
def test_audit_trail_snapshot(snap_compare, make_app, world, resolved, size):
    """The guide's trail, newest first: support's split on top, its reason and values
    below the table."""
    assert snap_compare(make_app(world.sam), terminal_size=size,
                        run_before=after("c", "enter", "end", "a"))
