"""Refund requests (U-29) and the disputes that follow them (U-33, G-02)."""
from __future__ import annotations

from peewee import BigIntegerField, CharField, ForeignKeyField, IntegerField, TextField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField, utcnow
from models.contracts import Contract
from models.milestones import Milestone
from models.vocabulary import RefundStatus


class RefundRequest(BaseModel):
    contract = ForeignKeyField(Contract, backref="refund_requests", on_delete="CASCADE")
    milestone = ForeignKeyField(Milestone, backref="refund_requests", on_delete="CASCADE")
    source = CharField(max_length=8)  # escrow | paid
    amount_cents = BigIntegerField()
    reason = TextField(default="")
    status = CharField(max_length=16, default=RefundStatus.PENDING, index=True)
    # The milestone status to return to is never needed: a refund ends the milestone.
    created_at = UTCDateTimeField(default=utcnow)
    disputed_at = UTCDateTimeField(null=True)
    closed_at = UTCDateTimeField(null=True)
    requested_by = ForeignKeyField(Account)
    version = IntegerField(default=1)
