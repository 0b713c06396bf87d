"""Append-only audit log (G-05), each record chained to the previous by hash."""
from __future__ import annotations

from peewee import CharField, ForeignKeyField, TextField

from models.accounts import Account
from models.base import BaseModel, UTCDateTimeField, utcnow
from models.contracts import Contract


class AuditRecord(BaseModel):
    actor = ForeignKeyField(Account)
    actor_role = CharField(max_length=16)
    action = CharField(max_length=48)
    contract = ForeignKeyField(Contract, null=True, on_delete="CASCADE")
    target = CharField(max_length=64, default="")
    before = TextField(default="{}")  # JSON
    after = TextField(default="{}")   # JSON
    reason = TextField(default="")
    occurred_at = UTCDateTimeField(default=utcnow)
    prev_hash = CharField(max_length=64, default="")
    hash = CharField(max_length=64)
