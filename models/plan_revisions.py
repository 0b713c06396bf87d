"""Plan revisions (X-20): every saved plan of a contract, numbered, with its author and
time. `rows` is the whole plan as it was (JSON): what was agreed, not how it got there."""
from __future__ import annotations

import datetime as dt
import json

from peewee import CharField, ForeignKeyField, IntegerField, TextField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField
from models.contracts import Contract
from models.milestones import Milestone


class PlanRevision(BaseModel):
    contract = ForeignKeyField(Contract, backref="plan_revisions", on_delete="CASCADE")
    number = IntegerField()  # 1, 2, 3 … per contract; the highest is in force
    author = ForeignKeyField(Account, null=True)  # None: kept before revisions were
    source = CharField(max_length=24)  # what made it: rules.plan_revisions.SOURCES
    created_at = UTCDateTimeField()
    rows = TextField()  # JSON: the milestones in order, their terms

    class Meta:
        indexes = ((("contract", "number"), True),)


# The terms a revision keeps of each milestone, in plan order. A status is not a term:
# funding or paying a milestone changes no plan.
TERMS = ("id", "position", "title", "amount_cents", "description", "due_date",
         "revisions_allowed", "criteria")


def rows_json(milestones) -> str:
    """A plan as stored in `PlanRevision.rows`: milestones (models, or anything with the
    TERMS as attributes), in plan order."""
    return json.dumps([{t: _plain(getattr(m, t, None)) for t in TERMS} for m in milestones],
                      ensure_ascii=False, separators=(",", ":"))


def _plain(value):
    if isinstance(value, tuple):
        return list(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def backfill() -> None:
    """Revision 1 of every contract that has none: its plan as it stands, no author.
    One pass over the milestones in (contract, position) order, rows inserted in
    batches: upgrading a million milestones does not hold them all at once."""
    have = PlanRevision.select(PlanRevision.contract)
    created = dict(Contract.select(Contract.id, Contract.created_at)
                   .where(Contract.id.not_in(have)).tuples())
    plans: dict[int, list] = {}
    batch: list[dict] = []

    def keep(contract_id: int, plan: list) -> None:
        batch.append(dict(contract=contract_id, number=1, author=None, source="kept",
                          created_at=created[contract_id], rows=rows_json(plan)))
        if len(batch) >= 500:
            PlanRevision.insert_many(batch).execute()
            batch.clear()

    current, plan = None, []
    # The columns of schema 6, named: a later column (criteria, X-32) is not there yet.
    columns = [Milestone.contract, *(Milestone._meta.fields[t] for t in TERMS[:-1])]
    for m in (Milestone.select(*columns).where(Milestone.contract.not_in(have))
              .order_by(Milestone.contract, Milestone.position).iterator()):
        if m.contract_id != current:
            if current is not None:
                keep(current, plan)
                plans[current] = []
            current, plan = m.contract_id, []
        plan.append(m)
    if current is not None:
        keep(current, plan)
        plans[current] = []
    for contract_id in created.keys() - plans.keys():
        keep(contract_id, [])  # every milestone deleted: an empty plan is a plan too
    if batch:
        PlanRevision.insert_many(batch).execute()
