"""Double-entry ledger: every movement of money is a transfer of two entries summing to
zero, written in the caller's transaction. Balances are sums of entries.

X-26: money paid to the freelancer lands in `freelancer_earnings`, pending, and a hold row
(models/holds.py) says when the policy's hold ends; the sweep then moves it to
`freelancer_available` (rules/holds.py). The hold row is written here, beside the entries,
so no path that pays a freelancer can forget it."""
from __future__ import annotations

import arrow
from peewee import fn

from models.contracts import Contract
from models.holds import PayoutHold
from models.ledger import LedgerEntry, LedgerTransfer
from models.vocabulary import PAID_ACCOUNTS, HoldStatus
from models.vocabulary import LedgerAccount as A
from rules.bulk import insert_rows, reserve_ids
from rules.calendar import add_days
from rules.policy import get_policy

__all__ = ["transfer", "transfer_many", "balance", "paid_balance", "milestone_escrow",
           "milestone_escrows",
           "project_funds", "A"]


def transfer(*, contract_id: int, milestone_id: int | None, kind: str, source: str,
             target: str, amount_cents: int, actor_id: int | None, at,
             once_key: str | None = None, policy: str | None = None) -> LedgerTransfer | None:
    """Move `amount_cents` from `source` to `target`. A zero amount writes nothing.
    `policy`: the contract's, when the caller has it: a payment's hold needs it (X-26)."""
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
    if target == A.FREELANCER:
        _hold([(t.id, contract_id, milestone_id, amount_cents, at)],
              {contract_id: policy} if policy else None)
    return t


def transfer_many(transfers: list[dict], *, policies: dict[int, str] | None = None) -> None:
    """`transfer(**t)` for each in turn, in three statements: the same rows and ids.
    For the sweep's batched path, inside the caller's transaction (which holds the lock).
    `policies`: contract id -> policy name, when the caller has them (the payout holds)."""
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
    _hold([(head[0], t["contract_id"], t["milestone_id"], t["amount_cents"], t["at"])
           for head, t in zip(heads, moving) if t["target"] == A.FREELANCER], policies)


def _hold(paid: list[tuple], policies: dict[int, str] | None = None) -> None:
    """X-26: a pending hold per payment (transfer id, contract, milestone, cents, at),
    ending `hold_days` of the contract's policy after the payment. `policies`: contract
    id -> policy name, read here unless given."""
    if not paid:
        return
    if policies is None:
        policies = dict(Contract.select(Contract.id, Contract.policy)
                        .where(Contract.id.in_({p[1] for p in paid})).tuples())
    if len(paid) == 1:  # one payment: one INSERT, its id from the database as for any row
        tid, contract_id, milestone_id, cents, at = paid[0]
        at = arrow.get(at)
        PayoutHold.insert(contract=contract_id, milestone=milestone_id, transfer=tid,
                          amount_cents=cents, released_at=at,
                          available_at=add_days(at, get_policy(policies[contract_id]).hold_days),
                          status=HoldStatus.PENDING, version=1).execute()
        return
    rows = []
    for hold_id, (tid, contract_id, milestone_id, cents, at) in zip(
            reserve_ids(PayoutHold, len(paid)), paid):
        at = arrow.get(at)
        rows.append((hold_id, contract_id, milestone_id, tid, cents, at,
                     add_days(at, get_policy(policies[contract_id]).hold_days),
                     HoldStatus.PENDING, 1))
    insert_rows(PayoutHold, ("id", "contract", "milestone", "transfer", "amount_cents",
                             "released_at", "available_at", "status", "version"), rows)


def balance(account: str, *, contract_id: int | None = None,
            milestone_id: int | None = None) -> int:
    q = LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0)).where(
        LedgerEntry.account == account)
    if contract_id is not None:
        q = q.where(LedgerEntry.contract == contract_id)
    if milestone_id is not None:
        q = q.where(LedgerEntry.milestone == milestone_id)
    return int(q.scalar() or 0)


def paid_balance(*, contract_id: int | None = None, milestone_id: int | None = None) -> int:
    """What the freelancer was paid and keeps, pending or available (X-26)."""
    q = LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0)).where(
        LedgerEntry.account.in_(PAID_ACCOUNTS))
    if contract_id is not None:
        q = q.where(LedgerEntry.contract == contract_id)
    if milestone_id is not None:
        q = q.where(LedgerEntry.milestone == milestone_id)
    return int(q.scalar() or 0)


def milestone_escrow(milestone_id: int) -> int:
    return balance(A.ESCROW, milestone_id=milestone_id)


def milestone_escrows(milestone_ids: list[int]) -> dict[int, int]:
    """Escrow per milestone, for several at once (one query; absent when none)."""
    if not milestone_ids:
        return {}
    return {m: int(total or 0) for m, total in (
        LedgerEntry.select(LedgerEntry.milestone, fn.SUM(LedgerEntry.amount_cents))
        .where(LedgerEntry.milestone.in_(milestone_ids) & (LedgerEntry.account == A.ESCROW))
        .group_by(LedgerEntry.milestone).tuples())}


def project_funds(contract_id: int) -> int:
    return balance(A.PROJECT_FUNDS, contract_id=contract_id)


