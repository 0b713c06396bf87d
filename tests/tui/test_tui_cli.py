"""The `milestones` command line: database, who is acting (I-01: the OS user, or --as
on demo data only), the demo, and one-line refusals."""
from __future__ import annotations

import re
import sys
import types

import pytest

from models.accounts import Account
from models.db import SchemaVersion, sqlite_url
from rules.timetravel import mark_demo
from tui.cli import common, start
from tui.cli.acting import current_os_user
from tui.main import main


@pytest.fixture
def url(world, tmp_path):
    return sqlite_url(tmp_path / "test.db")  # the world's database (not a demo)


@pytest.fixture
def demo_url(url):
    mark_demo()  # the world's database, marked as `milestones demo` marks its own
    return url


@pytest.fixture
def me() -> str:
    return current_os_user()


@pytest.fixture
def no_tui(monkeypatch):
    """Record the app main() would run, without running it."""
    started = []
    monkeypatch.setattr("tui.app.MilestonesApp.run", lambda app: started.append(app))
    return started


def names_a_login(text: str) -> bool:
    return re.search(r"\b(ada|cy|bo|di|sam)\b", text) is not None


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_as_picks_the_acting_user_on_demo_data(demo_url, no_tui):
    assert main(["--db", demo_url, "--as", "cy"]) == 0
    assert no_tui[0].actor.login == "cy"
    # The list's first page is read before start-up, for that user.
    first = no_tui[0]._first_page
    assert first.query[0] == no_tui[0].actor.id and first.total == 2 == len(first.rows)


def test_I01_as_on_a_real_database_exits_2_naming_no_user(url, no_tui, capsys):
    assert main(["--db", url, "--as", "sam"]) == 2
    err = one_line_error(capsys)
    assert "--as" in err and "demo data" in err and "[I-01]" in err
    assert not names_a_login(err)
    assert no_tui == []


def test_I01_a_real_database_acts_as_the_account_bound_to_the_os_user(url, no_tui, me):
    Account.update(os_user=me).where(Account.login == "bo").execute()
    assert main(["--db", url]) == 0
    assert no_tui[-1].actor.login == "bo" and no_tui[-1].switch_user is False


def test_I01_the_os_user_comes_from_the_kernel_not_from_USER(url, no_tui, me, monkeypatch):
    Account.update(os_user=me).where(Account.login == "bo").execute()
    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    assert main(["--db", url]) == 0
    assert no_tui[-1].actor.login == "bo"


def test_I01_without_a_bound_account_it_says_what_to_run(url, no_tui, me, capsys):
    assert main(["--db", url]) == 2
    err = one_line_error(capsys)
    assert f"--os-user {me}" in err and "accounts add" in err
    assert not names_a_login(err)
    assert no_tui == []


def test_I03_a_disabled_bound_account_cannot_start(url, no_tui, me, capsys):
    Account.update(os_user=me, disabled=True).where(Account.login == "bo").execute()
    assert main(["--db", url]) == 2
    assert "disabled" in one_line_error(capsys)


def test_MILESTONES_USER_is_refused_on_a_real_database_too(url, no_tui, monkeypatch, capsys):
    monkeypatch.setenv(common.USER_ENV, "sam")
    assert main(["--db", url]) == 2
    assert "[I-01]" in one_line_error(capsys)


def test_default_user_on_demo_data_is_env_then_ada(demo_url, no_tui, monkeypatch):
    monkeypatch.delenv(common.USER_ENV, raising=False)
    assert main(["--db", demo_url]) == 0
    assert no_tui[-1].actor.login == "ada"
    monkeypatch.setenv(common.USER_ENV, "bo")
    assert main(["--db", demo_url]) == 0
    assert no_tui[-1].actor.login == "bo"


def test_db_url_from_the_environment(url, monkeypatch):
    monkeypatch.setenv(common.DB_ENV, url)
    assert common.database_url(None) == url
    assert common.database_url("sqlite:///elsewhere.db") == "sqlite:///elsewhere.db"
    monkeypatch.delenv(common.DB_ENV)
    assert common.database_url(None).endswith("/milestones.db")


def test_I02_an_unknown_login_is_one_line_and_names_nobody(demo_url, no_tui, capsys):
    assert main(["--db", demo_url, "--as", "nobody"]) == 2
    err = one_line_error(capsys)
    assert err.startswith("milestones: No user “nobody”.")
    assert not names_a_login(err)
    assert no_tui == []


def test_a_newer_schema_is_one_line_and_exit_2(url, capsys):
    SchemaVersion.update(version=99).execute()
    assert main(["--db", url]) == 2
    assert "newer Milestones" in one_line_error(capsys)


def test_an_unusable_database_url_is_one_line_and_exit_2(capsys):
    assert main(["--db", "nosuch://somewhere"]) == 2
    assert "Cannot open the database" in one_line_error(capsys)


def test_demo_refuses_a_database_with_data(url, capsys):
    assert main(["demo", "--db", url]) == 1
    assert "already has data" in capsys.readouterr().out


@pytest.fixture
def fake_demo(monkeypatch):
    """rules/demo.py belongs to another module's tests: here only its contract with
    the command line (fill_demo() -> dict) matters."""
    made = []

    def fill_demo(clock=None):
        from rules.timetravel import mark_demo
        for login, role in (("ada", "client"), ("bo", "freelancer")):
            Account.create(login=login, display_name=login.title(), role=role)
        mark_demo()
        made.append(True)
        return {"accounts": {"client": 1, "freelancer": 1}, "contracts": 0}

    monkeypatch.setitem(sys.modules, "rules.demo", types.SimpleNamespace(fill_demo=fill_demo))
    return made


def test_demo_fills_an_empty_database_and_says_what_it_made(tmp_path, fake_demo, capsys):
    empty = sqlite_url(tmp_path / "empty.db")
    assert main(["demo", "--db", empty]) == 0
    out = capsys.readouterr().out
    assert fake_demo == [True]
    assert "accounts: client 1, freelancer 1" in out
    assert "ada, bo" in out
    assert main(["demo", "--db", empty, "--if-empty"]) == 0  # a demo already: fine
    assert fake_demo == [True]


def test_a_named_empty_database_never_gets_the_demo_behind_the_users_back(
        tmp_path, fake_demo, no_tui, capsys):
    assert main(["--db", sqlite_url(tmp_path / "empty.db")]) == 2
    assert fake_demo == [] and no_tui == []
    assert "milestones demo" in one_line_error(capsys)  # it says how to get one


def test_global_db_option_reaches_the_demo_command(tmp_path, fake_demo):
    empty = sqlite_url(tmp_path / "empty.db")
    assert main(["--db", empty, "demo"]) == 0
    assert fake_demo == [True]


def test_demo_advance_moves_the_stored_clock_and_applies_what_fell_due(tmp_path, capsys):
    """`milestones demo --advance 15d` on the real demo: the demo's open windows (review,
    refund answer, dispute, change request, start next) all close within 15 days."""
    from models.deadlines import Deadline
    from models.vocabulary import DeadlineStatus
    from rules.timetravel import is_demo, stored_offset
    db = sqlite_url(tmp_path / "demo.db")
    assert main(["demo", "--db", db]) == 0
    assert is_demo()
    open_before = Deadline.select().where(Deadline.status == DeadlineStatus.OPEN).count()
    assert open_before >= 5
    capsys.readouterr()
    assert main(["demo", "--db", db, "--advance", "15d"]) == 0
    out = capsys.readouterr().out
    assert stored_offset() == 15 * 86400
    assert "auto-released" in out or "marked completed" in out
    assert f"{open_before} deadline(s) applied" in out
    assert Deadline.select().where(Deadline.status == DeadlineStatus.OPEN).count() == 0


def test_demo_advance_refuses_a_bad_duration_in_one_line(demo_url, capsys):
    assert main(["demo", "--db", demo_url, "--advance", "fortnight"]) == 2
    assert "not a duration" in one_line_error(capsys)


def test_demo_advance_never_moves_the_clock_of_real_data(url, capsys):
    from rules.timetravel import stored_offset
    assert main(["demo", "--db", url, "--advance", "15d"]) == 2
    assert "demo data only" in one_line_error(capsys)
    assert stored_offset() == 0


def test_worker_once_sweeps_and_exits(world, url, app_clock, caplog):
    """`milestones worker --once` applies what is due by the stored clock and stops."""
    from models.milestones import Milestone
    from models.vocabulary import MilestoneStatus
    from rules.contract_view import contract_detail
    from rules.timetravel import advance
    advance("30d")  # the world's review window (14 days) is then long past
    m = contract_detail(world.ada, world.website.id).milestones[0]
    assert m.status == MilestoneStatus.SUBMITTED
    with caplog.at_level("INFO", logger="milestones.worker"):
        assert main(["worker", "--db", url, "--once"]) == 0
    assert Milestone.get_by_id(m.id).status == MilestoneStatus.RELEASED
    assert any("auto-released" in r.getMessage() for r in caplog.records)


def test_without_ada_the_demo_starts_as_the_first_client_reading_one_account(
        demo_url, no_tui, monkeypatch):
    """Start-up reads the chosen account only, not every account (bench/tui.py)."""
    from models.base import database
    from rules.identity import demo_actor
    monkeypatch.delenv(common.USER_ENV, raising=False)
    Account.update(login="ada-renamed").where(Account.login == "ada").execute()
    statements: list[str] = []
    database.connection().set_trace_callback(statements.append)
    try:
        actor = demo_actor(None)
    finally:
        database.connection().set_trace_callback(None)
    assert actor.login == "ada-renamed"  # the first client by login: "ada-renamed" < "cy"
    reads = [s for s in statements if '"account"' in s]
    assert len(reads) == 2 and all("LIMIT" in s for s in reads), reads  # ada? then a client
    assert main(["--db", demo_url]) == 0
    assert no_tui[-1].actor.login == "ada-renamed"


def test_switch_user_is_offered_on_demo_data_only(url, no_tui, me):
    Account.update(os_user=me).where(Account.login == "ada").execute()
    assert main(["--db", url]) == 0
    assert no_tui[-1].switch_user is False and not no_tui[-1].demo
    mark_demo()
    assert main(["--db", url]) == 0
    assert no_tui[-1].switch_user is True and no_tui[-1].demo


def test_the_tui_starts_without_cyclic_gc_and_other_commands_with_it(url, monkeypatch):
    """tui.main pauses the cyclic garbage collector for the TUI's start-up only (the
    app turns it on again at its first frame: see the next test); a command such as
    the worker, which runs for days, keeps it; and it is on again when main returns."""
    import gc

    from tui.cli import audit, worker
    seen = []

    def recording(name):
        return lambda args: seen.append((name, gc.isenabled())) or 0
    monkeypatch.setattr(start, "run", recording("tui"))
    monkeypatch.setattr(worker, "run", recording("worker"))
    monkeypatch.setattr(audit, "run_verify", recording("audit"))
    assert main(["--db", url]) == 0
    assert main(["--db", url, "worker", "--once"]) == 0
    assert main(["--db", url, "audit", "verify"]) == 0
    assert seen == [("tui", False), ("worker", True), ("audit", True)]
    assert gc.isenabled()


def test_an_unexpected_error_is_one_line_and_a_log_file(url, monkeypatch, capsys, tmp_path):
    from tui.cli import worker
    monkeypatch.setenv("MILESTONES_LOG_DIR", str(tmp_path / "logs"))

    def broken(args):
        raise ZeroDivisionError("a bug of ours")
    monkeypatch.setattr(worker, "run", broken)
    assert main(["--db", url, "worker", "--once"]) == 70
    err = one_line_error(capsys)
    assert "unexpected error (ZeroDivisionError)" in err
    logs = list((tmp_path / "logs").glob("crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    assert "a bug of ours" in logs[0].read_text() and "Traceback" in logs[0].read_text()


def test_version_and_python_dash_m_tui(capsys):
    import subprocess
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("milestones ")
    shown = subprocess.run([sys.executable, "-m", "tui", "--version"], capture_output=True,
                           text=True, timeout=30)
    assert shown.returncode == 0 and shown.stdout.startswith("milestones 0.")


def test_the_first_frame_has_the_first_page_and_turns_gc_back_on(world, app_clock, drive):
    """The rows read before start are in the table when the first frame is drawn (the
    app's Ready event), and from then on the garbage collector runs."""
    import gc

    from tui.app import MilestonesApp
    from tui.screens.contract_list import ContractListScreen, read_first_page
    at_first_frame = []

    class Recording(MilestonesApp):
        def on_ready(self) -> None:
            at_first_frame.append(len(self.screen.table.summaries)
                                  if isinstance(self.screen, ContractListScreen) else None)
            super().on_ready()

    first = read_first_page(world.ada)
    app = Recording(world.ada, clock=app_clock, cursor_blink=False, theme="textual-dark",
                    first_page=first)
    gc.disable()
    try:
        async def scenario(pilot):
            await pilot.pause()
            assert at_first_frame == [len(first.rows)] and len(first.rows) == 3
            assert gc.isenabled()

        drive(app, scenario)
    finally:
        gc.enable()


def test_a_crash_inside_the_tui_is_one_line_and_a_log_not_a_traceback(world, app_clock,
                                                                     tmp_path, monkeypatch):
    """Textual would print the traceback, with local variables, when the app exits: over
    SSH or in a browser that is someone else's screen (tui.app._fatal_error)."""
    import asyncio

    from tui.app import MilestonesApp
    monkeypatch.setenv("MILESTONES_LOG_DIR", str(tmp_path / "logs"))

    class Broken(MilestonesApp):
        printed: list = []

        def action_notifications(self) -> None:
            raise RuntimeError("secret detail of a bug")

        def _print_error_renderables(self) -> None:
            Broken.printed += self._exit_renderables  # what the user's screen would get
            super()._print_error_renderables()

    app = Broken(world.ada, clock=app_clock, cursor_blink=False, theme="textual-dark")

    async def go():
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
    with pytest.raises(RuntimeError):  # Pilot re-raises it for the test
        asyncio.run(go())
    shown = [str(r) for r in Broken.printed]
    assert len(shown) == 1 and "unexpected error (RuntimeError)" in shown[0]
    assert "secret detail" not in shown[0] and "Traceback" not in shown[0]
    log = next((tmp_path / "logs").glob("crash-*.log"))
    assert str(log) in shown[0] and "secret detail of a bug" in log.read_text()
