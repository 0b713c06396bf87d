"""The nudge in the contract room (X-27, X-28) at 80x24: `g` for the party waiting,
a read-back of what the other party will get, the notification, the room's "you nudged"
beside the window's countdown, and the key gone for 24 hours (the palette says why)."""
from __future__ import annotations

from models.events import Event, Notification
from room_helpers import notes, open_room, press, settle
from tui.screens.dialogs.confirm import ReadBackDialog
from tui_helpers import footer_labels, text_of

TEXT = "Nudge about “Wireframes”: 8 days 4 h before this is released automatically."


def received(account) -> list[str]:
    return [n.event.summary for n in Notification.select().join(Event)
            .where(Notification.recipient == account.id)]


def test_X27_g_nudges_the_client_about_the_review_and_X28_then_waits_a_day(
        make_app, world, drive):
    async def scenario(pilot):
        room = await open_room(pilot, world.bo, world.website)
        assert room.check_action("nudge", ()) is True
        assert "Nudge" in " ".join(footer_labels(room))
        await press(pilot, "g")
        dialog = pilot.app.screen
        assert isinstance(dialog, ReadBackDialog)
        assert TEXT in text_of(dialog.query_one("#confirm-text"))
        await press(pilot, "y")
        for _ in range(50):
            if TEXT in received(world.ada):
                break
            await settle(pilot)
        assert received(world.ada).count(TEXT) == 1
        assert any(TEXT in n for n in notes(pilot.app))
        await settle(pilot)
        lines = text_of(room.query_one("#deadlines"))
        assert "Client's review of “Wireframes”" in lines and "you nudged just now" in lines
        # the key is gone for a day; the palette's "not now" says why.
        assert room.check_action("nudge", ()) is False
        reason = room.nudge_verdict().reason
        assert reason.startswith("You nudged about this window") and reason.endswith("(X-28).")
        await press(pilot, "g")
        assert pilot.app.screen is room
        assert received(world.ada).count(TEXT) == 1

    drive(make_app(world.bo), scenario)


def test_X27_the_party_waited_for_and_support_have_no_nudge(make_app, world, drive):
    for who in (world.ada, world.sam):
        async def scenario(pilot):
            room = await open_room(pilot, who, world.website)
            assert room.check_action("nudge", ()) is False
            await press(pilot, "g")
            assert pilot.app.screen is room
            assert "Nudge" not in " ".join(footer_labels(room))

        drive(make_app(who), scenario)
    assert Notification.select().join(Event).where(Event.kind == "nudge").count() == 0
