"""rules.store.transactional: an action that meets a transient conflict (SQLite busy or
locked; PostgreSQL serialization failure, deadlock or lock timeout) is rolled back and
run again, a bounded number of times, then refused as "someone acted first"; nothing
else is retried, and nothing is retried inside an enclosing transaction. On both
databases, with real database errors where the database can be made to raise them."""
from __future__ import annotations

import threading
import time

import pytest
from peewee import OperationalError, ProgrammingError

import rules.store as store
from models.base import database
from models.db import is_postgres
from models.settings import Setting
from rules.errors import CONFLICT, RuleError
from rules.store import is_transient, transactional

pytestmark = pytest.mark.both_databases


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(store, "retry_pause", lambda attempt: 0.0)


def raise_conflict(kind: str) -> None:
    """Make the database raise a transient error of `kind`."""
    if is_postgres():
        code = {"serialization": "serialization_failure", "deadlock": "deadlock_detected",
                "lock": "lock_not_available"}[kind]
        database.execute_sql(f"DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = "
                             f"'{code}'; END $$")
    else:  # what sqlite3 raises when the busy timeout runs out
        raise OperationalError("database is locked")


def writes() -> list[str]:
    return [k for (k,) in Setting.select(Setting.key).order_by(Setting.key).tuples()]


@pytest.mark.parametrize("kind", ["serialization", "deadlock", "lock"])
def test_a_transient_conflict_runs_the_whole_action_again(db, kind):
    attempts = []

    @transactional
    def action() -> str:
        attempts.append(1)
        Setting.create(key=f"attempt-{len(attempts)}", value="x")
        if len(attempts) < 3:
            raise_conflict(kind)
        return "done"

    assert action() == "done"
    assert len(attempts) == 3
    assert writes() == ["attempt-3"]  # the failed attempts left nothing behind


def test_retries_are_bounded_then_the_user_is_told_someone_acted_first(db):
    attempts = []

    @transactional
    def action() -> None:
        attempts.append(1)
        Setting.create(key=f"attempt-{len(attempts)}", value="x")
        raise_conflict("serialization")

    with pytest.raises(RuleError) as info:
        action()
    assert info.value.rule_id == CONFLICT
    assert "acted first" in info.value.message and "nothing was changed" in info.value.message
    assert len(attempts) == store.RETRY_ATTEMPTS
    assert writes() == []


def test_other_database_errors_are_not_retried(db):
    attempts = []

    @transactional
    def action() -> None:
        attempts.append(1)
        database.execute_sql("SELECT no_such_column FROM setting")

    with pytest.raises((OperationalError, ProgrammingError)):
        action()
    assert len(attempts) == 1


def test_nothing_is_retried_inside_an_enclosing_transaction(db):
    attempts = []

    @transactional
    def inner() -> None:
        attempts.append(1)
        raise_conflict("deadlock")

    with pytest.raises(OperationalError):
        with database.atomic():
            inner()
    assert len(attempts) == 1


def test_rule_refusals_are_not_retried(db):
    attempts = []

    @transactional
    def action() -> None:
        attempts.append(1)
        raise RuleError("U-01", "Milestones must be at least $5.00.")

    with pytest.raises(RuleError):
        action()
    assert len(attempts) == 1


def test_what_counts_as_transient():
    import sqlite3
    assert is_transient(OperationalError(sqlite3.OperationalError("database is locked"),
                                         "database is locked"))
    assert is_transient(OperationalError("database table is locked"))
    assert not is_transient(OperationalError("no such table: x"))
    assert not is_transient(ValueError("database is locked"))


def test_two_writers_wait_for_each_other_instead_of_failing(db):
    """Two writers at once: the second waits for the first (SQLite's BEGIN IMMEDIATE
    and busy timeout; PostgreSQL's write lock, held to the end) and both succeed."""
    order: list[str] = []
    started = threading.Event()

    @transactional
    def slow() -> None:
        Setting.create(key="slow", value="1")
        started.set()
        time.sleep(0.5)
        order.append("slow")

    @transactional
    def quick() -> None:
        Setting.create(key="quick", value="1")
        order.append("quick")

    def run(fn):
        try:
            fn()
        finally:
            database.close()

    t1 = threading.Thread(target=run, args=(slow,))
    t1.start()
    assert started.wait(10)
    t2 = threading.Thread(target=run, args=(quick,))
    t2.start()
    t1.join(30)
    t2.join(30)
    assert order == ["slow", "quick"]
    assert writes() == ["quick", "slow"]
