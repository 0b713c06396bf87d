"""Change requests: a client's change to the active milestone (U-20) or a
freelancer's proposal over future milestones (U-14). The payload is JSON."""
from __future__ import annotations

from peewee import CharField, ForeignKeyField, IntegerField, TextField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField, utcnow
from models.contracts import Contract
from models.milestones import Milestone
from models.vocabulary import ChangeRequestStatus


class ChangeRequest(BaseModel):
    contract = ForeignKeyField(Contract, backref="change_requests", on_delete="CASCADE")
    milestone = ForeignKeyField(Milestone, null=True, on_delete="CASCADE")
    author = ForeignKeyField(Account)
    kind = CharField(max_length=24)
    payload = TextField()  # JSON
    status = CharField(max_length=16, default=ChangeRequestStatus.PENDING)
    message = TextField(default="")
    # The reason given with a rejection (U-22) or a decline (U-15), for the inbox's
    # history; the timeline event carries it too. Schema 4.
    answer_message = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)
    expires_at = UTCDateTimeField(null=True)
    answered_at = UTCDateTimeField(null=True)
    version = IntegerField(default=1)
    # the version this one answers with amendments (schema 7); None for the first
    # of its thread. The thread is the chain of versions through `previous`.
    previous = ForeignKeyField("self", null=True, backref="counters", on_delete="CASCADE")

    class Meta:
        indexes = ((("contract", "status"), False),)
