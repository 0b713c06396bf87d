"""Binding the models to a database: open, create, migrate.

`open_database(url)` accepts `sqlite:///path.db` (the default kind) or
`postgresql://user@host:port/name`. SQLite runs in WAL mode with foreign keys on, a busy
timeout and `BEGIN IMMEDIATE` for every transaction: a deferred transaction that reads and
then writes fails at once with "database is locked", whatever the timeout.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from peewee import Database, IntegerField, SqliteDatabase
from playhouse.db_url import connect
from playhouse.migrate import PostgresqlMigrator, SchemaMigrator, SqliteMigrator

from models.accounts import SYSTEM_LOGIN, Account
from models.audit import AuditRecord
from models.base import BaseModel, database
from models.change_requests import ChangeRequest
from models.contracts import Contract, Feedback
from models.deadlines import Deadline
from models.events import Event, Notification
from models.ledger import LedgerEntry, LedgerTransfer
from models.milestones import Milestone, Submission
from models.refunds import RefundRequest
from models.settings import Setting
from models.vocabulary import Role

ALL_MODELS = [
    Account, Contract, Feedback, Milestone, Submission, ChangeRequest, RefundRequest,
    LedgerTransfer, LedgerEntry, Event, Notification, AuditRecord, Deadline, Setting,
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
Migration = Callable[[SchemaMigrator], None]
MIGRATIONS: dict[int, Migration] = {}
SCHEMA_VERSION = 1


def open_database(url: str, *, create: bool = True) -> Database:
    """Connect the models to `url`, create or upgrade the schema, return the database."""
    db = _connect(url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    if create:
        ensure_schema(db)
    return db


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def _connect(url: str) -> Database:
    if url.startswith("sqlite://"):
        # sqlite:///relative.db or sqlite:////absolute/path.db, as in playhouse.db_url.
        path = url[len("sqlite://"):][1:]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=10)
    return connect(url)


def migrator_for(db: Database) -> SchemaMigrator:
    return SqliteMigrator(db) if isinstance(db, SqliteDatabase) else PostgresqlMigrator(db)


def ensure_schema(db: Database) -> int:
    """Create a new schema, or upgrade an old one step by step. Returns the version."""
    with db.atomic():
        if not db.table_exists(SchemaVersion._meta.table_name):
            db.create_tables([SchemaVersion, *ALL_MODELS])
            SchemaVersion.create(version=SCHEMA_VERSION)
            Account.get_or_create(login=SYSTEM_LOGIN, defaults={
                "display_name": "Milestones (automatic)", "role": Role.SYSTEM})
            return SCHEMA_VERSION
        current = SchemaVersion.select().get().version
    if current > SCHEMA_VERSION:
        raise SchemaError(
            f"This database was written by a newer Milestones (schema {current}); "
            f"this program knows schema {SCHEMA_VERSION}. Upgrade the program.")
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
