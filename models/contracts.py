"""Contracts (Fiverr: orders) and the feedback left on them."""
from __future__ import annotations

from peewee import (SQL, BigIntegerField, CharField, DateField, ForeignKeyField,
                    IntegerField, TextField)

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField, utcnow
from models.vocabulary import ContractStatus


class Contract(BaseModel):
    title = CharField(max_length=200)
    client = ForeignKeyField(Account, backref="contracts_as_client", index=True)
    freelancer = ForeignKeyField(Account, backref="contracts_as_freelancer", index=True)
    policy = CharField(max_length=32)
    status = CharField(max_length=16, default=ContractStatus.OPEN, index=True)
    starts_on = DateField()
    end_date = DateField(null=True)  # compliance contracts bound due dates by it (U-12)
    initiation_fee_cents = BigIntegerField(default=0)  # the policy's fee, fixed at creation
    # how many milestones may be in escrow at once: 1 one at a time (U-03), N up to
    # N at a time, 0 all up front. Schema 12.
    # The SQL default keeps raw inserts (bench generators, older importers) one at a time.
    funding_limit = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])
    created_at = UTCDateTimeField(default=utcnow)
    ended_at = UTCDateTimeField(null=True)
    version = IntegerField(default=1)


class Feedback(BaseModel):
    contract = ForeignKeyField(Contract, backref="feedback", on_delete="CASCADE")
    author = ForeignKeyField(Account)
    subject = ForeignKeyField(Account)
    stars = IntegerField()
    comment = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("contract", "author"), True),)  # G-04: once per party
