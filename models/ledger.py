"""Double-entry ledger. A transfer groups entries that sum to zero; balances are sums."""
from __future__ import annotations

from peewee import BigIntegerField, CharField, ForeignKeyField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField, utcnow
from models.contracts import Contract
from models.milestones import Milestone


class LedgerTransfer(BaseModel):
    contract = ForeignKeyField(Contract, backref="transfers", on_delete="CASCADE")
    milestone = ForeignKeyField(Milestone, null=True, on_delete="CASCADE")
    kind = CharField(max_length=32)  # fund, release, bonus, refund, fee, ...
    # Backstop for "nothing paid twice": e.g. "m:12:escrow" may exist once, however
    # a check above it is written. NULLs do not collide.
    once_key = CharField(max_length=64, null=True, unique=True)
    created_at = UTCDateTimeField(default=utcnow)
    actor = ForeignKeyField(Account, null=True)


class LedgerEntry(BaseModel):
    transfer = ForeignKeyField(LedgerTransfer, backref="entries", on_delete="CASCADE")
    contract = ForeignKeyField(Contract, on_delete="CASCADE")
    milestone = ForeignKeyField(Milestone, null=True, on_delete="CASCADE")
    account = CharField(max_length=24)  # models.vocabulary.LedgerAccount
    amount_cents = BigIntegerField()

    class Meta:
        indexes = (
            (("contract", "account"), False),
            (("milestone", "account"), False),
            # Covering: a contract's balances without reading the rows (contract list).
            (("contract", "account", "amount_cents"), False),
        )
