"""Held releases in the room at 80x24 (X-29, X-30, X-31): Pay now with the undo window
on (the product's default, 10 minutes) leaves the milestone `releasing`, both parties
read when it is final, `z` takes it back as the client; the worker makes it final;
"Release at" schedules it; typed times and times out of range are refused in the dialog
with nothing written."""
from __future__ import annotations

from textual.widgets import Button, Input, Label, Static

from rules.contract_view import contract_detail
from room_helpers import milestone, notes, open_room, press, settle, stored, transfers
from tui.screens.contract import ContractScreen
from tui.screens.dialogs.confirm import ReadBackDialog
from tui.screens.dialogs.review_pay import ReviewPayDialog
from tui_helpers import footer_labels, text_of

UNDO = 10


def dialog_text(screen) -> str:
    return "\n".join(text_of(s) for s in screen.query(Static) if s.display
                     and not isinstance(s, Button)) + "\n" + "\n".join(
        str(label.render()) for label in screen.query(Label))


def boxed(room) -> str:
    return text_of(room.query_one("#deadlines"))


async def pay_from_review(pilot, *, release_at: str = "") -> ReadBackDialog:
    await press(pilot, "p")
    dialog = pilot.app.screen
    assert isinstance(dialog, ReviewPayDialog)
    assert f"empty: now; {UNDO} min to undo (X-30)" in dialog_text(dialog)
    if release_at:
        field = dialog.query_one("#release-at", Input)
        field.focus()
        await press(pilot, *release_at)
    await press(pilot, "f2")
    return pilot.app.screen


def test_X30_pay_now_is_final_ten_minutes_later_and_z_takes_it_back(
        make_app, world, drive, app_clock):
    website = world.website
    wireframes = milestone(website, 0)

    async def scenario(pilot):
        app = pilot.app
        room = await open_room(pilot, world.ada, website)
        readback = await pay_from_review(pilot)
        assert isinstance(readback, ReadBackDialog)
        text = text_of(readback.query_one("#confirm-text"))
        assert f"Final {UNDO} min later: until then z in the room takes it back and " \
               "nothing is paid (X-30)." in text
        await press(pilot, "y")
        assert app.screen is room
        assert milestone(website, 0).status == "releasing"
        assert transfers(website, "release") == []  # nothing paid yet
        assert any("final at 12:10; z takes it back until then" in n for n in notes(app))
        assert "“Wireframes” releasing, final at 2026-03-10 12:10 (in 10 min) · " \
               "z undoes it" in boxed(room)
        labels = " ".join(footer_labels(room))
        assert "Take back" in labels and "Pay" not in labels  # nothing else now

        # The freelancer reads the same time, without the key.
        room = await open_room(pilot, world.bo, website)
        assert "“Wireframes” releasing, final at 2026-03-10 12:10" in boxed(room)
        assert "z undoes it" not in boxed(room)
        assert room.check_action("take_back", ()) is False
        before = stored()
        await press(pilot, "z")
        assert stored() == before and app.screen is room

        # the client takes it back with one key; it is submitted again.
        room = await open_room(pilot, world.ada, website)
        await press(pilot, "z")
        assert milestone(website, 0).status == "submitted"
        assert any("Took back the release of $250.00 for “Wireframes”: nothing was paid."
                   in n for n in notes(app))
        assert "releasing" not in boxed(room)
        assert room.check_action("take_back", ()) is False

        # Released again; ten minutes on, the worker makes it final, exactly once.
        await pay_from_review(pilot)
        await press(pilot, "y")
        app_clock.advance(seconds=UNDO * 60)
        app.run_sweep()
        for _ in range(50):
            if milestone(website, 0).status == "released":
                break
            await settle(pilot)
        await settle(pilot)
        assert transfers(website, "release") == [250_00]
        assert room.check_action("take_back", ()) is False
        assert "releasing" not in boxed(room)

    drive(make_app(world.ada, undo_minutes=UNDO), scenario)
    assert wireframes.id == milestone(website, 0).id


def test_X29_release_at_schedules_it_and_refuses_a_time_that_is_not_one(
        make_app, world, drive):
    website = world.website

    async def scenario(pilot):
        app = pilot.app
        room = await open_room(pilot, world.ada, website)
        before = stored()
        dialog = await pay_from_review(pilot, release_at="tomorrow")
        assert app.screen is dialog and stored() == before
        assert dialog.error_text.startswith("Release at: “tomorrow” is not a date and time")
        assert app.focused is dialog.query_one("#release-at")

        # After the review window (Mar 18 16:00): the rule refuses, in the dialog.
        dialog.query_one("#release-at", Input).value = "2026-03-19 09:00"
        await press(pilot, "f2", "y")
        assert app.screen is dialog and stored() == before
        assert "(X-29)" in dialog.error_text and "review window closes" in dialog.error_text
        assert dialog.query_one("#release-at", Input).value == "2026-03-19 09:00"

        dialog.query_one("#release-at", Input).value = "2026-03-12 09:00"
        await press(pilot, "f2")
        readback = app.screen
        assert isinstance(readback, ReadBackDialog)
        assert "Paid by itself at 2026-03-12 09:00; until then z in the room takes it " \
               "back (X-29)." in text_of(readback.query_one("#confirm-text"))
        await press(pilot, "y")
        assert app.screen is room
        assert milestone(website, 0).status == "releasing"
        assert "“Wireframes” scheduled, final at 2026-03-12 09:00 (in 1 day " \
               "21 h) · z undoes it" in boxed(room)
        held = contract_detail(world.ada, website.id).held_releases
        assert [h.kind for h in held.values()] == ["scheduled"]
        await press(pilot, "z")
        assert milestone(website, 0).status == "submitted"

    drive(make_app(world.ada, undo_minutes=UNDO), scenario)


def test_X31_the_palette_says_why_there_is_nothing_to_take_back(make_app, world, drive):
    async def scenario(pilot):
        room = await open_room(pilot, world.ada, world.website)
        hidden = {b.action: v for b, v in room.hidden_actions()}
        assert hidden["take_back"].reason == "“Wireframes” has no release to take back (X-31)."
        assert isinstance(pilot.app.screen, ContractScreen)

    drive(make_app(world.ada), scenario)
