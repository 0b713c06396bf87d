"""The review-and-pay flow, driven by keys as each role, checked in the database after.

Fund → submit → request changes → resubmit → partial release → the remainder funds the
next milestone; a full release with a bonus on the last milestone (ending the
contract, then feedback); a release without a submission; Fiverr's accept-in-full; and
refusals shown inline with nothing written."""
from __future__ import annotations

from textual.widgets import Button, Input, Static

from models.contracts import Feedback
from models.milestones import Submission
from rules.queries import contract_totals
from rules.work import submit_work
from room_helpers import (detail, milestone, new_contract, notes, open_room, paste, press,
                          stored, transfers, type_in)
from tui.screens.contract import ContractScreen
from tui.screens.dialogs.confirm import ReadBackDialog
from tui.screens.dialogs.end_or_keep import EndOrKeepDialog
from tui.screens.dialogs.feedback import FeedbackDialog
from tui.screens.dialogs.message import SendMessageDialog
from tui.screens.dialogs.review_pay import ReviewPayDialog
from tui.screens.dialogs.submit_work import SubmitWorkDialog
from tui_helpers import text_of


def shown(screen) -> str:
    """Every line of text a dialog shows, joined."""
    return "\n".join(text_of(s) for s in screen.query(Static) if s.display
                     and not isinstance(s, Button))


def test_U18_U26_U04_fund_submit_changes_resubmit_partial_release_then_fund_the_next(
        make_app, world, clock, drive):
    brand = new_contract(world, clock, "Brand guide", ("Style guide", 300_00, "2026-04-01"),
                         ("Templates", 400_00, "2026-04-15"))

    async def scenario(pilot):
        app = pilot.app
        # Ada funds the first milestone; the confirmation says what is charged (U-05).
        await open_room(pilot, world.ada, brand)
        await press(pilot, "f")
        assert isinstance(app.screen, ReadBackDialog)
        assert "You are charged $304.95 now, with the one-time contract initiation fee " \
               "of $4.95 (U-05)." in shown(app.screen)
        await press(pilot, "y")
        assert milestone(brand, 0).status == "funded"

        # Bo submits work (U-17).
        await open_room(pilot, world.bo, brand)
        await press(pilot, "w")
        assert isinstance(app.screen, SubmitWorkDialog)
        await paste(pilot, "First draft")
        await press(pilot, "tab")
        await paste(pilot, "https://example.com/v1")
        await press(pilot, "f2")
        assert milestone(brand, 0).status == "submitted"

        # Ada sends it back from the review dialog, with a message (U-18).
        await open_room(pilot, world.ada, brand)
        await press(pilot, "p")
        dialog = app.screen
        assert isinstance(dialog, ReviewPayDialog)
        assert "First draft" in shown(dialog) and "Link: https://example.com/v1" in shown(dialog)
        assert "Paid automatically 2026-03-24 12:00 (in 14 days) unless you act first " \
               "(U-06)." in shown(dialog)
        await press(pilot, "tab", "tab", "tab")  # amount → bonus → release at → changes
        await paste(pilot, "Darker palette")
        await press(pilot, "f3")
        assert isinstance(app.screen, ContractScreen)
        m = milestone(brand, 0)
        assert (m.status, m.revisions_used) == ("changes_requested", 1)

        # Bo submits again: a new review window (U-18).
        await open_room(pilot, world.bo, brand)
        await press(pilot, "w")
        await paste(pilot, "Second draft")
        await press(pilot, "f2")
        assert milestone(brand, 0).status == "submitted"
        assert Submission.select().where(Submission.milestone == m.id).count() == 2

        # Ada releases $250.00 of the $300.00: the rest stays as project funds (U-26).
        await open_room(pilot, world.ada, brand)
        await press(pilot, "p")
        await press(pilot, "ctrl+u")  # empty the amount (it shows the funded $300.00)
        await type_in(pilot, "250")
        assert "the other $50.00 stays as project funds for the next milestone (U-26)" \
               in shown(app.screen)
        await press(pilot, "enter")
        assert isinstance(app.screen, ReadBackDialog)
        readback = shown(app.screen)
        assert "Release $250.00 to Bo Freelancer for “Style guide”." in readback
        assert "The other $50.00 of the $300.00 in escrow stays as project funds (U-26)." \
               in readback
        await press(pilot, "y")
        assert milestone(brand, 0).status == "released"
        assert contract_totals([brand.id])[brand.id].project_funds_cents == 50_00

        # The next milestone is funded from those project funds first (U-04).
        await press(pilot, "f")
        assert "$50.00 of it comes from project funds (U-04)." in shown(app.screen)
        assert "You are charged $350.00 now." in shown(app.screen)
        await press(pilot, "y")
        totals = contract_totals([brand.id])[brand.id]
        assert milestone(brand, 1).status == "funded"
        assert (totals.project_funds_cents, totals.in_escrow_cents) == (0, 400_00)
        assert transfers(brand, "fund_from_project_funds") == [50_00]
        assert transfers(brand, "fund") == [300_00, 350_00]

    drive(make_app(world.ada), scenario)


def test_U28_U30_G04_U19_full_release_with_a_bonus_ending_the_contract_or_without_work(
        make_app, world, clock, app_clock, drive):
    """A full release with a bonus on the last milestone, ending the contract, then
    feedback; a release without a submission keeping the contract open; Fiverr."""
    icons = new_contract(world, clock, "Icon set", ("Icons", 250_00, "2026-04-01"),
                         fund=True, submit="All 40 icons")
    handoff = new_contract(world, clock, "Server handoff", ("Handoff", 400_00, "2026-04-01"),
                           fund=True)

    async def scenario(pilot):
        app = pilot.app
        await open_room(pilot, world.ada, icons)
        await press(pilot, "p")
        await press(pilot, "tab")  # to the bonus: open, the full amount is released
        assert not app.screen.query_one("#bonus", Input).disabled
        await type_in(pilot, "30")
        assert "Plus a $30.00 bonus, charged to you (U-28)." in shown(app.screen)
        await press(pilot, "enter")
        # The last milestone: end the contract or keep it open (U-30).
        assert isinstance(app.screen, EndOrKeepDialog)
        await press(pilot, "e")
        readback = shown(app.screen)
        assert "Bonus: $30.00 on top (U-28)." in readback
        assert "You are charged $30.00 now." in readback
        assert "Then the contract ends (G-03)." in readback
        await press(pilot, "y")
        assert milestone(icons, 0).status == "released"
        assert transfers(icons, "bonus") == [30_00]
        assert transfers(icons, "release") == [250_00]
        icons_now = type(icons).get_by_id(icons.id)
        assert icons_now.status == "ended"
        assert any("with a $30.00 bonus; the contract has ended" in n for n in notes(app))

        # Feedback, once the contract has ended (G-04): four stars and a comment.
        await press(pilot, "l")
        assert isinstance(app.screen, FeedbackDialog)
        await press(pilot, "down", "enter")  # from five stars to four
        await press(pilot, "tab")
        await paste(pilot, "Great icons")
        await press(pilot, "f2")
        fb = Feedback.get(Feedback.contract == icons.id)
        assert (fb.stars, fb.comment, fb.author_id) == (4, "Great icons", world.ada.id)
        assert not pilot.app.screen.check_action("leave_feedback", ())  # once (G-04)

        # U-19: paid without a submission, for work delivered outside the workroom.
        await open_room(pilot, world.ada, handoff)
        await press(pilot, "p")
        dialog = app.screen
        assert "No work is submitted for this milestone. Paying now releases it without " \
               "a submission, for work delivered outside the workroom (U-19)." in shown(dialog)
        assert not dialog.query("#send-back")  # nothing to send back
        await press(pilot, "f2")
        await press(pilot, "k")  # keep the contract open (U-30)
        assert "The contract stays open: you can add and fund another milestone." \
               in shown(app.screen)
        await press(pilot, "y")
        assert milestone(handoff, 0).status == "released"
        assert type(handoff).get_by_id(handoff.id).status == "open"

        # On Fiverr a milestone is paid by accepting its delivery: no key before it.
        room = await open_room(pilot, world.ada, world.logo)
        assert not room.check_action("review_pay", ())
        assert room.verdict("review_pay").rule_id == "U-19"
        # Once delivered: accepted in full, no bonus, a revision instead of changes.
        concepts = detail(world.ada, world.logo).milestones[0]
        submit_work(world.bo, concepts.id, "Three concepts", clock=app_clock)
        await press(pilot, "r", "p")
        dialog = app.screen
        assert dialog.query_one("#amount", Input).disabled
        assert dialog.query_one("#bonus", Input).disabled
        text = shown(dialog)
        assert "Fiverr Gig milestones: the funded $80.00 is paid in full (U-25)." in text
        assert "no bonuses on Fiverr Gig milestones (U-28)" in text
        assert "0 of 2 revisions used (F-06)." in text
        assert str(dialog.query_one("#send-back", Button).label) == "Request a revision"
        await press(pilot, "escape")

    drive(make_app(world.ada), scenario)


def test_refusals_are_shown_in_the_dialog_and_nothing_is_written(
        make_app, world, app_clock, drive):
    async def scenario(pilot):
        app = pilot.app
        before = stored()
        await open_room(pilot, world.ada, world.website)
        await press(pilot, "p")
        dialog = app.screen

        # U-28: a bonus typed for the full amount, then the amount lowered.
        await press(pilot, "tab")
        await type_in(pilot, "20")
        await press(pilot, "shift+tab", "ctrl+u")
        await type_in(pilot, "200")
        assert dialog.query_one("#bonus", Input).disabled
        await press(pilot, "f2")
        assert app.screen is dialog
        assert dialog.error_text == ("A bonus can be added only when the full amount "
                                     "($250.00) is released (U-28).")

        # G-01: not an amount.
        await press(pilot, "ctrl+u")
        await type_in(pilot, "12.345")
        await press(pilot, "f2")
        assert app.screen is dialog
        assert "at most two decimals" in dialog.error_text

        # U-18: send back with no message: refused in the dialog, which stays open.
        await press(pilot, "ctrl+u")
        await type_in(pilot, "200")
        await press(pilot, "f3")
        again = app.screen
        assert again is dialog
        assert again.error_text == "A message saying what needs changing is required (U-18)."
        assert again.query_one("#amount", Input).value == "200"
        assert app.focused is again.query_one("#changes")  # where the message goes
        assert stored() == before
        await press(pilot, "shift+tab")  # the release time, then the amount
        assert app.focused is again.query_one("#release-at", Input)
        await press(pilot, "shift+tab")  # (the bonus is disabled)
        assert app.focused is again.query_one("#amount", Input)

        # U-06: the review window closes while the dialog is open; paying is refused.
        app_clock.set("2026-03-18T17:00:00+00:00")
        await press(pilot, "ctrl+u")
        await type_in(pilot, "250")
        await press(pilot, "enter")
        await press(pilot, "y")  # the confirmation
        last = app.screen
        assert last is dialog  # the review stayed open under the confirmation
        assert last.error_text.startswith("The 14 days to review “Wireframes” are over")
        assert last.error_text.endswith("(U-06).")
        assert last.query_one("#amount", Input).value == "250"  # as it was typed
        assert stored() == before

        await press(pilot, "escape")
        assert isinstance(app.screen, ContractScreen)
        assert stored() == before

    drive(make_app(world.ada), scenario)


def test_U18_c_requests_changes_from_the_room_with_a_required_message(
        make_app, world, drive):
    """The room's own key for changes (not through the review dialog)."""
    async def scenario(pilot):
        app = pilot.app
        before = stored()
        await open_room(pilot, world.ada, world.website)
        await press(pilot, "c")
        dialog = app.screen
        assert isinstance(dialog, SendMessageDialog)
        await press(pilot, "f2")  # no message: refused inline, nothing written
        assert isinstance(app.screen, SendMessageDialog)  # still open, the refusal inline
        assert app.screen.error_text == ("A message saying what needs changing is "
                                         "required (U-18).")
        assert stored() == before
        await paste(pilot, "Bigger headings")
        await press(pilot, "f2")
        assert isinstance(app.screen, ContractScreen)
        m = milestone(world.website, 0)
        assert (m.status, m.revisions_used) == ("changes_requested", 1)
        assert Submission.get(Submission.milestone == m.id).status == "changes_requested"

    drive(make_app(world.ada), scenario)
