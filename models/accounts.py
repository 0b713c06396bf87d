"""Users, their role, and how they prove who they are: SSH keys, a password hash, the
OS user an account is bound to, login sessions and failed attempts (rules/identity.py
decides what any of them allows)."""
from __future__ import annotations

from peewee import SQL, BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from models.base import BaseModel, UTCDateTimeField, utcnow
from models.vocabulary import Role

SYSTEM_LOGIN = "system"


class Account(BaseModel):
    login = CharField(max_length=64, unique=True)
    display_name = CharField(max_length=200)
    role = CharField(max_length=16, index=True)
    timezone = CharField(max_length=64, default="UTC")
    created_at = UTCDateTimeField(default=utcnow)
    # Schema 5: identity. A local shell acts as the account bound to its OS user. The
    # database keeps the defaults too: rows written by other tools (bench/) stay valid.
    os_user = CharField(max_length=64, null=True, unique=True)
    disabled = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])
    password_hash = CharField(max_length=200, default="",  # argon2id; "" = no password
                              constraints=[SQL("DEFAULT ''")])
    version = IntegerField(default=1, constraints=[SQL("DEFAULT 1")])

    def __str__(self) -> str:
        return f"{self.display_name} ({self.login})"

    @property
    def is_system(self) -> bool:
        return self.role == Role.SYSTEM


class AccountKey(BaseModel):
    """An SSH public key that logs in as its account; one key, one account."""
    account = ForeignKeyField(Account, backref="keys", on_delete="CASCADE")
    fingerprint = CharField(max_length=100, unique=True)  # "SHA256:<base64>", as ssh-keygen -l
    algorithm = CharField(max_length=64)
    public_key = TextField()  # the OpenSSH line's type and base64 blob
    comment = CharField(max_length=200, default="")
    created_at = UTCDateTimeField(default=utcnow)


class LoginSession(BaseModel):
    """One login through SSH or the web: its TUI process holds the token (only its
    hash is stored) and acts as `account` while the session is open."""
    token_hash = CharField(max_length=64, unique=True)
    account = ForeignKeyField(Account, backref="sessions", on_delete="CASCADE")
    channel = CharField(max_length=16)          # ssh | web
    address = CharField(max_length=64, default="")
    key_fingerprint = CharField(max_length=100, default="")
    started_at = UTCDateTimeField(default=utcnow)
    ended_at = UTCDateTimeField(null=True)


class LoginAttempt(BaseModel):
    """A failed login, for the rate limit per login name and per address. The name as
    typed, not an account: a name that exists and one that does not are limited alike,
    so the limit tells nothing about which accounts exist."""
    at = UTCDateTimeField()
    login = CharField(max_length=64, default="")
    address = CharField(max_length=64, default="")

    class Meta:
        indexes = ((("address", "at"), False), (("login", "at"), False))


def system_account() -> Account:
    """The account the deadline worker acts as; created with the schema."""
    return Account.get(Account.login == SYSTEM_LOGIN)
