"""Loading rows and changing them with compare-and-set, for the action modules."""
from __future__ import annotations

import functools
import logging
import random
import sqlite3
import time
from typing import Callable, TypeVar

import arrow
from peewee import IntegrityError, Model, OperationalError

from models.accounts import Account
from models.base import database
from models.contracts import Contract
from models.db import take_write_lock
from models.milestones import Milestone
from models.vocabulary import ContractStatus
from rules import access
from rules.clock import SYSTEM_CLOCK, Clock
from rules.errors import CONFLICT, NOT_FOUND, RuleError, someone_acted_first
from rules.policy import Policy, get_policy

F = TypeVar("F", bound=Callable)
T = TypeVar("T")

log = logging.getLogger("milestones.store")

# Retrying a whole transaction is safe: it wrote nothing (it was rolled back) and the
# action reads everything afresh. About 2 s of backoff in all, on top of the waits the
# database does itself (SQLite's busy timeout, PostgreSQL's lock_timeout).
RETRY_ATTEMPTS = 8
RETRY_FIRST_PAUSE = 0.01
RETRY_MAX_PAUSE = 0.5

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available (lock_timeout).
_RETRY_PGCODES = frozenset({"40001", "40P01", "55P03"})
_RETRY_SQLITE = ("database is locked", "database table is locked", "database is busy")

BUSY_MESSAGE = ("Too many changes were being made at that moment (others acted first); "
                "nothing was changed. Try again.")


def is_transient(exc: BaseException) -> bool:
    """A failure that says "another transaction was in the way", never "this is wrong":
    SQLite busy/locked, PostgreSQL serialization failure, deadlock or lock timeout."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if getattr(e, "pgcode", None) in _RETRY_PGCODES:
            return True
        if isinstance(e, (sqlite3.OperationalError, OperationalError)):
            text = str(e).lower()
            if any(m in text for m in _RETRY_SQLITE):
                return True
        # peewee wraps the driver's exception: it is the first argument and the context.
        todo += [a for a in e.args if isinstance(a, BaseException)]
        todo += [c for c in (e.__cause__, e.__context__) if c is not None]
    return False


def retry_pause(attempt: int) -> float:
    """Exponential backoff with full jitter, so colliding writers spread out."""
    return random.uniform(0, min(RETRY_MAX_PAUSE, RETRY_FIRST_PAUSE * 2 ** attempt))


def with_retries(run: Callable[[], T], *, attempts: int = RETRY_ATTEMPTS,
                 what: str = "transaction") -> T:
    """Run `run` (which opens and closes its own outermost transaction) again when it
    fails on a transient conflict, up to `attempts` times. Inside an enclosing
    transaction nothing is retried here: that transaction is the one to roll back."""
    if database.in_transaction():
        return run()
    for attempt in range(attempts):
        try:
            return run()
        except OperationalError as exc:
            if not is_transient(exc):
                raise
            if attempt == attempts - 1:
                log.warning("%s still conflicting after %d attempts: %s", what, attempts, exc)
                raise RuleError(CONFLICT, BUSY_MESSAGE) from exc
            log.debug("%s: transient conflict (%s); retrying", what, exc)
            time.sleep(retry_pause(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def transactional(fn: F) -> F:
    """Run an action in one transaction, all or nothing, as the only writer: BEGIN
    IMMEDIATE on SQLite, the write lock first on PostgreSQL (models.db.take_write_lock).

    A transient conflict (SQLite still busy after its timeout; PostgreSQL serialization
    failure, deadlock or lock timeout) re-runs the whole action a bounded number of
    times, then refuses with "someone acted first": no database error reaches the user.
    A unique-index violation here is the ledger's backstop firing (a second release,
    a second funding): it means someone acted first.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        def attempt():
            with database.atomic():
                take_write_lock()
                return fn(*args, **kwargs)
        try:
            return with_retries(attempt, what=fn.__name__)
        except IntegrityError as exc:
            raise RuleError(CONFLICT, "This was already done (someone acted first); "
                                      "nothing more was changed.") from exc
    return wrapper  # type: ignore[return-value]


def now_of(clock: Clock | None) -> arrow.Arrow:
    return (clock or SYSTEM_CLOCK).now()


# Ids are 64-bit signed integers in both databases (BigAutoField or smaller).
MAX_ID = 2 ** 63 - 1


def is_id(value: object) -> bool:
    """T-08: a value that can name a row. Anything else (a bool, a str, 2**64, -1) names
    nothing and is refused as an unknown id, before the driver sees it (SQLite raises
    OverflowError for an int beyond 64 bits)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def only_ids(values) -> list[int]:
    """The values of `values` that can name a row (T-08); a list of ids to query with."""
    return [v for v in values if is_id(v)]


def load_actor(actor: Account | int) -> Account:
    actor_id = actor if isinstance(actor, int) else getattr(actor, "id", None)
    found = Account.get_or_none(Account.id == actor_id) if is_id(actor_id) else None
    if found is None:
        raise RuleError(NOT_FOUND, "Unknown user.")
    return found


def missing(what: str, ident: object, actor: Account | None) -> RuleError:
    """The refusal for an id that names nothing: plain "No contract #N." for an agent,
    the system or internal use (actor None); for anyone else the same G-07 refusal as
    for another's item, so nobody learns which ids exist."""
    if actor is None or access.sees_everything(actor.role):
        return RuleError(NOT_FOUND, f"No {what} #{ident}.")
    return access.unseen(what)


def require_seen(what: str, actor: Account | None, contract: Contract) -> None:
    """G-07: a stranger to `contract` is refused exactly as for an unknown id."""
    if actor is not None and access.capacity(actor.id, actor.role, contract.client_id,
                                             contract.freelancer_id) is None:
        raise access.unseen(what)


def load_contract(contract_id: int, actor: Account | None) -> Contract:
    """The contract, if `actor` may see it (G-07). `actor` None is internal use only:
    the caller has already authorized, or no user is asking."""
    found = Contract.get_or_none(Contract.id == contract_id) if is_id(contract_id) else None
    if found is None:
        raise missing("contract", contract_id, actor)
    require_seen("contract", actor, found)
    return found


def load_milestone(milestone_id: int, actor: Account | None) -> tuple[Milestone, Contract]:
    """The milestone and its contract, if `actor` may see it (G-07; see load_contract)."""
    found = (Milestone.select(Milestone, Contract).join(Contract)
             .where(Milestone.id == milestone_id).first()) if is_id(milestone_id) else None
    if found is None:
        raise missing("milestone", milestone_id, actor)
    require_seen("milestone", actor, found.contract)
    return found, found.contract


def authorize(action: str, actor: Account, contract: Contract) -> str:
    return access.check(action, actor.id, actor.role, contract.client_id, contract.freelancer_id)


def policy_of(contract: Contract) -> Policy:
    return get_policy(contract.policy)


def require_open(contract: Contract) -> None:
    if contract.status != ContractStatus.OPEN:
        raise RuleError("G-03", f"This contract is {contract.status}; nothing more can "
                                "be changed on it.")


def check_expected_version(row: Model, expected: int | None, what: str) -> None:
    if expected is not None and expected != row.version:
        raise someone_acted_first(what)


def cas_update(row: Model, what: str = "This item", **changes) -> None:
    """Compare-and-set: update `row` only if its status and version are still those we
    loaded. Zero rows changed means someone else acted first."""
    model = type(row)
    fields = {getattr(model, name): value for name, value in changes.items()}
    fields[model.version] = model.version + 1
    where = (model.id == row.id) & (model.version == row.version)
    if hasattr(model, "status"):
        where &= (model.status == row.status)
    if model.update(fields).where(where).execute() != 1:
        raise someone_acted_first(what)
    for name, value in changes.items():
        setattr(row, name, value)
    row.version += 1


def other_parties(contract: Contract, actor: Account) -> list[int]:
    """Who is told about an action (U-31): the other party; both for agents and the system."""
    parties = [contract.client_id, contract.freelancer_id]
    return [p for p in parties if p != actor.id]
