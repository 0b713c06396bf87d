"""Double-entry ledger: every movement of money is a transfer of two entries summing to
zero, written in the caller's transaction. Balances are sums of entries."""
from __future__ import annotations

from peewee import fn

from models.ledger import LedgerEntry, LedgerTransfer
from models.vocabulary import LedgerAccount as A
from rules.bulk import insert_rows, reserve_ids

__all__ = ["transfer", "transfer_many", "balance", "milestone_escrow", "project_funds", "A"]


def transfer(*, contract_id: int, milestone_id: int | None, kind: str, source: str,
             target: str, amount_cents: int, actor_id: int | None, at,
             once_key: str | None = None) -> LedgerTransfer | None:
    """Move `amount_cents` from `source` to `target`. A zero amount writes nothing."""
    if amount_cents == 0:
        return None
    if amount_cents < 0:
        raise ValueError("transfers move a positive amount; swap source and target")
    t = LedgerTransfer.create(contract=contract_id, milestone=milestone_id, kind=kind,
                              once_key=once_key, actor=actor_id, created_at=at)
    LedgerEntry.insert_many([
        dict(transfer=t.id, contract=contract_id, milestone=milestone_id, account=source,
             amount_cents=-amount_cents),
        dict(transfer=t.id, contract=contract_id, milestone=milestone_id, account=target,
             amount_cents=amount_cents),
    ]).execute()
    return t


def transfer_many(transfers: list[dict]) -> None:
    """`transfer(**t)` for each in turn, in three statements: the same rows and ids.
    For the sweep's batched path, inside the caller's transaction (which holds the lock)."""
    moving = [t for t in transfers if t["amount_cents"] != 0]
    if any(t["amount_cents"] < 0 for t in moving):
        raise ValueError("transfers move a positive amount; swap source and target")
    heads, entries = [], []
    for t, tid in zip(moving, reserve_ids(LedgerTransfer, len(moving))):
        heads.append((tid, t["contract_id"], t["milestone_id"], t["kind"], t.get("once_key"),
                      t["actor_id"], t["at"]))
        for account, amount in ((t["source"], -t["amount_cents"]),
                                (t["target"], t["amount_cents"])):
            entries.append((tid, t["contract_id"], t["milestone_id"], account, amount))
    insert_rows(LedgerTransfer, ("id", "contract", "milestone", "kind", "once_key", "actor",
                                 "created_at"), heads)
    insert_rows(LedgerEntry, ("transfer", "contract", "milestone", "account", "amount_cents"),
                entries)


def balance(account: str, *, contract_id: int | None = None,
            milestone_id: int | None = None) -> int:
    q = LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0)).where(
        LedgerEntry.account == account)
    if contract_id is not None:
        q = q.where(LedgerEntry.contract == contract_id)
    if milestone_id is not None:
        q = q.where(LedgerEntry.milestone == milestone_id)
    return int(q.scalar() or 0)


def milestone_escrow(milestone_id: int) -> int:
    return balance(A.ESCROW, milestone_id=milestone_id)


def project_funds(contract_id: int) -> int:
    return balance(A.PROJECT_FUNDS, contract_id=contract_id)


