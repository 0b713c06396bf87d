"""What a user may take out (issue 14): contracts, milestones, ledger entries, timeline
events and audit records, as plain rows, a page at a time (keyset paging: memory stays
flat however many rows), and only what the actor may see (G-07).

Money is given twice, as integer cents and as a decimal string ("1234.50"); times are
ISO 8601 in UTC ("2026-03-02T09:00:00Z")."""
from __future__ import annotations

import datetime as dt
from typing import Callable, Iterator

import arrow
from peewee import JOIN

from models.accounts import Account
from models.audit import AuditRecord
from models.base import database
from models.contracts import Contract
from models.db import is_postgres
from models.events import Event
from models.ledger import LedgerEntry, LedgerTransfer
from models.milestones import Milestone
from rules.errors import INPUT, RuleError
from rules.queries import matching
from rules.store import load_actor, load_contract

PAGE = 5000
KINDS = ("contracts", "milestones", "ledger", "timeline", "audit")
Client = Account.alias("client_account")
Freelancer = Account.alias("freelancer_account")


def decimal(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def utc(at) -> str | None:
    """A stored UTC time as ISO 8601 with Z; a date as YYYY-MM-DD. The values come
    straight from the driver (SQLite: text; PostgreSQL: datetime and date objects)."""
    if at is None:
        return None
    if isinstance(at, str):
        return at[:10] if len(at) == 10 else at[:19].replace(" ", "T") + "Z"
    if isinstance(at, dt.datetime):
        return at.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return at.isoformat()


def parse_since(text: str | None) -> dt.datetime | None:
    """`--since 2026-03-01` (or a full ISO time): rows from then on, in UTC."""
    if not text:
        return None
    try:
        return arrow.get(text).to("UTC").naive
    except (arrow.parser.ParserError, ValueError, TypeError):
        raise RuleError(INPUT, f"“{text}” is not a date: use YYYY-MM-DD or an ISO 8601 "
                               "time.") from None


def _pages(query, key, shape: Callable[[tuple], tuple]) -> Iterator[tuple]:
    """Rows of `query` in `key` order, a page at a time, memory flat however many. Read
    with the driver's cursor: the stored values as they are, without a model's
    conversions (most of an export's time otherwise).

    SQLite steps one statement lazily (a reader never blocks a writer in WAL mode);
    paging it by keyset instead made each page a sort of its own (4x the time).
    psycopg2 would fetch a whole result at once, so PostgreSQL reads keyset pages, each
    an index range."""
    if not is_postgres():
        cursor = database.execute(query.order_by(key))
        while rows := cursor.fetchmany(PAGE):
            for row in rows:
                yield shape(row)
        return
    last = 0
    while True:
        rows = database.execute(query.where(key > last).order_by(key).limit(PAGE)).fetchall()
        for row in rows:
            yield shape(row)
        if len(rows) < PAGE:
            return
        last = rows[-1][0]


def _contracts(scope, since):
    q = (Contract.select(Contract.id, Contract.title, Contract.policy, Contract.status,
                         Client.login, Freelancer.login, Contract.starts_on,
                         Contract.end_date, Contract.created_at, Contract.ended_at)
         .join(Client, on=(Contract.client == Client.id))
         .switch(Contract).join(Freelancer, on=(Contract.freelancer == Freelancer.id))
         .where(Contract.id.in_(scope)))
    if since:
        q = q.where(Contract.created_at >= since)
    return q, Contract.id, lambda r: (*r[:6], utc(r[6]), utc(r[7]), utc(r[8]), utc(r[9]))


def _milestones(scope, since):
    q = (Milestone.select(Milestone.id, Milestone.contract, Milestone.position,
                          Milestone.title, Milestone.status, Milestone.amount_cents,
                          Milestone.due_date, Milestone.funded_at, Milestone.finished_at,
                          Milestone.created_at)
         .where(Milestone.contract.in_(scope)))
    if since:
        q = q.where(Milestone.created_at >= since)
    return q, Milestone.id, lambda r: (*r[:6], decimal(r[5]), utc(r[6]), utc(r[7]),
                                       utc(r[8]), utc(r[9]))


def _ledger(scope, since):
    q = (LedgerEntry.select(LedgerEntry.id, LedgerEntry.transfer, LedgerEntry.contract,
                            LedgerEntry.milestone, LedgerTransfer.kind, LedgerEntry.account,
                            LedgerEntry.amount_cents, LedgerTransfer.created_at)
         .join(LedgerTransfer).where(LedgerEntry.contract.in_(scope)))
    if since:
        q = q.where(LedgerTransfer.created_at >= since)
    return q, LedgerEntry.id, lambda r: (*r[:7], decimal(r[6]), utc(r[7]))


def _timeline(scope, since):
    q = (Event.select(Event.id, Event.contract, Event.milestone, Account.login, Event.kind,
                      Event.summary, Event.occurred_at)
         .join(Account, JOIN.LEFT_OUTER, on=(Event.actor == Account.id))
         .where(Event.contract.in_(scope)))
    if since:
        q = q.where(Event.occurred_at >= since)
    return q, Event.id, lambda r: (*r[:6], utc(r[6]))


def _audit(scope, since):
    q = (AuditRecord.select(AuditRecord.id, AuditRecord.contract, Account.login,
                            AuditRecord.actor_role, AuditRecord.action, AuditRecord.target,
                            AuditRecord.before, AuditRecord.after, AuditRecord.reason,
                            AuditRecord.occurred_at, AuditRecord.hash)
         .join(Account, on=(AuditRecord.actor == Account.id))
         .where(AuditRecord.contract.in_(scope)))
    if since:
        q = q.where(AuditRecord.occurred_at >= since)
    return q, AuditRecord.id, lambda r: (*r[:9], utc(r[9]), r[10])


_EXPORTS = {"contracts": _contracts, "milestones": _milestones, "ledger": _ledger,
            "timeline": _timeline, "audit": _audit}
COLUMNS = {
    "contracts": ("id", "title", "policy", "status", "client", "freelancer", "starts_on",
                  "end_date", "created_at", "ended_at"),
    "milestones": ("id", "contract", "position", "title", "status", "amount_cents", "amount",
                   "due_date", "funded_at", "finished_at", "created_at"),
    "ledger": ("id", "transfer", "contract", "milestone", "kind", "account", "amount_cents",
               "amount", "at"),
    "timeline": ("id", "contract", "milestone", "actor", "kind", "summary", "at"),
    "audit": ("id", "contract", "actor", "actor_role", "action", "target", "before", "after",
              "reason", "at", "hash"),
}


def _export(actor: Account, kind: str, contract_id: int | None, since: str | None,
            search: str | None = None):
    if kind not in _EXPORTS:
        raise RuleError(INPUT, f"Nothing called “{kind}” to export: {', '.join(KINDS)}.")
    actor = load_actor(actor)
    after = parse_since(since)
    scope = matching(actor, search).select(Contract.id)
    if contract_id is not None:
        load_contract(contract_id, actor)
        scope = scope.where(Contract.id == contract_id)
    return _EXPORTS[kind](scope, after)


def export_table(actor: Account, kind: str, *, contract_id: int | None = None,
                 since: str | None = None, search: str | None = None
                 ) -> tuple[tuple[str, ...], Iterator[tuple]]:
    """The column names and the rows of `kind` that `actor` may see, oldest first; one
    contract's with `contract_id` (refused as unknown if it is not theirs, G-07); of
    the contracts the list's filter `search` finds, with it (what the list shows).
    Checked at once: the refusal comes before the first row is asked for."""
    return COLUMNS.get(kind, ()), _pages(*_export(actor, kind, contract_id, since, search))


def export_rows(actor: Account, kind: str, **options) -> Iterator[dict]:
    """`export_table`'s rows as dicts (column: value)."""
    columns, rows = export_table(actor, kind, **options)
    return (dict(zip(columns, row)) for row in rows)


def count_rows(actor: Account, kind: str, *, contract_id: int | None = None,
               since: str | None = None, search: str | None = None) -> int:
    """How many rows `export_rows` yields (for a progress bar): one count query."""
    query, _, _ = _export(actor, kind, contract_id, since, search)
    return query.count()
