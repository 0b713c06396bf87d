"""PostgreSQL connections are pooled (models.postgres.MilestonesPostgres): a TUI call's
`connection_context()` hands its connection back instead of ending it, the next call
gets the same server session, and a connection is never handed out dirty (a failed
transaction, a session SET, a killed backend) nor left on the server after close_all.

The PostgreSQL-only tests take the `postgres` case of `db`; the two that run on both
show SQLite unchanged (a connection per call, closed after it)."""
from __future__ import annotations

import threading
import time

import pytest
from peewee import DatabaseError, SqliteDatabase

from models.accounts import Account
from models.base import database
from models.db import open_database
from models.postgres import MilestonesPostgres
from models.vocabulary import Role

on_postgres = pytest.mark.parametrize("db", ["postgres"], indirect=True)


def backend_pid() -> int:
    return database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]


def tui_call(fn):
    """What tui.workers.db_work does around every worker call."""
    with database.connection_context():
        return fn()


def show(name: str) -> str:
    return database.execute_sql(f"SHOW {name}").fetchone()[0]


@pytest.fixture
def server_sessions(postgres_database):
    """server_sessions() -> the app's sessions on the test database, counted from another
    connection (the test fixture's own reset connection left out)."""
    import psycopg2
    from playhouse.db_url import parse
    params = parse(postgres_database.url)
    name = params.pop("database")
    ours = postgres_database.conn.get_backend_pid()

    def count(at_most: int = 0) -> int:
        """A closed connection's backend exits a moment after the goodbye: wait (up to
        ~5 s) for the count to fall to `at_most`, then return it."""
        conn = psycopg2.connect(dbname="postgres", **params)
        conn.autocommit = True  # pg_stat_activity is a snapshot per transaction
        try:
            with conn.cursor() as cur:
                for _ in range(50):
                    cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                                "AND pid <> %s", (name, ours))
                    (n,) = cur.fetchone()
                    if n <= at_most:
                        break
                    time.sleep(0.1)
                return n
        finally:
            conn.close()
    return count


@pytest.mark.both_databases
def test_a_connection_is_reused_across_calls_on_postgresql(db):
    db.close()
    assert all(tui_call(lambda: Account.select().count()) == 1 for _ in range(5))
    assert db.is_closed()  # handed back (PostgreSQL) or closed (SQLite) after each call
    if isinstance(db, SqliteDatabase):
        return  # a file opened per call, as before: nothing to reuse
    pids = {tui_call(backend_pid) for _ in range(20)}
    assert len(pids) == 1, "each call opened its own server connection"
    assert len(db._connections) == 1 and db._in_use == {}


@on_postgres
def test_calls_on_several_threads_share_a_few_connections(db, server_sessions):
    db.close()
    pids: list[int] = []

    def worker():
        for _ in range(5):
            pids.append(tui_call(backend_pid))
    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(pids) == 30
    assert len(set(pids)) <= MilestonesPostgres.MAX_CONNECTIONS
    assert len(db._connections) <= MilestonesPostgres.MAX_IDLE  # the rest were closed
    assert server_sessions(MilestonesPostgres.MAX_IDLE) <= MilestonesPostgres.MAX_IDLE
    db.close_all()
    assert server_sessions() == 0


@on_postgres
def test_a_connection_left_in_an_aborted_transaction_is_not_handed_out_dirty(db):
    """A call that leaves its transaction open and failed (not through peewee's atomic,
    which would roll it back) hands back a connection that is rolled back before anyone
    else gets it: nothing it wrote is kept, and the next call works."""
    db.close()

    import psycopg2.errors

    def leave_a_failed_transaction():
        conn = database.connection()
        with conn.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("INSERT INTO account (login, display_name, role, timezone, "
                        "created_at) VALUES ('ghost', 'Ghost', 'client', 'UTC', now())")
            with pytest.raises(psycopg2.errors.UndefinedColumn):
                cur.execute("SELECT no_such_column FROM account")
        return conn.get_transaction_status()

    import psycopg2.extensions as ext
    assert tui_call(leave_a_failed_transaction) == ext.TRANSACTION_STATUS_INERROR
    status = tui_call(lambda: database.connection().get_transaction_status())
    assert status == ext.TRANSACTION_STATUS_IDLE
    assert tui_call(lambda: Account.select().where(Account.login == "ghost").count()) == 0
    assert tui_call(lambda: Account.create(login="ok", display_name="Ok",
                                           role=Role.CLIENT).id) > 0

    def leave_an_open_transaction():  # not failed: its write must not be committed later
        conn = database.connection()
        with conn.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("UPDATE account SET display_name = 'Changed' WHERE login = 'ok'")
        return conn.get_transaction_status()
    assert tui_call(leave_an_open_transaction) == ext.TRANSACTION_STATUS_INTRANS
    assert tui_call(lambda: database.connection().get_transaction_status()) == \
        ext.TRANSACTION_STATUS_IDLE
    assert tui_call(lambda: Account.get(Account.login == "ok").display_name) == "Ok"


@pytest.mark.both_databases
def test_a_failed_statement_in_atomic_leaves_the_pooled_connection_usable(db):
    with database.connection_context(), pytest.raises(DatabaseError):
        with database.atomic():
            Account.create(login="gone", display_name="Gone", role=Role.CLIENT)
            database.execute_sql("SELECT no_such_column FROM account")
    assert tui_call(lambda: Account.select().where(Account.login == "gone").count()) == 0
    assert tui_call(lambda: Account.select().count()) == 1


@on_postgres
def test_session_settings_hold_on_a_reused_connection(db):
    db.close()

    def spoil():  # a session-level SET (not SET LOCAL) survives the call on the server
        database.execute_sql("SET TIME ZONE 'Asia/Tokyo'")
        database.execute_sql("SET lock_timeout = '1min'")
        database.execute_sql("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL "
                             "SERIALIZABLE")
        return backend_pid()
    pid = tui_call(spoil)

    def settings():
        with database.atomic():
            isolation = show("transaction_isolation")
        return backend_pid(), show("TimeZone"), show("lock_timeout"), isolation
    assert tui_call(settings) == (pid, "UTC", "10s", "read committed")


@on_postgres
def test_a_killed_server_connection_is_replaced_not_handed_out(db, postgres_database):
    db.close()
    pid = tui_call(backend_pid)
    postgres_database.terminate(pid)
    again = tui_call(backend_pid)
    assert again != pid
    assert tui_call(lambda: Account.select().count()) == 1


@on_postgres
def test_reopening_and_close_all_leave_no_connection_on_the_server(db, db_url,
                                                                    server_sessions):
    for _ in range(3):
        tui_call(backend_pid)
    assert server_sessions(1) >= 1
    reopened = open_database(db_url)  # the models' database changes: the old pool closes
    assert db._retired and db._connections == []
    db.close()
    reopened.close()
    reopened.close_all()
    assert server_sessions() == 0
    database.initialize(db)  # the fixture closes what it opened
