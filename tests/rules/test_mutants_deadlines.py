"""What the mutation run of rules/deadlines.py found untested (issue 17): the delivery an
F-05 window pays when several milestones are in escrow (X-37), the time a late sweep
gives a funding request's expiry (X-38, G-08), the version a window's two writes leave,
and the sweep's bounds: `max_items` across batches, a stop set between batches, no gap
without `pause`, the WAL checkpoint's time taken out of the gap (G-09).
"""
from __future__ import annotations

import threading

import arrow
import pytest
from test_sweep_batch import T0
from test_sweep_mechanics import LATER, FakeTime, b, batches  # noqa: F401 - fixtures

from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.deadlines import Deadline
from models.events import Event
from models.milestones import Milestone
from models.vocabulary import MilestoneStatus as S
from rules import deadlines
from rules.deadlines import sweep
from rules.errors import RuleError
from rules.funding_change import request_funding_change
from rules.invariants import ledger_problems
from rules.ledger import milestone_escrow
from rules.payments import fund_next_milestone
from rules.work import submit_work


class SlowCheckpoints:
    """A WAL checkpoint that takes `spent` seconds, counted out of the users' gap."""

    def __init__(self, spent: float):
        self.spent, self.calls = spent, []

    def take_over(self):
        self.calls.append("take_over")

    def checkpoint(self) -> float:
        self.calls.append("checkpoint")
        return self.spent

    def give_back(self):
        self.calls.append("give_back")


def paced(monkeypatch, step: float, spent: float = 0.0) -> tuple[FakeTime, SlowCheckpoints]:
    fake, checkpoints = FakeTime(step), SlowCheckpoints(spent)
    monkeypatch.setattr(deadlines, "time", fake)
    monkeypatch.setattr(deadlines, "OwnCheckpoints", lambda: checkpoints)
    return fake, checkpoints


# --- F-05 pays the delivery its window names -----------------------------------

def test_X37_F05_pays_the_delivery_of_its_window_not_the_first_in_escrow(
        make_contract, client, freelancer, clock, invariants):
    """Two milestones in escrow on a Fiverr order; the second is delivered, the first is
    still being worked on. Eight days later the sweep pays the second (its window's
    milestone), the first keeps its escrow, and the order goes on."""
    c = make_contract(policy="fiverr-gig", funding=2, amounts=(10000, 20000, 30000))
    fund_next_milestone(client, c.id, clock=clock)  # the first was started by the order
    m1, m2, _m3 = Milestone.select().where(Milestone.contract == c.id).order_by(
        Milestone.position)
    submit_work(freelancer, m2.id, "The second part, done first", clock=clock)
    clock.advance(days=9)
    (applied,) = sweep(clock=clock).applied
    assert applied.kind == "review" and applied.skipped is False
    assert applied.summary == "“Milestone 2” auto-released: $200.00 to the freelancer"
    assert Deadline.get_by_id(applied.deadline_id).outcome == applied.summary
    assert Milestone.get_by_id(m2.id).status == S.RELEASED
    assert Milestone.get_by_id(m1.id).status == m1.status != S.RELEASED
    assert milestone_escrow(m1.id) == 10000 and milestone_escrow(m2.id) == 0
    assert Contract.get_by_id(c.id).status == "open"
    invariants()


# --- X-38, G-08: a late sweep dates the funding request's expiry at its due time -------

def test_X38_G08_a_late_sweep_expires_a_funding_request_as_of_its_due_time(
        make_contract, client, clock, invariants):
    c = make_contract(amounts=(10000, 20000, 30000, 40000))
    cr = request_funding_change(client, c.id, 2, clock=clock)
    due = arrow.get(ChangeRequest.get_by_id(cr.id).expires_at)
    clock.set(due.shift(days=3))
    (applied,) = sweep(clock=clock).applied
    assert applied.summary == "The funding request on “Website redesign” expired"
    assert applied.due_at == due
    stored = ChangeRequest.get_by_id(cr.id)
    assert stored.status == "expired" and stored.answered_at == due.naive
    (ev,) = Event.select().where((Event.contract == c.id)
                                 & (Event.kind == "expire_funding_change"))
    assert ev.occurred_at == due.naive
    assert Contract.get_by_id(c.id).funding_limit == 1
    invariants()


# --- apply_deadline: both writes bump the version -------------------------------------

def test_G09_applying_a_window_bumps_its_version_once_per_write(b, system):
    """The claim and the outcome each move the version on, so a user's compare-and-set
    made from a read before the sweep can never match the window afterwards."""
    b.submitted(T0)
    (d,) = Deadline.select().where(Deadline.kind == "review")
    applied = deadlines.apply_deadline(system, d.id, LATER)
    assert applied is not None and applied.skipped is False
    stored = Deadline.get_by_id(d.id)
    assert stored.status == "applied" and stored.version == d.version + 2


def test_G09_a_skipped_window_bumps_its_version_once_per_write(b, system, monkeypatch):
    b.submitted(T0)
    (d,) = Deadline.select().where(Deadline.kind == "review")

    def refuses(system, d, clock):
        raise RuleError("U-06", "No longer in review.")
    monkeypatch.setitem(deadlines.HANDLERS, "review", refuses)
    applied = deadlines.apply_deadline(system, d.id, LATER)
    assert applied.skipped is True and applied.summary == "skipped: No longer in review."
    stored = Deadline.get_by_id(d.id)
    assert stored.status == "closed" and stored.version == d.version + 2
    assert stored.outcome == "skipped: No longer in review."


# --- the sweep's bounds -----------------------------------------------------------------

def test_G09_max_items_cuts_the_last_batch_to_what_is_left(b, clock, batches):
    made = [b.submitted(T0.shift(hours=k))[1] for k in range(5)]
    clock.set(LATER)
    result = sweep(clock=clock, max_items=3, batch_size=2, pause=0)
    assert batches == [2, 1]
    assert len(result.applied) == 3
    assert [Milestone.get_by_id(m.id).status for m in made] == [S.RELEASED] * 3 + [
        S.SUBMITTED] * 2
    assert Deadline.select().where(Deadline.status == "open").count() == 2


def test_G09_max_items_counts_across_the_batches_of_a_one_by_one_sweep(b, clock, batches):
    for k in range(6):
        b.submitted(T0.shift(hours=k))
    clock.set(LATER)
    result = sweep(clock=clock, max_items=5, batch_size=2, pause=0, batched=False)
    assert batches == [2, 2, 1] and len(result.applied) == 5
    assert Deadline.select().where(Deadline.status == "open").count() == 1


def test_G09_a_stop_set_during_a_batch_ends_the_sweep_after_it(b, clock, monkeypatch):
    """The stop is checked between batches: the batch in flight finishes, the next one
    never starts, and what is left stays open."""
    made = [b.submitted(T0.shift(hours=k))[1] for k in range(5)]
    stop = threading.Event()
    sizes: list[int] = []
    real = deadlines._sweep_batch

    def then_stop(*args, **kwargs):
        done = real(*args, **kwargs)
        sizes.append(len(done))
        stop.set()
        return done
    monkeypatch.setattr(deadlines, "_sweep_batch", then_stop)
    clock.set(LATER)
    result = sweep(clock=clock, batch_size=2, pause=0, stop=stop)
    assert sizes == [2] and len(result.applied) == 2
    assert [Milestone.get_by_id(m.id).status for m in made] == [S.RELEASED] * 2 + [
        S.SUBMITTED] * 3
    stop.clear()
    assert len(sweep(clock=clock, pause=0, stop=stop).applied) == 3
    assert ledger_problems() == []


def test_G09_no_pause_no_gap_and_no_checkpoint(b, clock, batches, monkeypatch):
    for k in range(4):
        b.submitted(T0.shift(hours=k))
    fake, checkpoints = paced(monkeypatch, 1 / 32, spent=0.0)
    clock.set(LATER)
    assert len(sweep(clock=clock, batch_size=2, pause=0, batched=False).applied) == 4
    assert batches == [2, 2]
    assert fake.slept == [] and checkpoints.calls == ["give_back"]


def test_G09_the_checkpoint_between_batches_is_part_of_the_users_gap(
        b, clock, batches, monkeypatch):
    """Held 0.5 s: the gap is 0.12 s (the cap), of which the checkpoint took 1/32 s; it
    comes between batches, not after the last, and the WAL goes back at the end."""
    for k in range(3):
        b.submitted(T0.shift(hours=k))
    fake, checkpoints = paced(monkeypatch, 0.125, spent=1 / 32)
    clock.set(LATER)
    assert len(sweep(clock=clock, batched=False, batch_size=3, batch_seconds=10).applied) == 3
    assert batches == [3]
    assert fake.slept == [] and checkpoints.calls == ["give_back"]
    for k in range(3, 7):
        b.submitted(T0.shift(hours=k))
    clock.set(LATER.shift(hours=k))
    checkpoints.calls.clear()
    assert len(sweep(clock=clock, batched=False, batch_size=3, batch_seconds=10).applied) == 4
    assert batches == [3, 3, 1]
    assert fake.slept == [0.12 - 1 / 32]
    assert checkpoints.calls == ["take_over", "checkpoint", "give_back"]


def test_G09_a_checkpoint_longer_than_the_gap_leaves_no_sleep(b, clock, monkeypatch):
    for k in range(2):
        b.submitted(T0.shift(hours=k))
    fake, _ = paced(monkeypatch, 1 / 32, spent=1.0)
    clock.set(LATER)
    assert len(sweep(clock=clock, batched=False, batch_size=1).applied) == 2
    assert fake.slept == [0.0]


def test_G09_the_one_by_one_sweep_reads_no_batched_rows(b, clock, monkeypatch):
    for k in range(3):
        b.submitted(T0.shift(hours=k))
    loads: list[list[int]] = []
    real = deadlines.load_due

    def counted(ids):
        loads.append(list(ids))
        return real(ids)
    monkeypatch.setattr(deadlines, "load_due", counted)
    clock.set(LATER)
    assert len(sweep(clock=clock, pause=0, batched=False).applied) == 3
    assert loads == []
    for k in range(3, 5):
        b.submitted(T0.shift(hours=k))
    clock.set(LATER.shift(hours=5))
    assert len(sweep(clock=clock, pause=0).applied) == 2
    assert len(loads) == 1 and len(loads[0]) == 2


def test_G09_a_window_left_failed_is_not_a_reason_to_pause(b, clock, monkeypatch):
    """The first window fails and is left open; after the batch that applies the second,
    only the failed one is due, and that is no catch-up: no gap after the last batch."""
    made = [b.submitted(T0.shift(hours=k))[1] for k in range(2)]
    first = Deadline.get((Deadline.milestone == made[0].id) & (Deadline.kind == "review"))
    real = deadlines.HANDLERS["review"]

    def flaky(system, d, clock):
        if d.id == first.id:
            raise ValueError("a bug in a handler")
        return real(system, d, clock)
    monkeypatch.setitem(deadlines.HANDLERS, "review", flaky)
    fake, _ = paced(monkeypatch, 1 / 32)
    clock.set(LATER)
    result = sweep(clock=clock, batch_size=1, batched=False)
    assert result.failed == [first.id] and len(result.applied) == 1
    assert fake.slept == [2 / 32 / 4]  # after the failed batch only
    assert Deadline.get_by_id(first.id).status == "open"


def test_G09_nothing_left_due_ends_the_sweep_without_another_batch(b, clock, monkeypatch):
    """Every batch that starts has windows to apply: once none is due, the sweep stops
    before taking the write lock again."""
    for k in range(3):
        b.submitted(T0.shift(hours=k))
    calls: list = []
    real = deadlines._sweep_batch

    def counted(*args, **kwargs):
        done = real(*args, **kwargs)
        calls.append(None if done is None else len(done))
        return done
    monkeypatch.setattr(deadlines, "_sweep_batch", counted)
    clock.set(LATER)
    assert len(sweep(clock=clock, batch_size=2, pause=0).applied) == 3
    assert calls == [2, 1]


def test_G09_a_batch_that_meets_a_locked_database_is_run_again_and_says_so(
        b, clock, monkeypatch, caplog):
    from peewee import OperationalError
    made = [b.submitted(T0.shift(hours=k))[1] for k in range(2)]
    real = deadlines._sweep_batch
    tries: list[int] = []

    def locked_once(*args, **kwargs):
        tries.append(1)
        if len(tries) == 1:
            raise OperationalError("database is locked")
        return real(*args, **kwargs)
    monkeypatch.setattr(deadlines, "_sweep_batch", locked_once)
    clock.set(LATER)
    with caplog.at_level("DEBUG", logger="milestones"):
        result = sweep(clock=clock, pause=0)
    assert len(result.applied) == 2 and len(tries) == 2
    assert all(Milestone.get_by_id(m.id).status == S.RELEASED for m in made)
    assert any(r.getMessage().startswith("deadline sweep batch: transient conflict")
               for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert ledger_problems() == []


def test_G06_reminders_go_in_batches_of_the_sweeps_batch_size(b, clock, monkeypatch):
    from rules import reminders
    made = [b.submitted(T0.shift(minutes=k))[1] for k in range(3)]
    sizes: list = []
    real = reminders._remind_batch

    def counted(now, system, batch_size):
        n = real(now, system, batch_size)
        sizes.append(n)
        return n
    monkeypatch.setattr(reminders, "_remind_batch", counted)
    clock.set(T0.shift(days=12, hours=1))  # two days before each review closes
    result = sweep(clock=clock, batch_size=2)
    assert result.reminders == 3 and result.applied == []
    assert sizes == [2, 1, None]
    assert all(Deadline.get((Deadline.milestone == m.id) & (Deadline.kind == "review"))
               .reminders_sent == 1 for m in made)


def test_G09_a_window_not_yet_due_is_not_applied_even_when_asked(b, system):
    _, m = b.submitted(T0)
    (d,) = Deadline.select().where(Deadline.kind == "review")
    due = arrow.get(d.due_at)
    assert deadlines.apply_deadline(system, d.id, due.shift(seconds=-1)) is None
    stored = Deadline.get_by_id(d.id)
    assert stored.status == "open" and stored.version == d.version
    assert Milestone.get_by_id(m.id).status == S.SUBMITTED
    assert deadlines.apply_deadline(system, d.id, due).skipped is False


def test_G09_a_handler_reads_the_window_contract_and_milestone_without_a_query(
        b, system, monkeypatch, caplog):
    """apply_deadline reads the window with its contract and milestone in one query:
    the handler's reads of both cost no statement."""
    c, m = b.submitted(T0)
    (d,) = Deadline.select().where(Deadline.kind == "review")
    seen: list = []

    def reads(system, d, clock):
        caplog.clear()
        with caplog.at_level("DEBUG", logger="peewee"):
            seen.append((d.contract.title, d.milestone.title, d.milestone.amount_cents))
            seen.append(sum(1 for r in caplog.records if r.name == "peewee"))
        return "read"
    monkeypatch.setitem(deadlines.HANDLERS, "review", reads)
    assert deadlines.apply_deadline(system, d.id, LATER).summary == "read"
    assert seen == [(c.title, m.title, m.amount_cents), 0]
