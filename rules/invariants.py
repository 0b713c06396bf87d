"""Ledger invariants (DESIGN.md, "The ledger"), checked after every action in the tests
and available to support tooling. Each returns a list of problems; empty means sound."""
from __future__ import annotations

from peewee import fn

from models.contracts import Contract
from models.ledger import LedgerEntry, LedgerTransfer
from models.milestones import Milestone
from models.vocabulary import ACTIVE_STATUSES, ContractStatus
from rules.holds import hold_problems
from rules.ledger import A
from rules.settlement import ESCROW_SETTLEMENT_KINDS


def ledger_problems() -> list[str]:
    problems: list[str] = []
    total = LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0)).scalar()
    if total != 0:
        problems.append(f"entries sum to {total}, not 0")
    for tid, s in (LedgerEntry.select(LedgerEntry.transfer, fn.SUM(LedgerEntry.amount_cents))
                   .group_by(LedgerEntry.transfer)
                   .having(fn.SUM(LedgerEntry.amount_cents) != 0).tuples()):
        problems.append(f"transfer {tid} sums to {s}")
    balances: dict[tuple[int, str], int] = {}
    for c, acc, s in (LedgerEntry.select(LedgerEntry.contract, LedgerEntry.account,
                                         fn.SUM(LedgerEntry.amount_cents))
                      .group_by(LedgerEntry.contract, LedgerEntry.account).tuples()):
        balances[(c, acc)] = int(s)
        if acc in (A.PROJECT_FUNDS, A.PLATFORM_FEES, A.CLIENT_REFUNDS, A.FREELANCER,
                   A.FREELANCER_AVAILABLE) and s < 0:
            problems.append(f"contract {c}: {acc} is negative ({s})")
        if acc == A.CLIENT_PAYMENT and s > 0:
            problems.append(f"contract {c}: the client was paid out of nowhere ({s})")
    for m, s in (LedgerEntry.select(LedgerEntry.milestone, fn.SUM(LedgerEntry.amount_cents))
                 .where(LedgerEntry.account == A.ESCROW).group_by(LedgerEntry.milestone).tuples()):
        if s < 0:
            problems.append(f"milestone {m}: escrow is negative ({s})")
    # Charged = held (escrow + project funds) + released + fees + refunded, per contract.
    contracts = {c for c, _ in balances}
    for c in contracts:
        charged = -balances.get((c, A.CLIENT_PAYMENT), 0)
        held = balances.get((c, A.ESCROW), 0) + balances.get((c, A.PROJECT_FUNDS), 0)
        out = sum(balances.get((c, a), 0) for a in (A.FREELANCER, A.FREELANCER_AVAILABLE,
                                                    A.PLATFORM_FEES, A.CLIENT_REFUNDS))
        if charged != held + out:
            problems.append(f"contract {c}: charged {charged} != held {held} + paid out {out}")
    problems += milestone_problems()
    problems += hold_problems()
    return problems


def milestone_problems() -> list[str]:
    """Per milestone: escrow emptied at most once, funded at most once, and only an
    active milestone holds escrow; a released milestone was released exactly once."""
    problems: list[str] = []
    for m, kind, n in (LedgerTransfer.select(LedgerTransfer.milestone, LedgerTransfer.kind,
                                             fn.COUNT(LedgerTransfer.id))
                       .where(LedgerTransfer.kind.in_([*ESCROW_SETTLEMENT_KINDS, "fund",
                                                       "fund_from_project_funds", "bonus"]))
                       .group_by(LedgerTransfer.milestone, LedgerTransfer.kind).tuples()):
        if n > 1:
            problems.append(f"milestone {m}: {n} '{kind}' transfers")
    escrow = dict(LedgerEntry.select(LedgerEntry.milestone, fn.SUM(LedgerEntry.amount_cents))
                  .where(LedgerEntry.account == A.ESCROW).group_by(LedgerEntry.milestone).tuples())
    for m in Milestone.select(Milestone.id, Milestone.status, Milestone.contract):
        held = int(escrow.get(m.id, 0) or 0)
        if m.status in ACTIVE_STATUSES and held <= 0:
            problems.append(f"milestone {m.id} is {m.status} with no escrow")
        if m.status not in ACTIVE_STATUSES and held != 0:
            problems.append(f"milestone {m.id} is {m.status} but holds {held} in escrow")
    for c in Contract.select(Contract.id).where(Contract.status != ContractStatus.OPEN):
        pf = (LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0))
              .where((LedgerEntry.contract == c.id) & (LedgerEntry.account == A.PROJECT_FUNDS))
              .scalar())
        if pf:
            problems.append(f"contract {c.id} is closed but keeps {pf} in project funds")
    actives = (Milestone.select(Milestone.contract, Contract.funding_limit,
                                fn.COUNT(Milestone.id))
               .join(Contract).where(Milestone.status.in_(list(ACTIVE_STATUSES)))
               .group_by(Milestone.contract, Contract.funding_limit)
               .having(fn.COUNT(Milestone.id) > 1).tuples())
    for c, limit, n in actives:  # U-03 one at a time; X-36 up to the limit, 0 none
        if limit and n > limit:
            problems.append(f"contract {c} has {n} active milestones, its funding allows "
                            f"{limit} (U-03, X-36)")
    return problems
