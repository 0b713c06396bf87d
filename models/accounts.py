"""Users and their role."""
from __future__ import annotations

from peewee import CharField

from models.base import BaseModel, UTCDateTimeField, utcnow
from models.vocabulary import Role

SYSTEM_LOGIN = "system"


class Account(BaseModel):
    login = CharField(max_length=64, unique=True)
    display_name = CharField(max_length=200)
    role = CharField(max_length=16, index=True)
    timezone = CharField(max_length=64, default="UTC")
    created_at = UTCDateTimeField(default=utcnow)

    def __str__(self) -> str:
        return f"{self.display_name} ({self.login})"

    @property
    def is_system(self) -> bool:
        return self.role == Role.SYSTEM


def system_account() -> Account:
    """The account the deadline worker acts as; created with the schema."""
    return Account.get(Account.login == SYSTEM_LOGIN)
