"""`E` exports what the screen shows (issue 14): the list's contracts (as filtered), a
room's milestones, ledger, timeline or audit records; a file that exists is never
replaced; a served session has no `E` (it would write on the server)."""
from __future__ import annotations

import csv
import json

from textual.widgets import Input

from room_helpers import notes, open_room, press, settle
from tui.screens import contract_list
from tui.screens.dialogs.export import ExportDialog
from tui_helpers import text_of


def rows_of(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def export_to(pilot, path) -> None:
    """In the open export dialog: type the file's name and press enter."""
    box = pilot.app.screen.query_one("#path", Input)
    box.value = str(path)
    await press(pilot, "enter")


def test_E_on_the_list_writes_the_contracts_shown(make_app, world, drive, tmp_path,
                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)

    async def scenario(pilot):
        await press(pilot, "E")
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportDialog)
        default = dialog.query_one("#path", Input).value
        assert default.startswith(str(tmp_path / "milestones-contracts-"))
        assert default.endswith(".csv")
        await press(pilot, "enter")  # the default name, in the working folder
        assert not isinstance(pilot.app.screen, ExportDialog)
        written = list(tmp_path.glob("milestones-contracts-*.csv"))
        assert len(written) == 1
        rows = rows_of(written[0])
        # Ada's three contracts (G-07: none of the others'), money-free columns.
        assert sorted(int(r["id"]) for r in rows) == sorted(
            [world.website.id, world.logo.id, world.mobile.id])
        assert any("3 contracts rows written to" in n for n in notes(pilot.app))

    drive(make_app(world.ada), scenario)


def test_E_exports_only_what_the_filter_finds(make_app, world, drive, tmp_path):
    async def scenario(pilot):
        await pilot.press("slash", "l", "o", "g", "o", "enter")
        await pilot.pause(contract_list.DEBOUNCE + 0.1)
        await settle(pilot)
        await press(pilot, "E")
        assert "the 1 contract the filter finds" in text_of(
            pilot.app.screen.query_one(".dialog-text"))
        await export_to(pilot, tmp_path / "logo.csv")
        assert [r["title"] for r in rows_of(tmp_path / "logo.csv")] == ["Logo refresh"]

    drive(make_app(world.ada), scenario)


def test_E_in_the_room_writes_the_chosen_table_as_json(make_app, world, drive, tmp_path):
    async def scenario(pilot):
        await open_room(pilot, world.ada, world.website)
        await press(pilot, "E")
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#kind-ledger").value = True
        dialog.query_one("#format-json").value = True
        await settle(pilot)
        name = dialog.query_one("#path", Input).value
        assert f"milestones-ledger-c{world.website.id}-" in name and name.endswith(".json")
        await export_to(pilot, tmp_path / "ledger.json")
        rows = json.loads((tmp_path / "ledger.json").read_text())
        assert rows and {r["contract"] for r in rows} == {world.website.id}
        # Money as cents and as a decimal string (issue 14).
        assert all(r["amount"] == f"{r['amount_cents'] / 100:.2f}" for r in rows)

    drive(make_app(world.ada), scenario)


def test_an_existing_file_is_never_replaced(make_app, world, drive, tmp_path):
    kept = tmp_path / "report.csv"
    kept.write_text("mine\n")

    async def scenario(pilot):
        await press(pilot, "E")
        await export_to(pilot, kept)
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportDialog)  # open again, with the reason
        assert "exists already: choose another name" in dialog.error_text
        assert dialog.query_one("#path", Input).value == str(kept)
        await export_to(pilot, tmp_path / "other.csv")
        assert (tmp_path / "other.csv").exists()

    drive(make_app(world.ada), scenario)
    assert kept.read_text() == "mine\n"


def test_a_served_session_has_no_export(make_app, world, drive, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from rules.identity import open_session
    app = make_app(world.ada)
    app.session = open_session(world.ada, "ssh")  # as `milestones ssh` passes it

    async def scenario(pilot):
        screen = pilot.app.screen
        assert screen.check_action("export", ()) is False
        await press(pilot, "E")
        assert not isinstance(pilot.app.screen, ExportDialog)
        assert not list(tmp_path.glob("milestones-*"))

    drive(app, scenario)
