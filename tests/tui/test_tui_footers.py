"""Every footer fits 80 columns whole (issue 18): each screen, as client, freelancer and
agent, in the states that change its keys. The footer row as drawn must be exactly its
keys at their places: nothing cut mid-label, nothing under the palette key, no stray
glyph between them (Textual's own footer let hidden keys show a letter: "Commandso")."""
from __future__ import annotations

from textual.widgets._footer import FooterKey, FooterLabel

from room_helpers import open_room
from tui_helpers import press, settle
from tui.screens.audit_trail import AuditTrailScreen, SupportRoomScreen
from tui.screens.inbox import InboxScreen
from tui.screens.milestone_manager import MilestoneManagerScreen
from tui.screens.notifications import NotificationsScreen
from tui.screens.payouts import PayoutsScreen
from tui.screens.support_console import SupportConsoleScreen
from tui.widgets.footer import KeyFooter
from tui.widgets.reorder_keys import GRABBED

PALETTE_BORDER = "▏"


def footer_row(app) -> str:
    """The bottom line of the screen as drawn."""
    return app.screen._compositor.render_strips()[-1].text


def check_footer(app, where: str) -> list[str]:
    """The footer's labels, after checking the row as drawn is exactly its keys whole."""
    screen = app.screen
    footer = screen.query_one(KeyFooter)
    width = app.size.width
    row = footer_row(app)
    expected = [" "] * width
    parts = sorted((w for w in footer.query("FooterKey, FooterLabel")),
                   key=lambda w: w.region.x)
    right = 0
    for part in parts:
        if isinstance(part, FooterKey):
            text = part.key_display + (f" {part.description}" if part.description else "")
        else:
            text = str(part.content)
        x = part.region.x
        if part.has_class("-command-palette"):
            expected[x] = PALETTE_BORDER
            x += 1
        assert x >= right, f"{where}: {text!r} overlaps the key before it\n{row!r}"
        assert x + len(text) <= width, f"{where}: {text!r} runs past the edge\n{row!r}"
        expected[x:x + len(text)] = text
        right = x + len(text)
    assert row == "".join(expected), f"{where}:\n{row!r}\n{''.join(expected)!r}"
    return [k.description for k in footer.query(FooterKey) if k.description]


def demo_app(make_app, actor):
    """On demo data the app offers one more key (t, +1 day): the widest footers."""
    app = make_app(actor)
    app.demo = True
    return app


async def visit(pilot, screen, where: str) -> list[str]:
    await pilot.app.push_screen(screen)
    await settle(pilot)
    await pilot.pause()
    return check_footer(pilot.app, where)


async def back(pilot) -> None:
    pilot.app.pop_screen()
    await settle(pilot)
    await pilot.pause()


async def walk_common(pilot, who: str, contracts) -> None:
    app = pilot.app
    labels = check_footer(app, f"{who}: list")
    assert labels[:1] == ["Open"] and "Help" in labels, labels
    await press(pilot, "slash")
    await pilot.pause()
    check_footer(app, f"{who}: list, filter focused")  # letters are the filter's here
    await press(pilot, "escape")
    for contract in contracts:
        room = await open_room(pilot, app.actor, contract)
        labels = check_footer(app, f"{who}: room of {contract.title}")
        assert "Help" in labels
        if room.check_action("manage_milestones", ()):
            await visit(pilot, MilestoneManagerScreen(contract.id), f"{who}: plan of {contract.title}")
            plan = app.screen.plan_list
            for row in range(len(plan.items)):  # the first row that can move is grabbed
                plan.cursor = row
                await press(pilot, "space")
                if plan.state == GRABBED:
                    await pilot.pause()
                    labels = check_footer(app, f"{who}: plan of {contract.title}, grabbed")
                    assert "Drop" in labels, labels
                    await press(pilot, "escape")
                    break
            await back(pilot)
        await back(pilot)
    for box in ("incoming", "outgoing", "history"):
        await visit(pilot, InboxScreen(box), f"{who}: requests, {box}")
        await back(pilot)
    await visit(pilot, NotificationsScreen(), f"{who}: notifications")
    await back(pilot)
    await press(pilot, "question_mark")
    await pilot.pause()
    check_footer(app, f"{who}: help")
    await press(pilot, "escape")
    await press(pilot, "u")
    await pilot.pause()
    check_footer(app, f"{who}: switch user")
    await press(pilot, "escape")


def test_the_client_s_footers_fit_80_columns(world, make_app, drive):
    async def scenario(pilot):
        await walk_common(pilot, "client", [world.website, world.logo, world.mobile])
    drive(demo_app(make_app, world.ada), scenario)


def test_the_freelancer_s_footers_fit_80_columns(world, make_app, drive):
    async def scenario(pilot):
        await walk_common(pilot, "freelancer", [world.website, world.logo, world.pipeline])
        await visit(pilot, PayoutsScreen(), "freelancer: payouts")
        await back(pilot)
    drive(demo_app(make_app, world.bo), scenario)


def test_the_agent_s_footers_fit_80_columns(world, make_app, drive):
    async def scenario(pilot):
        app = pilot.app
        labels = check_footer(app, "agent: list")
        assert "Console" in labels, labels
        for contract in (world.website, world.pipeline):
            await visit(pilot, SupportRoomScreen(contract.id), f"agent: room of {contract.title}")
            await back(pilot)
        await visit(pilot, SupportConsoleScreen(), "agent: console, a field focused")
        await press(pilot, "enter")  # searches, and the results take the keys
        await pilot.pause()
        assert "Open" in check_footer(app, "agent: console, results focused")
        await visit(pilot, AuditTrailScreen(world.website.id, world.website.title),
                    "agent: audit trail")
    drive(demo_app(make_app, world.sam), scenario)
