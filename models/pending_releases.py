"""Releases not yet final (X-29, X-30): a release the client scheduled for a later time,
or a manual one inside its undo window. The milestone is `releasing` and its money stays
in escrow until `final_at`, when the deadline worker applies the release through the
same `rules.payments.release` (a `release_at` window, exactly once, G-09); until then the
client may take it back (X-31)."""
from __future__ import annotations

from peewee import BigIntegerField, BooleanField, CharField, ForeignKeyField, IntegerField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField
from models.contracts import Contract
from models.milestones import Milestone


class PendingRelease(BaseModel):
    milestone = ForeignKeyField(Milestone, on_delete="CASCADE")
    contract = ForeignKeyField(Contract, on_delete="CASCADE")
    client = ForeignKeyField(Account)   # who released: the release is applied as them
    kind = CharField(max_length=10)     # PendingReleaseKind
    amount_cents = BigIntegerField()
    bonus_cents = BigIntegerField(default=0)
    end_contract = BooleanField(default=False)  # U-30, asked before the release
    previous_status = CharField(max_length=24)  # what a take-back returns the milestone to
    created_at = UTCDateTimeField()
    final_at = UTCDateTimeField()
    status = CharField(max_length=10)   # PendingReleaseStatus
    closed_at = UTCDateTimeField(null=True)
    outcome = CharField(max_length=200, default="")
    version = IntegerField(default=1)

    class Meta:
        indexes = ((("milestone", "status"), False),)
