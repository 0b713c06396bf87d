"""Checking import rows against the rules (pure: no database): each cell through the
same checks create_contract makes (rules/validation.py, rules/money.py, rules/plan.py
check_milestone_fields, the policy's limits), so each problem can name its line and
column. create_contract checks it all again when it writes: it is the authority; this is
how the user learns of every problem at once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from rules.errors import NOT_FOUND, RuleError
from rules.funding import ONE_AT_A_TIME, check_funding
from rules.import_rows import CONTRACT_COLUMNS, OPTIONAL_CONTRACT_COLUMNS, Problem, Row
from rules.money import parse_money
from rules.plan import AddMilestone, PlanContext, check_milestone_fields
from rules.policy import POLICIES, Policy, get_policy
from rules.validation import (check_milestone_count, check_order_total, check_search,
                              check_title, parse_date)

# For the checks that do not depend on the policy (titles, descriptions) when the row's
# policy is unknown: every problem is still reported, not only the first.
_ANY_POLICY = POLICIES["upwork"]


@dataclass(frozen=True)
class ImportedContract:
    """One contract of the file, checked: what the creating function is given."""
    key: str           # the file's own name for it (the `contract` column)
    line: int          # its first row's line
    title: str
    policy: str
    counterpart: str   # the login
    counterpart_id: int
    end_date: dt.date | None
    milestones: tuple[AddMilestone, ...]
    funding: int = ONE_AT_A_TIME

    @property
    def total_cents(self) -> int:
        return sum(m.amount_cents for m in self.milestones)


class _Cells:
    """Runs one check on one cell, collecting its refusal as a Problem."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def check(self, row: Row, column: str, fn: Callable[[str], Any]) -> tuple[bool, Any]:
        if column in row.broken:
            return False, None
        try:
            return True, fn(row.values.get(column, ""))
        except RuleError as exc:
            self.problems.append(row.problem(column, exc.message, exc.rule_id))
            return False, None


def check_rows(rows: list[Row], *, counterparts: Mapping[str, int], counterpart_role: str,
               today: dt.date) -> tuple[list[ImportedContract], list[Problem]]:
    """The file's contracts (rows grouped by their `contract` key, in the order each key
    first appears) and every problem found. `counterparts` maps the login of each
    account the caller may make a contract with (of `counterpart_role`) to its id."""
    cells = _Cells()
    groups: dict[str, list[Row]] = {}
    for row in rows:
        ok, key = cells.check(row, "contract", lambda v: check_title(v, "The contract key"))
        if ok:
            groups.setdefault(key, []).append(row)
    contracts = []
    for key, group in groups.items():
        found = _check_contract(key, group, cells, counterparts, counterpart_role, today)
        if found is not None:
            contracts.append(found)
    if cells.problems:
        contracts = []
    return contracts, sorted(cells.problems, key=lambda p: (p.line, p.number, p.column))


def _contract_checks(counterparts: Mapping[str, int], role: str) -> dict[str, Callable]:
    def counterpart(value: str) -> str:
        login = check_search(value, "The counterpart's login").lower()
        if login not in counterparts:  # unknown, or not of the role: one answer (I-02)
            raise RuleError(NOT_FOUND, f"There is no {role} account “{login}” to make "
                                       "this contract with.")
        return login
    return {"title": lambda v: check_title(v, "The contract title"),
            "policy": lambda v: get_policy(v.strip().lower()).name,
            "counterpart": counterpart,
            "end_date": parse_date,
            # empty is the default, one at a time.
            "funding": lambda v: check_funding(v) if v.strip() else ONE_AT_A_TIME}


def _check_contract(key: str, group: list[Row], cells: _Cells,
                    counterparts: Mapping[str, int], role: str,
                    today: dt.date) -> ImportedContract | None:
    """The contract-level fields come from the contract's first row; a later row may
    leave them empty, or repeat them, but not say something else."""
    first = group[0]
    head: dict[str, Any] = {}
    valid = True
    checks = _contract_checks(counterparts, role)
    for column in CONTRACT_COLUMNS[1:]:
        ok, value = cells.check(first, column, checks[column])
        if ok and value in ("", None) and column not in OPTIONAL_CONTRACT_COLUMNS:
            cells.problems.append(first.problem(column, f"required on the first row of "
                                                        f"contract “{key}”"))
            ok = False
        valid &= ok
        head[column] = value if ok else None
        for row in group[1:]:
            if not row.values.get(column, "").strip():
                continue
            same, later = cells.check(row, column, checks[column])
            if same and ok and later != value:
                cells.problems.append(row.problem(
                    column, f"contract “{key}” says something else on line {first.line}: "
                            f"every row of a contract gives the same {column} (or leaves "
                            "it empty)"))
            valid &= same
    policy = POLICIES.get(head["policy"] or "")
    ctx = PlanContext(policy=policy or _ANY_POLICY, starts_on=today,
                      end_date=head["end_date"])
    drafts = [_check_milestone(row, cells, ctx, policy is not None) for row in group]
    valid &= all(d is not None for d in drafts)
    if policy is not None:
        _contract_limits(key, group, drafts, cells, policy)
    if not valid or policy is None:
        return None
    milestones = tuple(d for d in drafts if d is not None)
    return ImportedContract(key=key, line=first.line, title=head["title"],
                            policy=policy.name, counterpart=head["counterpart"],
                            counterpart_id=counterparts[head["counterpart"]],
                            end_date=head["end_date"], milestones=milestones,
                            funding=head["funding"])


def _check_milestone(row: Row, cells: _Cells, ctx: PlanContext,
                     policy_known: bool) -> AddMilestone | None:
    def field(name: str, value: Any) -> Any:
        return check_milestone_fields({name: value}, ctx)[name]

    def amount(v: str) -> int:
        cents = parse_money(v)  # G-01 whatever the policy
        return field("amount_cents", cents) if policy_known else cents

    def due(v: str) -> dt.date | None:
        date = parse_date(v)
        return field("due_date", date) if policy_known else date

    def revisions(v: str) -> int | None:
        text = v.strip()
        number: Any = int(text) if text.isascii() and text.isdigit() else (text or None)
        return field("revisions_allowed", number) if policy_known else None

    results = [cells.check(row, "milestone_title", lambda v: field("title", v)),
               cells.check(row, "amount", amount),
               cells.check(row, "due", due),
               cells.check(row, "milestone_description", lambda v: field("description", v)),
               cells.check(row, "revisions", revisions),
               # split by ";" as the milestone form and the CLI split them.
               cells.check(row, "criteria", lambda v: field(
                   "criteria", [part.strip() for part in v.split(";") if part.strip()]))]
    if not all(ok for ok, _ in results):
        return None
    (_, title), (_, cents), (_, due_date), (_, description), (_, revs), (_, crit) = results
    return AddMilestone(title=title, amount_cents=cents, description=description,
                        due_date=due_date, revisions=revs, criteria=tuple(crit or ()))


def _contract_limits(key: str, group: list[Row], drafts: list[AddMilestone | None],
                     cells: _Cells, policy: Policy) -> None:
    """U-02/F-02 (how many milestones) and F-01 (the order's total), as create_contract."""
    try:
        check_milestone_count(len(group), policy)
    except RuleError as exc:
        row = group[policy.max_milestones]  # the first row past the limit
        cells.problems.append(row.problem("milestone_title", f"contract “{key}”: "
                                          f"{exc.message}", exc.rule_id))
    if all(d is not None for d in drafts):
        try:
            check_order_total(sum(d.amount_cents for d in drafts), policy)
        except RuleError as exc:
            cells.problems.append(group[0].problem("amount", f"contract “{key}”: "
                                                   f"{exc.message}", exc.rule_id))


def write_problem(contract: ImportedContract, error: RuleError) -> Problem:
    """A refusal from the writing function (which checks everything again, and things
    only it can: the caller's right to create), at the contract's first line."""
    return Problem(contract.line, f"contract “{contract.key}”: {error.message}",
                   error.rule_id)
