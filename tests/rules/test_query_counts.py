"""Statements per action (issue 16: the target is 12 on PostgreSQL), held where they are
so that none grows unseen: fund, submit, release, a change request, a refund request, an
empty sweep. On both databases: PostgreSQL adds its two advisory-lock statements. A
ceiling lowered by a change is lowered here too (bench/queries.py prints the counts)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from models.db import is_postgres
from rules.change_requests import request_milestone_change
from rules.deadlines import sweep
from rules.payments import fund_next_milestone, release
from rules.refunds import request_refund
from rules.work import submit_work

pytestmark = pytest.mark.both_databases

# SQLite's count per action; PostgreSQL's is LOCKS more (the global advisory lock). Each
# includes the audit chain's head: read (locked), and moved with the record (schema 13).
CEILINGS = {"fund": 14, "submit": 11, "release": 17, "change request": 12,
            "refund request": 15, "empty sweep": 1}
LOCKS = 2
ROOT = Path(__file__).resolve().parents[2]


def _bench_counting():
    """bench/queries.py's counter, the one definition of what a statement is."""
    spec = importlib.util.spec_from_file_location("bench_queries",
                                                  ROOT / "bench" / "queries.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Counting


Counting = _bench_counting()


def ceiling(label: str) -> int:
    """The count on this test's database: the empty sweep writes nothing, so locks none."""
    return CEILINGS[label] + (LOCKS if is_postgres() and label != "empty sweep" else 0)


def test_statements_per_action_do_not_grow(make_contract, client, freelancer, clock):
    one, two = make_contract(amounts=(25000, 25000)), make_contract(amounts=(25000, 25000))
    counts = {}
    with Counting() as sent:
        m = fund_next_milestone(client, one.id, clock=clock)
    counts["fund"] = sent.total
    with Counting() as sent:
        submit_work(freelancer, m.id, "Done", clock=clock)
    counts["submit"] = sent.total
    with Counting() as sent:
        release(client, m.id, clock=clock)
    counts["release"] = sent.total
    m2 = fund_next_milestone(client, two.id, clock=clock)
    with Counting() as sent:
        request_milestone_change(client, m2.id, {"title": "Two, v2"}, clock=clock)
    counts["change request"] = sent.total
    with Counting() as sent:
        request_refund(client, m2.id, reason="Not started", clock=clock)
    counts["refund request"] = sent.total
    with Counting() as sent:
        assert not sweep(clock=clock).changed
    counts["empty sweep"] = sent.total
    # Exactly: one more is a regression; one fewer is progress to write down here.
    assert counts == {label: ceiling(label) for label in CEILINGS}
