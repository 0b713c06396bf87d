"""The sweep's common tick, when nothing is due (issue 16: an empty sweep within 1 ms):
one statement, no account read, no write. `nothing_due` must be false whenever any step
of the sweep would find something: a due window, an ended hold (X-26), a due reminder
(G-06), each alone."""
from __future__ import annotations

import arrow
import pytest
from state_helpers import START, db_state

from models.base import database
from models.db import is_postgres
from models.deadlines import Deadline
from models.holds import PayoutHold
from rules.clock import FrozenClock
from rules.deadlines import nothing_due, sweep
from rules.payments import fund_next_milestone, release
from rules.work import submit_work

pytestmark = pytest.mark.both_databases
T0 = arrow.get(START)


@pytest.fixture
def in_review(make_contract, client, freelancer, clock):
    """A submitted milestone at T0: its review window is open for 14 days, its reminders
    due 2 days and 1 day before."""
    clock.set(T0)
    c = make_contract("upwork")
    m = fund_next_milestone(client, c.id, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)
    return c, m


def statements(action) -> list[str]:
    """The SQL `action` runs (SQLite's trace; PostgreSQL runs the same peewee queries)."""
    seen: list[str] = []
    con = database.connection()
    if not hasattr(con, "set_trace_callback"):
        action()
        return []
    con.set_trace_callback(seen.append)
    try:
        action()
    finally:
        con.set_trace_callback(None)
    return seen


def test_G09_an_empty_sweep_is_one_read_and_writes_nothing(in_review, clock):
    clock.set(T0.shift(days=1))
    before = db_state()
    ran = statements(lambda: sweep(clock=clock))
    assert db_state() == before
    if is_postgres():
        return  # (no trace callback there: the rows unchanged are the check)
    assert len(ran) == 1 and ran[0].startswith("SELECT ((EXISTS"), ran


def test_G09_nothing_due_sees_each_kind_of_work_alone(in_review, client, clock):
    c, m = in_review
    window = Deadline.get(Deadline.milestone == m.id)
    remind_at, due_at = arrow.get(window.remind_at), arrow.get(window.due_at)
    assert nothing_due(T0.shift(days=1))
    assert not nothing_due(remind_at)                    # a reminder (G-06)
    assert nothing_due(remind_at.shift(seconds=-1))
    assert not nothing_due(due_at)                       # the window itself (U-06)
    # A payment's hold, with no window left open.
    release(client, m.id, clock=clock)
    hold = PayoutHold.get()
    ends = arrow.get(hold.available_at)
    assert Deadline.select().where(Deadline.status == "open").count() == 0
    assert nothing_due(ends.shift(seconds=-1)) and not nothing_due(ends)
    assert sweep(clock=FrozenClock(ends)).available == 1
    assert nothing_due(ends)
