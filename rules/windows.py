"""Opening and closing time windows (rows in `deadline`) inside an action's transaction.
The deadline sweep (rules/deadlines.py) applies the ones left open when they fall due."""
from __future__ import annotations

import arrow

from models.contracts import Contract
from models.deadlines import Deadline
from models.vocabulary import DeadlineStatus
from rules.policy import get_policy


def reminder_times(opened_at: arrow.Arrow, due_at: arrow.Arrow,
                   hours_before: tuple[int, ...]) -> list[arrow.Arrow]:
    """G-06: when to remind, earliest first; none before the window opened."""
    times = sorted(due_at.shift(hours=-h) for h in hours_before)
    return [t for t in times if t > opened_at]


def next_reminder(d: Deadline) -> arrow.Arrow | None:
    """The reminder after the `d.reminders_sent` already sent, or None."""
    policy = get_policy(Contract.get_by_id(d.contract_id).policy)
    times = reminder_times(arrow.get(d.opened_at), arrow.get(d.due_at),
                           policy.reminder_hours_before)
    return times[d.reminders_sent] if d.reminders_sent < len(times) else None


def open_window(kind: str, *, contract: Contract, due_at: arrow.Arrow, opened_at: arrow.Arrow,
                milestone_id: int | None = None, change_request_id: int | None = None,
                refund_request_id: int | None = None, remind: bool = True) -> Deadline:
    """Open a window on `contract` (the row its action loaded: its policy says when the
    reminders are, with no read of its own)."""
    # G-06 reminders are for a party the window waits on; `remind=False` for none.
    reminders = []
    if remind:
        policy = get_policy(contract.policy)
        reminders = reminder_times(opened_at, due_at, policy.reminder_hours_before)
    return Deadline.create(kind=kind, contract=contract.id, milestone=milestone_id,
                           change_request=change_request_id,
                           refund_request=refund_request_id, opened_at=opened_at,
                           due_at=due_at, status=DeadlineStatus.OPEN,
                           remind_at=reminders[0] if reminders else None)


def close_windows(*, at: arrow.Arrow, contract_id: int, kind: str | None = None,
                  milestone_id: int | None = None, change_request_id: int | None = None,
                  refund_request_id: int | None = None) -> int:
    """Close the matching open windows: a window closed by a user is never applied."""
    q = Deadline.update(status=DeadlineStatus.CLOSED, closed_at=at, remind_at=None,
                        version=Deadline.version + 1).where(
        (Deadline.contract == contract_id) & (Deadline.status == DeadlineStatus.OPEN))
    if kind is not None:
        q = q.where(Deadline.kind == kind)
    if milestone_id is not None:
        q = q.where(Deadline.milestone == milestone_id)
    if change_request_id is not None:
        q = q.where(Deadline.change_request == change_request_id)
    if refund_request_id is not None:
        q = q.where(Deadline.refund_request == refund_request_id)
    return q.execute()
