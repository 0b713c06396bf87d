"""The milestone manager (U-07..U-12, U-14..U-16): reorder by keys and by mouse, add, edit,
delete, undo, Show changes, save as one batch, proposals, and the refusals."""
from __future__ import annotations


import pytest
from textual.widgets import Input, Static

from models.audit import AuditRecord
from models.change_requests import ChangeRequest
from models.events import Event
from models.milestones import Milestone
from rules.change_requests import propose_milestone_changes
from rules.contracts import create_contract
from rules.plan import AddMilestone, EditMilestone
from rules.planning import add_milestone
from tui_helpers import press, settle, text_of
from tui.commands import ScreenCommands
from tui.screens.contract_list import ContractListScreen
from tui.screens.inbox import RequestScreen
from tui.screens.milestone_form import ConfirmDialog, MessageDialog, MilestoneForm
from tui.screens.milestone_manager import MilestoneManagerScreen
from tui.widgets.reorder_list import ReorderList

WEBSITE = ["Wireframes", "Visual design", "Build and launch"]


@pytest.fixture
def long_website(world, clock):
    """The website contract with three more future milestones: six in all, the first
    (Wireframes, submitted) locked."""
    for title, cents in (("Docs", 100_00), ("QA", 150_00), ("Launch party", 50_00)):
        add_milestone(world.ada, world.website.id, title, cents, clock=clock)
    return world.website


def titles(contract) -> list[str]:
    return [m.title for m in Milestone.select().where(Milestone.contract == contract.id)
            .order_by(Milestone.position)]


def events_of(contract, kind: str) -> int:
    return Event.select().where((Event.contract == contract.id) & (Event.kind == kind)).count()


async def open_manager(pilot, contract) -> MilestoneManagerScreen:
    await pilot.app.push_screen(MilestoneManagerScreen(contract.id))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MilestoneManagerScreen)
    return screen


def shown_titles(screen) -> list[str]:
    return [item.cells[0] for item in screen.plan_list.items]


def footer_actions(screen) -> set[str]:
    """What the footer offers now (bindings shown and not hidden by check_action)."""
    return {b.binding.action for b in screen.active_bindings.values()
            if b.binding.show and b.enabled}


def status(screen) -> str:
    return text_of(screen.query_one("#plan-status", Static))


async def retype(pilot, field: str, text: str) -> None:
    """Empty a form field and type `text` into it, key by key."""
    box = pilot.app.screen.query_one(f"#field-{field}", Input)
    box.focus()
    await pilot.pause()
    await pilot.press("end", *["backspace"] * len(box.value), *text)
    await settle(pilot)


def test_U09_grab_move_three_up_drop_and_save_puts_the_new_positions_in_the_database(
        make_app, long_website, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, long_website)
        assert shown_titles(screen) == WEBSITE + ["Docs", "QA", "Launch party"]
        await press(pilot, "end", "space")
        assert screen.plan_list.state == "grabbed"
        assert {"carry_up", "carry_down", "drop", "put_back"} <= footer_actions(screen)
        assert not {"add", "save", "grab"} & footer_actions(screen)
        await press(pilot, "up", "k", "up")  # the row travels; the others make room
        assert shown_titles(screen)[2] == "Launch party"
        assert [i.cells[0] for i in screen.plan_list.items][3:] == [
            "Build and launch", "Docs", "QA"]
        assert titles(long_website)[5] == "Launch party"  # nothing saved per keystroke
        await press(pilot, "space")
        assert screen.plan_list.state == "idle"
        assert "Moved “Launch party” from 6 to 3." in status(screen)
        await press(pilot, "ctrl+s")
        assert isinstance(pilot.app.screen, ContractListScreen)  # saved, and closed
        assert titles(long_website) == ["Wireframes", "Visual design", "Launch party",
                                        "Build and launch", "Docs", "QA"]
        positions = [m.position for m in Milestone.select().where(
            Milestone.contract == long_website.id).order_by(Milestone.position)]
        assert positions == [1, 2, 3, 4, 5, 6]

    drive(make_app(world.ada), scenario)


def test_U09_escape_puts_the_row_back_where_it_was(make_app, long_website, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, long_website)
        before = shown_titles(screen)
        await press(pilot, "end", "space", "up", "up", "j")
        assert shown_titles(screen) != before
        await press(pilot, "escape")
        assert shown_titles(screen) == before
        assert screen.plan_list.state == "idle" and screen.plan_list.current.cells[0] == \
            "Launch party"
        assert screen.ops == []
        assert isinstance(pilot.app.screen, MilestoneManagerScreen)  # escape did not leave
        await press(pilot, "escape")  # nothing pending: now escape leaves, asking nothing
        assert isinstance(pilot.app.screen, ContractListScreen)

    drive(make_app(world.ada), scenario)


def test_U09_a_carried_row_cannot_pass_a_locked_one(make_app, long_website, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, long_website)
        await press(pilot, "down", "space", "up")  # Visual design, against Wireframes
        assert shown_titles(screen)[:2] == ["Wireframes", "Visual design"]
        assert "“Wireframes” is submitted" in status(screen)
        assert "(U-09)" in status(screen)
        await press(pilot, "home")  # as far up as it may go: where it is
        assert shown_titles(screen)[:2] == ["Wireframes", "Visual design"]
        await press(pilot, "escape", "up", "space")  # the locked row cannot be picked up
        assert screen.plan_list.state == "idle"
        assert "keep their place" in status(screen)
        # The locked row says so in words, not only in colour.
        assert str(screen.plan_list.items[0].cells[3]) == "locked · submitted"

    drive(make_app(world.ada), scenario)


def test_U11_a_batch_shown_in_show_changes_then_saved_as_one_event(make_app, long_website,
                                                                   world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, long_website)
        saves, audits = events_of(long_website, "save_plan"), AuditRecord.select().count()
        # add
        await press(pilot, "a")
        assert isinstance(pilot.app.screen, MilestoneForm)
        await press(pilot, *"Extra polish", "tab", "tab", *"2026-05-04", "tab", *"320")
        await press(pilot, "enter")
        assert shown_titles(screen)[-1] == "Extra polish"
        # edit Visual design's amount
        await press(pilot, "home", "down", "e")
        await retype(pilot, "amount_cents", "420")
        await press(pilot, "enter")
        # delete Docs
        await press(pilot, "down", "down", "d")
        assert "Docs" not in shown_titles(screen)
        # move Launch party to the top of the future rows
        screen.plan_list.move_cursor(shown_titles(screen).index("Launch party"))
        await press(pilot, "space", "home", "space")
        assert shown_titles(screen) == ["Wireframes", "Launch party", "Visual design",
                                        "Build and launch", "QA", "Extra polish"]
        await press(pilot, "c")
        diff = " ".join(text_of(screen.query_one("#plan-diff", Static)).split())
        assert "Saved plan" in diff and "After saving" in diff
        assert "added “Extra polish” $320.00, due 2026-05-04" in diff
        assert "removed “Docs”" in diff
        assert "moved “Launch party”: 6 → 2" in diff
        # Only Launch party changed its order relative to the other kept milestones:
        # Visual design, Build and launch and QA only made room (or closed a gap).
        assert diff.count(" moved “") == 1, diff  # (" removed “Docs”" is not one)
        assert "moved “Visual design”" not in diff and "moved “QA”" not in diff
        assert "4 pending changes" in diff
        assert "edited “Visual design” amount: $500.00 → $420.00" in diff
        assert titles(long_website) == WEBSITE + ["Docs", "QA", "Launch party"]
        await press(pilot, "escape")  # back to the list, changes kept
        assert not screen.showing_changes and len(screen.ops) == 4
        await press(pilot, "f2")  # the F-key alternate of ctrl+s
        assert isinstance(pilot.app.screen, ContractListScreen)
        assert titles(long_website) == ["Wireframes", "Launch party", "Visual design",
                                        "Build and launch", "QA", "Extra polish"]
        assert events_of(long_website, "save_plan") == saves + 1  # one event for all
        assert AuditRecord.select().count() == audits + 1
        visual = Milestone.get(Milestone.title == "Visual design")
        assert visual.amount_cents == 420_00

    drive(make_app(world.ada), scenario)


def test_undo_takes_back_the_last_change_until_saved(make_app, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, world.website)
        await press(pilot, "down", "d")
        assert shown_titles(screen) == ["Wireframes", "Build and launch"]
        await press(pilot, "u")
        assert shown_titles(screen) == WEBSITE and screen.ops == []
        await press(pilot, "u")
        assert "Nothing to take back" in status(screen)
        assert isinstance(pilot.app.screen, MilestoneManagerScreen)  # not "switch user"

    drive(make_app(world.ada), scenario)


def test_the_form_checks_each_field_as_it_is_typed_with_the_rules_message(
        make_app, world, drive):
    async def scenario(pilot):
        await open_manager(pilot, world.website)
        await press(pilot, "a")
        form = pilot.app.screen
        problems = lambda name: text_of(form.query_one(f"#problem-{name}", Static))  # noqa
        assert problems("title") == ""  # nothing said before anything is typed
        await press(pilot, "tab", "tab", *"next week", "tab", "3")
        assert problems("due_date") == "“next week” is not a date: use YYYY-MM-DD."
        assert problems("amount_cents") == "Milestones must be at least $5.00. (U-01)"
        await press(pilot, "0", "0", "0", "0", "0", "0", "0")
        assert problems("amount_cents") == ("$30,000,000.00 is above the limit of "
                                            "$1,000,000.00 per milestone. (G-01)")
        await press(pilot, "enter")  # refused: the first problem gets the focus
        assert isinstance(pilot.app.screen, MilestoneForm)
        assert problems("title") == "Title cannot be empty."
        assert pilot.app.focused.id == "field-title"
        await press(pilot, "escape")
        assert isinstance(pilot.app.screen, MilestoneManagerScreen)
        assert pilot.app.screen.ops == []

    drive(make_app(world.ada), scenario)


def test_U08_editing_a_locked_milestone_is_refused_with_the_rule(make_app, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, world.website)
        await press(pilot, "e")  # Wireframes, submitted
        assert isinstance(pilot.app.screen, MilestoneManagerScreen)
        assert "only future milestones" in status(screen) and "(U-08)" in status(screen)
        await press(pilot, "d")
        assert "(U-08)" in status(screen) and shown_titles(screen) == WEBSITE

    drive(make_app(world.ada), scenario)


def test_U02_the_200_limit_refuses_with_its_rule(make_app, world, clock, drive):
    big = create_contract(world.ada, freelancer=world.bo, title="Big", policy="upwork",
                          clock=clock, milestones=[AddMilestone(f"M{i}", 500)
                                                   for i in range(200)])

    async def scenario(pilot):
        screen = await open_manager(pilot, big)
        await press(pilot, "a", *"One too many", "tab", "tab", "tab", *"10", "enter")
        assert "At most 200 milestones are allowed on a contract; this plan has 201. " \
               "(U-02)" in status(screen)
        assert len(screen.plan_list.items) == 200 and screen.ops == []

    drive(make_app(world.ada), scenario)


def test_escape_asks_before_discarding_unsaved_changes(make_app, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, world.website)
        await press(pilot, "down", "d", "escape")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await press(pilot, "escape")  # no: keep editing
        assert pilot.app.screen is screen and len(screen.ops) == 1
        await press(pilot, "escape", "enter")  # yes: discard
        assert isinstance(pilot.app.screen, ContractListScreen)
        assert titles(world.website) == WEBSITE

    drive(make_app(world.ada), scenario)


def test_U10_a_compliance_contract_only_offers_reordering(make_app, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, world.mobile)
        note = text_of(screen.query_one("#plan-note", Static))
        assert "compliance contract planned all its milestones at the start" in note
        assert "(U-10)" in note
        offered = footer_actions(screen)
        assert "grab" in offered
        assert not {"add", "edit", "delete"} & offered
        await press(pilot, "a")
        assert isinstance(pilot.app.screen, MilestoneManagerScreen)

    drive(make_app(world.ada), scenario)


def test_U16_while_a_proposal_is_pending_the_client_sees_why_and_opens_it(
        make_app, world, clock, drive):
    visual = Milestone.get(Milestone.title == "Visual design")
    propose_milestone_changes(world.bo, world.website.id,
                              [EditMilestone(visual.id, {"amount_cents": 650_00})],
                              "More screens", clock=clock)

    async def scenario(pilot):
        screen = await open_manager(pilot, world.website)
        note = text_of(screen.query_one("#plan-note", Static))
        assert "accept or decline their request before changing future milestones" in note
        assert "(U-16)" in note and "Press p to open the proposal." in note
        offered = footer_actions(screen)
        assert "open_proposal" in offered
        assert not {"grab", "add", "edit", "delete", "save"} & offered
        await press(pilot, "p")
        assert isinstance(pilot.app.screen, RequestScreen)
        await press(pilot, "a", "enter")  # accept, confirm
        await press(pilot, "escape")
        assert pilot.app.screen is screen and screen.proposal is None
        assert "add" in footer_actions(screen)  # editing is open again
        assert Milestone.get_by_id(visual.id).amount_cents == 650_00

    drive(make_app(world.ada), scenario)


def test_U14_the_freelancer_sends_the_batch_as_a_proposal(make_app, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, world.website)
        offered = footer_actions(screen)
        assert "save" in offered and "grab" not in offered  # U-14: no reordering
        await press(pilot, "end", "d", "ctrl+s")
        assert isinstance(pilot.app.screen, MessageDialog)
        await press(pilot, *"Not needed", "enter")
        assert isinstance(pilot.app.screen, ContractListScreen)
        cr = ChangeRequest.get(ChangeRequest.contract == world.website.id)
        assert cr.status == "pending" and cr.kind == "freelancer_proposal"
        assert cr.message == "Not needed"
        assert titles(world.website) == WEBSITE  # waits for the client (U-15)

    drive(make_app(world.bo), scenario)


def test_support_and_strangers_cannot_change_the_plan(make_app, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, world.website)
        assert "Only the client may add, edit, delete or reorder milestones directly." in \
            text_of(screen.query_one("#plan-note", Static))
        assert not {"grab", "add", "save"} & footer_actions(screen)

    drive(make_app(world.sam), scenario)

    async def stranger(pilot):
        await pilot.app.push_screen(MilestoneManagerScreen(world.website.id))
        await settle(pilot)
        assert isinstance(pilot.app.screen, ContractListScreen)
        assert [n.message for n in pilot.app._notifications] == [
            "No such contract, or it is not yours to see."]

    drive(make_app(world.cy), stranger)


def test_a_mouse_drag_captures_the_mouse_and_carries_the_row(make_app, long_website, world,
                                                              drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, long_website)
        plan_list = screen.plan_list
        # Row i is drawn on line i + 1 (the header is line 0).
        await pilot.mouse_down(ReorderList, offset=(10, 6))  # Launch party
        assert plan_list.state == "dragging"
        assert pilot.app.mouse_captured is plan_list
        await pilot.hover(ReorderList, offset=(10, 4))
        assert shown_titles(screen)[3] == "Launch party"
        await pilot.hover(ReorderList, offset=(10, 0))  # up past the locked row: stops
        assert shown_titles(screen)[:2] == ["Wireframes", "Launch party"]
        await pilot.mouse_up(ReorderList, offset=(10, 0))
        await settle(pilot)
        assert plan_list.state == "idle" and pilot.app.mouse_captured is None
        assert screen.ops and "Moved “Launch party” from 6 to 2." in status(screen)

    drive(make_app(world.ada), scenario)


def test_the_palette_and_help_list_the_managers_keys(make_app, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, world.website)
        names = [hit.text async for hit in ScreenCommands(screen).discover()]
        for label in ("Grab", "Add", "Edit", "Delete", "Undo", "Changes", "Save", "Back"):
            assert label in names, label
        assert "Drop" not in names  # nothing is carried
        await press(pilot, "down", "space")
        names = [hit.text async for hit in ScreenCommands(screen).discover()]
        assert {"Drop", "Move up", "Move down"} <= set(names)
        assert "Add" not in names

    drive(make_app(world.ada), scenario)


def test_U07_a_fiverr_order_keeps_its_plan_and_says_why(make_app, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, world.logo)
        note = text_of(screen.query_one("#plan-note", Static))
        assert "A Fiverr order keeps the milestones of its Gig or custom offer" in note
        assert "(U-07)" in note
        assert not {"grab", "add", "edit", "delete", "save"} & footer_actions(screen)

    drive(make_app(world.ada), scenario)


def test_X32_criteria_are_typed_in_the_form_checked_as_typed_and_saved_with_the_plan(
        make_app, world, drive):
    async def scenario(pilot):
        screen = await open_manager(pilot, world.website)
        await press(pilot, "end", "e")  # Build and launch, a future milestone
        form = pilot.app.screen
        assert isinstance(form, MilestoneForm)
        problem = lambda: text_of(form.query_one("#problem-criteria", Static))  # noqa
        await retype(pilot, "criteria", "Loads fast; loads FAST")
        assert problem() == "Criterion 2 repeats an earlier one: “loads FAST”. (X-32)"
        await retype(pilot, "criteria", "Loads fast;  Works on phones ;")
        assert problem() == ""
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, MilestoneManagerScreen)
        await press(pilot, "c")
        diff = " ".join(text_of(screen.query_one("#plan-diff", Static)).split())
        assert ("edited “Build and launch” acceptance criteria: — → Loads fast; Works on "
                "phones") in diff
        await press(pilot, "escape", "f2")
        build = Milestone.get(Milestone.title == "Build and launch")
        assert build.criteria == ("Loads fast", "Works on phones")

    drive(make_app(world.ada), scenario)
