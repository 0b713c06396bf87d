"""An old database file is upgraded step by step, never silently broken (DESIGN.md); a
file written by a newer program is refused; an up-to-date file is left alone.

The migrations here are real `playhouse.migrate` operations installed by monkeypatching
`models.db.MIGRATIONS` and `models.db.SCHEMA_VERSION` (ensure_schema reads both when it
runs), on a file written at the previous version by the program as it is.
"""
from __future__ import annotations

import sqlite3

import pytest
from peewee import CharField, IntegerField
from playhouse.migrate import migrate

import models.db as models_db
from models.base import database as proxy
from models.db import SchemaError, open_database, schema_version, sqlite_url
from models.ledger import LedgerEntry
from rules.invariants import ledger_problems
from rules.payments import fund_next_milestone, release

CURRENT = models_db.SCHEMA_VERSION


def file_rows(path) -> dict[str, list]:
    """Every table's rows and the whole schema, read with plain sqlite3."""
    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        rows = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
        rows["sqlite_master"] = con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").fetchall()
        return rows
    finally:
        con.close()


def columns(db, table: str) -> list[str]:
    return [c.name for c in db.get_columns(table)]


@pytest.fixture
def old_file(db, tmp_path, make_contract, client, clock):
    """A file written at the current version, with money on it, then closed: the 'old'
    file once the tests below pretend the program moved on."""
    contract = make_contract("upwork", amounts=(25000, 50000))
    first = fund_next_milestone(client, contract.id, clock=clock)
    release(client, first.id, 20000, clock=clock)  # $50.00 left in project funds
    fund_next_milestone(client, contract.id, clock=clock)
    assert ledger_problems() == []
    db.close()
    return tmp_path / "test.db"


@pytest.fixture
def reopen():
    """reopen(path) -> database, closed at the end of the test."""
    opened = []

    def open_(path):
        opened.append(open_database(sqlite_url(path)))
        return opened[-1]
    yield open_
    for database in opened:
        database.close()
    proxy.close()  # the connection a refused open leaves behind


def program_at(monkeypatch, version: int, migrations: dict) -> None:
    monkeypatch.setattr(models_db, "SCHEMA_VERSION", version)
    monkeypatch.setattr(models_db, "MIGRATIONS", migrations)


def add_contract_reference(migrator) -> None:
    migrate(migrator.add_column("contract", "reference", CharField(null=True)))


def test_an_old_file_is_upgraded_and_keeps_its_data(old_file, reopen, monkeypatch):
    before = file_rows(old_file)
    program_at(monkeypatch, CURRENT + 1, {CURRENT + 1: add_contract_reference})
    db = reopen(old_file)
    assert "reference" in columns(db, "contract")
    assert schema_version(db) == CURRENT + 1
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1  # back on after it
    after = file_rows(old_file)
    for table, rows in before.items():
        if table in ("sqlite_master", "schema_version"):
            continue
        if table == "contract":  # the new column comes last, empty
            assert [r[:-1] for r in after[table]] == rows
            assert {r[-1] for r in after[table]} == {None}
        else:
            assert after[table] == rows, table
    assert ledger_problems() == []


def test_a_file_at_schema_1_is_upgraded_by_the_real_migrations(old_file, reopen):
    """The program's own MIGRATIONS table takes a first-release file to SCHEMA_VERSION."""
    con = sqlite3.connect(old_file)
    con.execute("UPDATE schema_version SET version = 1")
    con.commit()
    con.close()
    before = file_rows(old_file)
    db = reopen(old_file)
    assert schema_version(db) == CURRENT
    after = file_rows(old_file)
    for table, rows in before.items():
        if table != "schema_version":
            assert after[table] == rows, table
    assert ledger_problems() == []


def test_a_file_at_schema_3_gains_the_answer_message_and_overdue_index(
        db, tmp_path, make_contract, client, freelancer, clock, reopen):
    """Schema 4: change requests keep the reason of a rejection or a decline. A schema-3
    file (no such column) is upgraded in place: every request kept, the reason empty
    (the inbox then reads it from the answer's event), and new answers store theirs."""
    from models.change_requests import ChangeRequest
    from rules.change_requests import (decline_proposal, propose_milestone_changes,
                                       reject_milestone_change, request_milestone_change)
    from rules.inbox import request_view
    from rules.plan import AddMilestone
    contract = make_contract("upwork", amounts=(25000, 50000))
    active = fund_next_milestone(client, contract.id, clock=clock)
    old = request_milestone_change(client, active.id, {"title": "Old"}, clock=clock)
    reject_milestone_change(freelancer, old.id, "Before the upgrade", clock=clock)
    db.close()
    path = tmp_path / "test.db"
    con = sqlite3.connect(path)  # the file as the schema-3 program wrote it
    con.execute("ALTER TABLE change_request DROP COLUMN answer_message")
    con.execute("DROP INDEX milestone_status_due_date")
    con.execute("UPDATE schema_version SET version = 3")
    con.commit()
    con.close()
    before = file_rows(path)
    assert "answer_message" not in [c for c in con_columns(path, "change_request")]

    upgraded = reopen(path)
    assert schema_version(upgraded) == CURRENT >= 4
    assert "answer_message" in columns(upgraded, "change_request")
    assert ("status", "due_date") in {tuple(i.columns) for i in upgraded.get_indexes("milestone")}
    after = file_rows(path)
    assert [r[:-1] for r in after["change_request"]] == before["change_request"]
    assert {r[-1] for r in after["change_request"]} == {""}
    for table, rows in before.items():
        if table not in ("sqlite_master", "schema_version", "change_request"):
            assert after[table] == rows, table
    # The old answer's reason still shows (from its event); a new one is stored.
    assert request_view(client, old.id, clock=clock).answer_message == "Before the upgrade"
    proposal = propose_milestone_changes(freelancer, contract.id,
                                         [AddMilestone("More", 5000)], clock=clock)
    decline_proposal(client, proposal.id, "After the upgrade", clock=clock)
    assert ChangeRequest.get_by_id(proposal.id).answer_message == "After the upgrade"
    assert ledger_problems() == []


def con_columns(path, table: str) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return [row[1] for row in con.execute(f'PRAGMA table_info("{table}")')]
    finally:
        con.close()


def test_every_version_after_the_first_has_a_migration():
    assert set(models_db.MIGRATIONS) == set(range(2, CURRENT + 1))


def test_migrations_run_one_step_at_a_time_in_order(old_file, reopen, monkeypatch):
    ran = []

    def step(n, column):
        def run(migrator):
            ran.append(n)
            migrate(migrator.add_column("milestone", column, IntegerField(null=True)))
        return run

    program_at(monkeypatch, CURRENT + 2, {CURRENT + 1: step(CURRENT + 1, "effort"),
                                          CURRENT + 2: step(CURRENT + 2, "risk")})
    db = reopen(old_file)
    assert ran == [CURRENT + 1, CURRENT + 2]
    assert schema_version(db) == CURRENT + 2
    assert {"effort", "risk"} <= set(columns(db, "milestone"))
    db.close()

    # A file already at CURRENT + 2 runs only the step after it.
    ran.clear()
    program_at(monkeypatch, CURRENT + 3, {CURRENT + 1: step(CURRENT + 1, "effort"),
                                          CURRENT + 2: step(CURRENT + 2, "risk"),
                                          CURRENT + 3: step(CURRENT + 3, "size")})
    db = reopen(old_file)
    assert ran == [CURRENT + 3]
    assert schema_version(db) == CURRENT + 3


def test_a_failing_migration_changes_nothing(old_file, reopen, monkeypatch):
    """All or nothing: the step and its version bump are one transaction."""
    before = file_rows(old_file)

    def half_done(migrator):
        add_contract_reference(migrator)
        raise RuntimeError("the migration broke half-way")

    program_at(monkeypatch, CURRENT + 1, {CURRENT + 1: half_done})
    with pytest.raises(RuntimeError, match="half-way"):
        reopen(old_file)
    assert file_rows(old_file) == before


def test_a_missing_migration_is_refused_with_a_clear_message(old_file, reopen, monkeypatch):
    before = file_rows(old_file)
    program_at(monkeypatch, CURRENT + 1, {})
    with pytest.raises(SchemaError, match=f"schema {CURRENT + 1}"):
        reopen(old_file)
    assert file_rows(old_file) == before


def test_a_file_from_a_newer_program_is_refused_and_left_alone(old_file, monkeypatch):
    con = sqlite3.connect(old_file)
    con.execute("UPDATE schema_version SET version = ?", (CURRENT + 5,))
    con.commit()
    con.close()
    before = file_rows(old_file)
    with pytest.raises(SchemaError) as info:
        open_database(sqlite_url(old_file))
    proxy.close()
    message = str(info.value)
    assert "newer" in message and str(CURRENT + 5) in message and str(CURRENT) in message
    assert "Upgrade" in message
    assert file_rows(old_file) == before


def test_reopening_an_up_to_date_file_changes_nothing(old_file, reopen):
    before = file_rows(old_file)
    db = reopen(old_file)
    assert schema_version(db) == CURRENT
    db.close()
    reopen(old_file).close()
    assert file_rows(old_file) == before


def test_unique_indexes_survive_a_migration_that_rebuilds_the_table(old_file, reopen,
                                                                    monkeypatch):
    """SQLite cannot alter a column in place: playhouse.migrate copies the table into a
    new one. The unique backstops must come back with it (DESIGN.md)."""
    program_at(monkeypatch, CURRENT + 1, {CURRENT + 1: rebuild_ledger_transfer})
    db = reopen(old_file)
    unique = {tuple(i.columns) for i in db.get_indexes("ledger_transfer") if i.unique}
    assert ("once_key",) in unique


def add_not_null_contract_reference(migrator) -> None:
    """The most ordinary migration: a new column with a default. On SQLite < 3.53
    playhouse adds it nullable, fills it, then rebuilds the table to make it NOT NULL."""
    migrate(migrator.add_column("contract", "reference", CharField(default="")))


def rebuild_ledger_transfer(migrator) -> None:
    migrate(migrator.drop_not_null("ledger_transfer", "kind", legacy=True))


@pytest.mark.parametrize("migration", [add_not_null_contract_reference,
                                       rebuild_ledger_transfer])
def test_a_table_rebuilding_migration_keeps_every_row(old_file, reopen, monkeypatch,
                                                      migration):
    before = file_rows(old_file)
    assert before["ledger_entry"] and before["milestone"] and before["audit_record"]
    program_at(monkeypatch, CURRENT + 1, {CURRENT + 1: migration})
    db = reopen(old_file)
    assert schema_version(db) == CURRENT + 1
    after = file_rows(old_file)
    for table, rows in before.items():
        if table not in ("sqlite_master", "schema_version"):
            assert len(after[table]) == len(rows), f"{table}: {len(rows)} rows became " \
                                                   f"{len(after[table])}"
    assert LedgerEntry.select().count() == len(before["ledger_entry"])
    assert ledger_problems() == []


def test_a_file_at_schema_4_gains_identity_and_keeps_every_account(old_file, reopen):
    """Schema 5 (rules/identity.py): accounts get an OS user, a disabled flag, a password
    hash and a version; keys, login sessions and failed logins get their tables. A
    schema-4 file keeps every account, enabled, with no password and no OS user."""
    con = sqlite3.connect(old_file)  # the file as the schema-4 program wrote it
    for table in ("account_key", "login_session", "login_attempt"):
        con.execute(f"DROP TABLE {table}")
    con.execute("DROP INDEX account_os_user")
    for column in ("os_user", "disabled", "password_hash", "version"):
        con.execute(f"ALTER TABLE account DROP COLUMN {column}")
    con.execute("UPDATE schema_version SET version = 4")
    con.commit()
    logins = [r[0] for r in con.execute("SELECT login FROM account ORDER BY id")]
    con.close()
    upgraded = reopen(old_file)
    assert schema_version(upgraded) == CURRENT >= 5
    assert {"os_user", "disabled", "password_hash", "version"} <= set(columns(upgraded,
                                                                             "account"))
    from models.accounts import Account
    rows = list(Account.select().order_by(Account.id))
    assert [a.login for a in rows] == logins
    assert {(a.disabled, a.password_hash, a.os_user, a.version) for a in rows} == {
        (False, "", None, 1)}
    assert ("os_user",) in {tuple(i.columns) for i in upgraded.get_indexes("account")}
    for table in ("account_key", "login_session", "login_attempt"):
        assert upgraded.table_exists(table)
    assert ledger_problems() == []


def test_a_file_at_schema_5_gains_plan_revisions_one_per_contract(
        db, tmp_path, make_contract, client, clock, reopen):
    """Schema 6 (X-20): every contract of a schema-5 file gets revision 1, its plan as
    it stands, with no author; the next saved plan is revision 2."""
    from rules.plan import AddMilestone
    from rules.plan_revisions import get_revision, list_revisions
    from rules.planning import save_plan
    first = make_contract("upwork", amounts=(25000, 50000))
    second = make_contract("upwork", amounts=(8000,), title="Logo")
    fund_next_milestone(client, first.id, clock=clock)
    db.close()
    path = tmp_path / "test.db"
    con = sqlite3.connect(path)  # the file as the schema-5 program wrote it
    con.execute("DROP TABLE plan_revision")
    con.execute("UPDATE schema_version SET version = 5")
    con.commit()
    con.close()
    before = file_rows(path)

    upgraded = reopen(path)
    assert schema_version(upgraded) == CURRENT >= 6
    after = file_rows(path)
    for table, rows in before.items():
        if table not in ("sqlite_master", "schema_version"):
            assert after[table] == rows, table
    for contract, plan in ((first, [("Milestone 1", 25000), ("Milestone 2", 50000)]),
                           (second, [("Milestone 1", 8000)])):
        (kept,) = list_revisions(client, contract.id)
        assert (kept.number, kept.author, kept.source) == (
            1, "", "the plan when revisions began")
        assert [(r.title, r.amount_cents) for r in
                get_revision(client, contract.id, 1).rows] == plan
    save_plan(client, first.id, [AddMilestone("More", 5000)], clock=clock)
    assert [r.number for r in list_revisions(client, first.id)] == [2, 1]
    assert ledger_problems() == []


def test_a_file_at_schema_6_gains_counter_proposals(db, tmp_path, make_contract, client,
                                                    freelancer, clock, reopen):
    """Schema 7 (X-22): change requests may answer an earlier one (`previous`); every
    request of a schema-6 file is the first of its thread, and can be countered."""
    from models.change_requests import ChangeRequest
    from rules.change_requests import request_milestone_change
    from rules.counters import counter_milestone_change
    contract = make_contract("upwork", amounts=(25000, 50000))
    active = fund_next_milestone(client, contract.id, clock=clock)
    asked = request_milestone_change(client, active.id, {"title": "Old"}, clock=clock)
    db.close()
    path = tmp_path / "test.db"
    con = sqlite3.connect(path)  # the file as the schema-6 program wrote it
    # SQLite drops no column a foreign key names: the table is rebuilt without it
    # (SQLite's own recipe: a new table, the rows copied, the old one dropped).
    (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'change_request'").fetchone()
    indexes = [i for (i,) in con.execute("SELECT sql FROM sqlite_master WHERE type = 'index' "
                                         "AND tbl_name = 'change_request' AND sql IS NOT NULL")
               if "previous_id" not in i]
    old = sql.replace(', "previous_id" INTEGER', "").replace(
        ', FOREIGN KEY ("previous_id") REFERENCES "change_request" ("id") ON DELETE CASCADE', "")
    kept = [c for c in con_columns(path, "change_request") if c != "previous_id"]
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute(old.replace('"change_request"', '"change_request_v6"', 1))
    con.execute(f"INSERT INTO change_request_v6 SELECT {', '.join(kept)} FROM change_request")
    con.execute("DROP TABLE change_request")
    con.execute("ALTER TABLE change_request_v6 RENAME TO change_request")
    for index in indexes:
        con.execute(index)
    con.execute("UPDATE schema_version SET version = 6")
    con.commit()
    con.close()
    before = file_rows(path)
    upgraded = reopen(path)
    assert schema_version(upgraded) == CURRENT >= 7
    assert "previous_id" in columns(upgraded, "change_request")
    after = file_rows(path)
    assert [r[:-1] for r in after["change_request"]] == before["change_request"]
    assert ChangeRequest.get_by_id(asked.id).previous_id is None
    counter = counter_milestone_change(freelancer, asked.id, {"title": "Older"}, clock=clock)
    assert ChangeRequest.get_by_id(counter.id).previous_id == asked.id


def test_a_file_at_schema_10_gains_acceptance_criteria_and_evidence(
        db, tmp_path, make_contract, client, freelancer, clock, reopen):
    """Schema 11 (X-32, X-33): milestones get `criteria`, submissions `evidence`; what a
    schema-10 file holds reads as none, and criteria can then be set."""
    from rules.planning import save_plan
    from rules.plan import EditMilestone
    from rules.work import submit_work
    contract = make_contract("upwork", amounts=(25000, 50000))
    active = fund_next_milestone(client, contract.id, clock=clock)
    submit_work(freelancer, active.id, "Done", clock=clock)
    db.close()
    path = tmp_path / "test.db"
    con = sqlite3.connect(path)  # as the schema-10 program wrote it
    con.execute("ALTER TABLE milestone DROP COLUMN criteria")
    con.execute("ALTER TABLE submission DROP COLUMN evidence")
    con.execute("UPDATE schema_version SET version = 10")
    con.commit()
    con.close()
    before = file_rows(path)
    upgraded = reopen(path)
    assert schema_version(upgraded) == CURRENT >= 11
    assert "criteria" in columns(upgraded, "milestone")
    assert "evidence" in columns(upgraded, "submission")
    after = file_rows(path)
    assert [r[:-1] for r in after["milestone"]] == before["milestone"]
    assert [r[:-1] for r in after["submission"]] == before["submission"]
    from models.milestones import Milestone, Submission
    assert {m.criteria for m in Milestone.select()} == {()}
    assert {s.evidence for s in Submission.select()} == {()}
    future = Milestone.get((Milestone.contract == contract.id) & (Milestone.status == "planned"))
    save_plan(client, contract.id, [EditMilestone(future.id, {"criteria": ["Signed off"]})],
              clock=clock)
    assert Milestone.get_by_id(future.id).criteria == ("Signed off",)
