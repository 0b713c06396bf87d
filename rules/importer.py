"""`import contracts`: a CSV or JSON file of milestones, grouped by contract, made into
contracts by the same function the rest of the product uses, all or nothing per file.

1. read (rules/import_rows.py) and check (rules/import_check.py) every row, with the
   counterparts loaded in one query per 500 logins: every problem, with its line;
2. if there were none, call the creating function (default: create_contract, as the
   demo does; it checks everything again and audits each creation) for each contract,
   in one transaction that holds the write lock. A refusal there is a problem too, and
   the whole transaction is rolled back: nothing is written unless everything is.

`creator=SEND_OFFERS` makes each contract an offer the caller sends instead
(rules.offers.send_offer, O-01..O-06: default expiry; Upwork rows from a client, Fiverr
rows from a seller; a row another rule refuses is a problem like any other).

A dry run does step 2 as well and then rolls back: it checks what only writing checks
(the creating function's own rules), and writes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from models.accounts import Account
from models.base import database
from models.db import take_write_lock
from models.vocabulary import Role
from rules import access
from rules.clock import Clock
from rules.contracts import create_contract
from rules.errors import INPUT, RuleError
from rules.import_check import ImportedContract, check_rows, write_problem
from rules.import_rows import Problem, decode, read_rows
from rules.offers import send_offer
from rules.store import load_actor, now_of, with_retries

# Who the counterpart is, by the caller's role: a client contracts with a freelancer,
# a freelancer (a Fiverr seller sending offers) with a client.
COUNTERPART_ROLE = {Role.CLIENT: Role.FREELANCER, Role.FREELANCER: Role.CLIENT}
LOOKUP_CHUNK = 500  # logins a query: well under every database's limit on parameters

Progress = Callable[[int, int], None]  # (contracts done, contracts in all)


@dataclass(frozen=True)
class Creator:
    """How one checked contract is made: `action` is what the caller must be allowed
    (rules/access.py; None: the creating function alone decides, row by row),
    `create(actor, contract, clock)` makes it and returns the row."""
    action: str | None
    create: Callable[[Account, ImportedContract, Clock | None], object]


def _open_contract(actor: Account, c: ImportedContract, clock: Clock | None):
    return create_contract(actor, freelancer=c.counterpart_id, title=c.title,
                           policy=c.policy, milestones=list(c.milestones),
                           end_date=c.end_date, funding=c.funding, clock=clock)


OPEN_CONTRACTS = Creator("create_contract", _open_contract)


def _send_offer(actor: Account, c: ImportedContract, clock: Clock | None):
    if c.end_date is not None:  # an offer has none: refuse rather than drop it silently
        raise RuleError(INPUT, "An offer has no end date: leave end_date empty.")
    return send_offer(actor, c.counterpart_id, c.policy, c.title, "", list(c.milestones),
                      funding=c.funding, clock=clock)


# Clients and Fiverr sellers both send offers: send_offer's O-01 decides for each row.
SEND_OFFERS = Creator(None, _send_offer)


@dataclass(frozen=True)
class ImportResult:
    contracts: int           # made (or, on a dry run, that would be)
    milestones: int
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # what was made (empty on a dry run)

    @property
    def ok(self) -> bool:
        return not self.problems


def import_contracts(actor: Account | int, data: bytes, *, fmt: str, dry_run: bool = False,
                     creator: Creator = OPEN_CONTRACTS, clock: Clock | None = None,
                     progress: Progress | None = None) -> ImportResult:
    """Import the file's bytes (`fmt` "csv" or "json") as `actor`. Every problem comes
    back in the result, with its line; then nothing was written. A caller who may not
    create at all is refused at once (RuleError), before the file is read."""
    actor = load_actor(actor)
    if creator.action is not None:
        access.check(creator.action, actor.id, actor.role)
    role = COUNTERPART_ROLE.get(actor.role)
    if role is None:  # an agent or the system (access.check has refused them for contracts)
        raise RuleError("O-01", "Only clients and freelancers send offers.")
    text, problems = decode(data)
    rows, found = read_rows(text, fmt)
    problems += found
    contracts, found = check_rows(rows, counterparts=counterparts_of(rows, role),
                                  counterpart_role=role, today=now_of(clock).date())
    problems += found
    if problems:
        return ImportResult(0, 0, dry_run, problems)
    ids, problems = with_retries(lambda: _write(actor, contracts, creator, clock, dry_run,
                                                progress), what="import_contracts")
    if problems:
        return ImportResult(0, 0, dry_run, problems)
    return ImportResult(len(contracts), sum(len(c.milestones) for c in contracts), dry_run,
                        ids=[] if dry_run else ids)


def counterparts_of(rows, role: str) -> dict[str, int]:
    """Login -> id of the accounts of `role` the rows name (and only those: nothing
    about any other account reaches the checks or their messages)."""
    logins = sorted({r.values.get("counterpart", "").strip().lower() for r in rows} - {""})
    found: dict[str, int] = {}
    for i in range(0, len(logins), LOOKUP_CHUNK):
        query = (Account.select(Account.id, Account.login)
                 .where(Account.login.in_(logins[i:i + LOOKUP_CHUNK]) & (Account.role == role)))
        found.update({a.login: a.id for a in query})
    return found


def _write(actor: Account, contracts: list[ImportedContract], creator: Creator,
           clock: Clock | None, dry_run: bool,
           progress: Progress | None) -> tuple[list[int], list[Problem]]:
    ids: list[int] = []
    problems: list[Problem] = []
    with database.atomic() as txn:
        take_write_lock()
        for n, contract in enumerate(contracts, 1):
            try:  # each creation is a savepoint: a refused one leaves nothing behind
                ids.append(creator.create(actor, contract, clock).id)
            except RuleError as exc:
                problems.append(write_problem(contract, exc))
            if progress is not None:
                progress(n, len(contracts))
        if problems or dry_run:
            txn.rollback()
    return ids, problems
