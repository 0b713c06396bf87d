"""A new database file gets the whole schema, the SQLite settings DESIGN.md asks for,
the schema version and the system account."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from peewee import IntegrityError

from models.accounts import SYSTEM_LOGIN, Account, system_account
from models.db import (
    ALL_MODELS,
    SCHEMA_VERSION,
    SchemaVersion,
    open_database,
    schema_version,
    sqlite_url,
)
from models.milestones import Milestone
from models.vocabulary import Role

TABLES = {m._meta.table_name for m in [SchemaVersion, *ALL_MODELS]}


@pytest.fixture
def fresh(tmp_path):
    path = tmp_path / "fresh.db"
    database = open_database(sqlite_url(path))
    yield database, path
    database.close()


def pragma(db, name: str):
    return db.execute_sql(f"PRAGMA {name}").fetchone()[0]


def test_a_new_file_gets_every_table_and_nothing_else(fresh):
    db, path = fresh
    assert path.exists()
    assert set(db.get_tables()) == TABLES
    for model in ALL_MODELS:
        columns = {c.name for c in db.get_columns(model._meta.table_name)}
        assert columns == {f.column_name for f in model._meta.sorted_fields}, model.__name__


def test_sqlite_runs_in_wal_with_foreign_keys_full_sync_and_a_busy_timeout(fresh):
    db, _ = fresh
    assert pragma(db, "journal_mode") == "wal"
    assert pragma(db, "foreign_keys") == 1
    assert pragma(db, "synchronous") == 2  # FULL
    assert pragma(db, "busy_timeout") >= 5_000  # "several seconds"


def test_every_thread_connection_gets_the_same_settings(fresh):
    """Peewee keeps one connection per thread (TUI workers): the pragmas apply to each."""
    db, _ = fresh
    seen = {}

    def worker():
        seen.update({name: pragma(db, name) for name in
                     ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")})
        db.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2,
                    "busy_timeout": pragma(db, "busy_timeout")}


def test_foreign_keys_are_enforced(fresh):
    with pytest.raises(IntegrityError):
        Milestone.create(contract=9_999, position=1, title="Orphan", amount_cents=500)


def test_transactions_take_the_write_lock_at_begin(fresh):
    """BEGIN IMMEDIATE: a transaction that reads first and writes later holds the write
    lock from its start, so it never fails half-way with "database is locked"."""
    db, path = fresh
    other = sqlite3.connect(path, timeout=0)
    try:
        with db.atomic():
            Account.select().count()  # a read only, so far
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once committed
        other.rollback()
    finally:
        other.close()


def test_the_schema_version_table_holds_the_current_version(fresh):
    db, _ = fresh
    assert list(SchemaVersion.select().tuples()) == [(1, SCHEMA_VERSION)]
    assert schema_version(db) == SCHEMA_VERSION


def test_the_system_account_exists_once(fresh):
    system = system_account()
    assert system.login == SYSTEM_LOGIN
    assert system.role == Role.SYSTEM
    assert system.is_system
    assert Account.select().where(Account.role == Role.SYSTEM).count() == 1
