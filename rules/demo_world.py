"""What the demo's scripts share (rules/demo_contracts.py): the accounts, the frozen
clock that starts HISTORY_DAYS before "now", and day arithmetic."""
from __future__ import annotations

import datetime as dt
from typing import Iterator

import arrow

from models.accounts import Account
from models.contracts import Contract
from models.milestones import Milestone
from models.refunds import RefundRequest
from rules.clock import FrozenClock
from rules.plan import AddMilestone

HISTORY_DAYS = 40

Script = Iterator[dt.datetime]


class DemoWorld:
    """What the scripts share: the accounts, the clock, and day arithmetic."""

    def __init__(self, now: arrow.Arrow):
        self.now = now
        self.today = now.floor("day")
        self.clock = FrozenClock(self.today.shift(days=-HISTORY_DAYS))
        self.who: dict[str, Account] = {}

    def ago(self, days: int, hour: int, minute: int = 0) -> dt.datetime:
        """`days` whole days before today, at hour:minute UTC. Always before now."""
        if days < 1:
            raise ValueError("demo steps happen on past days only")
        return self.today.shift(days=-days, hours=hour, minutes=minute).datetime

    def due(self, days: int) -> dt.date:
        """A due date `days` from today (negative: in the past)."""
        return self.today.shift(days=days).date()

    def milestone(self, contract: Contract, position: int) -> Milestone:
        return (Milestone.select().where((Milestone.contract == contract.id)
                                         & (Milestone.position == position)).get())

    def latest_refund(self, m: Milestone) -> RefundRequest:
        return (RefundRequest.select().where(RefundRequest.milestone == m.id)
                .order_by(RefundRequest.id.desc()).get())


def ms(title: str, dollars: int, due: dt.date, description: str = "",
       criteria: tuple[str, ...] = ()) -> AddMilestone:
    return AddMilestone(title=title, amount_cents=dollars * 100, due_date=due,
                        description=description, criteria=criteria)
