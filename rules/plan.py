"""Pure planning decisions (U-07..U-12, U-14, U-16): apply a batch of edits to a plan.

No database here. `apply_ops` takes the saved milestones as plain rows and returns the
new plan and the list of changes, or raises RuleError. The milestone manager uses it to
show pending changes (U-11); rules/planning.py uses it to save them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Union

from rules.errors import INPUT, NOT_FOUND, RuleError
from rules.money import format_money
from rules.policy import Policy
from rules.validation import (check_criteria, check_due_date, check_milestone_amount,
                              check_milestone_count, check_revisions, check_text, check_title)

EDITABLE_FIELDS = ("title", "description", "due_date", "amount_cents", "revisions_allowed",
                   "criteria")


@dataclass(frozen=True)
class AddMilestone:
    title: str
    amount_cents: int
    description: str = ""
    due_date: dt.date | None = None
    revisions: int | None = None
    ref: str | None = None  # a name for the new row, so ReorderMilestones can place it
    criteria: tuple[str, ...] = ()  # acceptance criteria, one per line


@dataclass(frozen=True)
class EditMilestone:
    milestone_id: int
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeleteMilestone:
    milestone_id: int


@dataclass(frozen=True)
class ReorderMilestones:
    order: tuple[int | str, ...]  # the future milestones (ids, or refs of new ones), in order


PlanOp = Union[AddMilestone, EditMilestone, DeleteMilestone, ReorderMilestones]


@dataclass(frozen=True)
class PlanRow:
    """One milestone as the planner sees it. `id` is None for a row not yet saved."""
    id: int | None
    position: int
    title: str
    amount_cents: int
    status: str = "planned"
    description: str = ""
    due_date: dt.date | None = None
    revisions_allowed: int | None = None
    ref: str | None = None
    criteria: tuple[str, ...] = ()

    @property
    def key(self) -> int | str:
        return self.id if self.id is not None else (self.ref or "")

    @property
    def is_future(self) -> bool:
        return self.status == "planned"


@dataclass(frozen=True)
class PlanChange:
    kind: str  # added | edited | deleted | moved
    key: int | str
    title: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name: (before, after)

    def describe(self) -> str:
        if self.kind == "edited":
            parts = ", ".join(describe_field(k, b, a) for k, (b, a) in self.fields.items())
            return f"edited “{self.title}” ({parts})"
        if self.kind == "moved":
            b, a = self.fields["position"]
            return f"moved “{self.title}” from {b} to {a}"
        return f"{self.kind} “{self.title}”"


@dataclass(frozen=True)
class PlanContext:
    policy: Policy
    starts_on: dt.date
    end_date: dt.date | None
    proposal_pending: bool = False  # U-16
    by_freelancer: bool = False     # U-14: a proposal, not a direct edit


FIELD_LABELS = {"title": "title", "description": "description", "due_date": "due date",
                "amount_cents": "amount", "revisions_allowed": "revisions",
                "criteria": "acceptance criteria"}


def show_value(name: str, value: Any) -> str:
    """A field's value as a person reads it: amounts as money, dates as YYYY-MM-DD."""
    if value is None or value == "" or value == ():
        return "—"
    if name == "amount_cents" and isinstance(value, int):
        return format_money(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if name == "criteria":
        return "; ".join(value)
    return str(value)


def describe_field(name: str, before: Any, after: Any) -> str:
    """`amount: $500.00 → $420.00`."""
    return (f"{FIELD_LABELS.get(name, name)}: {show_value(name, before)} → "
            f"{show_value(name, after)}")


def _refuse_editing(ctx: PlanContext, verb: str) -> None:
    if ctx.policy.platform == "fiverr":
        raise RuleError("U-07", "A Fiverr order keeps the milestones of its Gig or custom "
                                f"offer: milestones cannot be {verb} after the order is placed.")
    raise RuleError("U-10", "This compliance contract planned all its milestones at the "
                            f"start: milestones cannot be {verb} (a new contract offer is "
                            "needed). Reordering future milestones is still allowed.")


def check_milestone_fields(changes: dict[str, Any], ctx: PlanContext) -> dict[str, Any]:
    """Validate edited fields; returns them cleaned."""
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "title":
            clean[name] = check_title(value)
        elif name == "description":
            clean[name] = check_text(value, "The description")
        elif name == "due_date":
            clean[name] = check_due_date(value, starts_on=ctx.starts_on, end_date=ctx.end_date,
                                         policy=ctx.policy)
        elif name == "amount_cents":
            clean[name] = check_milestone_amount(value, ctx.policy)
        elif name == "revisions_allowed":
            clean[name] = check_revisions(value, ctx.policy)
        elif name == "criteria":
            clean[name] = check_criteria(value)
        else:
            raise RuleError(INPUT, f"“{name}” is not a milestone field that can be changed.")
    return clean


def apply_ops(saved: list[PlanRow], ops: list[PlanOp], ctx: PlanContext
              ) -> tuple[list[PlanRow], list[PlanChange]]:
    """Apply `ops` in order to the saved plan. Returns the new rows (positions 1..n) and
    what changed relative to `saved`. Raises RuleError naming the first rule broken."""
    if not ops:
        raise RuleError(INPUT, "There are no changes to save.")
    if ctx.proposal_pending and not ctx.by_freelancer:
        raise RuleError("U-16", "The freelancer has proposed milestone changes: accept or "
                                "decline their request before changing future milestones.")
    rows = sorted(saved, key=lambda r: r.position)
    new_refs = 0
    for op in ops:
        if isinstance(op, AddMilestone):
            if not ctx.policy.plan_editable:
                _refuse_editing(ctx, "added")
            new_refs += 1
            ref = op.ref or f"new-{new_refs}"
            if any(r.ref == ref for r in rows):
                raise RuleError(INPUT, f"Two new milestones are both called “{ref}”.")
            fields = check_milestone_fields(
                {"title": op.title, "description": op.description, "due_date": op.due_date,
                 "amount_cents": op.amount_cents, "criteria": op.criteria}, ctx)
            rows.append(PlanRow(id=None, ref=ref, position=len(rows) + 1,
                                revisions_allowed=check_revisions(op.revisions, ctx.policy),
                                **fields))
        elif isinstance(op, EditMilestone):
            if not ctx.policy.plan_editable:
                _refuse_editing(ctx, "edited")
            i = _find(rows, op.milestone_id)
            _require_future(rows[i], "edited", ctx)
            if not op.changes:
                raise RuleError(INPUT, "Nothing to change in this edit.")
            rows[i] = replace(rows[i], **check_milestone_fields(op.changes, ctx))
        elif isinstance(op, DeleteMilestone):
            if not ctx.policy.plan_editable:
                _refuse_editing(ctx, "deleted")
            i = _find(rows, op.milestone_id)
            _require_future(rows[i], "deleted", ctx)
            del rows[i]
        elif isinstance(op, ReorderMilestones):
            if ctx.by_freelancer:
                raise RuleError("U-14", "A proposal can add, edit or delete future "
                                        "milestones; the client reorders them.")
            if not ctx.policy.reorderable:
                raise RuleError("U-09", "Milestones on a Fiverr order keep the order of "
                                        "their Gig or offer.")
            rows = _reorder(rows, list(op.order))
        else:  # pragma: no cover - a programming error, not user input
            raise TypeError(f"unknown plan operation {op!r}")
    rows = [replace(r, position=i + 1) for i, r in enumerate(rows)]
    check_milestone_count(len(rows), ctx.policy)
    return rows, diff_plans(saved, rows)


def _find(rows: list[PlanRow], key: int | str) -> int:
    for i, r in enumerate(rows):
        if r.key == key:
            return i
    raise RuleError(NOT_FOUND, f"No milestone #{key} on this contract.")


def _require_future(row: PlanRow, verb: str, ctx: PlanContext) -> None:
    if row.is_future:
        return
    status = row.status.replace('_', ' ')
    if ctx.by_freelancer:
        raise RuleError("U-14", f"“{row.title}” is {status}: a proposal can only add, edit "
                                "or delete future milestones (not yet funded).")
    raise RuleError("U-08", f"“{row.title}” is {status}: only future milestones (not yet "
                            f"funded) can be {verb}. An active milestone changes through a "
                            "change request (U-20).")


def _reorder(rows: list[PlanRow], order: list[int | str]) -> list[PlanRow]:
    """U-09: future rows take the given order; active and finished rows keep their slots."""
    future = [r for r in rows if r.is_future]
    if sorted(map(str, order)) != sorted(str(r.key) for r in future) or len(set(map(str, order))) != len(order):
        locked = [r.title for r in rows if not r.is_future and r.key in order]
        if locked:
            raise RuleError("U-09", f"“{locked[0]}” is active or finished: its place in the "
                                    "list cannot change.")
        raise RuleError(INPUT, "The new order must list each future milestone exactly once.")
    by_key = {str(r.key): r for r in future}
    moved = iter(by_key[str(k)] for k in order)
    return [next(moved) if r.is_future else r for r in rows]


def diff_plans(saved: list[PlanRow], rows: list[PlanRow]) -> list[PlanChange]:
    """What changed from `saved` to `rows`: added, deleted, edited fields, moved.

    "Moved" lists only the milestones whose order relative to the other kept milestones
    changed, and as few of them as explains the new order (`_moved_ids`): a row that
    merely made room for an added, deleted or moved one did not move."""
    before = {r.id: r for r in saved}
    after_ids = {r.id for r in rows if r.id is not None}
    changes: list[PlanChange] = []
    for r in rows:
        if r.id is None:
            changes.append(PlanChange("added", r.key, r.title))
            continue
        old = before[r.id]
        fields = {f: (getattr(old, f), getattr(r, f)) for f in EDITABLE_FIELDS
                  if getattr(old, f) != getattr(r, f)}
        if fields:
            changes.append(PlanChange("edited", r.id, old.title, fields))
    for r in sorted(saved, key=lambda r: r.position):
        if r.id not in after_ids:
            changes.append(PlanChange("deleted", r.id, r.title))
    kept = [r for r in rows if r.id is not None]
    moved = _moved_ids([(before[r.id].position, r.position) for r in kept])
    for i in moved:
        r = kept[i]
        changes.append(PlanChange("moved", r.id, r.title, {
            "position": (before[r.id].position, r.position)}))
    return changes


def _moved_ids(positions: list[tuple[int, int]]) -> list[int]:
    """Indexes (into `positions`, the kept rows in their new order, as (old, new)
    position) of the rows to report as moved: those off a longest subsequence whose old
    positions increase. Among equally long ones, the subsequence kept is the one whose
    rows' position numbers changed least, so the row the user carried is the one named
    (carrying the last of three to the top moves it, not the other two). O(n²) on at
    most the policy's milestone limit (200) rows."""
    n = len(positions)
    if all(positions[i][0] < positions[i + 1][0] for i in range(n - 1)):
        return []  # the common case: nothing moved
    # Each kept row weighs `big` minus how far its number moved: length first, then the
    # smaller displacement. `big` exceeds any sum of displacements, so length dominates.
    shift = [abs(old - new) for old, new in positions]
    big = sum(shift) + 1
    best = [0] * n
    back = [-1] * n
    for i in range(n):
        best[i] = big - shift[i]
        for j in range(i):
            if positions[j][0] < positions[i][0] and best[j] + big - shift[i] > best[i]:
                best[i], back[i] = best[j] + big - shift[i], j
    on_chain: set[int] = set()
    i = max(range(n), key=lambda k: best[k])
    while i != -1:
        on_chain.add(i)
        i = back[i]
    return [i for i in range(n) if i not in on_chain]


# JSON form of a batch, for freelancer proposals stored in a change request.
def cleaned_ops(ops: list[PlanOp]) -> list[PlanOp]:
    """The ops with their text as it would be stored (T-01: NFC, stripped), for a caller
    that keeps the ops themselves (a proposal); refusals as in apply_ops."""
    out: list[PlanOp] = []
    for op in ops:
        if isinstance(op, AddMilestone):
            op = replace(op, title=check_title(op.title),
                         description=check_text(op.description, "The description"),
                         criteria=check_criteria(op.criteria))
        elif isinstance(op, EditMilestone):
            changes = dict(op.changes)
            if "title" in changes:
                changes["title"] = check_title(changes["title"])
            if "description" in changes:
                changes["description"] = check_text(changes["description"], "The description")
            if "criteria" in changes:
                changes["criteria"] = check_criteria(changes["criteria"])
            op = replace(op, changes=changes)
        out.append(op)
    return out


def ops_to_json(ops: list[PlanOp]) -> list[dict]:
    out = []
    for op in ops:
        if isinstance(op, AddMilestone):
            out.append({"op": "add", "title": op.title, "amount_cents": op.amount_cents,
                        "description": op.description, "ref": op.ref,
                        "due_date": op.due_date.isoformat() if op.due_date else None,
                        "revisions": op.revisions,
                        **({"criteria": list(op.criteria)} if op.criteria else {})})
        elif isinstance(op, EditMilestone):
            changes = {k: (v.isoformat() if isinstance(v, dt.date) else
                           list(v) if isinstance(v, tuple) else v)
                       for k, v in op.changes.items()}
            out.append({"op": "edit", "milestone_id": op.milestone_id, "changes": changes})
        elif isinstance(op, DeleteMilestone):
            out.append({"op": "delete", "milestone_id": op.milestone_id})
        else:
            out.append({"op": "reorder", "order": list(op.order)})
    return out


def ops_from_json(data: list[dict]) -> list[PlanOp]:
    ops: list[PlanOp] = []
    for d in data:
        if d["op"] == "add":
            due = dt.date.fromisoformat(d["due_date"]) if d.get("due_date") else None
            ops.append(AddMilestone(title=d["title"], amount_cents=d["amount_cents"],
                                    description=d.get("description", ""), due_date=due,
                                    revisions=d.get("revisions"), ref=d.get("ref"),
                                    criteria=tuple(d.get("criteria") or ())))
        elif d["op"] == "edit":
            changes = dict(d["changes"])
            if changes.get("due_date"):
                changes["due_date"] = dt.date.fromisoformat(changes["due_date"])
            if "criteria" in changes:
                changes["criteria"] = tuple(changes["criteria"] or ())
            ops.append(EditMilestone(d["milestone_id"], changes))
        elif d["op"] == "delete":
            ops.append(DeleteMilestone(d["milestone_id"]))
        else:
            ops.append(ReorderMilestones(tuple(d["order"])))
    return ops
