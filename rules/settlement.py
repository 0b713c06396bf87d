"""Money movements shared by several actions: funding a milestone, settling its escrow,
closing a contract. Called inside an action's transaction, after its checked update."""
from __future__ import annotations

from typing import NamedTuple

import arrow
from peewee import fn

from models.accounts import Account
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.ledger import LedgerEntry, LedgerTransfer
from models.milestones import Milestone, Submission
from models.vocabulary import (ACTIVE_STATUSES, ChangeRequestStatus, ContractStatus, MilestoneStatus,
                               SubmissionStatus)
from rules.store import cas_update
from rules.ledger import A, balance, milestone_escrow, project_funds, transfer
from rules.windows import close_windows


def fund_milestone_money(contract: Contract, milestone: Milestone, actor: Account,
                         at: arrow.Arrow) -> dict:
    """Move the milestone's amount into escrow: project funds first (U-04), the client is
    charged the rest; the contract initiation fee with the first funding only (U-05)."""
    amount = milestone.amount_cents
    # Project funds and whether the fee was paid, in one read (U-04, U-05).
    funds, fee_paid = (LedgerEntry.select(
        fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0),
        fn.EXISTS(LedgerTransfer.select(LedgerTransfer.id).where(
            (LedgerTransfer.contract == contract.id)
            & (LedgerTransfer.kind == "initiation_fee"))))
        .where((LedgerEntry.account == A.PROJECT_FUNDS)
               & (LedgerEntry.contract == contract.id)).tuples().get())
    from_funds = min(int(funds or 0), amount)
    charged = amount - from_funds
    key = f"m:{milestone.id}:fund"
    common = dict(contract_id=contract.id, milestone_id=milestone.id, actor_id=actor.id, at=at)
    if from_funds:
        transfer(kind="fund_from_project_funds", source=A.PROJECT_FUNDS, target=A.ESCROW,
                 amount_cents=from_funds, once_key=key, **common)
        key = None
    transfer(kind="fund", source=A.CLIENT_PAYMENT, target=A.ESCROW, amount_cents=charged,
             once_key=key, **common)
    fee = 0
    if contract.initiation_fee_cents and not fee_paid:
        fee = contract.initiation_fee_cents
        transfer(kind="initiation_fee", source=A.CLIENT_PAYMENT, target=A.PLATFORM_FEES,
                 amount_cents=fee, once_key=f"c:{contract.id}:initiation_fee",
                 contract_id=contract.id, milestone_id=None, actor_id=actor.id, at=at)
    return {"amount_cents": amount, "from_project_funds_cents": from_funds,
            "charged_cents": charged + fee, "initiation_fee_cents": fee}


def settle_escrow(contract: Contract, milestone: Milestone, actor: Account, at: arrow.Arrow,
                  *, to_freelancer: int = 0, to_client: int = 0, to_project_funds: int = 0,
                  kind: str, held: int | None = None) -> None:
    """Empty the milestone's escrow, once (the `m:ID:escrow` key is the backstop).
    `held`: the escrow balance if the caller has just read it (saves a query)."""
    held = milestone_escrow(milestone.id) if held is None else held
    common = dict(contract_id=contract.id, milestone_id=milestone.id, actor_id=actor.id, at=at)
    for leg in settlement_legs(milestone.id, held, to_freelancer=to_freelancer,
                               to_client=to_client, to_project_funds=to_project_funds,
                               kind=kind):
        transfer(**leg._asdict(), **common)


class TransferSpec(NamedTuple):
    """One ledger transfer an action makes, before it is written (rules.ledger.transfer
    writes one; rules.bulk writes many)."""
    kind: str
    source: str
    target: str
    amount_cents: int
    once_key: str | None = None


def settlement_legs(milestone_id: int, held: int, *, to_freelancer: int = 0,
                    to_client: int = 0, to_project_funds: int = 0,
                    kind: str) -> list[TransferSpec]:
    """The transfers that empty a milestone's escrow of `held`, in the order written; the
    first carries the `m:ID:escrow` once-key."""
    if to_freelancer + to_client + to_project_funds != held or held <= 0:
        raise AssertionError(f"settlement of {held} does not add up")  # a programming error
    key: str | None = f"m:{milestone_id}:escrow"
    legs = []
    for target, amount, leg in ((A.FREELANCER, to_freelancer, "freelancer"),
                                (A.CLIENT_REFUNDS, to_client, "client"),
                                (A.PROJECT_FUNDS, to_project_funds, "project_funds")):
        if amount:
            legs.append(TransferSpec(settle_kind(kind, leg), A.ESCROW, target, amount, key))
            key = None
    return legs


def settle_kind(settlement: str, leg: str) -> str:
    """Transfer kind of one leg of an escrow settlement: "release" (to the freelancer),
    "refund" (to the client), else e.g. "cancel_to_client", "release_to_project_funds"."""
    if (settlement, leg) in (("release", "freelancer"), ("refund", "client")):
        return settlement
    return f"{settlement}_to_{leg}"


ESCROW_SETTLEMENT_KINDS = tuple(settle_kind(s, leg) for s in ("release", "refund", "cancel",
                                                               "dispute_split")
                                for leg in ("freelancer", "client"))


def close_submissions(milestone_id: int, status: str) -> None:
    Submission.update(status=status, version=Submission.version + 1).where(
        (Submission.milestone == milestone_id) & (Submission.status == SubmissionStatus.PENDING)
    ).execute()


def cancel_pending_change_requests(contract_id: int, at: arrow.Arrow, *,
                                   milestone_id: int | None = None) -> int:
    """U-23: a submission or a release cancels the pending change request."""
    q = ChangeRequest.update(status=ChangeRequestStatus.CANCELLED, answered_at=at,
                             version=ChangeRequest.version + 1).where(
        (ChangeRequest.contract == contract_id)
        & (ChangeRequest.status == ChangeRequestStatus.PENDING))
    if milestone_id is not None:
        q = q.where(ChangeRequest.milestone == milestone_id)
    n = q.execute()
    if n:
        close_windows(at=at, contract_id=contract_id, kind="change_request",
                      milestone_id=milestone_id)
    return n


def close_contract_money(contract: Contract, actor: Account, at: arrow.Arrow,
                         status: str = ContractStatus.ENDED) -> dict:
    """End the contract (its checked update first), return leftover project funds to the
    client (U-04, G-03), and the initiation fee if nothing was ever released (U-05)."""
    cas_update(contract, "This contract", status=status, ended_at=at)
    returned = project_funds(contract.id)
    common = dict(contract_id=contract.id, milestone_id=None, actor_id=actor.id, at=at)
    transfer(kind="project_funds_refund", source=A.PROJECT_FUNDS, target=A.CLIENT_REFUNDS,
             amount_cents=returned, **common)
    fee_back = 0
    fees = balance(A.PLATFORM_FEES, contract_id=contract.id)
    if fees > 0 and not ever_released(contract.id):
        fee_back = fees
        transfer(kind="initiation_fee_refund", source=A.PLATFORM_FEES,
                 target=A.CLIENT_REFUNDS, amount_cents=fees,
                 once_key=f"c:{contract.id}:initiation_fee_refund", **common)
    cancelled = (Milestone.update(status=MilestoneStatus.CANCELLED, finished_at=at,
                                  version=Milestone.version + 1)
                 .where((Milestone.contract == contract.id)
                        & (Milestone.status == MilestoneStatus.PLANNED)).execute())
    cancel_pending_change_requests(contract.id, at)
    close_windows(at=at, contract_id=contract.id)
    return {"project_funds_returned_cents": returned, "initiation_fee_returned_cents": fee_back,
            "milestones_closed": cancelled}


def ever_released(contract_id: int) -> bool:
    """Was any money ever paid to the freelancer (even if later refunded)? (U-05)"""
    return LedgerEntry.select().where((LedgerEntry.contract == contract_id)
                                      & (LedgerEntry.account == A.FREELANCER)
                                      & (LedgerEntry.amount_cents > 0)).exists()


def unsettled(contract_id: int) -> tuple[list[Milestone], list[Milestone]]:
    """(the planned milestones, the active ones), each in list order, in one query: what
    is left to fund (U-09) and what is in escrow (X-36), for an action that needs both."""
    rows = list(Milestone.select().where(
        (Milestone.contract == contract_id)
        & Milestone.status.in_([MilestoneStatus.PLANNED, *ACTIVE_STATUSES]))
        .order_by(Milestone.position))
    return ([m for m in rows if m.status == MilestoneStatus.PLANNED],
            [m for m in rows if m.status in ACTIVE_STATUSES])


def active_milestones(contract_id: int) -> list[Milestone]:
    """The milestones in escrow (funded to settled), in list order: one at most on a
    contract funded one at a time (U-03), up to its limit otherwise (X-36)."""
    return list(Milestone.select().where((Milestone.contract == contract_id)
                                         & (Milestone.status.in_(list(ACTIVE_STATUSES))))
                .order_by(Milestone.position))
