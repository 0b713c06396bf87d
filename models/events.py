"""The activity timeline (U-31) and per-recipient notifications."""
from __future__ import annotations

from peewee import BooleanField, CharField, ForeignKeyField, TextField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField, utcnow
from models.contracts import Contract
from models.milestones import Milestone


class Event(BaseModel):
    contract = ForeignKeyField(Contract, backref="events", on_delete="CASCADE")
    # A deleted future milestone keeps its history on the timeline.
    milestone = ForeignKeyField(Milestone, null=True, on_delete="SET NULL")
    actor = ForeignKeyField(Account)
    kind = CharField(max_length=40)
    summary = TextField()
    details = TextField(default="{}")  # JSON: what changed
    occurred_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("contract", "id"), False),)


class Notification(BaseModel):
    event = ForeignKeyField(Event, backref="notifications", on_delete="CASCADE")
    recipient = ForeignKeyField(Account, backref="notifications")
    read = BooleanField(default=False)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("recipient", "read"), False),)
