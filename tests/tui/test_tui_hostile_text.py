"""Issue 17, the stored-data path: text that rules/validation now refuses (markup,
escape sequences, bidi controls, NUL) is written straight into the database, as older
rows or an import may hold it, and every screen that shows it is opened at 80x24.
Each must open without an exception, show the text literally (markup as brackets,
control characters as placeholders, tui/safe_text.py), and hand the terminal no ESC,
BEL, C1 or bidi character beyond Textual's own sequences."""
from __future__ import annotations

import pytest
from textual import events
from hostile_helpers import plant, screen_text, stray_controls, terminal_output
from room_helpers import open_room, press
from tui_helpers import settle

from models.change_requests import ChangeRequest
from rules.change_requests import propose_milestone_changes
from rules.plan import AddMilestone
from tui.safe_text import shown, user_text
from tui.screens.audit_trail import AuditTrailScreen
from tui.screens.contract_list import ContractListScreen
from tui.screens.dialogs.review_pay import ReviewPayDialog
from tui.screens.inbox import InboxScreen
from tui.screens.milestone_manager import MilestoneManagerScreen
from tui.screens.notifications import NotificationsScreen
from tui.screens.request_detail import RequestScreen
from tui.screens.support_console import SupportConsoleScreen

# Markup that crashed the room ([/x], [bold) or blinked, then CSI erase-screen, OSC 0
# (window title) ended by BEL, OSC 8 (a file:// link) ended by ST, a right-to-left
# override, NUL, a C1 CSI, and an OSC left open (it would swallow what follows).
PAYLOAD = ("[/x][bold[blink]B[/]\x1b[2J\x1b]0;t\x07\x1b]8;;file:///e\x1b\\"
           "\u202eZ\x00\x9b\x1b]0;open")
VISIBLE = "[/x][bold[blink]B[/]"  # the start of it, which every screen has room for


@pytest.fixture
def planted(world, clock):
    """The website contract, with a proposal from Bo, then the payload everywhere."""
    propose_milestone_changes(world.bo, world.website.id, [AddMilestone("Extra", 300_00)],
                              "Please add this", clock=clock)
    plant(world.website, PAYLOAD)
    return ChangeRequest.select().where(ChangeRequest.contract == world.website.id).get()


def check(pilot, where: str, *, full: bool = False) -> str:
    app = pilot.app
    assert app._exception is None, f"{where}: {app._exception!r}"
    out = terminal_output(app)
    assert stray_controls(out) == [], f"{where} sends raw control characters"
    text = screen_text(out)
    assert VISIBLE in text, f"{where} does not show the title literally:\n{text}"
    if full:  # the placeholders too, as far as 80 columns have room
        assert shown(PAYLOAD)[:50] in text, f"{where} does not show the placeholders:\n{text}"
    return text


def test_the_placeholders_are_visible_and_inert():
    assert shown(PAYLOAD) == ("[/x][bold[blink]B[/]␛[2J␛]0;t␇␛]8;;file:///e␛\\"
                              "⟨U+202E⟩Z␀⟨U+009B⟩␛]0;open")
    assert shown("a\nb\tc") == "a␊b␉c" and shown("a\nb\tc", multiline=True) == "a\nb\tc"
    assert user_text("[blink]x[/]").spans == []  # no style came from the text
    assert shown(None) == "" and shown("\ud800") == "⟨U+D800⟩"


def test_client_screens_show_stored_hostile_text_inert(planted, world, make_app, drive):
    async def scenario(pilot):
        app = pilot.app
        assert isinstance(app.screen, ContractListScreen)
        check(pilot, "the contract list")
        await open_room(pilot, world.ada, world.website)
        check(pilot, "the contract room")
        await press(pilot, "p")  # the submitted milestone: its message and link
        assert isinstance(app.screen, ReviewPayDialog)
        check(pilot, "the review-and-pay dialog", full=True)
        await press(pilot, "escape")
        await app.push_screen(MilestoneManagerScreen(world.website.id))
        await settle(pilot)
        check(pilot, "the milestone manager")
        app.pop_screen()
        await app.push_screen(InboxScreen("incoming"))
        await settle(pilot)
        check(pilot, "the inbox")
        await app.push_screen(RequestScreen(planted.id))
        await settle(pilot)
        check(pilot, "the request detail", full=True)
        await app.push_screen(NotificationsScreen())
        await settle(pilot)
        check(pilot, "the notifications", full=True)
    drive(make_app(world.ada), scenario)


def test_support_screens_show_stored_hostile_text_inert(planted, world, make_app, drive):
    async def scenario(pilot):
        app = pilot.app
        await app.push_screen(SupportConsoleScreen())
        await settle(pilot)
        check(pilot, "the support console")
        await app.push_screen(AuditTrailScreen(world.website.id, PAYLOAD))
        await settle(pilot)
        check(pilot, "the audit trail")
    drive(make_app(world.sam), scenario)


@pytest.mark.parametrize("title", ["[/x]", "[bold", "[blink]BOOM[/]", "[link=file:///etc]x"])
def test_a_markup_title_opens_the_room_and_shows_as_typed(title, world, make_app, drive):
    """The issue's first report: `[/x]` or `[bold` crashed the room (MarkupError); the
    title now goes through rules/ as plain text and is shown as typed, unstyled."""
    from rules.planning import edit_milestone
    from tui.widgets.milestone_table import MilestoneTable
    m = [m for m in world.website.milestones if m.status == "planned"][0]
    edit_milestone(world.ada, m.id, title=title)

    async def scenario(pilot):
        screen = await open_room(pilot, world.ada, world.website)
        assert pilot.app._exception is None
        table = screen.query_one(MilestoneTable)
        cells = [table.get_row_at(i)[1] for i in range(table.row_count)]
        assert any(str(c) == title and not c.spans and not c.style for c in cells), cells
        assert stray_controls(terminal_output(pilot.app)) == []
    drive(make_app(world.ada), scenario)


@pytest.mark.parametrize("typed", ["9" * 5000, "$" + "9" * 4400 + ".00"],
                         ids=["5000 digits", "4400 digits"])
def test_T09_the_money_field_refuses_any_paste_in_words(typed):
    """The issue: a 5,000-digit paste in the money field was a traceback (format_money's
    int-to-str limit); now it is the rules' refusal, shown under the field."""
    import asyncio

    from textual.app import App

    from tui.widgets.money_input import MoneyInput

    class OneField(App):
        def compose(self):
            yield MoneyInput(id="amount")

    async def go():
        async with OneField().run_test() as pilot:
            field = pilot.app.query_one(MoneyInput)
            pilot.app.post_message(events.Paste(typed))  # to the focused field
            await pilot.pause()
            assert field.value == typed
            return field.read()
    cents, problem = asyncio.run(go())
    assert cents is None and problem.endswith("(G-01)"), problem


# A pasted ESC or U+202E is made visible as it is pasted (tui/widgets/plain_text.py): the
# filter then searches for the placeholder, and finds nothing. Zero-width only: T-04.
@pytest.mark.parametrize("pasted, words", [("\u200b\u200b", "no visible characters"),
                                           ("web\x1b[2J", "No contract matches “web␛[2J”"),
                                           ("\u202esite", "No contract matches “⟨U+202E⟩site”")])
def test_a_filter_the_rules_refuse_is_shown_in_words_not_as_a_failure(pasted, words, world,
                                                                      make_app, drive):
    from tui.screens import contract_list
    from tui_helpers import text_of

    async def scenario(pilot):
        await pilot.press("slash")
        pilot.app.post_message(events.Paste(pasted))
        await pilot.pause(contract_list.DEBOUNCE + 0.1)
        await settle(pilot)
        empty = text_of(pilot.app.screen.query_one("#empty"))
        assert words in empty and "escape" in empty, empty
        assert not [n for n in pilot.app._notifications if n.severity == "error"]
        assert stray_controls(terminal_output(pilot.app)) == []
    drive(make_app(world.ada), scenario)


def test_fields_never_echo_a_pasted_or_stored_control_character():
    """Input and TextArea draw their value as it is; the app's fields (PlainInput,
    PlainTextArea) turn control, C1 and bidi characters into placeholders, pasted or
    stored, so the frame carries none and what reaches rules/ is visible text."""
    import asyncio

    from textual.app import App

    from tui.widgets.plain_text import PlainInput, PlainTextArea

    class Fields(App):
        def compose(self):
            yield PlainTextArea("stored\x1b[2J\u202e", id="area")
            yield PlainInput("stored\x1b]0;t\x07", id="line")

    async def go():
        async with Fields().run_test(size=(80, 24)) as pilot:
            area, line = pilot.app.query_one(PlainTextArea), pilot.app.query_one(PlainInput)
            assert line.value == "stored␛]0;t␇"
            line.focus()
            pilot.app.post_message(events.Paste(" q\x1b[31m\x9b\nsecond line"))
            await pilot.pause()
            area.focus()
            pilot.app.post_message(events.Paste("p\x1b[31m\r\n\tz"))
            await pilot.pause()
            assert stray_controls(terminal_output(pilot.app)) == []
            return line.value, area.text
    line, area = asyncio.run(go())
    assert line == " q␛[31m⟨U+009B⟩"  # focus selected the stored value; a first line kept
    assert area == "p␛[31m\n\tzstored␛[2J⟨U+202E⟩"  # tab and newline kept


@pytest.mark.parametrize("text", ["[", "x\\", "[b", "\\[/b]"], ids=repr)
def test_a_name_or_title_ending_in_a_bracket_or_backslash_opens_every_room_screen(
        text, world, make_app, drive):
    """Found by the fuzzer: escaped user text inside markup (`[b]{escape(name)}[/b]`)
    still broke when it ended in "[" or a backslash (MarkupError in the room). The room's
    parties and deadlines and the manager's heading are Content now, never markup."""
    plant(world.website, text)

    async def scenario(pilot):
        screen = await open_room(pilot, world.ada, world.website)
        check_inert(pilot, "the contract room", text)
        assert text in screen_text(terminal_output(pilot.app))
        await pilot.app.push_screen(MilestoneManagerScreen(world.website.id))
        await settle(pilot)
        check_inert(pilot, "the milestone manager", text)
    drive(make_app(world.ada), scenario)


def check_inert(pilot, where: str, text: str) -> None:
    assert pilot.app._exception is None, f"{where}: {pilot.app._exception!r}"
    out = terminal_output(pilot.app)
    assert stray_controls(out) == [], where
    assert text in screen_text(out), where
