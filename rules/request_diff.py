"""A change request's changes as the inbox shows them: per milestone, each field as
before → after (`MilestoneDiff`, `FieldDiff`), read from the request's JSON payload (a
client's change to the active milestone, U-20, or a freelancer's proposal, U-14). No
queries here: `rules.inbox` reads the rows and calls `request_changes`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models.vocabulary import ChangeRequestKind as K
from rules.plan import EDITABLE_FIELDS, FIELD_LABELS, describe_field, show_value


@dataclass(frozen=True)
class FieldDiff:
    """One field of one milestone: before → after (None: the field did not exist)."""
    name: str
    before: Any
    after: Any

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.name, self.name)

    @property
    def before_text(self) -> str:
        return show_value(self.name, self.before)

    @property
    def after_text(self) -> str:
        return show_value(self.name, self.after)

    def describe(self) -> str:
        return describe_field(self.name, self.before, self.after)


@dataclass(frozen=True)
class MilestoneDiff:
    """What a request does to one milestone: edited, added, deleted or moved."""
    kind: str
    milestone: int | str | None
    title: str
    fields: tuple[FieldDiff, ...] = ()

    def headline(self) -> str:
        return f"{self.kind} “{self.title}”"


def _date_or_value(name: str, value: Any) -> Any:
    if name == "due_date" and isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _field_order(name: str) -> int:
    return EDITABLE_FIELDS.index(name) if name in EDITABLE_FIELDS else len(EDITABLE_FIELDS)


def request_changes(row: dict, payload: dict) -> tuple[MilestoneDiff, ...]:
    """The changes of the request `row` (a change_request row as a dict, with its
    milestone's title) whose JSON payload is `payload`, per milestone and field."""
    if row["kind"] == K.CLIENT_ACTIVE:
        after, before = payload.get("changes", {}), payload.get("before", {})
        fields = tuple(FieldDiff(k, _date_or_value(k, before.get(k)), _date_or_value(k, v))
                       for k, v in sorted(after.items(), key=lambda kv: _field_order(kv[0])))
        return (MilestoneDiff("edited", row["milestone"],
                              row.get("milestone_title") or "the active milestone", fields),)
    added = {op.get("ref"): op for op in payload.get("ops", []) if op.get("op") == "add"}
    out = []
    for c in payload.get("changes", []):
        kind, key = c["kind"], c["milestone"]
        if kind == "added" and key in added:
            op = added[key]
            values = {"title": op.get("title"), "description": op.get("description"),
                      "due_date": op.get("due_date"), "amount_cents": op.get("amount_cents"),
                      "revisions_allowed": op.get("revisions")}
            fields = tuple(FieldDiff(k, None, _date_or_value(k, v))
                           for k, v in values.items() if v not in (None, ""))
        else:
            fields = tuple(FieldDiff(k, _date_or_value(k, b), _date_or_value(k, a))
                           for k, (b, a) in sorted(c.get("fields", {}).items(),
                                                   key=lambda kv: _field_order(kv[0])))
        out.append(MilestoneDiff(kind, key, c.get("title", ""), fields))
    return tuple(out)
