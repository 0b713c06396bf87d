"""What every action leaves behind: a timeline event with notifications for the other
party (U-31) and an audit record chained by hash (G-05)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Iterable

import arrow

from models.accounts import Account
from models.audit import AuditRecord
from models.events import Event, Notification


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=_plain)


def _plain(value: Any):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, arrow.Arrow):
        return value.isoformat()
    return str(value)


def record(*, actor: Account, action: str, contract_id: int | None, summary: str,
           at: arrow.Arrow, notify: Iterable[int] = (), milestone_id: int | None = None,
           details: dict | None = None, target: str = "", before: dict | None = None,
           after: dict | None = None, reason: str = "", event: bool = True) -> Event | None:
    """Write the timeline event, its notifications and the audit record of one action."""
    ev = None
    if event and contract_id is not None:
        ev = Event.create(contract=contract_id, milestone=milestone_id, actor=actor.id,
                          kind=action, summary=summary, details=_json(details or {}),
                          occurred_at=at)
        recipients = sorted(set(notify) - {actor.id})
        if recipients:
            Notification.insert_many([
                dict(event=ev.id, recipient=r, read=False, created_at=at) for r in recipients
            ]).execute()
    audit(actor=actor, action=action, contract_id=contract_id, target=target,
          before=before or {}, after=after or {}, reason=reason, at=at)
    return ev


def audit(*, actor: Account, action: str, contract_id: int | None, target: str,
          before: dict, after: dict, reason: str, at: arrow.Arrow) -> AuditRecord:
    last = AuditRecord.select(AuditRecord.hash).order_by(AuditRecord.id.desc()).first()
    prev_hash = last.hash if last else ""
    fields = dict(actor=actor.id, actor_role=actor.role, action=action,
                  contract=contract_id, target=target, before=_json(before),
                  after=_json(after), reason=reason,
                  occurred_at=at.to("UTC").naive.isoformat())
    digest = hashlib.sha256((prev_hash + _json(fields)).encode()).hexdigest()
    return AuditRecord.create(actor=actor.id, actor_role=actor.role, action=action,
                              contract=contract_id, target=target, before=fields["before"],
                              after=fields["after"], reason=reason, occurred_at=at,
                              prev_hash=prev_hash, hash=digest)


def milestone_snapshot(m) -> dict:
    return dict(title=m.title, description=m.description,
                due_date=m.due_date.isoformat() if m.due_date else None,
                amount_cents=m.amount_cents, status=m.status, position=m.position,
                revisions_allowed=m.revisions_allowed, revisions_used=m.revisions_used)
