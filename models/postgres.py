"""PostgreSQL connections: the session settings the rules rely on, and a pool.

Imported only when a PostgreSQL URL is opened (`models.db._connect`): the pool, the URL
parser and the driver are start-up time a SQLite user would pay for nothing.
"""
from __future__ import annotations

import atexit
import weakref

from peewee import OperationalError, PostgresqlDatabase
from playhouse.pool import PooledPostgresqlDatabase


class _SessionSettings(PostgresqlDatabase):
    """A new server connection gets the session settings the rules rely on, whatever the
    server's defaults: READ COMMITTED (a statement after the write lock sees every earlier
    commit), UTC, and a lock wait bounded like SQLite's busy timeout."""

    SESSION_SQL = ("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED;"
                   " SET TIME ZONE 'UTC'; SET lock_timeout = '10s'")

    def _connect(self):
        conn = super()._connect()
        try:
            self._apply_session(conn)
        except Exception:
            conn.close()
            raise
        return conn

    def _apply_session(self, conn) -> None:
        with conn.cursor() as cursor:
            cursor.execute(self.SESSION_SQL)

    def _initialize_connection(self, conn):
        pass  # done once per check-out, by _connect (new) or the pool's _is_closed (reused)


class MilestonesPostgres(PooledPostgresqlDatabase, _SessionSettings):
    """PostgreSQL with the session settings (`_SessionSettings`) and a connection pool.

    Every TUI call runs in a thread worker inside `connection_context()`; its close hands
    the connection back here instead of ending it, so a keypress costs one round trip
    (the check-out test below) rather than a TCP connect, authentication and TLS.

    Limits, for one process: a TUI has about six worker groups (list, contract, timeline,
    unread, audit trail, rules calls) plus the sweep, and the main thread keeps the
    connection `open_database` opened; an exclusive worker that is superseded still runs
    to its end, so fast typing can briefly stack a few more. MAX_CONNECTIONS bounds what
    one process asks of a shared server; a thread beyond it waits (WAIT_SECONDS) for one
    to come back rather than failing. At most MAX_IDLE wait in the pool between calls:
    a TUI left open all day holds those few, not its peak. A connection older than
    STALE_SECONDS is closed when next handed in or out (server-side memory does not grow
    for ever). `milestones worker` and the test processes use one thread: one connection.

    Never reused dirty: a connection handed back inside a transaction (open or aborted) is
    rolled back, and closed if that fails or the link is lost; one that is retired (below),
    broken or past MAX_IDLE is closed. Before a pooled connection is handed out, the
    session settings are applied again: that round trip is also the liveness test (a
    server restart or pg_terminate_backend is noticed here, and a new one is made), and
    it undoes any session-level SET a caller made.
    """

    MAX_CONNECTIONS = 8
    MAX_IDLE = 3
    WAIT_SECONDS = 30
    STALE_SECONDS = 600

    def __init__(self, database, **kwargs):
        kwargs.setdefault("max_connections", self.MAX_CONNECTIONS)
        kwargs.setdefault("stale_timeout", self.STALE_SECONDS)
        kwargs.setdefault("timeout", self.WAIT_SECONDS)
        self._retired = False
        super().__init__(database, **kwargs)
        _POOLS.add(self)

    def _is_closed(self, conn) -> bool:
        """Check-out of a pooled connection (under the pool lock): True discards it."""
        try:
            usable = (not conn.closed
                      and self._adapter.txn_status(conn) == self._adapter.txn_idle)
            if usable:
                self._apply_session(conn)  # the ping, and the settings put back
                return False
        except Exception:  # noqa: BLE001, S110 - any failure here means: do not hand it out
            pass
        self._close_raw(conn)  # the pool drops a "closed" one without closing it
        return True

    def _can_reuse(self, conn) -> bool:
        """Check-in (under the pool lock): False closes the connection."""
        if self._retired or conn.closed or len(self._connections) >= self.MAX_IDLE:
            return False
        status = self._adapter.txn_status(conn)
        if status == self._adapter.txn_unknown:
            return False
        if status != self._adapter.txn_idle:
            try:
                self._adapter.rollback(conn)
            except Exception:  # noqa: BLE001 - whatever the driver raised: not reusable
                return False
            return self._adapter.txn_status(conn) == self._adapter.txn_idle
        return True

    def retire(self) -> None:
        """No longer the models' database: close the idle connections and this thread's,
        and close the others as they are handed back (another thread may be mid-call)."""
        self._retired = True
        try:
            self.close()
        except OperationalError:  # this thread is inside a transaction: closed on hand-back
            pass
        self.close_idle()


# Every pool in this process, closed at exit: the server sees a clean goodbye rather
# than a dropped socket, and shared servers do not keep backends for dead TUIs.
_POOLS: weakref.WeakSet[MilestonesPostgres] = weakref.WeakSet()


@atexit.register
def close_pools() -> None:
    for pool in list(_POOLS):
        try:
            pool.close_all()
        except Exception:  # noqa: BLE001, S110 - exiting: one that cannot say goodbye is gone
            pass
