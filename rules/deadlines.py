"""The deadline sweep: apply every window that has fallen due, exactly once (G-09).

Due windows are rows of `deadline` found with an indexed range query on
(status, due_at), so a sweep costs what is due, not what is stored. Each item is applied
through the same actions users go through, acting as the system, with a clock fixed at
the window's true due time (so the timeline shows when it really closed, G-08).

Exactly once: the first write for an item is a compare-and-set of its deadline row from
open to applied; a second sweep, or a user who closed the window first, makes it change
no row, and the item is left alone. Items are applied in small batches, one transaction
each: a crash loses at most the batch in flight, never half an item.

Runs of plain expired reviews (U-06, nearly every item of a catch-up) go through the
batched path (rules/sweep_batch.py): the same checks and the same rows as `release()`,
built by the same functions, written a table at a time, with the same compare-and-set
claim. Everything else, and anything unusual, is applied one by one, in due order.

Each batch transaction takes the write lock first (SQLite: BEGIN IMMEDIATE; PostgreSQL:
models.db.take_write_lock). On PostgreSQL the batch then claims its rows inside it with
`SELECT ... FOR UPDATE SKIP LOCKED LIMIT n`: a row another transaction holds is left to
that one instead of being waited for. On SQLite the batch is chosen just before its
transaction (an id gone stale meanwhile is harmless: the claim is a compare-and-set). A
batch that meets a transient conflict (busy, deadlock, serialization failure) is rolled
back whole and run again (rules.store.with_retries).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import arrow
from peewee import JOIN, OperationalError, Select, fn

from models.accounts import Account, system_account
from models.base import database
from models.contracts import Contract
from models.db import is_postgres, take_write_lock
from models.deadlines import Deadline
from models.holds import PayoutHold
from models.milestones import Milestone
from models.vocabulary import DeadlineKind as K
from models.vocabulary import DeadlineStatus, HoldStatus
from rules.bulk import OwnCheckpoints
from rules.change_requests import expire_milestone_change
from rules.clock import Clock, FrozenClock
from rules.errors import RuleError
from rules.funding_change import expire_funding_change
from rules.holds import make_available
from rules.journal import record
from rules.money import format_money
from rules.offers import expire_offer
from rules.orders import complete_order
from rules.payments import release
from rules.pending_release import apply_held_release
from rules.reminders import milestone_title as _milestone_title
from rules.reminders import send_reminders
from rules.policy import get_policy
from rules.refunds import close_unanswered_dispute, grant_unanswered_refund
from rules.store import now_of, with_retries
from rules.sweep_batch import StaleRun, batchable, load_due, release_run, review_release_summary
from rules.windows import next_reminder


log = logging.getLogger("milestones.deadlines")

# The batched path takes at most this many items at a time, so `batch_seconds` still
# bounds how long a batch holds the write lock (checked between runs).
RUN_ITEMS = 50


@dataclass(frozen=True)
class Applied:
    deadline_id: int
    kind: str
    contract_id: int
    due_at: arrow.Arrow
    summary: str
    skipped: bool = False


@dataclass
class SweepResult:
    applied: list[Applied] = field(default_factory=list)
    reminders: int = 0
    available: int = 0  # holds that ended, their money moved to available
    failed: list[int] = field(default_factory=list)  # deadline ids left open after an error

    @property
    def changed(self) -> bool:
        return bool(self.applied or self.reminders or self.available)


def _apply_review(system: Account, d: Deadline, clock: Clock) -> str:
    policy = get_policy(d.contract.policy)
    if policy.review_expiry == "release":  # U-06
        r = release(system, d.milestone_id, clock=clock)
        return review_release_summary(_milestone_title(d), r.released_cents)
    money = complete_order(system, d.contract_id, clock=clock,  # F-05, X-37
                           milestone_id=d.milestone_id,
                           reason=f"No answer to the delivery within {policy.review_days} days")
    if not money["completed"]:
        return review_release_summary(_milestone_title(d), money["paid_cents"])
    return (f"“{d.contract.title}” marked completed: {format_money(money['paid_cents'])} "
            "paid for the delivery")


def _apply_start_next(system: Account, d: Deadline, clock: Clock) -> str:
    policy = get_policy(d.contract.policy)
    complete_order(system, d.contract_id, clock=clock,  # F-07
                   reason=f"The next milestone was not started within {policy.start_next_days} days")
    return f"“{d.contract.title}” marked completed: the next milestone was not started"


def _apply_change_request(system: Account, d: Deadline, clock: Clock) -> str:
    if d.milestone_id is None:  # only a funding request is on the contract as a whole
        expire_funding_change(system, d.change_request_id, clock=clock)
        return f"The funding request on “{d.contract.title}” expired"
    expire_milestone_change(system, d.change_request_id, clock=clock)  # U-24
    return f"The change request on “{_milestone_title(d)}” expired"


def _apply_refund(system: Account, d: Deadline, clock: Clock) -> str:
    grant_unanswered_refund(system, d.refund_request_id, clock=clock)  # U-32
    return f"The refund on “{_milestone_title(d)}” was granted (unanswered)"


def _apply_dispute(system: Account, d: Deadline, clock: Clock) -> str:
    close_unanswered_dispute(system, d.refund_request_id, clock=clock)  # U-33
    return f"The dispute on “{_milestone_title(d)}” closed: the freelancer is paid"


def _apply_offer_expiry(system: Account, d: Deadline, clock: Clock) -> str:
    expire_offer(system, d.contract_id, clock=clock)  # O-06
    return f"The offer “{d.contract.title}” expired unanswered"


HANDLERS: dict[str, Callable[[Account, Deadline, Clock], str]] = {
    K.RELEASE_AT: apply_held_release,
    K.REVIEW: _apply_review,
    K.START_NEXT: _apply_start_next,
    K.CHANGE_REQUEST: _apply_change_request,
    K.REFUND_ANSWER: _apply_refund,
    K.DISPUTE_RESPONSE: _apply_dispute,
    K.OFFER_EXPIRY: _apply_offer_expiry,
}


def due_ids(now: arrow.Arrow, limit: int, exclude: set[int] | frozenset = frozenset(), *,
            claim: bool = False) -> list[int]:
    """The ids of open windows due at `now`, oldest first (built afresh every call).

    `claim=True`, inside a transaction: on PostgreSQL lock the rows (`FOR UPDATE SKIP
    LOCKED`), skipping any that another transaction holds; on SQLite the transaction's
    write lock already excludes every other writer."""
    q = (Deadline.select(Deadline.id)
         .where((Deadline.status == DeadlineStatus.OPEN) & (Deadline.due_at <= now.naive)))
    if exclude:
        q = q.where(Deadline.id.not_in(list(exclude)))
    q = q.order_by(Deadline.due_at, Deadline.id).limit(limit)
    if claim and is_postgres():
        q = q.for_update(skip_locked=True)
    return [i for (i,) in q.tuples()]


def apply_deadline(system: Account, deadline_id: int, now: arrow.Arrow) -> Applied | None:
    """Apply one due window in a transaction of its own (a savepoint inside a batch).
    None if it was not ours to apply."""
    with database.atomic():
        take_write_lock()  # re-entrant: a no-op inside a sweep's batch
        # With its contract and milestone: the handlers read both (one query, not three).
        d = (Deadline.select(Deadline, Contract, Milestone).join(Contract).switch(Deadline)
             .join(Milestone, JOIN.LEFT_OUTER).where(Deadline.id == deadline_id).first())
        if d is None or d.status != DeadlineStatus.OPEN or arrow.get(d.due_at) > now:
            return None
        due = arrow.get(d.due_at)
        claimed = (Deadline.update(status=DeadlineStatus.APPLIED, closed_at=due, remind_at=None,
                                   version=Deadline.version + 1)
                   .where((Deadline.id == d.id) & (Deadline.status == DeadlineStatus.OPEN)
                          & (Deadline.version == d.version)).execute())
        if claimed != 1:
            return None  # another sweep, or a user, got there first
        status = DeadlineStatus.APPLIED
        try:
            with database.atomic():
                summary = HANDLERS[d.kind](system, d, FrozenClock(due))
        except RuleError as exc:
            # The state no longer allows the automatic action: record why, never retry.
            summary, status = f"skipped: {exc.message}", DeadlineStatus.CLOSED
        Deadline.update(status=status, outcome=summary[:200],
                        version=Deadline.version + 1).where(Deadline.id == d.id).execute()
        return Applied(d.id, d.kind, d.contract_id, due, summary,
                       status == DeadlineStatus.CLOSED)


def sweep(*, clock: Clock | None = None, batch_size: int = 250, batch_seconds: float = 0.25,
          pause: float = 0.12, pause_ratio: float = 0.25, max_items: int | None = None,
          stop: threading.Event | None = None, batched: bool = True) -> SweepResult:
    """Apply every due window (catching up in due order), end the holds whose time has
    come (X-26, rules/holds.py), then send due reminders.

    Batches commit after `batch_size` items or `batch_seconds`, whichever comes first.
    When more are due, the sweep then leaves the write lock free for `pause_ratio` times
    as long as the batch held it (at most `pause` seconds), so users' writes, waiting in
    SQLite's busy handler, get in during a long catch-up: the share of time the sweep
    holds the lock stays bounded however fast or slow its batches are. During a
    catch-up on SQLite the WAL is checkpointed in those gaps (rules.bulk.OwnCheckpoints).
    `stop` is checked between batches, so a stopping worker finishes the batch in flight.
    An item that fails unexpectedly is rolled back alone, logged, and left for the next
    sweep; it never blocks the items after it. `batched=False` applies every item through
    the one-by-one path (rules/sweep_batch.py has the batched one; tests compare them).
    """
    now = now_of(clock)
    if nothing_due(now):
        return SweepResult()  # the common tick: one indexed read, no account, no write
    system = system_account()
    result = SweepResult()
    failed: set[int] = set()
    checkpoints = OwnCheckpoints()
    try:
        _apply_due(system, now, result, failed, checkpoints, batch_size=batch_size,
                   batch_seconds=batch_seconds, pause=pause, pause_ratio=pause_ratio,
                   max_items=max_items, stop=stop, batched=batched)
    finally:
        checkpoints.give_back()
    result.failed = sorted(failed)
    result.available = make_available(system, now)
    result.reminders = send_reminders(now, system, batch_size)
    return result


def nothing_due(now: arrow.Arrow) -> bool:
    """No window due, no hold ended (X-26), no reminder due (G-06), in one statement of
    three indexed EXISTS. Each step of the sweep checks again for itself: this only has to
    be true when all three would find nothing."""
    naive = now.naive
    open_ = Deadline.status == DeadlineStatus.OPEN
    windows = Deadline.select(Deadline.id).where(open_ & (Deadline.due_at <= naive))
    reminders = Deadline.select(Deadline.id).where(
        open_ & (Deadline.remind_at <= naive) & (Deadline.due_at > naive))
    holds = PayoutHold.select(PayoutHold.id).where(
        (PayoutHold.status == HoldStatus.PENDING) & (PayoutHold.available_at <= naive))
    found = Select(columns=[fn.EXISTS(windows) | fn.EXISTS(holds) | fn.EXISTS(reminders)])
    return not found.bind(database).scalar()


def _apply_due(system: Account, now: arrow.Arrow, result: SweepResult, failed: set[int],
               checkpoints: OwnCheckpoints, *, batch_size: int, batch_seconds: float,
               pause: float, pause_ratio: float, max_items: int | None,
               stop: threading.Event | None, batched: bool) -> None:
    """The batches of a sweep, and the gaps between them."""
    while (max_items is None or len(result.applied) < max_items) and not (stop and stop.is_set()):
        size = batch_size if max_items is None else min(batch_size, max_items - len(result.applied))
        # SQLite: choose the batch before its transaction, as ever (an id gone stale by
        # then is harmless: the claim is a compare-and-set). PostgreSQL: claim inside it.
        ids = None if is_postgres() else due_ids(now, size, failed)
        if ids == [] or (ids is None and not due_ids(now, 1, failed)):
            break  # nothing due: no write transaction at all
        held: list[float] = []
        batch = with_retries(lambda: _sweep_batch(system, now, ids, size, batch_seconds,
                                                  failed, batched, held),
                             what="deadline sweep batch")
        if batch is None:
            break
        result.applied += batch
        # Applying an item may open a window already due (a catch-up): loop again.
        if pause and held and due_ids(now, 1, failed):
            # A catch-up: users' writes get a gap of `pause_ratio` times the time the
            # batch held the lock; the WAL checkpoint, which blocks no writer, is part of it.
            checkpoints.take_over()
            spent = checkpoints.checkpoint()
            time.sleep(max(0.0, min(pause, held[-1] * pause_ratio) - spent))


def _sweep_batch(system: Account, now: arrow.Arrow, ids: list[int] | None, size: int,
                 batch_seconds: float, failed: set[int], batched: bool,
                 held: list[float] | None = None) -> list[Applied] | None:
    """One batch in one transaction: lock, claim up to `size` due items (unless `ids`
    were chosen already), apply them in due order until `batch_seconds` have passed: runs
    of plain expired reviews through the batched path, the rest one by one. None when
    nothing was left to claim. An item that fails unexpectedly is rolled back alone (its
    savepoint), logged and added to `failed`; a database fault ends the batch (rolled
    back whole, retried by the caller). Appends to `held` how long the lock was held."""
    applied: list[Applied] = []
    newly_failed: set[int] = set()
    with database.atomic():
        take_write_lock()
        started = time.monotonic()
        if ids is None:
            ids = due_ids(now, size, failed, claim=True)
        if not ids:
            return None
        rows: dict = {}  # read in this transaction (under the lock), a stretch at a time
        i = 0
        while i < len(ids):
            if batched and ids[i] not in rows:
                rows = {d.id: d for d in load_due(ids[i:i + RUN_ITEMS])}
            j = i
            while (batched and j < len(ids) and j - i < RUN_ITEMS and ids[j] in rows
                   and batchable(rows[ids[j]])):
                j += 1
            one_by_one = j == i  # ids[i] is not for the batched path
            if j > i:
                done, n = _release_run(system, [rows[k] for k in ids[i:j]], now)
                applied += done
                if n is None:  # the batched path failed: the rest goes one by one
                    batched, n = False, 0
                one_by_one = n < j - i  # the item after those it took needs the other path
                i += n
            if one_by_one and i < len(ids):
                done = _apply_one(system, ids[i], now, newly_failed)
                if done is not None:
                    applied.append(done)
                rows = {}  # that action may have changed any row read so far
                i += 1
            if time.monotonic() - started > batch_seconds:
                break
    if held is not None:
        held.append(time.monotonic() - started)
    failed |= newly_failed  # only once the batch committed: a retried batch starts clean
    return applied


def _release_run(system: Account, run: list,
                 now: arrow.Arrow) -> tuple[list[Applied], int | None]:
    """The batched path over `run`, in a savepoint: (applied, how many items of `run` it
    took), or ([], None) if it failed unexpectedly (rolled back; logged)."""
    try:
        with database.atomic():
            done, n = release_run(system, run, now)
    except OperationalError:
        raise  # the database itself: roll the batch back (and retry it)
    except StaleRun:
        log.info("batched release found a changed row; applying one by one")
        return [], None
    except Exception:
        log.exception("batched release failed; applying one by one")
        return [], None
    return [Applied(d.id, d.kind, d.contract_id, due, summary)
            for d, due, summary in done], n


def _apply_one(system: Account, deadline_id: int, now: arrow.Arrow,
               failed: set[int]) -> Applied | None:
    try:
        return apply_deadline(system, deadline_id, now)
    except OperationalError:
        raise  # the database itself: roll the batch back (and retry it)
    except Exception:
        log.exception("deadline %s could not be applied; left open", deadline_id)
        failed.add(deadline_id)
        return None


__all__ = ["sweep", "SweepResult", "Applied", "apply_deadline", "due_ids", "next_reminder"]
