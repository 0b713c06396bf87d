"""The post-release hold in the ledger (X-26).

A payment to the freelancer lands in `freelancer_earnings` (pending) with a hold row
(written by rules.ledger, beside the entries). When the policy's hold ends the sweep moves
the hold's amount to `freelancer_available`, exactly once (G-09): a compare-and-set of the
hold row from pending to available, and the transfer's once key `hold:<id>`. A paid
refund (U-29) takes back pending money first, shrinking the newest holds, then available
money: so a pending hold always says exactly what it will move, and the forecast (X-24)
reads the same dates the ledger keeps.
"""
from __future__ import annotations

import arrow
from peewee import JOIN

from models.accounts import Account
from models.base import database
from models.contracts import Contract
from models.db import is_postgres, take_write_lock
from models.holds import PayoutHold
from models.milestones import Milestone
from models.vocabulary import HoldStatus
from rules.journal import record
from rules.ledger import A, balance, transfer
from rules.money import format_money
from rules.store import with_retries

BATCH = 250


def take_back_paid(*, contract_id: int, milestone_id: int, amount_cents: int,
                   actor_id: int | None, at, kind: str, once_key: str | None) -> None:
    """Return `amount_cents` of what was paid for a milestone to the client: pending
    money first (its holds shrink, the newest first), then available money."""
    from_pending = min(amount_cents, balance(A.FREELANCER, milestone_id=milestone_id))
    from_available = amount_cents - from_pending
    for source, cents, key in (
            (A.FREELANCER, from_pending, once_key),
            (A.FREELANCER_AVAILABLE, from_available,
             once_key if not from_pending or once_key is None else f"{once_key}:available")):
        transfer(kind=kind, source=source, target=A.CLIENT_REFUNDS, amount_cents=cents,
                 contract_id=contract_id, milestone_id=milestone_id, actor_id=actor_id,
                 at=at, once_key=key)
    left = from_pending
    for h in (PayoutHold.select()
              .where((PayoutHold.milestone == milestone_id)
                     & (PayoutHold.status == HoldStatus.PENDING))
              .order_by(PayoutHold.released_at.desc(), PayoutHold.id.desc())):
        if left == 0:
            break
        taken = min(left, h.amount_cents)
        left -= taken
        rest = h.amount_cents - taken
        PayoutHold.update(amount_cents=rest, version=PayoutHold.version + 1,
                          status=HoldStatus.PENDING if rest else HoldStatus.REFUNDED
                          ).where(PayoutHold.id == h.id).execute()


def due_holds(now: arrow.Arrow, limit: int, *, claim: bool = False):
    """Pending holds whose end has come, oldest first, with their contract and milestone.
    `claim=True` inside a transaction on PostgreSQL skips rows another one holds."""
    q = (PayoutHold.select(PayoutHold, Contract, Milestone)
         .join(Contract).switch(PayoutHold).join(Milestone, JOIN.LEFT_OUTER)
         .where((PayoutHold.status == HoldStatus.PENDING)
                & (PayoutHold.available_at <= now.naive))
         .order_by(PayoutHold.available_at, PayoutHold.id).limit(limit))
    if claim and is_postgres():
        q = q.for_update(of=PayoutHold, skip_locked=True)
    return list(q)


def make_available(system: Account, now: arrow.Arrow) -> int:
    """The sweep's hold step: move every hold that has ended to available. Returns how
    many moved. Nothing due costs one indexed read and no write transaction."""
    moved = 0
    while due_holds(now, 1):
        n = with_retries(lambda: _batch(system, now), what="payout hold batch")
        moved += n
        if n == 0:
            break  # everything due is held by another worker's transaction
    return moved


def _batch(system: Account, now: arrow.Arrow) -> int:
    moved = 0
    with database.atomic():
        take_write_lock()
        for h in due_holds(now, BATCH, claim=True):
            claimed = (PayoutHold.update(status=HoldStatus.AVAILABLE,
                                         version=PayoutHold.version + 1)
                       .where((PayoutHold.id == h.id)
                              & (PayoutHold.status == HoldStatus.PENDING)
                              & (PayoutHold.version == h.version)).execute())
            if claimed != 1:
                continue  # a refund or another sweep changed it first
            at = arrow.get(h.available_at)  # when it truly became available (G-08)
            transfer(kind="available", source=A.FREELANCER, target=A.FREELANCER_AVAILABLE,
                     amount_cents=h.amount_cents, contract_id=h.contract_id,
                     milestone_id=h.milestone_id, actor_id=system.id, at=at,
                     once_key=f"hold:{h.id}")
            record(actor=system, action="payout_available", contract_id=h.contract_id,
                   milestone_id=h.milestone_id, at=at, notify=[h.contract.freelancer_id],
                   summary=f"{format_money(h.amount_cents)} paid for {_what(h)} is "
                           "available: the hold has ended",
                   target=f"milestone:{h.milestone_id}" if h.milestone_id
                   else f"contract:{h.contract_id}",
                   before={"status": HoldStatus.PENDING, "released_at": h.released_at.isoformat()},
                   after={"status": HoldStatus.AVAILABLE, "amount_cents": h.amount_cents})
            moved += 1
    return moved


def _what(h: PayoutHold) -> str:
    return f"“{h.milestone.title}”" if h.milestone_id else f"“{h.contract.title}”"


def hold_problems() -> list[str]:
    """Invariant: per contract, the pending holds add up to the pending balance, and no
    hold is negative."""
    from peewee import fn

    from models.ledger import LedgerEntry
    problems = []
    held = dict(PayoutHold.select(PayoutHold.contract, fn.SUM(PayoutHold.amount_cents))
                .where(PayoutHold.status == HoldStatus.PENDING)
                .group_by(PayoutHold.contract).tuples())
    pending = dict(LedgerEntry.select(LedgerEntry.contract, fn.SUM(LedgerEntry.amount_cents))
                   .where(LedgerEntry.account == A.FREELANCER)
                   .group_by(LedgerEntry.contract).tuples())
    for c in set(held) | set(pending):
        if int(held.get(c) or 0) != int(pending.get(c) or 0):
            problems.append(f"contract {c}: pending holds {held.get(c) or 0} != pending "
                            f"earnings {pending.get(c) or 0}")
    for (hid,) in PayoutHold.select(PayoutHold.id).where(PayoutHold.amount_cents < 0).tuples():
        problems.append(f"hold {hid} is negative")
    return problems
