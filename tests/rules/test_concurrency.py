"""Many users at once (issue 6): 4 processes each doing random valid actions on the same
20 contracts against one database, while two deadline workers sweep, on SQLite and on
PostgreSQL. Afterwards the ledger invariants hold, no milestone was released twice, the
audit chain did not fork, every refusal was "someone acted first" (rule id "conflict")
or an ordinary rule refusal with a clear message, and no database error ("database is
locked", a serialization failure, a deadlock) reached a caller.

The engine (the world, the random actions, the worker loop) is bench/concurrency.py,
which also measures throughput. MILESTONES_CONCURRENCY_ACTIONS sets the actions per
process (250 in `make test`, where it was the longest test; 500 or more to hunt); simulated time runs a day per wall second, so review, refund
and dispute windows fall due during the run and the workers apply them.
"""
from __future__ import annotations

import importlib.util
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from peewee import fn

from models.base import database
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from models.vocabulary import MilestoneStatus
from rules.audit_verify import verify_log
from rules.invariants import ledger_problems
from rules.settlement import ESCROW_SETTLEMENT_KINDS

pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = int(os.environ.get("MILESTONES_CONCURRENCY_ACTIONS", "250"))
PROCESSES, SWEEPERS = 4, 2
RULE_ID = re.compile(r"^(?:[UFG]-\d\d|conflict|input|not-found)$")


def load_engine():
    spec = importlib.util.spec_from_file_location("bench_concurrency",
                                                  ROOT / "bench" / "concurrency.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


engine = load_engine()
# A week per wall second: windows (14-day review, 7-day refund answer, 5 business days
# to respond to a dispute, Fiverr's 8 and 10 days) close while the users are still
# acting, so the workers and the users race for them.
SPEED = 7 * engine.DAY


def test_G09_four_processes_and_two_workers_on_the_same_contracts_keep_the_books(
        db, db_url, tmp_path):
    world = engine.build_world(contracts=20)
    assert len(world["contracts"]) == 20
    database.close()  # the processes use their own connections; ours is idle meanwhile

    run = engine.run_group(db_url, world["contracts"], tmp_path, processes=PROCESSES,
                           actions=ACTIONS, sweepers=SWEEPERS, speed=SPEED, timeout=240)
    tally = engine.totals(run)
    by_action: Counter = Counter()
    for a in run["actors"]:
        by_action.update(a["by_action"])
    messages = {k: v for a in run["actors"] for k, v in a["messages"].items()}
    applied = sum(s["applied"] for s in run["sweepers"])
    print(f"\n[{PROCESSES}×{ACTIONS} actions + {SWEEPERS} workers in {run['seconds']:.1f} s "
          f"({PROCESSES * ACTIONS / run['seconds']:.0f}/s): {dict(tally)}; workers applied "
          f"{applied} deadlines in {[s['sweeps'] for s in run['sweepers']]} sweeps]")
    print(f"[by action: {dict(sorted(by_action.items()))}]")
    print(f"[a message per rule: {messages}]")

    # No database error reached a caller: not an actor, not a worker.
    errors = [e for a in run["actors"] for e in a["errors"]]
    assert not errors, f"{len(errors)} action(s) failed with a database error: {errors[:3]}"
    worker_errors = [e for s in run["sweepers"] for e in s["errors"]]
    assert not worker_errors, worker_errors[:3]
    # Every refusal names a rule (or "conflict") and says something a user can act on.
    assert not [b for a in run["actors"] for b in a["bad_messages"]]
    assert all(RULE_ID.match(rule) for rule in messages), messages
    assert sum(tally.values()) == PROCESSES * ACTIONS
    assert tally["ok"] >= PROCESSES * ACTIONS // 4, tally  # the load really did things

    database.connect(reuse_if_open=True)
    assert ledger_problems() == []
    released_twice = list(
        LedgerTransfer.select(LedgerTransfer.milestone, LedgerTransfer.kind,
                              fn.COUNT(LedgerTransfer.id))
        .where(LedgerTransfer.kind.in_(list(ESCROW_SETTLEMENT_KINDS)))
        .group_by(LedgerTransfer.milestone, LedgerTransfer.kind)
        .having(fn.COUNT(LedgerTransfer.id) > 1).tuples())
    assert released_twice == []
    releases = Counter(m for (m,) in LedgerTransfer.select(LedgerTransfer.milestone)
                       .where(LedgerTransfer.kind == "release").tuples())
    assert all(n == 1 for n in releases.values())
    released = Milestone.select().where(Milestone.status == MilestoneStatus.RELEASED).count()
    assert released > 0
    chain = verify_log()
    assert chain.sound, chain.one_line()
