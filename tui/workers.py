"""Database work off the event loop.

Every screen reads and writes through `rules/` in thread workers (DESIGN: never on the
event loop). Peewee keeps one connection per thread; a worker opens its own for the
length of the call and closes it, so no connection outlives the thread that ran it
(tests open a fresh database file for every app). On SQLite that is a file open; on
PostgreSQL "open" takes a connection from the pool (`models.postgres.MilestonesPostgres`) and
"close" hands it back, so a keypress does not pay a TCP connect and authentication.
"""
from __future__ import annotations

import functools
import sys
from typing import Callable, TypeVar

from peewee import PeeweeException
from textual import work

from models.base import database
from models.db import SchemaError
from rules.errors import RuleError

F = TypeVar("F", bound=Callable)


def db_work(group: str, *, exclusive: bool = True) -> Callable[[F], F]:
    """Run a method in a thread worker with its own database connection.

    Errors do not end the app (`exit_on_error=False`): they arrive as a
    `Worker.StateChanged` in the ERROR state, which `describe_error` turns into one line
    for a notification (see `tui.screens.base.BaseScreen`).
    """
    def decorate(method: F) -> F:
        @functools.wraps(method)
        def with_connection(*args, **kwargs):
            with database.connection_context():
                return method(*args, **kwargs)
        return work(thread=True, exclusive=exclusive, group=group,
                    exit_on_error=False)(with_connection)  # type: ignore[return-value]
    return decorate


def describe_error(error: BaseException | None) -> str:
    """One line a user can read, never a traceback."""
    if isinstance(error, RuleError):
        return error.message
    if isinstance(error, SchemaError):
        return str(error)
    pool = sys.modules.get("playhouse.pool")  # imported with a PostgreSQL pool only
    if pool is not None and isinstance(error, pool.MaxConnectionsExceeded):
        # every pooled connection stayed busy
        return "The database is busy (all connections in use); try again in a moment."
    if isinstance(error, PeeweeException):
        return f"The database could not be read: {error}"
    if error is None:
        return "Something went wrong."
    return f"Something went wrong ({type(error).__name__}: {error})."
