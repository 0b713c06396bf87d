"""Opening and closing time windows (rows in `deadline`) inside an action's transaction.
The deadline sweep (rules/deadlines.py) applies the ones left open when they fall due."""
from __future__ import annotations

import arrow

from models.deadlines import Deadline
from models.vocabulary import DeadlineStatus


def open_window(kind: str, *, contract_id: int, due_at: arrow.Arrow, opened_at: arrow.Arrow,
                milestone_id: int | None = None, change_request_id: int | None = None,
                refund_request_id: int | None = None) -> Deadline:
    return Deadline.create(kind=kind, contract=contract_id, milestone=milestone_id,
                           change_request=change_request_id,
                           refund_request=refund_request_id, opened_at=opened_at,
                           due_at=due_at, status=DeadlineStatus.OPEN)


def close_windows(*, at: arrow.Arrow, contract_id: int, kind: str | None = None,
                  milestone_id: int | None = None, change_request_id: int | None = None,
                  refund_request_id: int | None = None) -> int:
    """Close the matching open windows: a window closed by a user is never applied."""
    q = Deadline.update(status=DeadlineStatus.CLOSED, closed_at=at,
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
