"""The hostile-input fuzzer, screen side (issue 17): text drawn from the fuzzer's
alphabet (tests/hostile_text.py) is written straight into the database (the
stored-data path: rows older than rules/validation, imports), then the screens that
show it are opened with Pilot at 80x24: the contract list, the room, the request
detail, the notifications (as the client) and the audit trail (as an agent). No
exception (nor a failed worker, which the app tells in a notification), and the frame
the terminal would receive holds no ESC, BEL, C1, bidi or lone surrogate character
beyond Textual's own sequences (read twice: in the bytes once Textual's sequences are
taken out, and exactly, in the text of the frame's segments). On SQLite and
PostgreSQL; what each can hold is in hostile_helpers.plant. Budget: ON_SCREEN in
tests/hostile_text.py.
"""
from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hostile_helpers import plant, stray_controls, stray_in_frame, terminal_output
from room_helpers import open_room
from tui_helpers import settle

from hostile_text import ON_SCREEN, hostile_text
from models.change_requests import ChangeRequest
from rules.change_requests import propose_milestone_changes
from rules.plan import AddMilestone
from tui.screens.audit_trail import AuditTrailScreen
from tui.screens.notifications import NotificationsScreen
from tui.screens.request_detail import RequestScreen

pytestmark = pytest.mark.both_databases


def frame_is_clean(app, where: str) -> None:
    assert app._exception is None, f"{where}: {app._exception!r}"
    # A failed database worker is no exception to the app: it is told in a notification.
    failed = [str(n.message) for n in app._notifications if n.severity == "error"]
    assert failed == [], f"{where}: {failed}"
    assert stray_controls(terminal_output(app)) == [], where
    assert stray_in_frame(app) == [], where


@ON_SCREEN
@given(text=hostile_text)
def test_stored_hostile_text_never_reaches_the_terminal(text, world, make_app, clock):
    if not hasattr(world, "request_id"):  # once per test: hypothesis reuses the fixtures
        propose_milestone_changes(world.bo, world.website.id, [AddMilestone("Extra", 300_00)],
                                  clock=clock)
        world.request_id = ChangeRequest.select().where(
            ChangeRequest.contract == world.website.id).get().id
    plant(world.website, text)

    async def as_client():
        app = make_app(world.ada)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            frame_is_clean(app, "the contract list")
            await open_room(pilot, world.ada, world.website)
            frame_is_clean(app, "the contract room")
            await app.push_screen(RequestScreen(world.request_id))
            await settle(pilot)
            frame_is_clean(app, "the request detail")
            await app.push_screen(NotificationsScreen())
            await settle(pilot)
            frame_is_clean(app, "the notifications")

    async def as_agent():
        app = make_app(world.sam)
        async with app.run_test(size=(80, 24)) as pilot:
            await app.push_screen(AuditTrailScreen(world.website.id, text))
            await settle(pilot)
            frame_is_clean(app, "the audit trail")

    asyncio.run(as_client())
    asyncio.run(as_agent())
