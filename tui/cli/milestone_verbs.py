"""The actions on milestones, one command a verb, each calling the same rules/
function as the TUI, as the caller's own account (tui.cli.acting):

    milestones fund CONTRACT
    milestones submit MILESTONE --message TEXT [--link URL]
    milestones request-changes MILESTONE --message TEXT
    milestones release MILESTONE [--amount 250.00] [--bonus 20] [--end-contract]
    milestones refund MILESTONE [--amount 100] --reason TEXT

A refusal is exit 2 with the rule id and message on stderr; nothing is written."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from tui.cli.common import actor_option, database_option, refusals
from tui.cli.contracts import acting, json_option, money


def register(commands) -> None:
    shared = [database_option(), actor_option(), json_option()]
    fund = commands.add_parser("fund", parents=shared,
                               help="fund the contract's next milestone into escrow")
    fund.add_argument("contract", metavar="CONTRACT", type=int)
    fund.set_defaults(func=run_fund)
    submit = commands.add_parser("submit", parents=shared, help="submit work for review")
    submit.add_argument("milestone", metavar="MILESTONE", type=int)
    submit.add_argument("--message", required=True)
    submit.add_argument("--link", default="")
    submit.set_defaults(func=run_submit)
    changes = commands.add_parser("request-changes", parents=shared,
                                  help="ask for changes to submitted work")
    changes.add_argument("milestone", metavar="MILESTONE", type=int)
    changes.add_argument("--message", required=True)
    changes.set_defaults(func=run_request_changes)
    release = commands.add_parser("release", parents=shared,
                                  help="approve and pay a milestone (all of its escrow "
                                       "unless --amount)")
    release.add_argument("milestone", metavar="MILESTONE", type=int)
    release.add_argument("--amount", metavar="DOLLARS")
    release.add_argument("--bonus", metavar="DOLLARS")
    release.add_argument("--end-contract", action="store_true")
    release.set_defaults(func=run_release)
    refund = commands.add_parser("refund", parents=shared,
                                 help="ask for a refund of a milestone's escrow or payment")
    refund.add_argument("milestone", metavar="MILESTONE", type=int)
    refund.add_argument("--amount", metavar="DOLLARS")
    refund.add_argument("--reason", default="")
    refund.set_defaults(func=run_refund)


def done(args: argparse.Namespace, what: str, facts: dict) -> int:
    if args.json:
        json.dump(facts, sys.stdout, indent=2)
        print()
    else:
        print(what)
    return 0


def cents(text: str | None) -> int | None:
    from rules.money import parse_money
    return None if text is None else parse_money(text)


@refusals
def run_fund(args: argparse.Namespace) -> int:
    from rules.money import format_money
    from rules.payments import fund_next_milestone
    m = fund_next_milestone(acting(args), args.contract)
    return done(args, f"Funded “{m.title}” (#{m.id}): {format_money(m.amount_cents)} in "
                      "escrow.",
                dict(milestone=m.id, status=m.status, amount=money(m.amount_cents)))


@refusals
def run_submit(args: argparse.Namespace) -> int:
    from rules.work import submit_work
    sub = submit_work(acting(args), args.milestone, args.message, args.link)
    return done(args, f"Submitted work for milestone #{args.milestone}.",
                dict(milestone=args.milestone, submission=sub.id, status="submitted"))


@refusals
def run_request_changes(args: argparse.Namespace) -> int:
    from rules.work import request_changes
    request_changes(acting(args), args.milestone, args.message)
    return done(args, f"Asked for changes to milestone #{args.milestone}.",
                dict(milestone=args.milestone, status="changes_requested"))


@refusals
def run_release(args: argparse.Namespace) -> int:
    from rules.payments import release
    actor = acting(args)
    result = release(actor, args.milestone, cents(args.amount), cents(args.bonus) or 0,
                     end_contract=args.end_contract)
    facts = {(k[:-len("_cents")] if k.endswith("_cents") else k):
             (money(v) if k.endswith("_cents") else v) for k, v in asdict(result).items()}
    paid = facts["released"]["amount"]
    return done(args, f"Released {paid} for milestone #{args.milestone}"
                      + (" and ended the contract." if result.contract_ended else "."), facts)


@refusals
def run_refund(args: argparse.Namespace) -> int:
    from rules.refunds import request_refund
    rr = request_refund(acting(args), args.milestone, cents(args.amount), args.reason)
    return done(args, f"Asked for a refund of {money(rr.amount_cents)['amount']} on "
                      f"milestone #{args.milestone} (request #{rr.id}).",
                dict(milestone=args.milestone, refund_request=rr.id, status=rr.status,
                     amount=money(rr.amount_cents)))
