"""Switching who is acting, and the notifications inbox."""
from __future__ import annotations

from textual.widgets import OptionList, Static

from rules.notifications import notifications, unread_count
from tui_helpers import press, text_of
from tui.screens.contract import ContractScreen
from tui.screens.contract_list import ContractListScreen
from tui.screens.notifications import NotificationsScreen
from tui.screens.switch_user import SwitchUserScreen
from tui.widgets.contract_table import ContractTable


def keys(pilot) -> list[int]:
    return [s.id for s in pilot.app.screen.query_one(ContractTable).summaries]


def test_switching_user_changes_the_rows_and_the_header(make_app, world, drive):
    async def scenario(pilot):
        await press(pilot, "u", "down", "escape")  # escape keeps the user
        assert pilot.app.actor.login == "ada" and len(keys(pilot)) == 3

        await press(pilot, "enter")  # a contract of Ada's is open...
        await press(pilot, "u")
        dialog = pilot.app.screen
        assert isinstance(dialog, SwitchUserScreen)
        logins = [a.login for a in dialog.accounts]
        assert logins == ["sam", "ada", "cy", "bo", "di"]  # by role, then login
        assert dialog.query_one(OptionList).highlighted == 1  # Ada, acting now
        await press(pilot, "down", "enter")  # Cy
        # ...and is closed: Cy may not see it (G-07).
        assert isinstance(pilot.app.screen, ContractListScreen)
        assert pilot.app.actor.login == "cy"
        assert keys(pilot) == [world.pipeline.id, world.translation.id]
        acting = text_of(pilot.app.screen.query_one("#acting", Static))
        assert acting == f"Cy Client · client · {unread_count(world.cy)} unread"

    drive(make_app(world.ada), scenario)


def test_notifications_newest_first_r_marks_read_enter_opens(make_app, world, drive):
    async def scenario(pilot):
        before = unread_count(world.bo)
        assert before > 1
        await press(pilot, "n")
        screen = pilot.app.screen
        assert isinstance(screen, NotificationsScreen)
        assert [n.id for n in screen.items] == [n.id for n in notifications(world.bo)]
        assert screen.items[0].id > screen.items[-1].id  # newest first

        await press(pilot, "r")
        assert unread_count(world.bo) == before - 1          # in the database
        assert screen.items[0].read and not screen.items[1].read
        assert pilot.app.unread == before - 1                # in every header
        assert f"{before - 1} unread" in text_of(screen.query_one("#acting", Static))

        await press(pilot, "a")
        assert unread_count(world.bo) == 0
        assert pilot.app.unread == 0

        await press(pilot, "home", "enter")  # the newest: Cy's partial release
        assert isinstance(pilot.app.screen, ContractScreen)
        assert pilot.app.screen.contract_id == world.pipeline.id
        await press(pilot, "escape")
        assert pilot.app.screen is screen

    drive(make_app(world.bo), scenario)


def test_switching_user_is_offered_on_demo_data_only(world, app_clock, drive):
    """Outside the demo --as says who acts, and no key changes it (the app has no login
    of its own); `main` offers switching on demo data only (test_tui_cli.py)."""
    from tui.app import MilestonesApp
    app = MilestonesApp(world.ada, clock=app_clock, cursor_blink=False, switch_user=False)

    async def scenario(pilot):
        assert not pilot.app.check_action("switch_user", ())
        await press(pilot, "u")
        assert isinstance(pilot.app.screen, ContractListScreen)
        assert pilot.app.actor.login == "ada"
        assert "User" not in [k.description for k in pilot.app.screen.query("FooterKey")]

    drive(app, scenario)
