"""Statements per action (issue 16: each at most 12 on PostgreSQL), on SQLite and, with
`--pg`, on PostgreSQL: fund, submit, release, a change request, a refund request, one
deadline applied by the sweep, and an empty sweep. Every statement peewee sends goes
through its one door, `execute_sql`, and is counted there: SELECT, INSERT, UPDATE,
SAVEPOINT and RELEASE; so is what rules.bulk runs on a cursor of its own (an
executemany is one). The transaction's own BEGIN and COMMIT are not counted: add 2 per
action that writes.

    .venv/bin/python bench/queries.py
    .venv/bin/python bench/queries.py --pg postgresql://postgres@127.0.0.1:54328/postgres

The floor is what the target allows: 12. Counts, not times: they do not depend on the
machine's load."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET = 12


class _CountedCursor:
    """A cursor whose own execute/executemany are counted: rules.bulk writes rows with
    `database.cursor().executemany`, past `execute_sql`. One executemany is one
    statement (one round trip on SQLite; psycopg2 sends one per row)."""

    def __init__(self, cursor, counting: "Counting") -> None:
        self._cursor, self._counting = cursor, counting

    def execute(self, sql, *args, **kwargs):
        self._counting.saw(sql)
        return self._cursor.execute(sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        self._counting.saw(sql)
        return self._cursor.executemany(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def __iter__(self):
        return iter(self._cursor)


class Counting:
    """Counts the statements sent on the open database, by the first word of each: every
    `execute_sql` call, and what is run on a cursor taken outside it (rules.bulk)."""

    def __init__(self) -> None:
        from models.base import database
        self.db = database.obj
        self.real = self.db.execute_sql
        self.real_cursor = self.db.cursor
        self.kinds: Counter = Counter()
        self._inside = False

    def saw(self, sql: str) -> None:
        word = sql.split(None, 1)[0].upper()
        # BEGIN and COMMIT are left out on both databases (psycopg2 sends them itself).
        if not self._inside and word not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.kinds[word] += 1

    def __enter__(self) -> "Counting":
        def counted(sql, params=None, *args, **kwargs):
            self.saw(sql)
            self._inside = True  # its own cursor.execute is this same statement
            try:
                return self.real(sql, params, *args, **kwargs)
            finally:
                self._inside = False

        def cursor(*args, **kwargs):
            return _CountedCursor(self.real_cursor(*args, **kwargs), self)
        self.db.execute_sql = counted
        self.db.cursor = cursor
        return self

    def __exit__(self, *exc) -> None:
        self.db.execute_sql = self.real
        self.db.cursor = self.real_cursor

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


def measure(url: str) -> list[tuple[str, int, Counter]]:
    import arrow

    from models.accounts import Account
    from models.db import open_database
    from models.vocabulary import Role
    from rules.change_requests import request_milestone_change
    from rules.clock import FrozenClock
    from rules.contracts import create_contract
    from rules.deadlines import sweep
    from rules.payments import fund_next_milestone, release
    from rules.plan import AddMilestone
    from rules.refunds import request_refund
    from rules.work import submit_work

    open_database(url)
    ada = Account.create(login="ada", display_name="Ada", role=Role.CLIENT)
    bo = Account.create(login="bo", display_name="Bo", role=Role.FREELANCER)
    clock = FrozenClock(arrow.get("2026-03-02T09:00:00+00:00"))

    def contract(title: str):
        return create_contract(ada, freelancer=bo, title=title, policy="upwork", clock=clock,
                               milestones=[AddMilestone(f"{title} {k}", 250_00,
                                                        due_date=dt.date(2026, 4, k + 1))
                                           for k in range(3)])
    one, two, three = contract("One"), contract("Two"), contract("Three")
    out = []

    def run(label: str, action) -> object:
        with Counting() as c:
            value = action()
        out.append((label, c.total, c.kinds))
        return value
    m = run("fund", lambda: fund_next_milestone(ada, one.id, clock=clock))
    run("submit", lambda: submit_work(bo, m.id, "Done", clock=clock))
    run("release", lambda: release(ada, m.id, clock=clock))
    m2 = fund_next_milestone(ada, two.id, clock=clock)
    run("change request", lambda: request_milestone_change(ada, m2.id, {"title": "Two, v2"},
                                                           clock=clock))
    run("refund request", lambda: request_refund(ada, m2.id, reason="Not started",
                                                 clock=clock))
    m3 = fund_next_milestone(ada, three.id, clock=clock)
    submit_work(bo, m3.id, "Done", clock=clock)
    due = FrozenClock(arrow.get("2026-03-02T09:00:00+00:00").shift(days=14))
    # Other windows fall due then too (the change request's, the refund's): the sweep's
    # total over its items, one line per item.
    with Counting() as c:
        result = sweep(clock=due)
    items = max(1, len(result.applied))
    out.append((f"sweep, per item ({items} applied)", round(c.total / items), c.kinds))
    run("empty sweep", lambda: sweep(clock=due))
    return out


def report(name: str, rows) -> None:
    print(f"\n{name}: statements per action (target <= {TARGET}, the floor)")
    for label, n, kinds in rows:
        ratio = n / TARGET
        mark = "ok" if n <= TARGET else "over"
        detail = ", ".join(f"{k} {v}" for k, v in kinds.most_common())
        print(f"  {label:28} {n:4}   {ratio:4.1f}x  {mark:4}  ({detail})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", metavar="URL", help="also on this PostgreSQL server (a scratch "
                                               "database is made and dropped)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        from models.db import sqlite_url
        report("SQLite", measure(sqlite_url(Path(tmp) / "queries.db")))
    if args.pg:
        from concurrency import drop_postgres_database, postgres_database
        url = postgres_database(args.pg, "milestones_bench_queries")
        try:
            report("PostgreSQL", measure(url))
        finally:
            from models.base import database
            database.close()
            drop_postgres_database(args.pg, "milestones_bench_queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
