"""PostgreSQL as the app opens it (`--db postgresql://...`, $MILESTONES_DB): the session
settings the rules rely on, the schema and its migration, the append-only audit log
(G-05), the sweep's `FOR UPDATE SKIP LOCKED` claim and the worker as a process (G-09),
and SQL that differs from SQLite's (LIKE ... ESCAPE, naive UTC times).

Every test here runs on PostgreSQL only; the shared rules tests run on both (conftest)."""
from __future__ import annotations

import datetime as dt
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import arrow
import pytest
from peewee import DatabaseError

from models.audit import AuditRecord
from models.base import database
from models.db import SCHEMA_VERSION, open_database, schema_version, take_write_lock
from models.deadlines import Deadline
from models.milestones import Milestone
from models.postgres import MilestonesPostgres
from models.vocabulary import DeadlineStatus, MilestoneStatus
from rules.clock import FrozenClock
from rules.deadlines import due_ids, sweep
from rules.payments import fund_next_milestone
from rules.queries import count_contracts
from rules.work import submit_work

pytestmark = pytest.mark.parametrize("db", ["postgres"], indirect=True)

ROOT = Path(__file__).resolve().parents[2]


def raw(url: str):
    """A second connection that is not the app's (psycopg2, autocommit off)."""
    import psycopg2
    from playhouse.db_url import parse
    params = parse(url)
    params["dbname"] = params.pop("database")
    return psycopg2.connect(**params)


def test_a_postgresql_url_opens_with_the_settings_the_rules_rely_on(db):
    assert isinstance(db, MilestonesPostgres)
    assert schema_version(db) == SCHEMA_VERSION
    show = lambda name: db.execute_sql(f"SHOW {name}").fetchone()[0]  # noqa: E731
    assert show("transaction_isolation") == "read committed"
    assert show("TimeZone") == "UTC"
    assert show("lock_timeout") == "10s"


def test_the_session_settings_win_over_the_url_and_the_server(db, db_url):
    """Even a URL asking for SERIALIZABLE and another time zone gets READ COMMITTED and
    UTC: the write lock's guarantee needs a fresh snapshot per statement."""
    db.close()
    opts = "options=-c%20default_transaction_isolation%3Dserializable%20-c%20TimeZone%3DAsia/Tokyo"
    other = open_database(f"{db_url}?{opts}")
    try:
        with other.atomic():
            assert other.execute_sql("SHOW transaction_isolation").fetchone()[0] == \
                "read committed"
        assert other.execute_sql("SHOW TimeZone").fetchone()[0] == "UTC"
    finally:
        other.close()


def test_G08_naive_utc_times_come_back_exactly(make_contract, client, freelancer):
    at = arrow.get("2026-03-31T23:59:59.123456+00:00")
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=FrozenClock(at))
    stored = Milestone.get_by_id(m.id).funded_at
    assert stored == dt.datetime(2026, 3, 31, 23, 59, 59, 123456) and stored.tzinfo is None
    column = database.execute_sql(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'milestone' "
        "AND column_name = 'funded_at'").fetchone()[0]
    assert column == "timestamp without time zone"


def test_the_contract_search_is_literal_on_postgresql(make_contract, client):
    """LIKE ... ESCAPE '\\' with standard_conforming_strings (PostgreSQL's default)."""
    make_contract(title="Discount 50% off")
    make_contract(title="snake_case naming")
    make_contract(title="Back\\slash paths")
    make_contract(title="Plain title")
    assert count_contracts(client, search="50%") == 1
    assert count_contracts(client, search="%") == 1
    assert count_contracts(client, search="e_c") == 1
    assert count_contracts(client, search="_") == 1
    assert count_contracts(client, search="k\\s") == 1
    assert count_contracts(client, search="TITLE") == 1


# --- the schema: created and migrated the same way -------------------------------------

def triggers(db) -> set[str]:
    return {t for (t,) in db.execute_sql(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_record'::regclass "
        "AND NOT tgisinternal").fetchall()}


def test_G05_a_new_schema_guards_the_audit_log(db):
    assert triggers(db) == {"audit_record_append_only", "audit_record_no_truncate"}


def test_G05_an_old_postgresql_database_gets_the_guard_by_migration(db, db_url):
    """A database made before the guard existed (schema 1) is upgraded on open."""
    with db.atomic():
        db.execute_sql("DROP TRIGGER audit_record_append_only ON audit_record")
        db.execute_sql("DROP TRIGGER audit_record_no_truncate ON audit_record")
        db.execute_sql("UPDATE schema_version SET version = 1")
    db.close()
    again = open_database(db_url)
    assert schema_version(again) == SCHEMA_VERSION
    assert triggers(again) == {"audit_record_append_only", "audit_record_no_truncate"}


@pytest.mark.parametrize("statement", [
    "UPDATE audit_record SET reason = 'edited'",
    "DELETE FROM audit_record",
    "TRUNCATE audit_record CASCADE",
])
def test_G05_postgresql_refuses_to_change_or_remove_audit_records(
        db, make_contract, client, statement):
    make_contract()
    before = list(AuditRecord.select().order_by(AuditRecord.id).tuples())
    assert before
    with pytest.raises(DatabaseError, match="append-only"):
        with db.atomic():
            db.execute_sql(statement)
    assert list(AuditRecord.select().order_by(AuditRecord.id).tuples()) == before


def test_G05_the_orm_cannot_change_an_audit_record_either(db, make_contract):
    make_contract()
    rec = AuditRecord.select().first()
    with pytest.raises(DatabaseError, match="append-only"):
        with db.atomic():
            AuditRecord.update(reason="edited").where(AuditRecord.id == rec.id).execute()
    with pytest.raises(DatabaseError, match="append-only"):
        with db.atomic():
            rec.delete_instance()
    assert AuditRecord.get_by_id(rec.id).reason == ""


# --- the sweep on PostgreSQL (G-09) -----------------------------------------------------

def due_reviews(make_contract, client, freelancer, n: int, at: arrow.Arrow) -> list[int]:
    clock = FrozenClock(at)
    ids = []
    for i in range(n):
        contract = make_contract(title=f"Order {i}", amounts=(10_000,))
        m = fund_next_milestone(client, contract.id, clock=clock)
        submit_work(freelancer, m.id, "Done", clock=clock)
        ids.append(m.id)
    return ids


def test_G09_the_sweep_claims_due_rows_with_for_update_skip_locked(
        db, make_contract, client, freelancer, clock, caplog):
    due_reviews(make_contract, client, freelancer, 3, clock.now())
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        result = sweep(clock=FrozenClock(clock.now().shift(days=15)), pause=0)
    assert len(result.applied) == 3
    claims = [r.getMessage() for r in caplog.records if "SKIP LOCKED" in r.getMessage()]
    assert claims and all("FOR UPDATE" in c for c in claims), claims


def test_G09_a_row_another_transaction_holds_is_skipped_then_applied_later(
        db, db_url, make_contract, client, freelancer, clock):
    """A sweep never waits for a due row someone else has locked: it applies the
    others, and the held one on a later sweep, once."""
    milestones = due_reviews(make_contract, client, freelancer, 3, clock.now())
    later = FrozenClock(clock.now().shift(days=15))
    held = Deadline.get((Deadline.milestone == milestones[1]) & (Deadline.kind == "review"))
    other = raw(db_url)
    try:
        cur = other.cursor()
        cur.execute("SELECT id FROM deadline WHERE id = %s FOR UPDATE", (held.id,))
        with db.atomic():
            take_write_lock()
            claimed = due_ids(later.now(), 10, claim=True)
        assert held.id not in claimed and len(claimed) == 2
        started = time.monotonic()
        first = sweep(clock=later, pause=0)
        assert time.monotonic() - started < 5, "the sweep waited for the held row"
        assert {a.deadline_id for a in first.applied} == set(claimed)
    finally:
        other.rollback()
        other.close()
    second = sweep(clock=later, pause=0)
    assert [a.deadline_id for a in second.applied] == [held.id]
    assert Milestone.select().where(Milestone.status == MilestoneStatus.RELEASED).count() == 3
    assert sweep(clock=later, pause=0).applied == []


def test_G09_worker_process_on_postgresql_applies_due_windows_and_stops(
        db, db_url, make_contract, client, freelancer):
    """`milestones worker --db postgresql://...` (its clock is the real one: the data is
    made a month ago, so its 14-day window is due now)."""
    month_ago = arrow.utcnow().shift(days=-30)
    (m,) = due_reviews(make_contract, client, freelancer, 1, month_ago)
    db.close()
    proc = subprocess.Popen([sys.executable, "-m", "tui", "worker", "--db", db_url,
                             "--interval", "0.2"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        db.connect(reuse_if_open=True)
        while Milestone.get_by_id(m).status != MilestoneStatus.RELEASED:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the worker applied nothing"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log = proc.stderr.read()
    assert "auto-released" in log and "stopped; 1 deadline(s) applied" in log
    assert "Traceback" not in log
    assert Deadline.get(Deadline.milestone == m).status == DeadlineStatus.APPLIED


def test_milestones_db_names_the_postgresql_database(db, db_url, make_contract, monkeypatch,
                                                     capsys):
    """$MILESTONES_DB, as --db: here through `milestones audit verify`."""
    from tui.main import main
    make_contract()
    monkeypatch.setenv("MILESTONES_DB", db_url)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out == "Audit chains sound: 1 record in 1 chain.\n"
    database.close()


def test_G09_the_worker_carries_on_after_its_server_connection_is_killed(
        db, postgres_database, make_contract, client, freelancer, clock, caplog):
    """A server restart (here: the worker's session ended on the server) fails the
    sweep in flight, which is logged; the next tick connects again and applies what is
    due, rather than failing on the dead connection for ever."""
    from rules.worker import run_worker
    (m,) = due_reviews(make_contract, client, freelancer, 1, clock.now())
    later = FrozenClock(clock.now().shift(days=15))
    pid = db.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    postgres_database.terminate(pid)
    with caplog.at_level(logging.ERROR, logger="milestones.worker"):
        assert run_worker(once=True, clock=later) == 0  # the tick the kill interrupted
    assert "sweep failed" in caplog.text
    assert run_worker(once=True, clock=later) == 1      # the next one
    assert Milestone.get_by_id(m).status == MilestoneStatus.RELEASED
    assert db.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != pid
