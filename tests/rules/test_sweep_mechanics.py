"""How the deadline sweep (rules/deadlines.py) cuts its work, beyond what it writes
(G-09): batches that end after `batch_seconds` (a clock of our own stands in for
`time.monotonic`), the gap it leaves users between batches, runs of the batched path of
at most RUN_ITEMS, an item that fails (left out of the rest of the sweep, logged once),
a window skipped by a refusal, the statements a batched sweep costs, and what the
batched path reads (rules/sweep_batch.py).

test_sweep_batch.py shows that both paths write the same rows; these show which path
did the work and how the sweep paced it, which the rows alone cannot.
"""
from __future__ import annotations

import logging
from types import SimpleNamespace

import arrow
import pytest
from test_sweep_batch import T0, Builder

from models.base import database
from models.deadlines import Deadline
from models.milestones import Milestone
from models.vocabulary import DeadlineKind
from rules import deadlines, sweep_batch
from rules.deadlines import sweep
from rules.errors import RuleError
from rules.invariants import ledger_problems
from rules.offers import send_offer
from rules.plan import AddMilestone

pytestmark = pytest.mark.both_databases

LATER = T0.shift(days=15)  # every U-06 review window below is due


class FakeTime:
    """`time` for rules.deadlines: monotonic() moves `step` seconds per call (exact
    binary fractions, so the comparisons are exact); sleep() is recorded."""

    def __init__(self, step: float):
        self.now, self.step, self.slept = 1000.0, step, []

    def monotonic(self) -> float:
        self.now += self.step
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


class NoCheckpoints:
    """The WAL checkpoint between batches takes no time here, so the gap is exact."""

    def take_over(self):
        pass

    def checkpoint(self) -> float:
        return 0.0

    def give_back(self):
        pass


@pytest.fixture
def b(make_contract, client, freelancer, clock):
    return Builder(make_contract, client, freelancer, clock)


@pytest.fixture
def batches(monkeypatch):
    """The number of items each of the sweep's batches applied."""
    sizes: list[int] = []
    real = deadlines._sweep_batch

    def counted(*args, **kwargs):
        done = real(*args, **kwargs)
        if done is not None:
            sizes.append(len(done))
        return done
    monkeypatch.setattr(deadlines, "_sweep_batch", counted)
    return sizes


def paced(monkeypatch, step: float) -> FakeTime:
    fake = FakeTime(step)
    monkeypatch.setattr(deadlines, "time", fake)
    monkeypatch.setattr(deadlines, "OwnCheckpoints", NoCheckpoints)
    return fake


def test_G09_a_batch_commits_once_batch_seconds_have_passed_and_users_get_the_gap(
        b, clock, batches, monkeypatch):
    """Defaults: a batch ends after the item that takes it past 0.25 s (not at 0.25 s
    exactly); between batches the sweep sleeps a quarter of the time the batch held the
    lock, at most 0.12 s, and not after the last one."""
    made = [b.submitted(T0.shift(hours=k))[1] for k in range(7)]
    fake = paced(monkeypatch, 0.125)  # each item takes 0.125 s
    clock.set(LATER)
    result = sweep(clock=clock, batched=False)
    assert batches == [3, 3, 1]
    assert fake.slept == [0.12, 0.12]  # held 0.5 s: a quarter of it is over the cap
    assert all(Milestone.get_by_id(m.id).status == "released" for m in made)
    assert len(result.applied) == 7 and result.failed == []
    assert ledger_problems() == []


def test_G09_the_gap_is_a_quarter_of_the_lock_time_under_the_cap(
        b, clock, batches, monkeypatch):
    for k in range(4):
        b.submitted(T0.shift(hours=k))
    fake = paced(monkeypatch, 1 / 32)
    clock.set(LATER)
    sweep(clock=clock, batched=False, batch_size=2)
    assert batches == [2, 2]
    assert fake.slept == [3 / 32 / 4]  # the lock was held for 3 ticks: start, 2 items


def test_G09_runs_of_the_batched_path_take_at_most_run_items_each(
        b, clock, monkeypatch, caplog):
    """Plain expired reviews go to the batched path in runs of at most RUN_ITEMS, one
    after another, each taken whole; no item falls back to the one-by-one path."""
    made = [b.submitted(T0.shift(hours=k))[1] for k in range(7)]
    runs, one_by_one = [], []
    real_run, real_one = deadlines.release_run, deadlines.apply_deadline

    def run(system, items, now):
        done, n = real_run(system, items, now)
        runs.append((len(items), n))
        return done, n

    def one(system, deadline_id, now):
        one_by_one.append(deadline_id)
        return real_one(system, deadline_id, now)
    monkeypatch.setattr(deadlines, "RUN_ITEMS", 3)
    monkeypatch.setattr(deadlines, "release_run", run)
    monkeypatch.setattr(deadlines, "apply_deadline", one)
    clock.set(LATER)
    with caplog.at_level(logging.INFO, logger="milestones.deadlines"):
        result = sweep(clock=clock, pause=0)
    assert runs == [(3, 3), (3, 3), (1, 1)]
    assert one_by_one == []
    assert caplog.records == []
    windows = {d.id: d for d in Deadline.select().where(Deadline.kind == DeadlineKind.REVIEW)}
    assert [(a.deadline_id, a.contract_id) for a in result.applied] == [
        (d.id, d.contract_id) for d in sorted(windows.values(), key=lambda d: d.due_at)]
    assert all(Milestone.get_by_id(m.id).status == "released" for m in made)


def test_G09_a_failed_batched_run_is_logged_once_and_the_rest_goes_one_by_one(
        b, clock, monkeypatch, caplog):
    made = [b.submitted(T0.shift(hours=k))[1] for k in range(3)]

    def broken(system, items, now):
        raise ValueError("a bug in the batched path")
    monkeypatch.setattr(deadlines, "release_run", broken)
    clock.set(LATER)
    with caplog.at_level(logging.INFO, logger="milestones.deadlines"):
        result = sweep(clock=clock, pause=0)
    assert [r.getMessage() for r in caplog.records] == [
        "batched release failed; applying one by one"]
    assert len(result.applied) == 3 and result.failed == []
    assert all(Milestone.get_by_id(m.id).status == "released" for m in made)


def test_G09_a_stale_batched_run_says_so_and_goes_one_by_one(b, clock, monkeypatch, caplog):
    for k in range(2):
        b.submitted(T0.shift(hours=k))

    def stale(system, items, now):
        raise sweep_batch.StaleRun("changed")
    monkeypatch.setattr(deadlines, "release_run", stale)
    clock.set(LATER)
    with caplog.at_level(logging.INFO, logger="milestones.deadlines"):
        assert len(sweep(clock=clock, pause=0).applied) == 2
    assert [r.getMessage() for r in caplog.records] == [
        "batched release found a changed row; applying one by one"]


def test_G09_an_item_that_fails_is_left_open_logged_once_and_not_retried_in_that_sweep(
        b, clock, monkeypatch, caplog):
    made = [b.submitted(T0.shift(hours=k))[1] for k in range(3)]
    first = Deadline.get((Deadline.milestone == made[0].id) & (Deadline.kind == "review"))
    real = deadlines.HANDLERS[DeadlineKind.REVIEW]

    def flaky(system, d, clock):
        if d.id == first.id:
            raise ValueError("a bug in a handler")
        return real(system, d, clock)
    monkeypatch.setitem(deadlines.HANDLERS, DeadlineKind.REVIEW, flaky)
    clock.set(LATER)
    with caplog.at_level(logging.INFO, logger="milestones.deadlines"):
        result = sweep(clock=clock, pause=0, batch_size=1, batched=False)
    assert result.failed == [first.id]
    assert [r.getMessage() for r in caplog.records] == [
        f"deadline {first.id} could not be applied; left open"]
    assert len(result.applied) == 2
    assert Deadline.get_by_id(first.id).status == "open"
    assert Milestone.get_by_id(made[0].id).status == "submitted"
    monkeypatch.setitem(deadlines.HANDLERS, DeadlineKind.REVIEW, real)
    again = sweep(clock=clock, pause=0)
    assert [a.deadline_id for a in again.applied] == [first.id] and again.failed == []
    assert ledger_problems() == []


def test_G09_a_window_the_state_no_longer_allows_is_closed_with_the_reason(
        b, clock, monkeypatch, system):
    """A refusal by the handler closes the window, never retried, its outcome the
    refusal cut to 200 characters."""
    b.submitted(T0)
    (d,) = Deadline.select().where(Deadline.kind == "review")

    def refuses(system, d, clock):
        raise RuleError("U-06", "No longer in review. " + "x" * 300)
    monkeypatch.setitem(deadlines.HANDLERS, DeadlineKind.REVIEW, refuses)
    applied = deadlines.apply_deadline(system, d.id, LATER)
    assert applied.skipped is True and applied.contract_id == d.contract_id
    assert applied.summary.startswith("skipped: No longer in review. xxx")
    stored = Deadline.get_by_id(d.id)
    assert stored.status == "closed"
    assert stored.outcome == applied.summary[:200] and len(stored.outcome) == 200
    assert deadlines.apply_deadline(system, d.id, LATER) is None  # never again
    assert deadlines.apply_deadline(system, 10 ** 9, LATER) is None  # no such window


@pytest.mark.parametrize("batched", [True, False])
def test_G09_a_long_title_is_cut_to_200_characters_in_the_outcome(
        b, clock, batched):
    _, m = b.submitted(T0)
    Milestone.update(title="T" * 200).where(Milestone.id == m.id).execute()
    clock.set(LATER)
    (applied,) = sweep(clock=clock, pause=0, batched=batched).applied
    outcome = Deadline.get_by_id(applied.deadline_id).outcome
    assert len(applied.summary) > 200 and outcome == applied.summary[:200]


def statements(caplog) -> int:
    return sum(1 for r in caplog.records if r.name == "peewee")


def test_G09_a_batched_sweep_costs_a_few_statements_per_run_not_per_item(b, clock, caplog):
    """12 expired reviews, swept batched and then (rolled back) one by one: the batched
    sweep costs at most a third of the statements. An empty sweep reads, and writes
    nothing."""
    for k in range(12):
        b.submitted(T0.shift(hours=k))
    clock.set(LATER)
    counts = {}
    for name, how in (("batched", {"batched": True}), ("one by one", {"batched": False}),
                      ("default", {})):
        with database.atomic() as txn:
            caplog.clear()
            with caplog.at_level(logging.DEBUG, logger="peewee"):
                assert len(sweep(clock=clock, pause=0, **how).applied) == 12
            counts[name] = statements(caplog)
            txn.rollback()
    assert counts["batched"] * 3 <= counts["one by one"], counts
    assert counts["default"] == counts["batched"], counts
    assert len(sweep(clock=clock, pause=0).applied) == 12
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        assert not sweep(clock=clock, pause=0).changed
    sql = [r.getMessage() for r in caplog.records if r.name == "peewee"]
    assert len(sql) <= 4 and not any("INSERT" in s or "UPDATE" in s for s in sql), sql


def test_G09_the_batched_path_reads_windows_with_or_without_a_milestone(
        b, clock, client, freelancer):
    """load_due: the windows asked for, in the order asked, with their contract and
    milestone (none for an offer's expiry), and nothing else; only reviews of a policy
    that releases on expiry are batchable."""
    c, m = b.submitted(T0)
    review = Deadline.get((Deadline.milestone == m.id) & (Deadline.kind == "review"))
    offer = send_offer(client, freelancer, "upwork", "Offer with a deadline", "",
                       [AddMilestone(title="First", amount_cents=10000)], clock=clock)
    expiry = Deadline.get((Deadline.contract == offer.id) & (Deadline.kind == "offer_expiry"))
    rows = sweep_batch.load_due([expiry.id, review.id, 10 ** 9])
    assert [r.id for r in rows] == [expiry.id, review.id]
    first, second = rows
    assert first.milestone is None and first.milestone_id is None
    assert first.contract_id == offer.id and first.contract.title == "Offer with a deadline"
    assert second.contract_id == c.id and second.contract.title == c.title
    assert second.milestone.id == m.id and second.milestone.amount_cents == m.amount_cents
    assert second.contract.policy == "upwork" and second.kind == "review"
    assert sweep_batch.load_due([]) == []
    assert sweep_batch.batchable(second) is True
    assert sweep_batch.batchable(first) is False
    other_kind = SimpleNamespace(**{**vars(second), "kind": "change_request"})
    assert sweep_batch.batchable(other_kind) is False
    fiverr = SimpleNamespace(**{**vars(second), "contract": SimpleNamespace(
        **{**vars(second.contract), "policy": "fiverr-gig"})})
    assert sweep_batch.batchable(fiverr) is False
    assert arrow.get(second.due_at) <= LATER
