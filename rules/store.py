"""Loading rows and changing them with compare-and-set, for the action modules."""
from __future__ import annotations

import functools
from typing import Callable, TypeVar

import arrow
from peewee import IntegrityError, Model

from models.accounts import Account
from models.base import database
from models.contracts import Contract
from models.milestones import Milestone
from models.vocabulary import ContractStatus
from rules import access
from rules.clock import SYSTEM_CLOCK, Clock
from rules.errors import CONFLICT, NOT_FOUND, RuleError, someone_acted_first
from rules.policy import Policy, get_policy

F = TypeVar("F", bound=Callable)


def transactional(fn: F) -> F:
    """Run an action in one transaction (BEGIN IMMEDIATE on SQLite): all or nothing.

    A unique-index violation here is the ledger's backstop firing (a second release,
    a second funding): it means someone acted first.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with database.atomic():
                return fn(*args, **kwargs)
        except IntegrityError as exc:
            raise RuleError(CONFLICT, "This was already done (someone acted first); "
                                      "nothing more was changed.") from exc
    return wrapper  # type: ignore[return-value]


def now_of(clock: Clock | None) -> arrow.Arrow:
    return (clock or SYSTEM_CLOCK).now()


def load_actor(actor: Account | int) -> Account:
    actor_id = actor if isinstance(actor, int) else actor.id
    found = Account.get_or_none(Account.id == actor_id)
    if found is None:
        raise RuleError(NOT_FOUND, "Unknown user.")
    return found


def load_contract(contract_id: int) -> Contract:
    found = Contract.get_or_none(Contract.id == contract_id) if isinstance(contract_id, int) else None
    if found is None:
        raise RuleError(NOT_FOUND, f"No contract #{contract_id}.")
    return found


def load_milestone(milestone_id: int) -> tuple[Milestone, Contract]:
    found = (Milestone.select(Milestone, Contract).join(Contract)
             .where(Milestone.id == milestone_id).first()) if isinstance(milestone_id, int) else None
    if found is None:
        raise RuleError(NOT_FOUND, f"No milestone #{milestone_id}.")
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
