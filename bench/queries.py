"""Statements per action (issue 16: each at most 12 on PostgreSQL), on SQLite and, with
`--pg`, on PostgreSQL: fund, submit, release, a change request, a refund request, one
deadline applied by the sweep, and an empty sweep. Every statement peewee sends goes
through its one door, `execute_sql`, and is counted there: SELECT, INSERT, UPDATE,
SAVEPOINT and RELEASE. The transaction's own BEGIN and COMMIT go to the driver directly
and are not counted: add 2 per action that writes.

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


class Counting:
    """Counts `execute_sql` calls on the open database, by the first word of each."""

    def __init__(self) -> None:
        from models.base import database
        self.db = database.obj
        self.real = self.db.execute_sql
        self.kinds: Counter = Counter()

    def __enter__(self) -> "Counting":
        def counted(sql, params=None, *args, **kwargs):
            self.kinds[sql.split(None, 1)[0].upper()] += 1
            return self.real(sql, params, *args, **kwargs)
        self.db.execute_sql = counted
        return self

    def __exit__(self, *exc) -> None:
        self.db.execute_sql = self.real

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
