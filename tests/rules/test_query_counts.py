"""Statements per action (issue 16: the target is 12 on PostgreSQL), held where they are
so that none grows unseen: fund, submit, release, a change request, a refund request, an
empty sweep. On both databases: PostgreSQL adds its two advisory-lock statements. A
ceiling lowered by a change is lowered here too (bench/queries.py prints the counts)."""
from __future__ import annotations

import contextlib

import pytest

from models.base import database
from models.db import is_postgres
from rules.change_requests import request_milestone_change
from rules.deadlines import sweep
from rules.payments import fund_next_milestone, release
from rules.refunds import request_refund
from rules.work import submit_work

pytestmark = pytest.mark.both_databases

# SQLite's count per action; PostgreSQL's is LOCKS more (the global advisory lock).
CEILINGS = {"fund": 13, "submit": 10, "release": 16, "change request": 12,
            "refund request": 15, "empty sweep": 1}
LOCKS = 2


@contextlib.contextmanager
def counted():
    """Counts what peewee sends through its one door (BEGIN and COMMIT go to the driver
    directly, as bench/queries.py counts them)."""
    db = database.obj
    real = db.execute_sql
    sent: list[str] = []

    def counting(sql, params=None, *args, **kwargs):
        sent.append(sql)
        return real(sql, params, *args, **kwargs)
    db.execute_sql = counting
    try:
        yield sent
    finally:
        db.execute_sql = real


def ceiling(label: str) -> int:
    """The count on this test's database: the empty sweep writes nothing, so locks none."""
    return CEILINGS[label] + (LOCKS if is_postgres() and label != "empty sweep" else 0)


def test_statements_per_action_do_not_grow(make_contract, client, freelancer, clock):
    one, two = make_contract(amounts=(25000, 25000)), make_contract(amounts=(25000, 25000))
    counts = {}
    with counted() as sent:
        m = fund_next_milestone(client, one.id, clock=clock)
    counts["fund"] = len(sent)
    with counted() as sent:
        submit_work(freelancer, m.id, "Done", clock=clock)
    counts["submit"] = len(sent)
    with counted() as sent:
        release(client, m.id, clock=clock)
    counts["release"] = len(sent)
    m2 = fund_next_milestone(client, two.id, clock=clock)
    with counted() as sent:
        request_milestone_change(client, m2.id, {"title": "Two, v2"}, clock=clock)
    counts["change request"] = len(sent)
    with counted() as sent:
        request_refund(client, m2.id, reason="Not started", clock=clock)
    counts["refund request"] = len(sent)
    with counted() as sent:
        assert not sweep(clock=clock).changed
    counts["empty sweep"] = len(sent)
    # Exactly: one more is a regression; one fewer is progress to write down here.
    assert counts == {label: ceiling(label) for label in CEILINGS}
