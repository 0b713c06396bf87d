"""`milestones contracts list | show`: what the caller may see (G-07), as a table for
people or `--json` for scripts. Money is given in cents and as a decimal string."""
from __future__ import annotations

import argparse
import json
import sys

from tui.cli.common import actor_option, args_url, database_option, open_db, refusals
from tui.cli.output import plain_table


def json_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", help="JSON for scripts")
    return parent


def register(commands) -> None:
    shared = [database_option(), actor_option(), json_option()]
    contracts = commands.add_parser("contracts", parents=shared,
                                    help="list the contracts you may see, or show one")
    verbs = contracts.add_subparsers(dest="contracts_command", metavar="CONTRACTS_COMMAND",
                                     required=True)
    listing = verbs.add_parser("list", parents=shared, help="your contracts, newest last")
    listing.add_argument("--search", metavar="TEXT", help="title, party or number")
    listing.add_argument("--limit", type=int, default=200)
    listing.set_defaults(func=run_list)
    show = verbs.add_parser("show", parents=shared, help="one contract and its milestones")
    show.add_argument("contract", metavar="CONTRACT", type=int)
    show.set_defaults(func=run_show)


def money(cents: int | None) -> dict | None:
    """Cents, and the same amount as a decimal string ("1234.50")."""
    if cents is None:
        return None
    sign = "-" if cents < 0 else ""
    return {"cents": cents, "amount": f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"}


def iso(at) -> str | None:
    return at.to("UTC").isoformat().replace("+00:00", "Z") if at is not None else None


def summary_row(s) -> dict:
    t = s.totals
    return dict(id=s.id, title=s.title, policy=s.policy, status=s.status,
                client=s.client_name, freelancer=s.freelancer_name,
                current_milestone=s.current_title, current_status=s.current_status,
                in_escrow=money(t.in_escrow_cents), released=money(t.released_cents),
                budget=money(t.budget_cents), next_deadline=s.next_deadline_kind,
                next_deadline_at=iso(s.next_deadline_at))


def acting(args):
    from tui.cli.acting import acting_account
    open_db(args_url(args))
    return acting_account(getattr(args, "login", None))[0]


@refusals
def run_list(args: argparse.Namespace) -> int:
    from rules.queries import list_contracts
    from rules.money import format_money
    actor = acting(args)
    rows = list_contracts(actor, search=args.search, limit=max(1, min(args.limit, 10_000)))
    if args.json:
        json.dump([summary_row(s) for s in rows], sys.stdout, indent=2)
        print()
        return 0
    print(plain_table(["#", "title", "status", "counterpart", "current milestone",
                       "in escrow"],
                      [[str(s.id), s.title, s.status, s.counterpart,
                        f"{s.current_title} · {s.current_status}" if s.current_title else "-",
                        format_money(s.totals.in_escrow_cents)] for s in rows]))
    return 0


def detail_json(d) -> dict:
    return dict(
        id=d.id, title=d.title, policy=d.policy, status=d.status, version=d.version,
        client=d.client.login, freelancer=d.freelancer.login, you_are=d.capacity,
        budget=money(d.totals.budget_cents), in_escrow=money(d.totals.in_escrow_cents),
        released=money(d.totals.released_cents),
        project_funds=money(d.totals.project_funds_cents),
        next_to_fund=d.next_to_fund_id, funding_limit=d.funding_limit,
        milestones=[dict(id=m.id, position=m.position, title=m.title, status=m.status,
                         amount=money(m.amount_cents), in_escrow=money(m.escrow_cents),
                         paid=money(m.paid_cents),
                         due_date=m.due_date.isoformat() if m.due_date else None,
                         criteria=list(m.criteria), version=m.version)
                    for m in d.milestones])


@refusals
def run_show(args: argparse.Namespace) -> int:
    from rules.contract_view import contract_detail
    from rules.money import format_money
    detail = contract_detail(acting(args), args.contract)
    if args.json:
        json.dump(detail_json(detail), sys.stdout, indent=2)
        print()
        return 0
    from rules.funding import describe_funding
    print(f"#{detail.id} {detail.title} ({detail.policy_label}, {detail.status}; funds "
          f"{describe_funding(detail.funding_limit)})")
    print(f"client {detail.client.display_name}, freelancer {detail.freelancer.display_name}; "
          f"in escrow {format_money(detail.totals.in_escrow_cents)}, released "
          f"{format_money(detail.totals.released_cents)}")
    print(plain_table(["milestone", "#", "title", "status", "amount", "due"],
                      [[str(m.id), str(m.position), m.title, m.status,
                        format_money(m.amount_cents),
                        m.due_date.isoformat() if m.due_date else "-"]
                       for m in detail.milestones]))
    return 0
