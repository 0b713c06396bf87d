"""Nudges (X-27): the party an open window waits for was reminded by the other, at most
once per 24 hours per window and sender. `number` counts a sender's nudges of a window;
with the unique index two nudges written at once cannot both be the next one."""
from __future__ import annotations

from peewee import ForeignKeyField, IntegerField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField
from models.deadlines import Deadline


class Nudge(BaseModel):
    deadline = ForeignKeyField(Deadline, on_delete="CASCADE")
    sender = ForeignKeyField(Account)
    recipient = ForeignKeyField(Account)
    number = IntegerField()
    sent_at = UTCDateTimeField()

    class Meta:
        indexes = ((("deadline", "sender", "number"), True),)
