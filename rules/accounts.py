"""The operator's account commands (`milestones accounts ...`): add an account, bind it
to an OS user, disable and enable it, add and remove SSH keys, set a password.

They run on the host that holds the database's credentials, so they act as the system
account; each is one transaction with its audit record (I-09), whose reason names the
OS user who ran it. Refusals name the rule (I-05..I-07) and write nothing."""
from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from peewee import IntegrityError

from models.accounts import Account, AccountKey, LoginSession, system_account
from models.base import database
from models.vocabulary import Role
from rules.clock import SYSTEM_CLOCK, Clock
from rules.errors import NOT_FOUND, RuleError
from rules.journal import audit
from rules.ssh_keys import KEY_RULE, parse_public_key
from rules.validation import check_title

ACCOUNT_RULE = "I-07"
PASSWORD_RULE = "I-06"
ROLES = (Role.CLIENT, Role.FREELANCER, Role.AGENT)
LOGIN_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
OS_USER_PATTERN = re.compile(r"^[a-z_][a-z0-9._-]{0,31}\$?$", re.IGNORECASE)
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class Operator:
    """Who ran an operator command: the OS user on the database's host."""
    os_user: str

    @property
    def reason(self) -> str:
        return f"operator command run by OS user {self.os_user}"


def check_login(login: object) -> str:
    if not isinstance(login, str) or not LOGIN_PATTERN.match(login):
        raise RuleError(ACCOUNT_RULE, "A login is 2 to 32 characters: lowercase letters, "
                                      "digits, '.', '_' or '-', starting with a letter.")
    return login


def check_role(role: object, allowed=ROLES) -> str:
    if role not in allowed:
        names = ", ".join(str(r) for r in allowed)
        raise RuleError(ACCOUNT_RULE, f"The role must be one of {names}.")
    return str(role)


def check_timezone(name: object) -> str:
    if not isinstance(name, str) or not name or len(name) > 64:
        raise RuleError(ACCOUNT_RULE, "The time zone must be a name such as Europe/Berlin.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError(ACCOUNT_RULE, f"“{name}” is not a time zone: use a name such as "
                                      "Europe/Berlin or UTC.") from None
    return name


def check_os_user(name: object) -> str:
    if not isinstance(name, str) or not OS_USER_PATTERN.match(name):
        raise RuleError(ACCOUNT_RULE, "An OS user name is 1 to 32 letters, digits, '.', "
                                      "'_' or '-'.")
    return name


def account_named(login: object) -> Account:
    """An account by login, for the operator (who may see them all)."""
    found = Account.get_or_none(Account.login == login) if isinstance(login, str) else None
    if found is None or found.role == Role.SYSTEM:
        raise RuleError(NOT_FOUND, f"No account “{login}”.")
    return found


def _snapshot(a: Account) -> dict:
    return dict(login=a.login, display_name=a.display_name, role=a.role,
                timezone=a.timezone, os_user=a.os_user, disabled=a.disabled)


def _audit(action: str, operator: Operator, account: Account, clock: Clock, *,
           before: dict | None = None, after: dict | None = None) -> None:
    audit(actor=system_account(), action=action, contract_id=None,
          target=f"account:{account.login}", before=before or {}, after=after or {},
          reason=operator.reason, at=clock.now())


def add_account(operator: Operator, login: str, role: str, display_name: str, *,
                timezone: str = "UTC", os_user: str | None = None,
                clock: Clock = SYSTEM_CLOCK) -> Account:
    """A new client, freelancer or agent (I-07), bound to `os_user` if given."""
    values = dict(login=check_login(login), role=check_role(role),
                  display_name=check_title(display_name, "The name"),
                  timezone=check_timezone(timezone),
                  os_user=check_os_user(os_user) if os_user is not None else None)
    with database.atomic():
        if Account.select().where(Account.login == values["login"]).exists():
            raise RuleError(ACCOUNT_RULE, f"There is already an account “{login}”.")
        if os_user is not None and Account.select().where(Account.os_user == os_user).exists():
            raise RuleError(ACCOUNT_RULE, f"The OS user {os_user} is already bound to "
                                          "another account.")
        account = Account.create(**values)
        _audit("account-added", operator, account, clock, after=_snapshot(account))
    return account


def bind_os_user(operator: Operator, login: str, os_user: str | None, *,
                 clock: Clock = SYSTEM_CLOCK) -> Account:
    """Bind the account to an OS user (None: unbind)."""
    name = check_os_user(os_user) if os_user is not None else None
    with database.atomic():
        account = account_named(login)
        if name is not None and (Account.select().where((Account.os_user == name)
                                                        & (Account.id != account.id)).exists()):
            raise RuleError(ACCOUNT_RULE, f"The OS user {name} is already bound to another "
                                          "account.")
        before = _snapshot(account)
        _update(account, os_user=name)
        _audit("account-bound", operator, account, clock, before=before,
               after=_snapshot(account))
    return account


def _update(account: Account, **fields) -> None:
    """A compare-and-set on the account's version, as every mutable row."""
    from rules.errors import someone_acted_first
    changed = (Account.update(version=Account.version + 1, **fields)
               .where((Account.id == account.id) & (Account.version == account.version))
               .execute())
    if not changed:
        raise someone_acted_first("This account")
    for name, value in fields.items():
        setattr(account, name, value)
    account.version += 1


def set_disabled(operator: Operator, login: str, disabled: bool, *,
                 clock: Clock = SYSTEM_CLOCK) -> Account:
    """Disable (or enable) an account. Disabling ends its open sessions (I-03): their
    TUI processes see it at their next check and close."""
    with database.atomic():
        account = account_named(login)
        if account.disabled == disabled:
            return account
        _update(account, disabled=disabled)
        ended = 0
        if disabled:
            ended = (LoginSession.update(ended_at=clock.now())
                     .where((LoginSession.account == account.id)
                            & LoginSession.ended_at.is_null()).execute())
        _audit("account-disabled" if disabled else "account-enabled", operator, account,
               clock, before={"disabled": not disabled},
               after={"disabled": disabled, "sessions_ended": ended})
    return account


def add_key(operator: Operator, login: str, line: str, *,
            clock: Clock = SYSTEM_CLOCK) -> AccountKey:
    """An SSH public key for the account (I-05): one key belongs to one account."""
    key = parse_public_key(line)
    with database.atomic():
        account = account_named(login)
        if AccountKey.select().where(AccountKey.fingerprint == key.fingerprint).exists():
            raise RuleError(KEY_RULE, f"The key {key.fingerprint} is already registered "
                                      "(a key belongs to one account).")
        try:
            with database.atomic():
                row = AccountKey.create(account=account, fingerprint=key.fingerprint,
                                        algorithm=key.algorithm, public_key=key.openssh,
                                        comment=key.comment)
        except IntegrityError:  # the same key added at the same moment elsewhere
            raise RuleError(KEY_RULE, f"The key {key.fingerprint} is already "
                                      "registered.") from None
        _audit("key-added", operator, account, clock,
               after={"fingerprint": key.fingerprint, "algorithm": key.algorithm})
    return row


def list_keys(login: str) -> list[AccountKey]:
    account = account_named(login)
    return list(AccountKey.select().where(AccountKey.account == account.id)
                .order_by(AccountKey.created_at, AccountKey.id))


def remove_key(operator: Operator, login: str, fingerprint: str, *,
               clock: Clock = SYSTEM_CLOCK) -> None:
    with database.atomic():
        account = account_named(login)
        removed = (AccountKey.delete().where((AccountKey.account == account.id)
                                             & (AccountKey.fingerprint == fingerprint))
                   .execute())
        if not removed:
            raise RuleError(NOT_FOUND, f"{login} has no key {fingerprint} (see "
                                       f"`milestones accounts key list {login}`).")
        _audit("key-removed", operator, account, clock, before={"fingerprint": fingerprint})


def check_password(password: object) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise RuleError(PASSWORD_RULE, f"A password is at least {MIN_PASSWORD} characters.")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in password):
        raise RuleError(PASSWORD_RULE, "A password cannot hold control characters.")
    return password


def set_password(operator: Operator, login: str, password: str, *,
                 clock: Clock = SYSTEM_CLOCK) -> Account:
    """Store the argon2id hash of `password` (I-06); the password itself never is."""
    from rules.passwords import hash_password
    digest = hash_password(check_password(password))
    with database.atomic():
        account = account_named(login)
        had = bool(account.password_hash)
        _update(account, password_hash=digest)
        _audit("password-set", operator, account, clock, after={"replaced": had})
    return account
