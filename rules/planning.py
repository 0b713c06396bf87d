"""Changing the plan of future milestones (U-07..U-12, U-16): one batch, one transaction,
one timeline event, one audit record. Single edits are batches of one."""
from __future__ import annotations

import datetime as dt

import arrow

from models.accounts import Account
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.milestones import Milestone
from models.vocabulary import ChangeRequestKind, ChangeRequestStatus
from models.vocabulary import MilestoneStatus as S
from rules.clock import Clock
from rules.errors import INPUT, RuleError, someone_acted_first
from rules.journal import record
from rules.plan_revisions import record_revision
from rules.plan import (AddMilestone, DeleteMilestone, EditMilestone, PlanChange, PlanContext,
                        PlanOp, PlanRow, ReorderMilestones, apply_ops)
from rules.store import (authorize, cas_update, check_expected_version, load_actor,
                         load_contract, load_milestone, now_of, other_parties, policy_of,
                         require_open, transactional)


def plan_rows(contract_id: int) -> list[PlanRow]:
    """The saved plan as plain rows, in list order."""
    return [PlanRow(id=m.id, position=m.position, title=m.title, amount_cents=m.amount_cents,
                    status=m.status, description=m.description, due_date=m.due_date,
                    revisions_allowed=m.revisions_allowed, criteria=m.criteria)
            for m in Milestone.select().where(Milestone.contract == contract_id)
            .order_by(Milestone.position)]


def proposal_pending(contract_id: int) -> bool:
    return ChangeRequest.select().where(
        (ChangeRequest.contract == contract_id)
        & (ChangeRequest.kind == ChangeRequestKind.FREELANCER_PROPOSAL)
        & (ChangeRequest.status == ChangeRequestStatus.PENDING)).exists()


def plan_context(contract: Contract, *, by_freelancer: bool = False,
                 fields_only: bool = False) -> PlanContext:
    """The context plan checks run in. Whether a proposal waits (U-16) matters only to a
    client's edit of the plan (rules.plan.apply_ops): it is read only then."""
    pending = not (by_freelancer or fields_only) and proposal_pending(contract.id)
    return PlanContext(policy=policy_of(contract), starts_on=contract.starts_on,
                       end_date=contract.end_date, by_freelancer=by_freelancer,
                       proposal_pending=pending)


def write_plan(contract: Contract, saved: list[PlanRow], rows: list[PlanRow],
               changes: list[PlanChange], at: arrow.Arrow) -> dict[str, int]:
    """Write a plan computed by `apply_ops`. Every touched future row is changed with a
    compare-and-set on (planned, version): a row funded meanwhile refuses the batch."""
    cas_update(contract, "This contract's plan")
    versions = {m.id: m.version for m in Milestone.select(Milestone.id, Milestone.version)
                .where(Milestone.contract == contract.id)}
    old = {r.id: r for r in saved}
    keep = {r.id for r in rows if r.id is not None}
    for r in saved:
        if r.id not in keep:
            n = Milestone.delete().where((Milestone.id == r.id) & (Milestone.status == S.PLANNED)
                                         & (Milestone.version == versions[r.id])).execute()
            if n != 1:
                raise someone_acted_first(f"“{r.title}”")
    new_ids: dict[str, int] = {}
    for r in rows:
        fields = dict(position=r.position, title=r.title, description=r.description,
                      due_date=r.due_date, amount_cents=r.amount_cents,
                      revisions_allowed=r.revisions_allowed, criteria=r.criteria)
        if r.id is None:
            new_ids[r.ref or ""] = Milestone.create(contract=contract.id, status=S.PLANNED,
                                                    created_at=at, **fields).id
            continue
        before = old[r.id]
        changed = {k: v for k, v in fields.items() if getattr(before, k) != v}
        if not changed:
            continue
        if r.is_future:
            n = (Milestone.update(**changed, version=Milestone.version + 1)
                 .where((Milestone.id == r.id) & (Milestone.status == S.PLANNED)
                        & (Milestone.version == versions[r.id])).execute())
            if n != 1:
                raise someone_acted_first(f"“{r.title}”")
        else:  # a locked row renumbered by a deletion before it: its order is unchanged
            Milestone.update(position=r.position).where(Milestone.id == r.id).execute()
    return new_ids


def describe_changes(changes: list[PlanChange]) -> str:
    return "; ".join(c.describe() for c in changes) or "no changes"


def changes_as_data(changes: list[PlanChange]) -> list[dict]:
    return [{"kind": c.kind, "milestone": c.key, "title": c.title,
             "fields": {k: [_plain(b), _plain(a)] for k, (b, a) in c.fields.items()}}
            for c in changes]


def _plain(v):
    return v.isoformat() if isinstance(v, dt.date) else v


@transactional
def save_plan(actor: Account, contract_id: int, ops: list[PlanOp], *,
              version: int | None = None, clock: Clock | None = None) -> dict[str, int]:
    """U-11: apply a batch of adds, edits, deletions and moves of future milestones all at
    once, or none. `version` is the contract version the editor started from.
    Returns the ids given to new milestones, by their ref."""
    actor = load_actor(actor)
    contract = load_contract(contract_id, actor)
    authorize("edit_plan", actor, contract)
    require_open(contract)
    check_expected_version(contract, version, "This contract's plan")
    saved = plan_rows(contract.id)
    rows, changes = apply_ops(saved, list(ops), plan_context(contract))
    if not changes:
        raise RuleError(INPUT, "Nothing changed: there is nothing to save.")
    at = now_of(clock)
    new_ids = write_plan(contract, saved, rows, changes, at)
    record_revision(contract.id, actor, "saved", at)
    record(actor=actor, action="save_plan", contract_id=contract.id,
           summary=f"Milestones changed: {describe_changes(changes)}", at=at,
           notify=other_parties(contract, actor), details={"changes": changes_as_data(changes)},
           target=f"contract:{contract.id}", after={"changes": changes_as_data(changes)})
    return new_ids


def add_milestone(actor: Account, contract_id: int, title: str, amount_cents: int,
                  description: str = "", due_date: dt.date | None = None,
                  revisions: int | None = None, *, clock: Clock | None = None) -> Milestone:
    """U-07: add a future milestone at the end of the list."""
    ids = save_plan(actor, contract_id, [AddMilestone(title, amount_cents, description,
                                                      due_date, revisions, ref="new")],
                    clock=clock)
    return Milestone.get_by_id(ids["new"])


@transactional
def edit_milestone(actor: Account, milestone_id: int, *, version: int | None = None,
                   clock: Clock | None = None, **changes) -> Milestone:
    """U-08: change the title, description, due date, amount (or Fiverr revisions) of a
    future milestone."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    authorize("edit_plan", actor, contract)
    check_expected_version(m, version, f"“{m.title}”")
    save_plan(actor, contract.id, [EditMilestone(m.id, changes)], clock=clock)
    return Milestone.get_by_id(m.id)


@transactional
def delete_milestone(actor: Account, milestone_id: int, *, version: int | None = None,
                     clock: Clock | None = None) -> None:
    """U-08: delete a future milestone."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    authorize("edit_plan", actor, contract)
    check_expected_version(m, version, f"“{m.title}”")
    save_plan(actor, contract.id, [DeleteMilestone(m.id)], clock=clock)


def reorder_milestones(actor: Account, contract_id: int, order: list[int], *,
                       clock: Clock | None = None) -> None:
    """U-09: put the future milestones in a new order; active and finished ones stay."""
    save_plan(actor, contract_id, [ReorderMilestones(tuple(order))], clock=clock)


def check_active_changes(m: Milestone, contract: Contract, changes: dict) -> dict:
    """Validate a change to an active milestone (U-20) with the same field rules."""
    from rules.plan import check_milestone_fields
    if not changes:
        raise RuleError("U-20", "The change request changes nothing.")
    allowed = {"title", "description", "due_date", "amount_cents"}
    bad = set(changes) - allowed
    if bad:
        raise RuleError("U-20", "A change request can change the title, description, due "
                                "date or amount of the active milestone.")
    return check_milestone_fields(changes, plan_context(contract, fields_only=True))
