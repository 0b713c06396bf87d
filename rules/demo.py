"""Demo data: a realistic spread of contracts in every state, built only through the
actions of rules/ (accounts are the one exception: there is no sign-up action).

History is written with a frozen clock that starts about 40 days before "now" and moves
forward between actions. Each contract is a short script (a generator) that yields the
moment of its next step; the scripts run interleaved in time order, so event ids,
notifications and the audit chain follow the clock across contracts. Steps happen on
past days only, at working hours of the person acting, and every window left open
(review, refund answer, change-request expiry, dispute response, start next) falls due
after "now": a deadline sweep started on the demo has nothing to apply at once.

The same "now" (to the day) always gives the same data: there is no randomness.
"""
from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter

import arrow

from models.accounts import Account
from models.base import database
from models.change_requests import ChangeRequest
from models.contracts import Contract, Feedback
from models.deadlines import Deadline
from models.events import Event, Notification
from models.ledger import LedgerEntry
from models.milestones import Milestone
from models.refunds import RefundRequest
from models.vocabulary import ChangeRequestStatus, DeadlineStatus, RefundStatus, Role
from rules.clock import Clock
from rules.errors import INPUT, RuleError
from rules.ledger import A
from rules.demo_contracts import SCRIPTS
from rules.demo_world import HISTORY_DAYS, DemoWorld, Script
from rules.notifications import mark_read, notifications
from rules.timetravel import mark_demo

READ_AFTER_DAYS = 5  # notifications older than this are shown as read

ACCOUNTS = (  # login, display name, role, time zone
    ("ada", "Ada Lovelace", Role.CLIENT, "Europe/London"),
    ("grace", "Grace Hopper", Role.CLIENT, "America/New_York"),
    ("linus", "Linus Pauling", Role.CLIENT, "America/Los_Angeles"),
    ("bo", "Bo Tanaka", Role.FREELANCER, "Asia/Tokyo"),
    ("mia", "Mia Fernández", Role.FREELANCER, "Europe/Madrid"),
    ("raj", "Raj Patel", Role.FREELANCER, "Asia/Kolkata"),
    ("sam", "Sam Rivera", Role.AGENT, "UTC"),
)

def has_contracts() -> bool:
    """Whether the open database holds any contract (the demo fills only an empty one)."""
    return Contract.select().exists()


def _run(d: DemoWorld, scripts) -> None:
    """Run the scripts interleaved in time order, the clock set to each step's moment."""
    queue: list[tuple[dt.datetime, int, Script]] = []

    def step(seq: int, script: Script, previous: dt.datetime | None) -> None:
        when = next(script, None)  # runs the script's actions up to its next moment
        if when is None:
            return
        if previous is not None and when < previous:
            raise ValueError(f"{script.__name__} goes back in time at {when}")
        heapq.heappush(queue, (when, seq, script))

    for seq, make in enumerate(scripts):
        step(seq, make(d), None)
    while queue:
        when, seq, script = heapq.heappop(queue)
        d.clock.set(arrow.get(when))
        step(seq, script, when)


def fill_demo(clock: Clock | None = None) -> dict:
    """Fill the open, empty database with demo accounts and contracts in every state,
    through the actions of rules/. "Now" is `clock.now()` (the real UTC now without a
    clock); history goes back about 40 days. Returns a summary (see `demo_summary`).
    Refuses a database that already has contracts or demo accounts."""
    now = (clock.now() if clock is not None else arrow.utcnow()).to("UTC")
    logins = [login for login, *_ in ACCOUNTS]
    if has_contracts() or Account.select().where(Account.login.in_(logins)).exists():
        raise RuleError(INPUT, "This database already has contracts or demo accounts: "
                               "the demo fills an empty database only.")
    d = DemoWorld(now)
    with database.atomic():  # all or nothing: a half-filled demo helps nobody
        joined = d.today.shift(days=-HISTORY_DAYS - 5).datetime
        for login, name, role, tz in ACCOUNTS:
            d.who[login] = Account.create(login=login, display_name=name, role=role,
                                          timezone=tz, created_at=joined)
        _run(d, SCRIPTS)
        cutoff = d.today.shift(days=-READ_AFTER_DAYS)
        for account in d.who.values():
            seen = [n.id for n in notifications(account, limit=10_000) if n.at < cutoff]
            if seen:
                mark_read(account, seen)
        mark_demo()  # demo mode: time travel is offered
    return demo_summary(now)


def demo_summary(now: arrow.Arrow) -> dict:
    """Counts of what the database holds, for the command line and the tests."""
    def counts(query) -> dict[str, int]:
        return dict(sorted(Counter(value for (value,) in query.tuples()).items()))

    money = {str(account): 0 for account in A}
    for account, amount in LedgerEntry.select(LedgerEntry.account,
                                              LedgerEntry.amount_cents).tuples():
        money[account] += amount
    return {
        "now": now.isoformat(),
        "accounts": counts(Account.select(Account.role).where(Account.role != Role.SYSTEM)),
        "contracts": Contract.select().count(),
        "contracts_by_status": counts(Contract.select(Contract.status)),
        "contracts_by_policy": counts(Contract.select(Contract.policy)),
        "contracts_by_client": counts(Contract.select(Account.login)
                                      .join(Account, on=(Contract.client == Account.id))),
        "milestones": Milestone.select().count(),
        "milestones_by_status": counts(Milestone.select(Milestone.status)),
        "pending_change_requests": counts(ChangeRequest.select(ChangeRequest.kind).where(
            ChangeRequest.status == ChangeRequestStatus.PENDING)),
        "open_refund_requests": counts(RefundRequest.select(RefundRequest.status).where(
            RefundRequest.status.in_([RefundStatus.PENDING, RefundStatus.DISPUTED,
                                      RefundStatus.IN_SUPPORT]))),
        "open_deadlines": counts(Deadline.select(Deadline.kind).where(
            Deadline.status == DeadlineStatus.OPEN)),
        "feedback": Feedback.select().count(),
        "events": Event.select().count(),
        "notifications": Notification.select().count(),
        "unread_notifications": Notification.select().where(
            Notification.read == False).count(),  # noqa: E712 - peewee expression
        "ledger_cents": money,
    }
