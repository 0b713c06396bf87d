"""PostgreSQL: what a TUI call costs with and without the connection pool.

    .venv/bin/python bench/pg_connect.py                # N=500 calls, 3 rounds
    .venv/bin/python bench/pg_connect.py --calls 200 --pg URL
                                                        # (default $MILESTONES_TEST_PG)

Every screen's database work runs in a thread worker wrapped in
`database.connection_context()` (tui/workers.py). This times N such calls, each with one
small query (the contract count an agent's list header shows), on a fresh database made
on the server (`milestones_bench_<pid>`, dropped afterwards):

- unpooled: the way it was before the pool, a new server connection per call (TCP
  connect, authentication, the session settings) closed at the end of the call;
- pooled: `models.postgres.MilestonesPostgres`, as `open_database` makes it: the call takes a
  pooled connection (one round trip: the session settings, which also test it is alive)
  and hands it back.

Prints the median per call of each over the rounds and the ratio unpooled ÷ pooled. On
loopback with trust authentication the connect is cheapest; over a network, with
password (SCRAM) authentication and TLS, each connect costs several round trips more, so
the ratio grows with the distance to the server.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playhouse.db_url import parse

from models.base import database
from models.db import open_database
from models.postgres import MilestonesPostgres, _SessionSettings
from rules.queries import count_contracts


def admin(server_url: str, *statements: str) -> None:
    import psycopg2
    conn = psycopg2.connect(server_url, connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def time_calls(db, calls: int, agent) -> float:
    """Seconds per TUI-style call against `db` (bound to the models for the run)."""
    database.initialize(db)
    db.close()
    started = time.perf_counter()
    for _ in range(calls):
        with database.connection_context():
            count_contracts(agent)
    return (time.perf_counter() - started) / calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default=os.environ.get("MILESTONES_TEST_PG"))
    args = parser.parse_args(argv)
    if not args.pg:
        parser.error("give --pg URL or set MILESTONES_TEST_PG")
    name = f"milestones_bench_{os.getpid()}"
    url = args.pg.partition("?")[0].rsplit("/", 1)[0] + "/" + name
    admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        from models.accounts import Account
        from models.vocabulary import Role
        pooled = open_database(url)
        agent = Account.create(login="sam", display_name="Sam Support", role=Role.AGENT)
        params = parse(url)
        # The same settings applied once per new connection, without the pool: what
        # MilestonesPostgres was before.
        unpooled = _SessionSettings(params.pop("database"), **params)
        time_calls(pooled, 20, agent)  # warm both (imports, plans, the first connect)
        time_calls(unpooled, 20, agent)
        results: dict[str, list[float]] = {"unpooled": [], "pooled": []}
        for _ in range(args.rounds):
            results["unpooled"].append(time_calls(unpooled, args.calls, agent))
            results["pooled"].append(time_calls(pooled, args.calls, agent))
        assert isinstance(pooled, MilestonesPostgres)
        print(f"{args.calls} calls x {args.rounds} rounds, connection_context + "
              f"count_contracts (agent), {url.rsplit('@', 1)[-1]}")
        medians = {k: statistics.median(v) for k, v in results.items()}
        for kind, per_call in medians.items():
            spread = ", ".join(f"{v * 1000:.2f}" for v in results[kind])
            print(f"  {kind:9} {per_call * 1000:7.2f} ms per call   (rounds: {spread})")
        print(f"  ratio unpooled / pooled: {medians['unpooled'] / medians['pooled']:.1f}x")
        database.close()
        pooled.close_all()
        unpooled.close()
    finally:
        admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
