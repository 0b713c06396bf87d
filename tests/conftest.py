"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL for the modules
that run on both), a frozen clock, three roles, and builders that make contracts through
rules/ (never by writing rows by hand).

PostgreSQL: set MILESTONES_TEST_PG to a server URL (e.g.
postgresql://postgres@127.0.0.1:54329/postgres; `.ci/run` starts one). The session makes
its own database there (`milestones_test_<pid>`), builds the schema once with
`open_database`, and before each test empties every table and restarts every sequence,
then puts back the rows a new schema holds (the system account, the schema version):
each test sees a database exactly as `open_database` makes a new one, in ~15 ms, where
CREATE DATABASE from a template costs ~100 ms and dropping each one far more. Without
the variable the postgres cases are skipped, with the reason; with CI=true they fail.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from models.accounts import Account
from models.base import database as models_proxy
from models.db import open_database, sqlite_url
from models.vocabulary import Role
from rules.clock import FrozenClock
from rules.contracts import create_contract
from rules.plan import AddMilestone
from state_helpers import START, db_state  # noqa: F401 - shared with test modules



@pytest.fixture(autouse=True, scope="session")
def no_user_files(tmp_path_factory):
    """No test reads the user's config file or writes a crash log into their folders:
    both point under the session's tmp folder (a test may point them elsewhere)."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("user")
    mp.setenv("MILESTONES_CONFIG", str(home / "config.toml"))
    mp.setenv("MILESTONES_LOG_DIR", str(home / "logs"))
    for name in ("MILESTONES_DB", "MILESTONES_USER", "MILESTONES_SESSION"):
        mp.delenv(name, raising=False)
    from tui.config import load_config
    load_config.cache_clear()
    yield home
    mp.undo()


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory):
    """The schema built once per session; each test copies it (1 ms instead of ~50 ms).
    Closing the database checkpoints the WAL, so the file alone holds everything."""
    path = tmp_path_factory.mktemp("schema") / "template.db"
    open_database(sqlite_url(path)).close()
    return path


# --- which database: SQLite always, PostgreSQL too where it matters ------------------

PG_ENV = "MILESTONES_TEST_PG"
BACKENDS = ("sqlite", "postgres")

# Test modules whose tests (those using `db`) run on SQLite and on PostgreSQL. Others
# opt in with `pytestmark = pytest.mark.both_databases`. Left on SQLite only: modules
# about SQLite files or the TUI, test_journal (its tampering test updates a record, which
# PostgreSQL's append-only trigger refuses; test_audit_chain covers the chain on both),
# test_demo and test_timetravel (rules/timetravel.py writes with INSERT OR REPLACE,
# which PostgreSQL has not), test_worker_process (a SQLite file; test_postgres runs the
# worker process on PostgreSQL).
BOTH_DATABASES = {
    "tests/rules/test_access.py",
    "tests/rules/test_accounts.py",
    "tests/rules/test_identity.py",
    "tests/rules/test_importer.py",
    "tests/rules/test_amounts.py",
    "tests/rules/test_availability.py",
    "tests/rules/test_change_requests.py",
    "tests/rules/test_contracts.py",
    "tests/rules/test_counters.py",
    "tests/rules/test_deadline_races.py",
    "tests/rules/test_deadlines.py",
    "tests/rules/test_export.py",
    "tests/rules/test_funding.py",
    "tests/rules/test_funding_change.py",
    "tests/rules/test_funding_policy.py",
    "tests/rules/test_inbox.py",
    "tests/rules/test_offers.py",
    "tests/rules/test_payments.py",
    "tests/rules/test_planning.py",
    "tests/rules/test_plan_revisions.py",
    "tests/rules/test_refunds.py",
    "tests/rules/test_support.py",
    "tests/rules/test_time.py",
    "tests/rules/test_work.py",
}

ROOT = Path(__file__).resolve().parent.parent


def runs_on_both(metafunc) -> bool:
    if metafunc.definition.get_closest_marker("both_databases"):
        return True
    try:
        path = Path(str(metafunc.module.__file__)).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return False
    return path in BOTH_DATABASES


def pytest_generate_tests(metafunc):
    if "db" in metafunc.fixturenames and runs_on_both(metafunc):
        metafunc.parametrize("db", BACKENDS, indirect=True)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def postgres_unavailable(reason: str):
    """Locally a missing server skips the postgres cases; in CI it fails them."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}: .ci/run starts a server and sets {PG_ENV}",
                    pytrace=False)
    pytest.skip(reason)


class PostgresTestDatabase:
    """One database for the session on the server at $MILESTONES_TEST_PG, reset to a
    new schema's contents before each test."""

    def __init__(self, server_url: str):
        import psycopg2
        from playhouse.db_url import parse
        self.psycopg2 = psycopg2
        self.server_url = server_url
        self.name = f"milestones_test_{os.getpid()}"
        base, _, _ = server_url.partition("?")
        self.url = base.rsplit("/", 1)[0] + "/" + self.name
        self.params = parse(self.url, unquote_password=True, unquote_user=True)
        self.params["dbname"] = self.params.pop("database")
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
                    f'CREATE DATABASE "{self.name}"')
        open_database(self.url).close()  # the schema, exactly as the app makes it
        self.conn = psycopg2.connect(**self.params)
        self.reset_sql = self._snapshot()

    def _admin(self, *statements: str, params: tuple = ()) -> list[tuple]:
        """Statements on the server's own database, outside any transaction; the rows
        the last one returns."""
        conn = self.psycopg2.connect(self.server_url, connect_timeout=5)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                for statement in statements:
                    cur.execute(statement, params or None)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def _snapshot(self) -> str:
        """The SQL that puts the database back as a new schema left it."""
        from psycopg2 import sql
        with self.conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "ORDER BY tablename")
            tables = [t for (t,) in cur.fetchall()]
            parts = ["SET LOCAL session_replication_role = replica",  # no triggers, no FKs
                     "SET LOCAL lock_timeout = '10s'"]
            inserts = []
            for table in tables:
                parts.append(sql.SQL("DELETE FROM {}").format(sql.Identifier(table))
                             .as_string(cur))
                cur.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
                columns = [c.name for c in cur.description]
                for row in cur.fetchall():
                    inserts.append(cur.mogrify(
                        sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                            sql.Identifier(table),
                            sql.SQL(", ").join(map(sql.Identifier, columns)),
                            sql.SQL(", ").join(sql.Placeholder() * len(columns))), row)
                        .decode())
            cur.execute("SELECT schemaname || '.' || sequencename, last_value "
                        "FROM pg_sequences WHERE schemaname = 'public'")
            for seq, last in cur.fetchall():
                parts.append(cur.mogrify("SELECT setval(%s, %s, %s)",
                                         (seq, last or 1, last is not None)).decode())
        self.conn.rollback()
        return ";\n".join(parts + inserts)

    def reset(self) -> None:
        with self.conn, self.conn.cursor() as cur:  # one transaction
            cur.execute(self.reset_sql)

    def terminate(self, pid: int) -> None:
        """End one server session, as a server restart or an administrator would."""
        [(ended,)] = self._admin("SELECT pg_terminate_backend(%s, 5000)", params=(pid,))
        assert ended is True, f"no server session {pid} to end"

    def close(self) -> None:
        self.conn.close()
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_database():
    """The session's PostgreSQL test database; skips (locally) or fails (CI) without."""
    server = os.environ.get(PG_ENV)
    if not server:
        postgres_unavailable(f"no PostgreSQL server for the tests: set {PG_ENV}="
                             "postgresql://USER@HOST:PORT/postgres")
    try:
        pg = PostgresTestDatabase(server)
    except ImportError as exc:
        postgres_unavailable(f"the PostgreSQL driver is not installed ({exc})")
    except Exception as exc:  # unreachable server, bad URL, no right to CREATE DATABASE
        postgres_unavailable(f"cannot use the PostgreSQL server at {server}: "
                             f"{str(exc).strip().splitlines()[0]}")
    yield pg
    models_proxy.close()
    close_pool(models_proxy.obj)
    pg.close()


def close_pool(database) -> None:
    """PostgreSQL keeps a pool of connections (models.postgres.MilestonesPostgres): close every
    one, or each test would leave its idle connections on the server until exit."""
    if hasattr(database, "close_all"):
        database.close_all()


def db_kind(request) -> str:
    callspec = getattr(request.node, "callspec", None)
    return callspec.params.get("db", "sqlite") if callspec else "sqlite"


@pytest.fixture
def db(request, tmp_path, schema_template):
    """A fresh database per test, opened exactly as the app opens one: a SQLite file
    under tmp_path, or (for modules that run on both, id `postgres`) the session's
    PostgreSQL database, reset."""
    if getattr(request, "param", "sqlite") == "postgres":
        pg = request.getfixturevalue("postgres_database")
        pg.reset()
        database = open_database(pg.url)
    else:
        shutil.copyfile(schema_template, tmp_path / "test.db")
        database = open_database(sqlite_url(tmp_path / "test.db"))
    yield database
    database.close()
    close_pool(database)


@pytest.fixture
def db_url(db, request, tmp_path) -> str:
    """The URL of this test's `db`, for subprocesses and second connections."""
    if db_kind(request) == "postgres":
        return request.getfixturevalue("postgres_database").url
    return sqlite_url(tmp_path / "test.db")


@pytest.fixture
def clock():
    return FrozenClock(START)


@pytest.fixture
def client(db):
    return Account.create(login="ada", display_name="Ada Client", role=Role.CLIENT)


@pytest.fixture
def other_client(db):
    return Account.create(login="cy", display_name="Cy Client", role=Role.CLIENT)


@pytest.fixture
def freelancer(db):
    return Account.create(login="bo", display_name="Bo Freelancer", role=Role.FREELANCER)


@pytest.fixture
def other_freelancer(db):
    return Account.create(login="di", display_name="Di Freelancer", role=Role.FREELANCER)


@pytest.fixture
def agent(db):
    return Account.create(login="sam", display_name="Sam Support", role=Role.AGENT)


@pytest.fixture
def system(db):
    from models.accounts import system_account
    return system_account()


@pytest.fixture
def make_contract(client, freelancer, clock):
    """make_contract(policy="upwork", amounts=(25000, 50000), **kwargs) -> Contract."""
    def build(policy: str = "upwork", amounts=(25000, 50000), *, actor=None, other=None,
              title="Website redesign", **kwargs):
        drafts = kwargs.pop("milestones", None) or [
            AddMilestone(title=f"Milestone {i + 1}", amount_cents=a,
                         due_date=dt.date(2026, 3, 2) + dt.timedelta(days=7 * (i + 1)))
            for i, a in enumerate(amounts)]
        return create_contract(actor or client, freelancer=other or freelancer, title=title,
                               policy=policy, milestones=drafts, clock=clock, **kwargs)
    return build


@pytest.fixture
def invariants(db):
    """Call invariants() to assert the ledger is sound."""
    from rules.invariants import ledger_problems

    def check():
        problems = ledger_problems()
        assert problems == []
    return check


@pytest.fixture
def refused(db):
    """`with refused("U-01"): action(...)` asserts a RuleError naming the rule, with a
    message, and that nothing at all was written."""
    import contextlib

    from rules.errors import RuleError

    @contextlib.contextmanager
    def check(rule_id: str, match: str | None = None):
        before = db_state()
        with pytest.raises(RuleError) as info:
            yield info
        assert info.value.rule_id == rule_id, f"expected {rule_id}, got {info.value!r}"
        assert info.value.message
        if match is not None:
            assert match.lower() in info.value.message.lower(), info.value.message
        assert db_state() == before, "a refused action wrote something"
    return check
