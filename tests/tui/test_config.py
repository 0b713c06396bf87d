"""The config file (tui/config.py) and `milestones config`: flag > environment > file >
default, a theme chosen in the palette is saved, a keymap remaps bindings by id."""
from __future__ import annotations

import json

import pytest

from tui.cli import common, start
from tui.cli.accounts import new_account_timezone
from tui.commands import entries
from tui.config import ConfigError, load_config, parse_config, save_theme
from tui.main import main


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("MILESTONES_CONFIG", str(path))
    load_config.cache_clear()
    yield path
    load_config.cache_clear()


def write(path, text: str) -> None:
    path.write_text(text)
    load_config.cache_clear()


def test_no_file_means_the_defaults(config_file):
    config = load_config()
    assert (config.database, config.theme, config.sweep_every, config.keymap) == (
        None, None, None, {})
    assert (config.ssh.port, config.ssh.host, config.web.port) == (2222, "127.0.0.1", 8000)


def test_precedence_flag_then_environment_then_file_then_default(config_file, monkeypatch):
    monkeypatch.delenv(common.DB_ENV, raising=False)
    monkeypatch.delenv(start.SWEEP_ENV, raising=False)
    monkeypatch.delenv("MILESTONES_TIMEZONE", raising=False)
    assert common.database_url(None).endswith("/milestones/milestones.db")  # default
    assert start.sweep_every(None) == 30 and new_account_timezone(None) == "UTC"
    write(config_file, 'database = "sqlite:///from-file.db"\nsweep_every = 5\n'
                       'timezone = "Europe/Berlin"\n')
    assert common.database_url(None) == "sqlite:///from-file.db"                 # file
    assert start.sweep_every(None) == 5 and new_account_timezone(None) == "Europe/Berlin"
    monkeypatch.setenv(common.DB_ENV, "sqlite:///from-env.db")
    monkeypatch.setenv(start.SWEEP_ENV, "7")
    monkeypatch.setenv("MILESTONES_TIMEZONE", "Asia/Tokyo")
    assert common.database_url(None) == "sqlite:///from-env.db"                  # env
    assert start.sweep_every(None) == 7 and new_account_timezone(None) == "Asia/Tokyo"
    assert common.database_url("sqlite:///flag.db") == "sqlite:///flag.db"        # flag
    assert start.sweep_every(0) == 0 and new_account_timezone("UTC") == "UTC"


def test_X30_the_undo_window_flag_then_environment_then_file_then_ten_minutes(
        config_file, monkeypatch):
    from tui.config import UNDO_ENV, release_undo_minutes
    monkeypatch.delenv(UNDO_ENV, raising=False)
    assert release_undo_minutes() == 10
    write(config_file, "release_undo_minutes = 0\n")
    assert release_undo_minutes() == 0
    monkeypatch.setenv(UNDO_ENV, "25")
    assert release_undo_minutes() == 25 and release_undo_minutes(3) == 3
    for bad in ("-1", "ten", "1441", "١٠"):
        monkeypatch.setenv(UNDO_ENV, bad)
        with pytest.raises(ConfigError, match=UNDO_ENV):
            release_undo_minutes()


@pytest.mark.parametrize("text, says", [
    ("theme = 'nord'\ndatabase = = 3", "line 2"),
    ("release_undo_minutes = 1441", "“release_undo_minutes” is from 0 (off) to 1440"),
    ("release_undo_minutes = 2.5", "“release_undo_minutes” has the wrong type"),
    ("colour = 'red'", "unknown setting “colour”"),
    ("sweep_every = 'often'", "“sweep_every” has the wrong type"),
    ("[ssh]\nport = '22'", "“ssh.port” has the wrong type"),
    ("[keymap]\nrelease = 5", "binding_id"),
    ("ssh = 3", "tables"),
])
def test_a_bad_file_is_one_line_naming_the_file(config_file, capsys, text, says):
    write(config_file, text)
    with pytest.raises(ConfigError) as info:
        load_config()
    assert says in str(info.value) and str(config_file) in str(info.value)
    assert main(["config", "show"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(config_file) in err


def test_saving_the_theme_keeps_every_other_line(config_file):
    write(config_file, '# my settings\ndatabase = "sqlite:///x.db"  # the team db\n\n'
                       '[ssh]\nport = 2200\n')
    save_theme("nord")
    assert load_config().theme == "nord" and load_config().ssh.port == 2200
    save_theme('tokyo "night"')
    text = config_file.read_text()
    assert text.count("theme =") == 1 and "# my settings" in text and "# the team db" in text
    assert load_config().theme == 'tokyo "night"'


def test_config_path_and_show(config_file, capsys):
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(config_file)
    write(config_file, 'theme = "nord"\n[keymap]\nrelease = "ctrl+r"\n')
    assert main(["config", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["theme"] == "nord" and shown["keymap"] == {"release": "ctrl+r"}
    assert shown["exists"] is True and "database" in shown["in_force"]


def test_a_theme_chosen_in_the_app_is_saved_and_a_keymap_remaps(config_file, world,
                                                                app_clock, drive):
    from tui.app import MilestonesApp
    write(config_file, '[keymap]\nnotifications = "ctrl+n"\n')
    app = MilestonesApp(world.ada, clock=app_clock, cursor_blink=False,
                        theme="textual-dark", config=load_config())

    async def scenario(pilot):
        app.theme = "nord"  # what the palette's Theme command does
        await pilot.pause()
        assert parse_config(config_file.read_text(), config_file).theme == "nord"
        keys = {e.action: e.key for _, group in entries(app.screen) for e in group}
        assert keys["notifications"] == "^n"  # the help screen and palette say so
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert type(app.screen).__name__ == "NotificationsScreen"

    drive(app, scenario)


def test_without_a_config_the_app_saves_nothing(config_file, world, app_clock, drive):
    from tui.app import MilestonesApp
    app = MilestonesApp(world.ada, clock=app_clock, cursor_blink=False, theme="textual-dark")

    async def scenario(pilot):
        app.theme = "nord"
        await pilot.pause()
        assert not config_file.exists()

    drive(app, scenario)
