"""The deadline sweep's batched path (rules/sweep_batch.py) writes exactly what the
one-by-one path writes (G-09, U-06).

One world is built through rules/ actions with a mix of windows: plain expired reviews
(the batched path), and around them what must go one by one: Fiverr deliveries (F-05),
a change request (U-24) pending on a submitted milestone, a refund request (U-32), an
escrow that no longer matches the milestone's amount, a window a user closed, another
policy. It is swept twice from the same starting point, once batched and once forced
onto the one-by-one path (`sweep(batched=False)`), each inside a transaction rolled
back afterwards; then every table is compared. On SQLite the ids are the same too
(a rolled-back id is given again); on PostgreSQL sequences move on, so ids are
compared by rank. Audit hashes do not depend on ids: they are compared everywhere.
"""
from __future__ import annotations

import datetime as dt

import arrow
import pytest
from state_helpers import START, db_state
from peewee import ForeignKeyField

from models.base import database
from models.db import ALL_MODELS, is_postgres
from models.deadlines import Deadline
from models.milestones import Milestone
from rules import deadlines, sweep_batch
from rules.audit_verify import verify_log
from rules.change_requests import approve_milestone_change, request_milestone_change
from rules.deadlines import sweep
from rules.invariants import ledger_problems
from rules.payments import fund_next_milestone, plan_release, release
from rules.plan import AddMilestone
from rules.refunds import request_refund
from rules.work import submit_work

pytestmark = pytest.mark.both_databases

T0 = arrow.get(START)


def plan(at, amounts):
    return [AddMilestone(title=f"Milestone {i + 1}", amount_cents=a,
                         due_date=at.date() + dt.timedelta(days=7 * (i + 1)))
            for i, a in enumerate(amounts)]


class Builder:
    def __init__(self, make_contract, client, freelancer, clock):
        self.make_contract, self.client, self.freelancer = make_contract, client, freelancer
        self.clock = clock
        self.n = 0

    def at(self, when):
        self.clock.set(when)

    def contract(self, policy="upwork", amounts=(25000, 50000)):
        self.n += 1
        return self.make_contract(policy, title=f"Contract {self.n}",
                                  milestones=plan(self.clock.now(), amounts))

    def submitted(self, at, policy="upwork", amounts=(25000, 50000)):
        """U-06 (or F-05 on Fiverr): a delivery at `at` opens a review window."""
        self.at(at)
        c = self.contract(policy, amounts)
        if policy.startswith("fiverr"):  # F-04: the first milestone started when ordered
            m = Milestone.get((Milestone.contract == c.id) & (Milestone.position == 1))
        else:
            m = fund_next_milestone(self.client, c.id, clock=self.clock)
        submit_work(self.freelancer, m.id, f"Work for contract {self.n}", clock=self.clock)
        return c, m


def build_world(b: Builder) -> None:
    # Plain expired reviews, due one after another (the batched path), with the
    # unusual ones interleaved in due order so runs are split around them.
    for k in range(6):
        b.submitted(T0.shift(hours=k))
    b.submitted(T0.shift(hours=6, minutes=30), policy="fiverr-gig",
                amounts=(6000, 7000, 8000))                               # F-05
    for k in range(7, 10):
        b.submitted(T0.shift(hours=k))
    # U-24: a change request on a funded milestone, never answered: it expires.
    b.at(T0.shift(hours=10))
    c = b.contract()
    m = fund_next_milestone(b.client, c.id, clock=b.clock)
    request_milestone_change(b.client, m.id, {"title": "Homepage only"}, "Smaller scope",
                             clock=b.clock)
    b.submitted(T0.shift(hours=11), policy="upwork-compliance")          # batched too
    # A higher amount approved before the submission and never topped up (U-22): the
    # escrow is less than the amount, so this release goes one by one.
    b.at(T0.shift(hours=12))
    c = b.contract()
    m = fund_next_milestone(b.client, c.id, clock=b.clock)
    cr = request_milestone_change(b.client, m.id, {"amount_cents": 30000}, "More pages",
                                  clock=b.clock)
    approve_milestone_change(b.freelancer, cr.id, clock=b.clock)
    submit_work(b.freelancer, m.id, "More pages", clock=b.clock)
    # A window closed by the client (released by hand): never applied.
    _, m = b.submitted(T0.shift(hours=14))
    b.at(T0.shift(days=2))
    release(b.client, m.id, clock=b.clock)
    # U-32: a refund request on a funded milestone, unanswered for 7 days.
    b.at(T0.shift(hours=15))
    c = b.contract()
    m = fund_next_milestone(b.client, c.id, clock=b.clock)
    request_refund(b.client, m.id, reason="Nothing was delivered", clock=b.clock)
    for k in range(16, 20):
        b.submitted(T0.shift(hours=k))
    # Not due yet at the first sweep: reminders (G-06) come with it.
    b.submitted(T0.shift(days=2))


def rows_by_table() -> dict[str, list[tuple]]:
    return {m.__name__: list(m.select().order_by(m._meta.primary_key).tuples())
            for m in ALL_MODELS}


def by_rank(tables: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The rows with every id, and every reference to one, replaced by its rank in its
    table (what stays the same when a sequence has moved on)."""
    models = {m.__name__: m for m in ALL_MODELS}
    ranks = {name: {row[0]: k for k, row in enumerate(rows)} for name, rows in tables.items()}
    out = {}
    for name, rows in tables.items():
        fields = models[name]._meta.sorted_fields
        refs = [ranks.get(f.rel_model.__name__) if isinstance(f, ForeignKeyField) else None
                for f in fields]
        refs[0] = ranks[name]
        out[name] = [tuple(_hold_ref(v, ranks) if ref is None else
                           v if v is None else ref[v]
                           for v, ref in zip(row, refs)) for row in rows]
    return out


def _hold_ref(value, ranks):
    """A hold named in text ("hold:17": a once key, an audit target) by its rank too:
    holds are made during the sweeps compared, so their ids differ on PostgreSQL."""
    if isinstance(value, str) and value.startswith("hold:") and value[5:].isdigit():
        return f"hold:#{ranks['PayoutHold'][int(value[5:])]}"
    return value


def swept(clock, times, *, batched: bool) -> tuple[dict, list]:
    """Sweep at each of `times` inside one transaction, read everything, roll back."""
    applied = []
    with database.atomic() as txn:
        for when in times:
            clock.set(when)
            result = sweep(clock=clock, pause=0, batched=batched)
            assert result.failed == []
            applied.append([(a.deadline_id, a.kind, a.due_at, a.summary, a.skipped)
                            for a in result.applied])
            applied.append(result.reminders)
        assert ledger_problems() == []
        assert verify_log().sound
        state = rows_by_table()
        txn.rollback()
    return state, applied


SWEEPS = (T0.shift(days=15), T0.shift(days=15, hours=1), T0.shift(days=30))


def test_G09_batched_and_one_by_one_sweeps_write_the_same_rows(
        make_contract, client, freelancer, clock, monkeypatch):
    build_world(Builder(make_contract, client, freelancer, clock))
    before = rows_by_table()
    used, took = [], []
    real = deadlines.release_run

    def counted(*a):
        used.append(len(a[1]))
        done, n = real(*a)
        took.append(n)  # only if it returned: a batch that raised fell back one by one
        return done, n
    monkeypatch.setattr(deadlines, "release_run", counted)
    batched_state, batched_applied = swept(clock, SWEEPS, batched=True)
    assert rows_by_table() == before  # rolled back
    # Two runs at the first sweep: the escrow that differs from the amount splits them.
    assert sum(used) >= 15 and len(used) >= 2, f"the batched path was not used: {used}"
    # And the batched path did the work: no run fell back (the one-by-one path would
    # have written the same rows, and this test would not see a broken batch).
    assert len(took) == len(used) and sum(took) >= 15, (used, took)
    runs = len(used)
    one_state, one_applied = swept(clock, SWEEPS, batched=False)
    assert len(used) == runs, "batched=False used the batched path"

    assert batched_applied == one_applied
    kinds = [a[1] for a in batched_applied[0]]
    assert {"review", "change_request"} <= set(kinds)
    assert by_rank(batched_state) == by_rank(one_state)
    if not is_postgres():
        assert batched_state == one_state  # ids and all
    # The audit hashes are compared on both databases (they do not include ids).
    assert ([r[-1] for r in batched_state["AuditRecord"]]
            == [r[-1] for r in one_state["AuditRecord"]])
    # Something really happened: every due review was applied once.
    due = {d.id for d in Deadline.select().where(Deadline.status == "open")}
    assert len(due) > 15


def test_G09_the_batched_path_falls_back_when_a_milestone_changed_under_it(
        make_contract, client, freelancer, clock, monkeypatch):
    """A compare-and-set that misses (a row read for the run, changed before its writes)
    rolls the run back and applies its items one by one: each once, nothing half done."""
    b = Builder(make_contract, client, freelancer, clock)
    ms = [b.submitted(T0.shift(hours=k))[1] for k in range(4)]
    real = deadlines.release_run

    def stale(system, run, now):
        # Another writer would need the lock; simulate a row gone stale since the read.
        Milestone.update(version=Milestone.version + 1).where(
            Milestone.id == run[-1].milestone_id).execute()
        return real(system, run, now)
    monkeypatch.setattr(deadlines, "release_run", stale)
    clock.set(T0.shift(days=15))
    result = sweep(clock=clock, pause=0)
    assert sorted(a.deadline_id for a in result.applied if not a.skipped) == sorted(
        d.id for d in Deadline.select().where(Deadline.kind == "review"))
    assert all(Milestone.get_by_id(m.id).status == "released" for m in ms)
    assert ledger_problems() == []
    assert verify_log().sound
    assert not sweep(clock=clock, pause=0).changed


def test_G09_a_batch_given_windows_already_applied_changes_nothing(
        make_contract, client, freelancer, clock, system):
    """SQLite chooses a batch's ids before its transaction; another sweep may apply them
    in between. The batched path re-reads them under the lock and leaves them alone."""
    b = Builder(make_contract, client, freelancer, clock)
    for k in range(3):
        b.submitted(T0.shift(hours=k))
    now = T0.shift(days=15)
    ids = deadlines.due_ids(now, 10)
    clock.set(now)
    assert len(sweep(clock=clock, pause=0).applied) == 3
    state = db_state()
    assert deadlines._sweep_batch(system, now, ids, 10, 10.0, set(), True) == []
    assert db_state() == state


def test_G09_a_catch_up_pauses_in_proportion_to_the_lock_and_checkpoints_between_batches(
        make_contract, client, freelancer, clock, monkeypatch):
    """Between batches the sweep leaves users a gap of `pause_ratio` times the time the
    batch held the write lock (capped by `pause`), the WAL checkpoint counting in it; none
    after the last batch. On SQLite the checkpoint setting is given back afterwards."""
    b = Builder(make_contract, client, freelancer, clock)
    for k in range(4):
        b.submitted(T0.shift(hours=k))
    slept: list[float] = []
    monkeypatch.setattr(deadlines.time, "sleep", slept.append)
    clock.set(T0.shift(days=15))
    if not is_postgres():
        (auto,) = database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()
    result = sweep(clock=clock, batch_size=1, pause=0.05, pause_ratio=1000.0)
    assert len(result.applied) == 4
    assert len(slept) == 3 and all(0 <= s <= 0.05 for s in slept)  # capped by `pause`
    slept.clear()
    for k in range(4, 7):
        b.submitted(T0.shift(days=1, hours=k))
    clock.set(T0.shift(days=16))
    result = sweep(clock=clock, batch_size=1, pause=0.05, pause_ratio=0.0)
    assert len(result.applied) == 3
    assert slept == [0.0, 0.0]  # no lock time to make up for
    if not is_postgres():
        assert database.execute_sql("PRAGMA wal_autocheckpoint").fetchone() == (auto,)
    assert ledger_problems() == []
    assert verify_log().sound


def test_G09_the_batched_writes_are_a_compare_and_set_on_window_and_milestone(
        make_contract, client, freelancer, clock, system):
    """Rows read and planned before another sweep applied them: the batched writes
    change nothing (the claim's status and version, the milestone's status and version
    no longer match) and say so, so the run is rolled back and goes one by one."""
    b = Builder(make_contract, client, freelancer, clock)
    for k in range(3):
        b.submitted(T0.shift(hours=k))
    now = T0.shift(days=15)
    rows = sweep_batch.load_due(deadlines.due_ids(now, 10))
    take = [(d, arrow.get(d.due_at),
             plan_release(system, d.milestone, d.contract, held=d.milestone.amount_cents,
                          at=arrow.get(d.due_at))) for d in rows]
    clock.set(now)
    assert len(sweep(clock=clock, pause=0).applied) == 3
    state = db_state()
    with pytest.raises(sweep_batch.StaleRun,
                       match="^a due window or its milestone changed before the batch wrote$"):
        with database.atomic():
            sweep_batch._write(take)
    assert db_state() == state
