"""What every action leaves behind: a timeline event with notifications for the other
party (U-31) and an audit record chained by hash to its contract's records (G-05)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from contextlib import nullcontext
from typing import Any, Iterable

import arrow
from peewee import EXCLUDED

from models.accounts import Account
from models.audit import GENERAL_CHAIN, AuditHead, AuditRecord
from models.base import database
from models.db import is_postgres, take_write_lock
from models.events import Event, Notification
from rules.bulk import insert_rows, reserve_ids


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
        recipients = notified(actor, notify)
        if recipients:
            Notification.insert_many([
                dict(event=ev.id, recipient=r, read=False, created_at=at) for r in recipients
            ]).execute()
    audit(actor=actor, action=action, contract_id=contract_id, target=target,
          before=before or {}, after=after or {}, reason=reason, at=at)
    return ev


def notified(actor: Account, notify: Iterable[int]) -> list[int]:
    """Who gets a notification of an action: the named parties but the actor, in order."""
    return sorted(set(notify) - {actor.id})


_EVENT_COLUMNS = ("id", "contract", "milestone", "actor", "kind", "summary", "details",
                  "occurred_at")
_NOTIFICATION_COLUMNS = ("event", "recipient", "read", "created_at")
_AUDIT_COLUMNS = ("actor", "actor_role", "action", "contract", "target", "before", "after",
                  "reason", "occurred_at", "chain", "seq", "prev_hash", "hash")


def record_many(entries: list[dict]) -> None:
    """`record(**entry)` for each entry in turn, in a few statements: the same rows (and,
    under the write lock, the same ids and audit hashes) as calling record() for each.
    For the sweep's batched path; inside the caller's transaction, which holds the lock."""
    with_event = [e for e in entries
                  if e.get("event", True) and e.get("contract_id") is not None]
    events, notes = [], []
    for e, eid in zip(with_event, reserve_ids(Event, len(with_event))):
        events.append((eid, e["contract_id"], e.get("milestone_id"), e["actor"].id,
                       e["action"], e["summary"], _json(e.get("details") or {}), e["at"]))
        notes += [(eid, r, False, e["at"]) for r in notified(e["actor"], e.get("notify", ()))]
    insert_rows(Event, _EVENT_COLUMNS, events)
    insert_rows(Notification, _NOTIFICATION_COLUMNS, notes)
    heads = _heads({chain_of(e.get("contract_id")) for e in entries})
    audits = []
    for e in entries:
        row = audit_values(heads, actor=e["actor"], action=e["action"],
                           contract_id=e.get("contract_id"), target=e.get("target", ""),
                           before=e.get("before") or {}, after=e.get("after") or {},
                           reason=e.get("reason", ""), at=e["at"])
        audits.append(tuple(row[c] for c in _AUDIT_COLUMNS))
    insert_rows(AuditRecord, _AUDIT_COLUMNS, audits)
    _move_heads(heads)


def chain_hash(prev_hash: str, *, actor_id: int, actor_role: str, action: str,
               contract_id: int | None, target: str, before: str, after: str, reason: str,
               occurred_at: dt.datetime, seq: int | None = None) -> str:
    """The hash of one audit record (G-05): its predecessor's hash and its own stored
    fields (`before`/`after` as the stored JSON text, the time as naive UTC), and its
    place in its chain. `seq=None` is the formula of the old global chain (schema < 13),
    which had no places: rules.audit_verify checks those records with it."""
    fields = dict(actor=actor_id, actor_role=actor_role, action=action, contract=contract_id,
                  target=target, before=before, after=after, reason=reason,
                  occurred_at=occurred_at.isoformat())
    if seq is not None:
        fields["seq"] = seq
    return hashlib.sha256((prev_hash + _json(fields)).encode()).hexdigest()


def chain_of(contract_id: int | None) -> int:
    """The chain a record goes into: its contract's, or the general one."""
    return GENERAL_CHAIN if contract_id is None else contract_id


def audit(*, actor: Account, action: str, contract_id: int | None, target: str,
          before: dict, after: dict, reason: str, at: arrow.Arrow) -> AuditRecord:
    """Append one record to its chain. Reading the chain's head and appending are one step
    for every writer: the write lock (SQLite's BEGIN IMMEDIATE; PostgreSQL's advisory
    lock, and the head row's lock) keeps a chain from forking when two actions commit at
    once; the unique (chain, seq) index would refuse a fork in any case."""
    with nullcontext() if database.in_transaction() else database.atomic():
        take_write_lock()
        heads = _heads({chain_of(contract_id)})
        values = audit_values(heads, actor=actor, action=action, contract_id=contract_id,
                              target=target, before=before, after=after, reason=reason,
                              at=at)
        record = AuditRecord.create(**values)
        _move_heads(heads)
        return record


Heads = dict[int, tuple[int, str]]  # chain: (seq, hash) of its newest record


def _heads(chains: set[int]) -> Heads:
    """The newest place and hash of each chain (a new chain: 0 and ""), its head row
    locked on PostgreSQL until the transaction ends."""
    query = (AuditHead.select(AuditHead.chain, AuditHead.seq, AuditHead.hash)
             .where(AuditHead.chain.in_(sorted(chains))).order_by(AuditHead.chain))
    if is_postgres():
        query = query.for_update()
    heads = {chain: (0, "") for chain in chains}
    heads.update({chain: (seq, digest) for chain, seq, digest in query.tuples()})
    return heads


def _move_heads(heads: Heads) -> None:
    (AuditHead.insert_many([(c, seq, digest) for c, (seq, digest) in sorted(heads.items())],
                           fields=[AuditHead.chain, AuditHead.seq, AuditHead.hash])
     .on_conflict(conflict_target=[AuditHead.chain],
                  update={AuditHead.seq: EXCLUDED.seq, AuditHead.hash: EXCLUDED.hash})
     .execute())


def audit_values(heads: Heads, *, actor: Account, action: str, contract_id: int | None,
                 target: str, before: dict, after: dict, reason: str,
                 at: arrow.Arrow) -> dict:
    """The stored fields of one audit record appended to its chain (field name: value),
    for audit() and record_many() alike; `heads` moves on to it."""
    chain = chain_of(contract_id)
    last_seq, prev_hash = heads[chain]
    seq = last_seq + 1
    before_text, after_text = _json(before), _json(after)
    digest = chain_hash(prev_hash, actor_id=actor.id, actor_role=actor.role, action=action,
                        contract_id=contract_id, target=target, before=before_text,
                        after=after_text, reason=reason, occurred_at=at.to("UTC").naive,
                        seq=seq)
    heads[chain] = (seq, digest)
    return dict(actor=actor.id, actor_role=actor.role, action=action, contract=contract_id,
                target=target, before=before_text, after=after_text, reason=reason,
                occurred_at=at, chain=chain, seq=seq, prev_hash=prev_hash, hash=digest)


def milestone_snapshot(m) -> dict:
    return dict(title=m.title, description=m.description,
                due_date=m.due_date.isoformat() if m.due_date else None,
                amount_cents=m.amount_cents, status=m.status, position=m.position,
                revisions_allowed=m.revisions_allowed, revisions_used=m.revisions_used,
                **({"criteria": list(m.criteria)} if getattr(m, "criteria", ()) else {}))
