"""The deadline sweep's batched path: expired review windows released many at a time
(U-06, "14 days after a submission the escrow is released").

That is nearly every item of a catch-up, and applying each through `release()` costs
some 26 statements built one by one. Here a run of due windows is read with one joined
query (plus one each for escrow balances, pending change requests and other open review
windows), the rows each release writes are prepared in Python by the very functions
`release()` uses (rules.payments.check_releasable and plan_release), and each table is
then written with one statement per batch (rules.bulk, journal.record_many,
ledger.transfer_many). Under the write lock the result is row for row, id for id and
hash for hash what `release()` applied item by item would have written (tested in
tests/rules/test_sweep_batch.py).

Anything unusual is left to the one-by-one path (rules.deadlines.apply_deadline): another
kind or policy, a milestone not in the plain submitted state, an escrow that is not the
milestone's amount, a pending change request, another open review window, a refusal by
the release checks. A compare-and-set that misses raises `StaleRun`: the caller rolls the
run back (its savepoint) and applies the items one by one.
"""
from __future__ import annotations

from types import SimpleNamespace

import arrow
from peewee import JOIN, fn

from models.accounts import Account
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.deadlines import Deadline
from models.ledger import LedgerEntry
from models.milestones import Milestone, Submission
from models.vocabulary import (ChangeRequestStatus, DeadlineKind, DeadlineStatus,
                               MilestoneStatus, SubmissionStatus)
from rules.bulk import execute_each
from rules.errors import RuleError
from rules.journal import record_many
from rules.ledger import A, transfer_many
from rules.money import format_money
from rules.payments import check_releasable, plan_release
from rules.policy import get_policy

__all__ = ["StaleRun", "load_due", "batchable", "release_run", "review_release_summary"]


class StaleRun(RuntimeError):
    """A row changed between the run's read and its writes (a compare-and-set missed)."""


def review_release_summary(title: str, released_cents: int) -> str:
    """What the sweep reports for U-06 (both paths)."""
    return f"“{title}” auto-released: {format_money(released_cents)} to the freelancer"


# What the batched path reads of a window, its contract and its milestone: plain
# attribute rows (`SimpleNamespace`), not peewee models, which cost several times more
# to build; the functions it shares with release() read only these attributes.
_COLUMNS = (Deadline.id, Deadline.kind, Deadline.status, Deadline.due_at, Deadline.version,
            Contract.id, Contract.title, Contract.policy, Contract.status, Contract.client,
            Contract.freelancer,
            Milestone.id, Milestone.title, Milestone.status, Milestone.amount_cents,
            Milestone.version)


def load_due(ids: list[int]) -> list[SimpleNamespace]:
    """The windows `ids` with their contract and milestone (one query), in `ids` order;
    ids no longer stored are left out."""
    if not ids:
        return []
    q = (Deadline.select(*_COLUMNS)
         .join(Contract).switch(Deadline).join(Milestone, JOIN.LEFT_OUTER)
         .where(Deadline.id.in_(ids)))
    by_id = {}
    for (did, kind, status, due_at, version, cid, ctitle, policy, cstatus, client,
         freelancer, mid, mtitle, mstatus, amount, mversion) in q.tuples():
        contract = SimpleNamespace(id=cid, title=ctitle, policy=policy, status=cstatus,
                                   client_id=client, freelancer_id=freelancer)
        milestone = (None if mid is None else
                     SimpleNamespace(id=mid, title=mtitle, status=mstatus,
                                     amount_cents=amount, version=mversion))
        by_id[did] = SimpleNamespace(id=did, kind=kind, status=status, due_at=due_at,
                                     version=version, contract_id=cid, contract=contract,
                                     milestone_id=mid, milestone=milestone)
    return [by_id[i] for i in ids if i in by_id]


def batchable(d: SimpleNamespace) -> bool:
    """Whether the batched path may take `d` at all (its kind and policy; the state is
    checked when the run is applied)."""
    if d.kind != DeadlineKind.REVIEW or d.milestone_id is None:
        return False
    policy = get_policy(d.contract.policy)
    return policy.review_expiry == "release" and not policy.start_next_days


def _db(field, value):
    return field.db_value(value)


def release_run(system: Account, run: list[SimpleNamespace],
                now: arrow.Arrow) -> tuple[list[tuple[SimpleNamespace, arrow.Arrow, str]], int]:
    """Release the leading items of `run` (all `batchable`) that are in the plain state,
    in order, inside the caller's transaction (which holds the write lock). Returns what
    was applied, as (window, due time, summary), and how many items of `run` that was:
    the item after them, if any, needs the one-by-one path."""
    mids = [d.milestone_id for d in run]
    held = dict(LedgerEntry.select(LedgerEntry.milestone, fn.SUM(LedgerEntry.amount_cents))
                .where(LedgerEntry.milestone.in_(mids) & (LedgerEntry.account == A.ESCROW))
                .group_by(LedgerEntry.milestone).tuples())
    busy = {m for (m,) in ChangeRequest.select(ChangeRequest.milestone).where(
        ChangeRequest.milestone.in_(mids)
        & (ChangeRequest.status == ChangeRequestStatus.PENDING)).tuples()}
    # Other open review windows of these milestones (release() would close them). Only
    # the milestone in the WHERE: with the status there too, SQLite picks an index on
    # status and scans every open window.
    ours = {d.id for d in run}
    busy |= {m for m, i, kind, status in Deadline.select(
        Deadline.milestone, Deadline.id, Deadline.kind, Deadline.status).where(
        Deadline.milestone.in_(mids)).tuples()
        if i not in ours and kind == DeadlineKind.REVIEW and status == DeadlineStatus.OPEN}
    take: list[tuple[SimpleNamespace, arrow.Arrow, object]] = []
    for d in run:
        m, due = d.milestone, arrow.get(d.due_at)
        escrow = int(held.get(m.id) or 0)
        if (d.status != DeadlineStatus.OPEN or due > now or m.id in busy
                or m.status != MilestoneStatus.SUBMITTED or escrow <= 0
                or escrow != m.amount_cents):
            break
        try:
            check_releasable(system, m, d.contract)
            plan = plan_release(system, m, d.contract, held=escrow, at=due)
        except RuleError:
            break
        busy.add(m.id)  # a second window on the same milestone goes one by one
        take.append((d, due, plan))
    if not take:
        return [], 0
    _write(take)
    return [(d, due, review_release_summary(d.milestone.title, plan.amount))
            for d, due, plan in take], len(take)


def _write(take: list[tuple[SimpleNamespace, arrow.Arrow, object]]) -> None:
    """The writes of release() and of the sweep's claim for each item, table by table."""
    applied, opened = (_db(Deadline.status, s) for s in (DeadlineStatus.APPLIED,
                                                          DeadlineStatus.OPEN))
    released, submitted = (_db(Milestone.status, s) for s in (MilestoneStatus.RELEASED,
                                                               MilestoneStatus.SUBMITTED))
    # The claim (open -> applied, version + 1) and the outcome (version + 1) of
    # rules.deadlines.apply_deadline, as one compare-and-set.
    claimed = execute_each(
        "UPDATE deadline SET status = ?, closed_at = ?, remind_at = NULL, outcome = ?, "
        "version = version + 2 WHERE id = ? AND status = ? AND version = ?",
        [(applied, _db(Deadline.closed_at, due),
          review_release_summary(d.milestone.title, plan.amount)[:200], d.id, opened,
          d.version) for d, due, plan in take])
    # release()'s cas_update of the milestone.
    changed = execute_each(
        "UPDATE milestone SET status = ?, finished_at = ?, version = version + 1 "
        "WHERE id = ? AND version = ? AND status = ?",
        [(released, _db(Milestone.finished_at, due), d.milestone_id, d.milestone.version,
          submitted) for d, due, _ in take])
    if claimed != len(take) or changed != len(take):  # each statement names one row
        raise StaleRun("a due window or its milestone changed before the batch wrote")
    transfer_many([t for _, _, plan in take for t in plan.transfers],
                  policies={d.contract_id: d.contract.policy for d, _, _ in take})
    # release()'s close_submissions(m, APPROVED).
    execute_each("UPDATE submission SET status = ?, version = version + 1 "
                 "WHERE milestone_id = ? AND status = ?",
                 [(_db(Submission.status, SubmissionStatus.APPROVED), d.milestone_id,
                   _db(Submission.status, SubmissionStatus.PENDING)) for d, _, _ in take])
    record_many([plan.record for _, _, plan in take])
