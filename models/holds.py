"""Released money on hold (X-26): one row per payment to a freelancer, pending until the
policy's hold ends, so the sweep finds what is due with an indexed range query and the
forecast reads the same dates the ledger will keep."""
from __future__ import annotations

from peewee import BigIntegerField, CharField, ForeignKeyField, IntegerField

from models.base import BaseModel, UTCDateTimeField
from models.contracts import Contract
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from models.vocabulary import HoldStatus


class PayoutHold(BaseModel):
    contract = ForeignKeyField(Contract, on_delete="CASCADE")
    milestone = ForeignKeyField(Milestone, null=True, on_delete="CASCADE")
    # The payment held (None only for holds kept from before the hold was in the ledger).
    transfer = ForeignKeyField(LedgerTransfer, null=True, unique=True, on_delete="CASCADE")
    # What will become available: the payment, less what a paid refund took back since.
    amount_cents = BigIntegerField()
    released_at = UTCDateTimeField()
    available_at = UTCDateTimeField()
    status = CharField(max_length=12, default=HoldStatus.PENDING)
    version = IntegerField(default=1)

    class Meta:
        indexes = (
            (("status", "available_at"), False),  # the sweep: what is due
            (("contract", "status"), False),      # the forecast, the invariants
            (("milestone", "status"), False),     # a paid refund takes back pending money
        )


def backfill() -> None:
    """Schema 8: money paid before holds were in the ledger was usable under the rules of
    its time, so each milestone's pending balance gets one hold ending at its last payment;
    the next sweep moves it to available, through the same step as any other hold. A
    milestone that has holds already (a file whose version number was set back) keeps
    them: the upgrade then adds nothing."""
    from peewee import fn

    from models.vocabulary import LedgerAccount
    from models.ledger import LedgerEntry
    rows = (LedgerEntry.select(LedgerEntry.contract, LedgerEntry.milestone,
                               fn.SUM(LedgerEntry.amount_cents),
                               fn.MAX(LedgerTransfer.created_at))
            .join(LedgerTransfer)
            .where(LedgerEntry.account == LedgerAccount.FREELANCER)
            .group_by(LedgerEntry.contract, LedgerEntry.milestone)
            .having(fn.SUM(LedgerEntry.amount_cents) > 0).tuples())
    held = set(PayoutHold.select(PayoutHold.contract, PayoutHold.milestone).tuples())
    PayoutHold.insert_many([
        dict(contract=c, milestone=m, amount_cents=int(cents), released_at=at,
             available_at=at, status=HoldStatus.PENDING, version=1)
        for c, m, cents, at in rows if (c, m) not in held]).execute()
