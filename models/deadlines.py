"""Open time windows (U-06, U-24, U-32, U-33, F-05, F-07), one row each, so a sweep
finds what is due with an indexed range query."""
from __future__ import annotations

from peewee import CharField, ForeignKeyField, IntegerField

from models.base import BaseModel, UTCDateTimeField, utcnow
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.milestones import Milestone
from models.refunds import RefundRequest
from models.vocabulary import DeadlineStatus


class Deadline(BaseModel):
    kind = CharField(max_length=24)
    contract = ForeignKeyField(Contract, on_delete="CASCADE")
    milestone = ForeignKeyField(Milestone, null=True, on_delete="CASCADE")
    change_request = ForeignKeyField(ChangeRequest, null=True, on_delete="CASCADE")
    refund_request = ForeignKeyField(RefundRequest, null=True, on_delete="CASCADE")
    opened_at = UTCDateTimeField(default=utcnow)
    due_at = UTCDateTimeField()
    status = CharField(max_length=8, default=DeadlineStatus.OPEN)
    closed_at = UTCDateTimeField(null=True)
    # G-06: the next reminder (2 days, then 1 day before due); None once all are sent.
    remind_at = UTCDateTimeField(null=True)
    reminders_sent = IntegerField(default=0)
    outcome = CharField(max_length=200, default="")  # what the sweep did, or why it skipped
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (("status", "due_at"), False),
            (("status", "remind_at"), False),
            (("contract", "status"), False),
            (("contract", "status", "due_at"), False),  # the contract list's next deadline
        )
