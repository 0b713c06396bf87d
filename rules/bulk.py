"""Writing many rows in few statements, for the deadline sweep's batched path
(rules/sweep_batch.py, rules/journal.record_many, rules/ledger.transfer_many).

Always inside the caller's transaction, which holds the write lock: the ids reserved here
are then the ids the rows would have got one by one (SQLite gives a new row the largest
id + 1; PostgreSQL takes them from the table's sequence), so a batch writes exactly what
the same actions applied in turn would have written. Values go through each field's
`db_value`, as peewee's own inserts do, so stored times and flags are identical too.
"""
from __future__ import annotations

import time
from typing import Iterable, Sequence

from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    Model, TextField)

from models.base import database
from models.db import is_postgres

__all__ = ["reserve_ids", "insert_rows", "execute_each", "sql", "OwnCheckpoints"]

_SQL_CACHE: dict[tuple, str] = {}
# Stored form of the times written lately: a batch writes each item's due time into
# several tables. Every DateTimeField of the project stores naive UTC the same way.
_TIMES: dict = {}


def sql(text: str) -> str:
    """`text` written with `?` placeholders, for the bound database (psycopg2: `%s`)."""
    key = ("param", text, is_postgres())
    if key not in _SQL_CACHE:
        _SQL_CACHE[key] = text.replace("?", "%s") if is_postgres() else text
    return _SQL_CACHE[key]


def reserve_ids(model: type[Model], n: int) -> list[int]:
    """The ids the next `n` rows of `model` get, in order (under the write lock)."""
    if n <= 0:
        return []
    table = model._meta.table_name
    if is_postgres():
        cur = database.execute_sql(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table, n))
        return sorted(int(i) for (i,) in cur.fetchall())
    (top,) = database.execute_sql(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"').fetchone()
    return list(range(top + 1, top + n + 1))


def insert_rows(model: type[Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """INSERT the rows (values in `columns` order, field names) with one executemany."""
    fields = [model._meta.fields[c] for c in columns]
    key = ("insert", model, tuple(columns), is_postgres())
    if key not in _SQL_CACHE:
        names = ", ".join(f'"{f.column_name}"' for f in fields)
        marks = ", ".join([database.param] * len(fields))
        _SQL_CACHE[key] = f'INSERT INTO "{model._meta.table_name}" ({names}) VALUES ({marks})'
    convert = [_converter(f) for f in fields]
    params = [tuple(c(v) for c, v in zip(convert, row)) for row in rows]
    if params:
        database.cursor().executemany(_SQL_CACHE[key], params)
    return len(params)


def _converter(field):
    """`field.db_value`, skipping the call where it would return the value unchanged (a
    plain int, str or bool), and converting each time object once (a batch repeats the
    same due time over several rows)."""
    db_value = field.db_value
    if isinstance(field, (IntegerField, ForeignKeyField)):
        plain: tuple = (int,)
    elif isinstance(field, (CharField, TextField)):
        plain = (str,)
    elif isinstance(field, BooleanField):
        plain = (bool,)
    elif isinstance(field, DateTimeField):
        def convert_time(value):
            stored = _TIMES.get(value)
            if stored is None:
                if len(_TIMES) > 4096:
                    _TIMES.clear()
                stored = _TIMES[value] = db_value(value)
            return stored
        return convert_time
    else:
        return db_value
    return lambda value: value if value is None or type(value) in plain else db_value(value)


def execute_each(text: str, rows: Iterable[tuple]) -> int:
    """Run one statement (`?` placeholders) once per row of parameters; the number of
    rows changed in all (for a compare-and-set by id: all of them took iff it equals
    the number of parameter rows)."""
    cursor, statement = database.cursor(), sql(text)
    if not is_postgres():
        cursor.executemany(statement, rows)
        return cursor.rowcount
    changed = 0
    for row in rows:  # psycopg2's executemany does not add the counts up
        cursor.execute(statement, row)
        changed += cursor.rowcount
    return changed


class OwnCheckpoints:
    """SQLite, for a long series of write transactions (the sweep catching up): run the
    WAL checkpoints between them rather than inside their COMMIT.

    A COMMIT that takes the WAL past `wal_autocheckpoint` pages copies it into the
    database file before returning; a batch always does, so each batch paid for one,
    and the time counted as time the batch held the lock. Taken over, the checkpoint
    runs after the COMMIT, PASSIVE (never waiting for other connections, never blocking
    their writes), as part of the gap the sweep leaves between batches for users' writes.
    `give_back` checkpoints once more and restores the setting. A no-op on PostgreSQL
    and inside an enclosing transaction."""

    def __init__(self) -> None:
        self.previous: int | None = None

    def take_over(self) -> None:
        if self.previous is not None or is_postgres() or database.in_transaction():
            return
        (self.previous,) = database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()
        database.execute_sql("PRAGMA wal_autocheckpoint=0")

    def checkpoint(self) -> float:
        """Checkpoint now (if taken over and checkpoints were on); the seconds it took."""
        if not self.previous or self.previous <= 0:
            return 0.0
        started = time.monotonic()
        database.execute_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        return time.monotonic() - started

    def give_back(self) -> None:
        if self.previous is None:
            return
        try:
            self.checkpoint()
        finally:
            database.execute_sql(f"PRAGMA wal_autocheckpoint={int(self.previous)}")
            self.previous = None
