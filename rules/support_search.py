"""The support console's reads (G-07: agents only): every contract searched by party,
title, number, status and time windows, a page at a time; and a contract's audit trail
(G-05), newest first.

A search is one query for the ordered ids of every match (each criterion an indexed
lookup where the schema has one: the contract's number, status and parties; open windows
by (status, due_at)); a page is then read by id with the fixed queries of
`rules.queries.contract_summaries`: never a query per row. Titles and overdue milestones
are scanned (a title is matched anywhere in it; milestone due dates carry no index): on
10,000 contracts (45,000 milestones) the overdue criterion costs ~35 ms, once per search.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import arrow
from peewee import SQL, NodeList, Value, fn

from models.accounts import Account
from models.audit import AuditRecord
from models.contracts import Contract
from models.deadlines import Deadline
from models.milestones import Milestone
from models.vocabulary import ContractStatus, DeadlineStatus, MilestoneStatus, Role
from rules.audit_verify import CHAIN_FIELDS, legacy_end, record_hash
from rules.calendar import UNPAID_STATUSES
from rules.clock import Clock
from rules.errors import INPUT, NOT_FOUND, RuleError
from rules.queries import ContractSummary, contract_summaries
from rules.store import is_id, load_actor, now_of, only_ids
from rules.validation import check_search

CONSOLE_RULE = "G-07"
MAX_DAYS = 3650  # a window of ten years is as good as "any"


@dataclass(frozen=True)
class Criteria:
    """What to look for; every criterion given must hold (they combine with AND).

    `party`: part of the client's or freelancer's name or login. `title`: part of the
    title. `contract_id`: that contract. `status`: a contract status (open, ended,
    completed, cancelled) or a milestone status (e.g. in_support: a dispute waiting for
    an agent), matching contracts with a milestone in it. `overdue_days`: a milestone
    past its due date (U-13) by more than this many days. `closing_days`: an open
    window (review, refund answer, dispute response...) falling due within this many
    days (one already due and not yet applied counts too)."""
    party: str = ""
    title: str = ""
    contract_id: int | None = None
    status: str = ""
    overdue_days: int | None = None
    closing_days: int | None = None

    @property
    def empty(self) -> bool:
        return self == Criteria()


@dataclass(frozen=True)
class SearchPage:
    rows: list[ContractSummary]
    total: int                 # how many contracts match, in all
    offset: int
    # Per contract shown: its most overdue unfinished milestone, (title, days late).
    overdue: dict[int, tuple[str, int]] = field(default_factory=dict)

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


def require_agent(actor: Account) -> Account:
    """G-07: the console is for support agents; anyone else is refused, in words."""
    actor = load_actor(actor)
    if actor.role != Role.AGENT:
        raise RuleError(CONSOLE_RULE, "Only support agents may use the support console; "
                                      "your contracts are in your contract list.")
    return actor


def _contains(column, text: str):
    """Case-insensitive "contains", matched literally (a typed % or _ is no wildcard)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return NodeList((fn.LOWER(column), SQL("LIKE"), Value(f"%{escaped}%"),
                     SQL("ESCAPE '\\'")))


def _days(value: int | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        raise RuleError(INPUT, f"{what} must be a whole number of days from 0 to {MAX_DAYS}.")
    return value


def check_status(status: str) -> str:
    """A known contract or milestone status (spaces allowed for underscores), or ""."""
    value = (status or "").strip().lower().replace(" ", "_")
    if value and value not in set(ContractStatus) | set(MilestoneStatus):
        known = ", ".join([*ContractStatus, *[s for s in MilestoneStatus
                                              if s not in set(ContractStatus)]])
        raise RuleError(INPUT, f"No status “{status.strip()}”. Known: {known}.")
    return value


def _today(now: arrow.Arrow) -> dt.date:
    return now.to("UTC").date()  # due dates are UTC dates (U-13, rules.calendar)


def _matching(criteria: Criteria, now: arrow.Arrow):
    """The query of the ids of every matching contract (no order, no page)."""
    q = Contract.select(Contract.id)
    party = check_search(criteria.party, "The party")
    if party:
        # The accounts first (far fewer rows than contracts), then the contracts by
        # their indexed client and freelancer columns.
        named = Account.select(Account.id).where(
            (_contains(Account.display_name, party) | _contains(Account.login, party))
            & (Account.role != Role.SYSTEM))
        q = q.where(Contract.client.in_(named) | Contract.freelancer.in_(named))
    title = check_search(criteria.title, "The title")
    if title:
        q = q.where(_contains(Contract.title, title))
    if criteria.contract_id is not None:  # T-08: a number that names nothing matches nothing
        q = q.where(Contract.id == criteria.contract_id if is_id(criteria.contract_id)
                    else Contract.id.is_null())
    status = check_status(criteria.status)
    if status in set(ContractStatus):
        q = q.where(Contract.status == status)
    elif status:
        q = q.where(Contract.id.in_(Milestone.select(Milestone.contract)
                                    .where(Milestone.status == status)))
    overdue = _days(criteria.overdue_days, "Overdue by more than")
    if overdue is not None:
        before = _today(now) - dt.timedelta(days=overdue)  # due before this: late enough
        # The index milestone (status, due_date): one range per unfinished status.
        q = q.where(Contract.id.in_(
            Milestone.select(Milestone.contract).where(
                (Milestone.due_date < before)
                & Milestone.status.in_(sorted(UNPAID_STATUSES)))))
    closing = _days(criteria.closing_days, "Closing within")
    if closing is not None:
        by = now.shift(days=closing).to("UTC").naive
        # The index deadline (status, due_at): the open windows due by then.
        q = q.where(Contract.id.in_(
            Deadline.select(Deadline.contract).where(
                (Deadline.status == DeadlineStatus.OPEN) & (Deadline.due_at <= by))))
    return q


def count_matches(actor: Account, criteria: Criteria, *, clock: Clock | None = None) -> int:
    """How many contracts match (agents only, G-07)."""
    require_agent(actor)
    return _matching(criteria, now_of(clock)).count()


def matching_ids(actor: Account, criteria: Criteria, *,
                 clock: Clock | None = None) -> list[int]:
    """The numbers of every matching contract, in order (agents only, G-07): one query.
    A screen keeps them and reads pages by id (`support_rows`): the criteria that scan
    (a title, overdue milestones) are then evaluated once per search, not per page."""
    require_agent(actor)
    query = _matching(criteria, now_of(clock)).order_by(Contract.id)
    return [i for (i,) in query.tuples()]


def support_rows(actor: Account, contract_ids: list[int], *, clock: Clock | None = None
                 ) -> tuple[list[ContractSummary], dict[int, tuple[str, int]]]:
    """The summaries of these contracts, in this order, and the most overdue milestone
    of each (agents only, G-07). A fixed number of queries, whatever the count."""
    actor = require_agent(actor)
    return contract_summaries(actor, contract_ids), most_overdue(contract_ids, now_of(clock))


def search_contracts(actor: Account, criteria: Criteria, *, offset: int = 0,
                     limit: int = 50, clock: Clock | None = None) -> SearchPage:
    """A page of the contracts matching `criteria`, by number (agents only, G-07),
    with the most overdue milestone of each. A fixed number of queries per page."""
    if offset < 0 or limit < 1:
        raise RuleError(INPUT, "A page starts at 0 and holds at least one contract.")
    ids = matching_ids(actor, criteria, clock=clock)
    rows, overdue = support_rows(actor, ids[offset:offset + limit], clock=clock)
    return SearchPage(rows, len(ids), offset, overdue=overdue)


def most_overdue(contract_ids: list[int], now: arrow.Arrow) -> dict[int, tuple[str, int]]:
    """Per contract, its unfinished milestone furthest past its due date (U-13): the
    title and how many days late. One query."""
    contract_ids = only_ids(contract_ids)
    if not contract_ids:
        return {}
    today = _today(now)
    out: dict[int, tuple[str, int]] = {}
    for c, title, due in (Milestone.select(Milestone.contract, Milestone.title,
                                           Milestone.due_date)
                          .where(Milestone.contract.in_(contract_ids)
                                 & (Milestone.due_date < today)
                                 & Milestone.status.in_(sorted(UNPAID_STATUSES)))
                          .order_by(Milestone.contract, Milestone.due_date,
                                    Milestone.position).tuples()):
        if c not in out:
            due = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due))
            out[c] = (title, (today - due).days)
    return out


# --- the audit trail of one contract (G-05) -------------------------------------------

@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: arrow.Arrow
    actor_login: str
    actor_name: str
    actor_role: str
    action: str
    target: str
    before: dict
    after: dict
    reason: str
    prev_hash: str
    hash: str
    intact: bool  # its stored fields still give its hash (rules.audit_verify.record_hash)


def audit_trail(actor: Account, contract_id: int, *, before_id: int | None = None,
                limit: int = 20) -> tuple[list[AuditEntry], bool]:
    """A page of a contract's audit records, newest first (agents only, G-07), and
    whether older ones follow. Keyset paging on the record id: each page is an indexed
    range, and each record is checked against its own hash as it is read (the whole
    chain is checked by `milestones audit verify`, rules.audit_verify.verify_log)."""
    require_agent(actor)
    if not (is_id(contract_id) and Contract.select().where(Contract.id == contract_id).exists()):
        raise RuleError(NOT_FOUND, f"No contract #{contract_id}.")
    q = (AuditRecord.select(*CHAIN_FIELDS, Account.login, Account.display_name)
         .join(Account, on=(AuditRecord.actor == Account.id))
         .where(AuditRecord.contract == contract_id))
    if before_id is not None:
        if not is_id(before_id):  # T-08: no such record, so nothing follows it
            return [], False
        q = q.where(AuditRecord.id < before_id)
    rows = list(q.order_by(AuditRecord.id.desc()).limit(limit + 1).tuples())
    out, legacy_last = [], legacy_end()
    for row in rows[:limit]:
        (rid, actor_id, role, action, cid, target, before, after, reason, occurred_at,
         _chain, _seq, prev_hash, digest, login, name) = row
        out.append(AuditEntry(rid, arrow.get(occurred_at).to("UTC"), login, name, role,
                              action, target, json.loads(before), json.loads(after), reason,
                              prev_hash, digest, record_hash(row[:14], legacy_last) == digest))
    return out, len(rows) > limit
