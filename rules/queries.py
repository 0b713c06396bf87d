"""The contract list as the screens show it: paged, sorted and filtered in SQL, a fixed
number of queries per page (never one per row), and only what the actor may see
(G-07); and the accounts the command line chooses from.

One contract in full is `rules.contract_view`, notifications `rules.notifications`:
this module is read as the program starts, so it holds only what the list needs."""
from __future__ import annotations

from dataclasses import dataclass

import arrow
from peewee import SQL, Asc, Case, Desc, NodeList, Value, fn

from models.accounts import Account
from models.contracts import Contract
from models.deadlines import Deadline
from models.ledger import LedgerEntry
from models.milestones import Milestone
from models.vocabulary import (ACTIVE_STATUSES, PAID_ACCOUNTS, DeadlineStatus, MilestoneStatus,
                               Role)
from rules.errors import NOT_FOUND, RuleError
from rules.ledger import A
from rules.policy import get_policy
from rules.store import load_actor, only_ids
from rules.validation import check_search

Client = Account.alias("client_account")
Freelancer = Account.alias("freelancer_account")


@dataclass(frozen=True)
class Totals:
    budget_cents: int = 0         # sum of the milestones not cancelled
    funded_cents: int = 0         # all ever put into escrow
    in_escrow_cents: int = 0
    released_cents: int = 0       # net paid to the freelancer (bonuses included)
    project_funds_cents: int = 0  # leftover funds held for the next milestone (U-04)
    remaining_cents: int = 0      # planned and active milestones, still to be paid


@dataclass(frozen=True)
class ContractSummary:
    id: int
    title: str
    policy: str
    policy_label: str
    status: str
    client_name: str
    freelancer_name: str
    counterpart: str
    milestone_count: int
    current_title: str | None
    current_status: str | None
    totals: Totals
    next_deadline_kind: str | None
    next_deadline_at: arrow.Arrow | None
    offer: str = ""  # an offer as its parties see it: "sent" or "received" (O-01)


# Sort keys of the contract list: one per column of the table, and the contract number
# (the default: the order they were made in). Text sorts ignore (ASCII) case; a missing value (no current milestone, no
# open deadline) comes last in either direction; the contract number breaks ties, so
# pages follow each other without a gap or a repeat.
SORT_KEYS = ("id", "title", "counterpart", "policy", "status", "current", "escrow", "paid",
             "deadline")


def visible(actor: Account):
    """The contracts `actor` may see (G-07): agents all, parties their own."""
    q = Contract.select()
    if actor.role == Role.AGENT:
        return q
    if actor.role == Role.CLIENT:
        return q.where(Contract.client == actor.id)
    if actor.role == Role.FREELANCER:
        return q.where(Contract.freelancer == actor.id)
    return q.where(Contract.id.is_null())  # nobody else sees anything


def matching(actor: Account, search: str | None = None):
    """The contracts `actor` may see that the list's filter `search` finds."""
    return _search(visible(actor), search)


def _search(q, text: str | None):
    """Contracts whose title, parties, policy or status contain `text`, in any case. The
    text is matched literally: a typed % or _ is not a wildcard. The parties are found
    among the accounts first (far fewer rows than contracts), so no join is needed."""
    text = check_search(text)
    if not text:
        return q
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = Value(f"%{escaped}%")

    def contains(f):
        return NodeList((fn.LOWER(f), SQL("LIKE"), pattern, SQL("ESCAPE '\\'")))

    named = Account.select(Account.id).where(contains(Account.display_name))
    return q.where(contains(Contract.title) | contains(Contract.policy)
                   | contains(Contract.status) | Contract.client.in_(named)
                   | Contract.freelancer.in_(named))


def _with_parties(q):
    return (q.join(Client, on=(Contract.client == Client.id)).switch(Contract)
            .join(Freelancer, on=(Contract.freelancer == Freelancer.id)).switch(Contract))


def _balance_of_contract(*accounts: str):
    """The contract's balance on ledger accounts, as a correlated subquery (answered
    from the covering index ledger_entry (contract, account, amount))."""
    return (LedgerEntry.select(fn.COALESCE(fn.SUM(LedgerEntry.amount_cents), 0))
            .where((LedgerEntry.contract == Contract.id)
                   & (LedgerEntry.account.in_(accounts) if len(accounts) > 1
                      else LedgerEntry.account == accounts[0])))


def _sort_terms(sort: str, actor: Account) -> list[tuple[object, bool]]:
    """The ORDER BY terms of a sort key, each with whether it may be NULL."""
    if sort == "title":
        return [(fn.LOWER(Contract.title), False)]
    if sort == "counterpart":  # as the column reads for this actor
        if actor.role == Role.CLIENT:
            return [(fn.LOWER(Freelancer.display_name), False)]
        if actor.role == Role.FREELANCER:
            return [(fn.LOWER(Client.display_name), False)]
        both = Client.display_name.concat(" / ").concat(Freelancer.display_name)
        return [(fn.LOWER(both), False)]
    if sort == "policy":
        return [(Contract.policy, False)]
    if sort == "status":
        return [(Contract.status, False)]
    if sort == "current":
        # The milestone _current_milestones shows: the active one, else the first planned.
        title = (Milestone.select(fn.LOWER(Milestone.title))
                 .where((Milestone.contract == Contract.id)
                        & Milestone.status.in_([MilestoneStatus.PLANNED, *ACTIVE_STATUSES]))
                 .order_by(Milestone.status == MilestoneStatus.PLANNED, Milestone.position)
                 .limit(1))
        return [(title, True)]
    if sort == "escrow":
        return [(_balance_of_contract(A.ESCROW), False)]
    if sort == "paid":  # released, then the budget: the column reads "released / budget"
        budget = (Milestone.select(fn.COALESCE(fn.SUM(Milestone.amount_cents), 0))
                  .where((Milestone.contract == Contract.id)
                         & (Milestone.status != MilestoneStatus.CANCELLED)))
        return [(_balance_of_contract(*PAID_ACCOUNTS), False), (budget, False)]
    if sort == "deadline":  # answered from the index deadline (contract, status, due_at)
        due = (Deadline.select(fn.MIN(Deadline.due_at))
               .where((Deadline.contract == Contract.id)
                      & (Deadline.status == DeadlineStatus.OPEN)))
        return [(due, True)]
    if sort != "id":
        raise ValueError(f"no such sort: {sort!r} (one of {', '.join(SORT_KEYS)})")
    return []


def _ordered_ids(actor: Account, search: str | None, sort: str, descending: bool):
    """The ids of the contracts `actor` may see, matching `search`, in list order. Only
    the contract table, unless the sort is by the parties' names."""
    q = visible(actor).select(Contract.id)
    if sort == "counterpart":
        q = _with_parties(q)
    order = []
    for term, nullable in [*_sort_terms(sort, actor), (Contract.id, False)]:
        last = "LAST" if nullable else None
        order.append(Desc(term, nulls=last) if descending else Asc(term, nulls=last))
    return _search(q, search).order_by(*order)


def count_contracts(actor: Account, search: str | None = None) -> int:
    """How many contracts `actor` may see (that match `search`). Without a search, a
    count of one index."""
    return _search(visible(load_actor(actor)), search).count()


def list_contracts(actor: Account, *, search: str | None = None, sort: str = "id",
                   descending: bool = False, offset: int = 0, limit: int = 50
                   ) -> list[ContractSummary]:
    """A page of the contracts `actor` may see, with their totals, sorted in SQL by
    `sort` (one of SORT_KEYS) so that pages follow each other. A fixed number of
    queries whatever the size of the page (never one per row)."""
    actor = load_actor(actor)
    q = _ordered_ids(actor, search, sort, descending).offset(offset).limit(limit)
    return _summaries(actor, [i for (i,) in q.tuples()])


def contract_order(actor: Account, *, search: str | None = None, sort: str = "id",
                   descending: bool = False) -> list[int]:
    """The ids of every contract `actor` may see, in list order: one query. A screen
    keeps them and asks `contract_summaries` for pages, so that the sort (which may
    need every contract's totals) is computed once, not again for every page."""
    actor = load_actor(actor)
    return [i for (i,) in _ordered_ids(actor, search, sort, descending).tuples()]


def contract_summaries(actor: Account, ids: list[int]) -> list[ContractSummary]:
    """The summaries of these contracts, in the order given. Those `actor` may not see
    (G-07), or that are gone, are left out."""
    return _summaries(load_actor(actor), ids)


def _summaries(actor: Account, ids: list[int]) -> list[ContractSummary]:
    ids = only_ids(ids)
    if not ids:
        return []
    q = _with_parties(visible(actor).select(
        Contract.id, Contract.title, Contract.policy, Contract.status, Contract.client,
        Contract.freelancer, Client.display_name, Freelancer.display_name))
    found = {r[0]: r for r in q.where(Contract.id.in_(ids)).tuples()}
    ids = [i for i in ids if i in found]
    plan = _milestone_figures(ids)
    totals = contract_totals(ids, plan)
    current = _current_milestones(ids)
    deadlines = _next_deadlines(ids)
    out = []
    for i in ids:
        _, title, policy, status, client, freelancer, client_name, freelancer_name = found[i]
        counterpart = freelancer_name if actor.id == client else (
            client_name if actor.id == freelancer else f"{client_name} / {freelancer_name}")
        cur = current.get(i)
        dl = deadlines.get(i)
        out.append(ContractSummary(
            id=i, title=title, policy=policy, policy_label=get_policy(policy).label,
            status=status, client_name=client_name, freelancer_name=freelancer_name,
            counterpart=counterpart, milestone_count=plan.get(i, (0, 0, 0))[2],
            current_title=cur[0] if cur else None, current_status=cur[1] if cur else None,
            totals=totals[i], next_deadline_kind=dl[0] if dl else None,
            next_deadline_at=arrow.get(dl[1]) if dl else None,
            offer=_offer_side(actor.id, policy, client, freelancer)))
    return out


def _offer_side(actor_id: int, policy: str, client: int, freelancer: int) -> str:
    """"sent" if `actor_id` writes offers on `policy` (O-01: Fiverr's seller, Upwork's
    client; as rules.offers.sender_role, which would bring the whole write path into
    the list's imports: a test holds them together), "received" for the other party."""
    if actor_id not in (client, freelancer):
        return ""
    sender = freelancer if get_policy(policy).platform == "fiverr" else client
    return "sent" if actor_id == sender else "received"


def _milestone_figures(ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per contract: budget (milestones not cancelled), remaining (planned and active:
    still to be paid) and the number of milestones, in one grouped query."""
    if not ids:
        return {}
    live = Milestone.status != MilestoneStatus.CANCELLED
    unpaid = Milestone.status.in_([MilestoneStatus.PLANNED, *ACTIVE_STATUSES])
    return {c: (int(b or 0), int(r or 0), n) for c, b, r, n in Milestone.select(
        Milestone.contract,
        fn.SUM(Case(None, [(live, Milestone.amount_cents)], 0)),
        fn.SUM(Case(None, [(unpaid, Milestone.amount_cents)], 0)),
        fn.COUNT(Milestone.id))
        .where(Milestone.contract.in_(ids)).group_by(Milestone.contract).tuples()}


def contract_totals(contract_ids: list[int],
                    plan: dict[int, tuple[int, int, int]] | None = None) -> dict[int, Totals]:
    """Budget, funded, in escrow, released, project funds and remaining per contract, in
    two grouped queries (one when `plan` is already known)."""
    if not contract_ids:
        return {}
    if plan is None:
        plan = _milestone_figures(contract_ids)
    money: dict[int, dict[str, int]] = {}
    for c, account, total, inflow in (LedgerEntry.select(
            LedgerEntry.contract, LedgerEntry.account, fn.SUM(LedgerEntry.amount_cents),
            fn.SUM(Case(None, [(LedgerEntry.amount_cents > 0, LedgerEntry.amount_cents)], 0)))
            .where(LedgerEntry.contract.in_(contract_ids))
            .group_by(LedgerEntry.contract, LedgerEntry.account).tuples()):
        money.setdefault(c, {})[account] = int(total or 0)
        if account == A.ESCROW:
            money[c]["funded"] = int(inflow or 0)
    out = {}
    for c in contract_ids:
        budget, remaining, _ = plan.get(c, (0, 0, 0))
        m = money.get(c, {})
        out[c] = Totals(budget_cents=budget, funded_cents=m.get("funded", 0),
                        in_escrow_cents=m.get(A.ESCROW, 0),
                        released_cents=sum(m.get(a, 0) for a in PAID_ACCOUNTS),
                        project_funds_cents=m.get(A.PROJECT_FUNDS, 0),
                        remaining_cents=remaining)
    return out


def _current_milestones(ids: list[int]) -> dict[int, tuple[str, str]]:
    """The active milestone of each contract (the first, should there be several), or
    else the next one to fund. Two queries, whatever the number of planned ones."""
    out: dict[int, tuple[str, str]] = {}
    if not ids:
        return out
    for c, title, status in (Milestone.select(Milestone.contract, Milestone.title,
                                              Milestone.status)
                             .where(Milestone.contract.in_(ids)
                                    & Milestone.status.in_(list(ACTIVE_STATUSES)))
                             .order_by(Milestone.contract, Milestone.position).tuples()):
        out.setdefault(c, (title, status))
    rest = [i for i in ids if i not in out]  # may be empty: still one query, always
    firsts = (Milestone.select(Milestone.contract, fn.MIN(Milestone.position).alias("pos"))
              .where(Milestone.contract.in_(rest)
                     & (Milestone.status == MilestoneStatus.PLANNED))
              .group_by(Milestone.contract))
    for c, title, status in (Milestone.select(Milestone.contract, Milestone.title,
                                              Milestone.status)
                             .join(firsts, on=((Milestone.contract == firsts.c.contract_id)
                                               & (Milestone.position == firsts.c.pos)))
                             .tuples()):
        # No status filter here: the milestone at that position is the planned one found
        # (a position is one milestone), and a filter on status would let SQLite walk
        # every planned milestone by the (status, due_date) index instead of the few
        # contracts' by (contract, position).
        out.setdefault(c, (title, status))
    return out


def _next_deadlines(ids: list[int]) -> dict[int, tuple[str, object]]:
    """The soonest open window of each contract: its kind and when it falls due."""
    out: dict[int, tuple[str, object]] = {}
    if not ids:
        return out
    for c, kind, due in (Deadline.select(Deadline.contract, Deadline.kind, Deadline.due_at)
                         .where(Deadline.contract.in_(ids)
                                & (Deadline.status == DeadlineStatus.OPEN))
                         .order_by(Deadline.contract, Deadline.due_at, Deadline.id).tuples()):
        out.setdefault(c, (kind, due))
    return out


def has_contracts() -> bool:
    """Is there any contract at all (a first run fills the demo)? Says nothing about whose."""
    return Contract.select().exists()


def find_account(login: str) -> Account:
    found = Account.get_or_none(Account.login == check_search(login, "The login"))
    if found is None or found.role == Role.SYSTEM:
        raise RuleError(NOT_FOUND, f"No user “{login}”.")
    return found


def list_accounts() -> list[Account]:
    return list(Account.select().where(Account.role != Role.SYSTEM)
                .order_by(Account.role, Account.login))


def first_account(role: str | None = None) -> Account | None:
    """The first user (of `role`) in `list_accounts` order, reading one row: the
    command line's default user, without reading every account of a big database."""
    q = Account.select().where(Account.role != Role.SYSTEM)
    if role is not None:
        q = q.where(Account.role == role)
    return q.order_by(Account.role, Account.login).first()
