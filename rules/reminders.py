"""Reminders before a window closes (G-06), sent by the deadline sweep (rules/deadlines.py):
2 days and 1 day before it is due, each once, to the party the window waits for."""
from __future__ import annotations

import arrow

from models.accounts import Account
from models.base import database
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.db import is_postgres, take_write_lock
from models.deadlines import Deadline
from models.vocabulary import DeadlineKind as K
from models.vocabulary import DeadlineStatus
from rules.calendar import human_delta
from rules.journal import record
from rules.offers import receiver_of
from rules.policy import get_policy
from rules.store import with_retries
from rules.windows import reminder_times


def milestone_title(d: Deadline) -> str:
    return d.milestone.title if d.milestone_id else "the contract"


_REMIND = {
    K.REVIEW: ("client", "Review “{title}” {left}, or {outcome}"),
    K.START_NEXT: ("client", "Start the next milestone of “{contract}” {left}, or the order "
                             "is marked completed"),
    K.CHANGE_REQUEST: ("freelancer", "Answer the change request on “{title}” {left}, or it "
                                     "expires"),
    K.REFUND_ANSWER: ("freelancer", "Answer the refund request on “{title}” {left}, or the "
                                    "refund is granted"),
    K.DISPUTE_RESPONSE: ("client", "Respond to the dispute on “{title}” {left}, or the "
                                   "freelancer is paid"),
    K.OFFER_EXPIRY: ("receiver", "Answer the offer “{contract}” {left}, or it expires"),
}


def send_reminders(now: arrow.Arrow, system: Account, batch_size: int = 100) -> int:
    """G-06: tell the party a window closes on, 2 days and 1 day before; each once. A
    worker that was off sends only the latest reminder that is due."""
    sent = 0
    while True:
        n = with_retries(lambda: _remind_batch(now, system, batch_size),
                         what="reminder batch")
        if n is None:
            return sent
        sent += n


def _due_reminders(now: arrow.Arrow, limit: int):
    return (Deadline.select(Deadline, Contract).join(Contract)
            .where((Deadline.status == DeadlineStatus.OPEN)
                   & (Deadline.remind_at <= now.naive) & (Deadline.due_at > now.naive))
            .order_by(Deadline.remind_at, Deadline.id).limit(limit))


def _remind_batch(now: arrow.Arrow, system: Account, batch_size: int) -> int | None:
    """One batch of reminders in one write transaction; None when none is due."""
    if not _due_reminders(now, 1).exists():  # the common case: no write transaction
        return None
    with database.atomic():
        take_write_lock()
        q = _due_reminders(now, batch_size)
        if is_postgres():
            q = q.for_update(of=Deadline, skip_locked=True)
        rows = list(q)
        if not rows:
            return None
        return sum(_remind(d, now, system) for d in rows)


def _remind(d: Deadline, now: arrow.Arrow, system: Account) -> int:
    policy = get_policy(d.contract.policy)
    times = reminder_times(arrow.get(d.opened_at), arrow.get(d.due_at),
                           policy.reminder_hours_before)
    passed = sum(1 for t in times if t <= now)
    nxt = times[passed] if passed < len(times) else None
    n = (Deadline.update(reminders_sent=passed, remind_at=nxt.naive if nxt else None,
                         version=Deadline.version + 1)
         .where((Deadline.id == d.id) & (Deadline.version == d.version)
                & (Deadline.status == DeadlineStatus.OPEN)).execute())
    if n != 1:
        return 0  # another sweep sent it
    who, text = _REMIND[d.kind]
    if who == "receiver":  # O-06: an offer waits for its receiver
        party = receiver_of(d.contract)
    elif d.kind == K.CHANGE_REQUEST:  # waits for whoever did not write it
        author = ChangeRequest.get_by_id(d.change_request_id).author_id
        party = (d.contract.client_id if author == d.contract.freelancer_id
                 else d.contract.freelancer_id)
        if d.milestone_id is None:
            text = "Answer the funding request on “{contract}” {left}, or it expires"
    else:
        party = d.contract.client_id if who == "client" else d.contract.freelancer_id
    outcome = ("the escrow is released automatically" if policy.review_expiry == "release"
               else "the order is marked completed")
    summary = "Reminder: " + text.format(title=milestone_title(d), contract=d.contract.title,
                                         left=human_delta(arrow.get(d.due_at), now),
                                         outcome=outcome)
    record(actor=system, action="reminder", contract_id=d.contract_id,
           milestone_id=d.milestone_id, summary=summary, at=now, notify=[party],
           details={"kind": d.kind, "due_at": arrow.get(d.due_at).isoformat()},
           target=f"deadline:{d.id}")
    return 1
