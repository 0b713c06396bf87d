"""A user's notifications: newest first, the unread count, marking them read. Each
user sees only their own (G-07)."""
from __future__ import annotations

from dataclasses import dataclass

import arrow

from models.accounts import Account
from models.base import database
from models.contracts import Contract
from models.events import Event, Notification
from rules.store import load_actor, only_ids


@dataclass(frozen=True)
class NotificationView:
    id: int
    at: arrow.Arrow
    contract_id: int
    contract_title: str
    summary: str
    read: bool


def notifications(actor: Account, *, unread_only: bool = False, offset: int = 0,
                  limit: int = 50) -> list[NotificationView]:
    """The actor's notifications, newest first."""
    actor = load_actor(actor)
    q = (Notification.select(Notification.id, Notification.read, Event.occurred_at,
                             Event.summary, Contract.id.alias("contract_id"), Contract.title)
         .join(Event).join(Contract).where(Notification.recipient == actor.id))
    if unread_only:
        q = q.where(Notification.read == False)  # noqa: E712 - peewee expression
    rows = q.order_by(Notification.id.desc()).offset(offset).limit(limit).dicts()
    return [NotificationView(r["id"], arrow.get(r["occurred_at"]), r["contract_id"], r["title"],
                             r["summary"], r["read"]) for r in rows]


def unread_count(actor: Account) -> int:
    return (Notification.select().where((Notification.recipient == load_actor(actor).id)
                                        & (Notification.read == False))  # noqa: E712
            .count())


def mark_read(actor: Account, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (all of them when no ids are given)."""
    actor = load_actor(actor)
    with database.atomic():
        q = Notification.update(read=True).where((Notification.recipient == actor.id)
                                                 & (Notification.read == False))  # noqa: E712
        if notification_ids is not None:
            q = q.where(Notification.id.in_(only_ids(notification_ids)))
        return q.execute()
