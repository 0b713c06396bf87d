"""Binding the models to a database: open, create, migrate.

`open_database(url)` accepts `sqlite:///path.db` (the default kind) or
`postgresql://user@host:port/name`. SQLite runs in WAL mode with foreign keys on, a busy
timeout and `BEGIN IMMEDIATE` for every transaction: a deferred transaction that reads and
then writes fails at once with "database is locked", whatever the timeout.

PostgreSQL runs in READ COMMITTED, in UTC, and writers take one advisory transaction lock
(`take_write_lock`) as their first statement: the same one-writer-at-a-time model as
SQLite's BEGIN IMMEDIATE. Every statement after the lock sees everything committed before
it, so the checks an action makes on several rows (one funded milestone per contract, no
escrow when ending, the audit chain's last hash) cannot be raced by another writer.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from peewee import Database, IntegerField, PostgresqlDatabase, SqliteDatabase, TextField

from models.accounts import SYSTEM_LOGIN, Account, AccountKey, LoginAttempt, LoginSession
from models.audit import AuditHead, AuditRecord, ensure_general_head, split_into_chains
from models.base import BaseModel, database
from models.change_requests import ChangeRequest
from models.contracts import Contract, Feedback
from models.deadlines import Deadline
from models.events import Event, Notification
from models.holds import PayoutHold
from models.ledger import LedgerEntry, LedgerTransfer
from models.milestones import Milestone, Submission
from models.nudges import Nudge
from models.pending_releases import PendingRelease
from models.plan_revisions import PlanRevision
from models.refunds import RefundRequest
from models.settings import Setting
from models.urls import is_postgres_url, sqlite_url  # noqa: F401 - sqlite_url: also from here
from models.vocabulary import Role

if TYPE_CHECKING:
    from playhouse.migrate import SchemaMigrator

# PostgreSQL's pool (models.postgres), the URL parser and playhouse.migrate are imported
# where first needed: most runs open a current SQLite file and need none of them.

ALL_MODELS = [
    Account, Contract, Feedback, Milestone, Submission, ChangeRequest, RefundRequest,
    LedgerTransfer, LedgerEntry, Event, Notification, AuditRecord, Deadline, Setting,
    AccountKey, LoginSession, LoginAttempt, PlanRevision, PayoutHold, Nudge,
    PendingRelease, AuditHead,
]

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",
    "busy_timeout": 10_000,
}


class SchemaVersion(BaseModel):
    version = IntegerField()


class SchemaError(RuntimeError):
    """The database file cannot be used by this version of the program."""


# Migrations from version N-1 to N. Each receives a playhouse migrator and runs inside
# one transaction with the version bump, so an upgrade is all or nothing.
Migration = Callable[["SchemaMigrator"], None]

# G-05 on PostgreSQL: the audit log is append-only in the database itself.
AUDIT_GUARD_SQL = (
    """CREATE OR REPLACE FUNCTION audit_record_append_only() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'audit records are append-only: %% refused on audit_record', TG_OP
           USING ERRCODE = 'insufficient_privilege';
       END $$""",
    "DROP TRIGGER IF EXISTS audit_record_append_only ON audit_record",
    """CREATE TRIGGER audit_record_append_only
       BEFORE UPDATE OR DELETE ON audit_record
       FOR EACH ROW EXECUTE FUNCTION audit_record_append_only()""",
    "DROP TRIGGER IF EXISTS audit_record_no_truncate ON audit_record",
    """CREATE TRIGGER audit_record_no_truncate
       BEFORE TRUNCATE ON audit_record
       FOR EACH STATEMENT EXECUTE FUNCTION audit_record_append_only()""",
)


def guard_audit_log(db: Database) -> None:
    """PostgreSQL: triggers refuse UPDATE, DELETE and TRUNCATE on audit_record (G-05).
    SQLite has no such guard; there no code path updates or deletes a record (tested)."""
    if isinstance(db, PostgresqlDatabase):
        for statement in AUDIT_GUARD_SQL:
            db.execute_sql(statement)


def _append_only_audit(migrator: SchemaMigrator) -> None:
    guard_audit_log(migrator.database)


def _add_missing_indexes(migrator: SchemaMigrator, wanted) -> None:
    from playhouse.migrate import migrate
    for table, columns in wanted:
        if columns not in {tuple(i.columns) for i in migrator.database.get_indexes(table)}:
            migrate(migrator.add_index(table, columns))


def _contract_list_indexes(migrator: SchemaMigrator) -> None:
    """Schema 3: the contract list sorts by per-contract figures (rules.queries)."""
    _add_missing_indexes(migrator, [("deadline", ("contract_id", "status", "due_at")),
                                    ("ledger_entry", ("contract_id", "account", "amount_cents"))])


def _schema_4(migrator: SchemaMigrator) -> None:
    """Schema 4: a change request keeps the reason given with its rejection or decline
    (requests answered before keep theirs in the timeline event, where the inbox still
    finds it: rules.inbox); milestones are indexed by (status, due date) for the support
    console's overdue search."""
    from playhouse.migrate import migrate
    if "answer_message" not in {c.name for c in migrator.database.get_columns("change_request")}:
        migrate(migrator.add_column("change_request", "answer_message",
                                    TextField(default="")))
    _add_missing_indexes(migrator, [("milestone", ("status", "due_date"))])


def _schema_5(migrator: SchemaMigrator) -> None:
    """Schema 5: identity (rules/identity.py). Accounts get an OS user, a disabled flag,
    a password hash and a version; SSH keys, login sessions and failed attempts get
    tables of their own."""
    from playhouse.migrate import migrate
    db = migrator.database
    have = {c.name for c in db.get_columns("account")}
    wanted = [(name, Account._meta.fields[name].clone())
              for name in ("os_user", "disabled", "password_hash", "version")]
    wanted[0][1].unique = False  # its unique index is added below
    migrate(*[migrator.add_column("account", name, field)
              for name, field in wanted if name not in have])
    if ("os_user",) not in {tuple(i.columns) for i in db.get_indexes("account")}:
        migrate(migrator.add_index("account", ("os_user",), True))
    db.create_tables([AccountKey, LoginSession, LoginAttempt], safe=True)


def _plan_revisions(migrator: SchemaMigrator) -> None:
    """Plan revisions (X-20): a table of every saved plan; each existing contract gets
    revision 1, its plan as it stands, with no author (it was kept before revisions
    were)."""
    from models.plan_revisions import backfill
    migrator.database.create_tables([PlanRevision], safe=True)
    backfill()


def _counter_proposals(migrator: SchemaMigrator) -> None:
    """Counter-proposals (X-22): a change request may answer an earlier one with an
    amended version (`previous`). Every existing request is the first of its thread."""
    from playhouse.migrate import migrate
    if "previous_id" not in {c.name for c in migrator.database.get_columns("change_request")}:
        field = ChangeRequest._meta.fields["previous"].clone()
        migrate(migrator.add_column("change_request", "previous_id", field))


def _payout_holds(migrator: SchemaMigrator) -> None:
    """Payout holds (X-26): released money is pending until the policy's hold ends."""
    from models.holds import backfill
    migrator.database.create_tables([PayoutHold], safe=True)
    backfill()


def _nudges(migrator: SchemaMigrator) -> None:
    """Nudges (X-27): who reminded whom of an open window, and when."""
    migrator.database.create_tables([Nudge], safe=True)


def _pending_releases(migrator: SchemaMigrator) -> None:
    """Scheduled and undoable releases (X-29, X-30): releases not final yet."""
    migrator.database.create_tables([PendingRelease], safe=True)


def _acceptance_criteria(migrator: SchemaMigrator) -> None:
    """Acceptance criteria and evidence (X-32, X-33): a milestone's checklist and what a
    submission showed for each. Existing milestones have none."""
    from playhouse.migrate import migrate
    db = migrator.database
    for table, column, model in (("milestone", "criteria", Milestone),
                                 ("submission", "evidence", Submission)):
        if column not in {c.name for c in db.get_columns(table)}:
            migrate(migrator.add_column(table, column, model._meta.fields[column].clone()))


def _funding_policy(migrator: SchemaMigrator) -> None:
    """Funding policy per contract (X-36): existing contracts fund one at a time (U-03)."""
    from playhouse.migrate import migrate
    if "funding_limit" not in {c.name for c in migrator.database.get_columns("contract")}:
        migrate(migrator.add_column("contract", "funding_limit",
                                    Contract._meta.fields["funding_limit"].clone()))



def _audit_chains(migrator: SchemaMigrator) -> None:
    """Audit chains per contract (issue 16): models.audit.split_into_chains."""
    split_into_chains(migrator.database)


MIGRATIONS: dict[int, Migration] = {2: _append_only_audit, 3: _contract_list_indexes,
                                    4: _schema_4, 5: _schema_5, 6: _plan_revisions,
                                    7: _counter_proposals, 8: _payout_holds, 9: _nudges,
                                    10: _pending_releases, 11: _acceptance_criteria,
                                    12: _funding_policy, 13: _audit_chains}
SCHEMA_VERSION = 13

# The advisory lock every PostgreSQL writer takes first (any constant; "MILE").
WRITE_LOCK_KEY = 0x4D494C45


def open_database(url: str, *, create: bool = True) -> Database:
    """Connect the models to `url`, create or upgrade the schema, return the database."""
    previous = database.obj
    db = _connect(url)
    database.initialize(db)
    if previous is not None and previous is not db and hasattr(previous, "retire"):
        previous.retire()  # a pool (models.postgres): its connections would idle until exit
    db.connect(reuse_if_open=True)
    if create:
        ensure_schema(db)
    return db


class MilestonesSqlite(SqliteDatabase):
    """SQLite as the app opens it. Text another program wrote as bytes that are no
    UTF-8 (a lone surrogate's ED A0 80, a Latin-1 export) reads as U+FFFD, visible:
    the driver would fail the whole query, and one such title emptied the contract list
    (issue 17, found by the hostile-input fuzzer). Valid text reads unchanged."""

    def _add_conn_hooks(self, conn) -> None:
        super()._add_conn_hooks(conn)
        conn.text_factory = _decode_text


def _decode_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _connect(url: str) -> Database:
    if url.startswith("sqlite://"):
        # sqlite:///relative.db or sqlite:////absolute/path.db, as in playhouse.db_url.
        path = url[len("sqlite://"):][1:]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return MilestonesSqlite(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=10)
    if is_postgres_url(url):
        from playhouse.db_url import parse as parse_url

        from models.postgres import MilestonesPostgres
        kwargs = parse_url(url, unquote_password=True, unquote_user=True)
        return MilestonesPostgres(kwargs.pop("database"), **kwargs)
    raise ValueError(f"unknown kind of database URL “{url}”: use sqlite:///path.db or "
                     "postgresql://user@host:port/name")


def migrator_for(db: Database) -> SchemaMigrator:
    from playhouse.migrate import PostgresqlMigrator, SqliteMigrator
    return SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)


def is_postgres(db: Database | None = None) -> bool:
    """Whether `db` (default: the database the models are bound to) is PostgreSQL."""
    target = db if db is not None else database.obj
    return isinstance(target, PostgresqlDatabase)


def take_write_lock(db: Database | None = None) -> None:
    """Make the current transaction the only writer until it ends.

    SQLite's outermost `BEGIN IMMEDIATE` already did; on PostgreSQL this takes a
    transaction-level advisory lock (re-entrant, released at COMMIT or ROLLBACK). Call it
    first in a write transaction: a row lock taken before it can deadlock with a writer
    that holds it."""
    target = db if db is not None else database.obj
    if isinstance(target, PostgresqlDatabase) and target.in_transaction():
        target.execute_sql("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))


def ensure_schema(db: Database) -> int:
    """Create a new schema, or upgrade an old one step by step. Returns the version."""
    with db.atomic():
        take_write_lock(db)  # two programs creating one PostgreSQL schema at once
        if not db.table_exists(SchemaVersion._meta.table_name):
            db.create_tables([SchemaVersion, *ALL_MODELS])
            guard_audit_log(db)
            ensure_general_head()
            SchemaVersion.create(version=SCHEMA_VERSION)
            Account.get_or_create(login=SYSTEM_LOGIN, defaults={
                "display_name": "Milestones (automatic)", "role": Role.SYSTEM})
            return SCHEMA_VERSION
        current = SchemaVersion.select().get().version
    if current > SCHEMA_VERSION:
        raise SchemaError(
            f"This database was written by a newer Milestones (schema {current}); "
            f"this program knows schema {SCHEMA_VERSION}. Upgrade the program.")
    if current == SCHEMA_VERSION:
        return current  # the usual case: no migrator (playhouse.migrate) to import
    migrator = migrator_for(db)
    sqlite = isinstance(db, SqliteDatabase)
    if sqlite:
        # Rebuilding a table drops the old one; with foreign keys on, that would cascade
        # into every row pointing at it. SQLite's documented procedure: keys off (outside
        # any transaction), rebuild, check, keys back on.
        db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        for target in range(current + 1, SCHEMA_VERSION + 1):
            step = MIGRATIONS.get(target)
            if step is None:
                raise SchemaError(f"No migration to schema {target}.")
            with db.atomic():
                take_write_lock(db)
                if SchemaVersion.select().get().version >= target:
                    continue  # another program upgraded it while we waited
                step(migrator)
                if sqlite:
                    broken = db.execute_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise SchemaError(f"Migration to schema {target} broke "
                                          f"{len(broken)} references; nothing was changed.")
                SchemaVersion.update(version=target).execute()
    finally:
        if sqlite:
            db.execute_sql("PRAGMA foreign_keys = ON")
    return SCHEMA_VERSION


def schema_version(db: Database) -> int:
    return SchemaVersion.select().get().version
