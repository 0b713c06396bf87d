"""Who is acting (I-01..I-04): resolved once, at the edge, from an authenticated
channel, then passed down as the `actor` every action takes.

- a local shell: the account bound to the OS user running the program;
- SSH: the account owning the key the client proved it holds (tui/remote/ssh.py);
- the web: the account whose password was given (tui/remote/web.py);
- demo data only: any user by login (`--as`), to try the product out.

SSH and web logins open a session; the TUI process started for it holds the session's
token and acts as its account while the session is open and the account enabled.
Every refusal of a login reads the same, whatever was wrong (I-02), and failures are
limited per login name and per address (I-04)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from models.accounts import Account, AccountKey, LoginAttempt, LoginSession, system_account
from models.base import database
from models.vocabulary import Role
from rules.clock import SYSTEM_CLOCK, Clock
from rules.errors import NOT_FOUND, RuleError
from rules.journal import audit

AUTH_RULE = "I-01"
LOGIN_RULE = "I-02"
DISABLED_RULE = "I-03"
RATE_RULE = "I-04"

FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_LOGIN = 5
MAX_FAILURES_PER_ADDRESS = 20

REFUSED = ("Login refused: no account of that name accepts this key or password, or "
           "the account cannot log in.")
TOO_MANY = "Too many failed logins: try again in {minutes} minutes."
SESSION_OVER = "This session has ended (logged out, or the account was disabled)."


def demo_actor(login: str | None) -> Account:
    """On demo data: the named user, else the demo's first client, else the first
    client. A wrong login names no other user (I-02)."""
    from rules.queries import find_account, first_account
    if login:
        return find_account(login)
    try:
        return find_account("ada")
    except RuleError:
        pass
    found = first_account(Role.CLIENT) or first_account()
    if found is None:
        raise RuleError(NOT_FOUND, "This database has no users yet.")
    return found


def os_user_actor(os_user: str) -> Account:
    """A local shell's account: the one bound to the OS user running the program."""
    account = Account.get_or_none(Account.os_user == os_user)
    if account is None:
        raise RuleError(AUTH_RULE, f"No account is bound to the OS user {os_user} on this "
                                   "database. An operator binds one with `milestones "
                                   f"accounts add LOGIN --role ROLE --name NAME --os-user "
                                   f"{os_user}` (or `accounts bind LOGIN {os_user}`).")
    if account.disabled:
        raise RuleError(DISABLED_RULE, "Your account is disabled: ask an operator.")
    return account


# --- logins -------------------------------------------------------------------------

def check_rate(login: str, address: str, clock: Clock = SYSTEM_CLOCK) -> None:
    """I-04: refuse while the name or the address has too many recent failures."""
    now = clock.now()
    since = now.shift(seconds=-FAILURE_WINDOW.total_seconds())
    recent = LoginAttempt.select(LoginAttempt.at).where(LoginAttempt.at > since)
    over = [q for q, limit in ((recent.where(LoginAttempt.login == login[:64]),
                                MAX_FAILURES_PER_LOGIN),
                               (recent.where(LoginAttempt.address == address[:64]),
                                MAX_FAILURES_PER_ADDRESS))
            if q.count() >= limit]
    if over:
        oldest = min(q.order_by(LoginAttempt.at).first().at for q in over)
        wait = (oldest + FAILURE_WINDOW) - now.naive
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        raise RuleError(RATE_RULE, TOO_MANY.format(minutes=minutes))


def refuse_login(login: str, address: str, clock: Clock = SYSTEM_CLOCK, *,
                 channel: str, fingerprint: str = "") -> RuleError:
    """Count a failed login and audit it (I-04, I-09); returns the one refusal every
    failure gets (I-02). Committed at once: the caller raises what it returns."""
    with database.atomic():
        LoginAttempt.create(at=clock.now(), login=login[:64], address=address[:64])
        audit(actor=system_account(), action="login-refused", contract_id=None,
              target=f"login:{login[:48]}", before={},
              after={"channel": channel, "address": address, "fingerprint": fingerprint},
              reason="", at=clock.now())
    return RuleError(LOGIN_RULE, REFUSED)


def _may_log_in(account: Account | None) -> bool:
    return account is not None and account.role != Role.SYSTEM and not account.disabled


def key_login(login: str, fingerprint: str, address: str,
              clock: Clock = SYSTEM_CLOCK) -> Account:
    """The account `login` if it owns the key `fingerprint` and may log in; else the
    one refusal (the caller counts it with `refuse_login` once the client gives up:
    a client offers its keys one by one)."""
    check_rate(login, address, clock)
    row = (AccountKey.select(AccountKey, Account).join(Account)
           .where(AccountKey.fingerprint == fingerprint).first())
    if row is None or row.account.login != login or not _may_log_in(row.account):
        raise RuleError(LOGIN_RULE, REFUSED)
    return row.account


def password_login(login: str, password: str, address: str,
                   clock: Clock = SYSTEM_CLOCK) -> Account:
    """The account `login` if `password` is its password and it may log in."""
    from rules.passwords import password_matches
    check_rate(login, address, clock)
    account = Account.get_or_none(Account.login == login[:64])
    stored = account.password_hash if _may_log_in(account) else ""
    if not password_matches(stored, password if isinstance(password, str) else ""):
        raise refuse_login(login, address, clock, channel="web")
    return account


# --- sessions -------------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(account: Account, channel: str, address: str = "", fingerprint: str = "",
                 clock: Clock = SYSTEM_CLOCK) -> str:
    """A new session for `account`, audited as its login (I-09). Returns the token
    (kept only as its hash)."""
    token = secrets.token_urlsafe(32)
    with database.atomic():
        LoginSession.create(token_hash=_digest(token), account=account, channel=channel,
                            address=address[:64], key_fingerprint=fingerprint,
                            started_at=clock.now())
        audit(actor=account, action="login", contract_id=None, target=f"session:{channel}",
              before={}, after={"address": address, "fingerprint": fingerprint},
              reason="", at=clock.now())
    return token


def _live_session(token: str) -> LoginSession | None:
    if not isinstance(token, str) or not token:
        return None
    row = (LoginSession.select(LoginSession, Account).join(Account)
           .where(LoginSession.token_hash == _digest(token)).first())
    if row is None or row.ended_at is not None or not _may_log_in(row.account):
        return None
    return row


def session_actor(token: str) -> Account:
    """The account a session's TUI acts as; refused once the session is over (I-03)."""
    row = _live_session(token)
    if row is None:
        raise RuleError(DISABLED_RULE, SESSION_OVER)
    return row.account


def session_open(token: str) -> bool:
    return _live_session(token) is not None


def end_session(token: str, clock: Clock = SYSTEM_CLOCK) -> None:
    """Logout, or the end of an SSH connection: audited once; a second end does nothing."""
    with database.atomic():
        row = _live_session(token)
        if row is None:
            return
        ended = (LoginSession.update(ended_at=clock.now())
                 .where((LoginSession.id == row.id) & LoginSession.ended_at.is_null())
                 .execute())
        if ended:
            audit(actor=row.account, action="logout", contract_id=None,
                  target=f"session:{row.channel}", before={},
                  after={"address": row.address}, reason="", at=clock.now())


def account_active(account_id: int) -> bool:
    """Whether a local TUI's account may still act (I-03: a disabled account's open
    sessions end)."""
    return (Account.select().where((Account.id == account_id) & ~Account.disabled)
            .exists())
