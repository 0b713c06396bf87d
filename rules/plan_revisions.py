"""Plan revisions (X-20, X-21): each change to a contract's plan is a numbered revision
with its author and time, written in the transaction of the change; the highest number
is in force. Either party (and support) may read any revision as it was and the diff
between any two.

What makes a revision (SOURCES): the contract's creation, a saved batch (U-11), an
accepted freelancer proposal (U-15), an accepted change to the active milestone (U-22).
Funding, submitting or paying changes no term of the plan, so it makes none."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import arrow
from peewee import JOIN, fn

from models.accounts import Account
from models.milestones import Milestone
from models.plan_revisions import PlanRevision, rows_json
from rules.errors import NOT_FOUND, RuleError
from rules.plan import PlanChange, PlanRow, diff_plans
from rules.store import is_id, load_actor, load_contract

SOURCES = {
    "created": "contract created",
    "saved": "plan saved",
    "proposal": "proposal accepted",
    "amended": "change accepted",
    "kept": "the plan when revisions began",  # schema 6's revision 1 of older contracts
}


@dataclass(frozen=True)
class RevisionInfo:
    number: int
    author: str          # a display name; "" for a revision kept with no author
    source: str          # SOURCES' words
    created_at: arrow.Arrow
    milestones: int
    total_cents: int
    in_force: bool


@dataclass(frozen=True)
class Revision:
    info: RevisionInfo
    rows: list[PlanRow]


def record_revision(contract_id: int, author: Account | None, source: str,
                    at: arrow.Arrow) -> int:
    """X-20: the contract's plan as it now stands, as its next revision. Call it inside
    the transaction of the change, after the change: the revision and the plan it
    records commit together, or neither does. Writers of one contract are serialized
    by the compare-and-set on the contract each plan change makes, and the unique
    (contract, number) index refuses a second writer that got past it."""
    if source not in SOURCES:
        raise ValueError(f"unknown revision source {source!r}")
    last = (PlanRevision.select(fn.MAX(PlanRevision.number))
            .where(PlanRevision.contract == contract_id).scalar()) or 0
    plan = Milestone.select().where(Milestone.contract == contract_id).order_by(
        Milestone.position)
    PlanRevision.create(contract=contract_id, number=last + 1,
                        author=author.id if author is not None else None, source=source,
                        created_at=at, rows=rows_json(plan))
    return last + 1


def _rows(stored: str) -> list[PlanRow]:
    return [PlanRow(id=r["id"], position=r["position"], title=r["title"],
                    amount_cents=r["amount_cents"], description=r["description"] or "",
                    due_date=dt.date.fromisoformat(r["due_date"]) if r["due_date"] else None,
                    revisions_allowed=r["revisions_allowed"],
                    criteria=tuple(r.get("criteria") or ()))  # none before X-32
            for r in json.loads(stored)]


def _infos(contract_id: int) -> list[tuple[RevisionInfo, str]]:
    found = list(PlanRevision.select(PlanRevision, Account.display_name)
                 .join(Account, JOIN.LEFT_OUTER, on=(PlanRevision.author == Account.id))
                 .where(PlanRevision.contract == contract_id)
                 .order_by(PlanRevision.number.desc()).objects())
    out = []
    for i, r in enumerate(found):
        rows = _rows(r.rows)
        out.append((RevisionInfo(r.number, getattr(r, "display_name", None) or "",
                                 SOURCES.get(r.source, r.source), arrow.get(r.created_at),
                                 len(rows), sum(x.amount_cents for x in rows), i == 0),
                    r.rows))
    return out


def list_revisions(actor: Account, contract_id: int) -> list[RevisionInfo]:
    """X-21: the contract's revisions, newest (in force) first; refused as unknown to a
    stranger (G-07)."""
    load_contract(contract_id, load_actor(actor))
    return [info for info, _ in _infos(contract_id)]


def get_revision(actor: Account, contract_id: int, number: int) -> Revision:
    """X-21: one revision as it was."""
    load_contract(contract_id, load_actor(actor))
    if is_id(number):
        for info, stored in _infos(contract_id):
            if info.number == number:
                return Revision(info, _rows(stored))
    raise RuleError(NOT_FOUND, f"Contract #{contract_id} has no plan revision {number}.")


def all_revisions(actor: Account, contract_id: int) -> list[Revision]:
    """X-21: every revision with its plan, newest (in force) first: a contract has a
    handful, read in one query (the revisions screen diffs any two from memory)."""
    load_contract(contract_id, load_actor(actor))
    return [Revision(info, _rows(stored)) for info, stored in _infos(contract_id)]


def revision_diff(actor: Account, contract_id: int, older: int,
                  newer: int) -> list[PlanChange]:
    """X-21: what changed from revision `older` to `newer` (either order: the diff reads
    from the first to the second)."""
    return diff_rows(get_revision(actor, contract_id, older).rows,
                     get_revision(actor, contract_id, newer).rows)


def diff_rows(first: list[PlanRow], second: list[PlanRow]) -> list[PlanChange]:
    """From one revision's plan to another's. A milestone the second has and the first
    had not is added; one the first had and the second has not, deleted."""
    known = {r.id for r in first}
    # diff_plans knows new rows by their missing id: give them a ref instead.
    second = [r if r.id in known else PlanRow(None, r.position, r.title, r.amount_cents,
                                              description=r.description,
                                              due_date=r.due_date,
                                              revisions_allowed=r.revisions_allowed,
                                              criteria=r.criteria, ref=f"m{r.id}")
              for r in second]
    return diff_plans(first, second)
