"""The actions on milestones, one command a verb, each calling the same rules/
function as the TUI, as the caller's own account (tui.cli.acting):

    milestones fund CONTRACT [--ahead]
    milestones submit MILESTONE --message TEXT [--link URL] [--evidence "URL | NOTE" ...]
    milestones request-changes MILESTONE --message TEXT
    milestones release MILESTONE [--amount 250.00] [--bonus 20] [--end-contract]
                       [--undo-minutes N | --at "YYYY-MM-DD HH:mm"]
    milestones take-back MILESTONE
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
    fund.add_argument("--ahead", action="store_true",
                      help="fund every future milestone the contract's funding policy has "
                           "room for, in list order (X-37)")
    fund.set_defaults(func=run_fund)
    submit = commands.add_parser("submit", parents=shared, help="submit work for review")
    submit.add_argument("milestone", metavar="MILESTONE", type=int)
    submit.add_argument("--message", required=True)
    submit.add_argument("--link", default="")
    submit.add_argument("--evidence", action="append", metavar="URL | NOTE", default=[],
                        help="evidence for the next acceptance criterion, in order: a "
                             "link, a note, or both as \"URL | NOTE\" (X-33)")
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
    when = release.add_mutually_exclusive_group()
    when.add_argument("--undo-minutes", metavar="N", type=int,
                      help="final N minutes later, until then take-back undoes it (X-30; "
                           "default: the config's release_undo_minutes, else 10; 0: now)")
    when.add_argument("--at", metavar="WHEN",
                      help="release at this time in your time zone, YYYY-MM-DD HH:mm or "
                           "HH:mm (X-29)")
    release.set_defaults(func=run_release)
    take_back = commands.add_parser("take-back", parents=shared,
                                    help="take back a release that is not final yet (X-31)")
    take_back.add_argument("milestone", metavar="MILESTONE", type=int)
    take_back.set_defaults(func=run_take_back)
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
    from rules.payments import fund_ahead, fund_next_milestone
    if args.ahead:
        funded = fund_ahead(acting(args), args.contract)
        total = sum(m.amount_cents for m in funded)
        return done(args, f"Funded {len(funded)} milestone{'s' if len(funded) != 1 else ''} "
                          f"({', '.join(f'#{m.id}' for m in funded)}): "
                          f"{format_money(total)} in escrow.",
                    dict(milestones=[m.id for m in funded], amount=money(total)))
    m = fund_next_milestone(acting(args), args.contract)
    return done(args, f"Funded “{m.title}” (#{m.id}): {format_money(m.amount_cents)} in "
                      "escrow.",
                dict(milestone=m.id, status=m.status, amount=money(m.amount_cents)))


@refusals
def run_submit(args: argparse.Namespace) -> int:
    from rules.evidence import evidence_from_text
    from rules.work import submit_work
    sub = submit_work(acting(args), args.milestone, args.message, args.link,
                      evidence=evidence_from_text(args.evidence))
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
    """Final now, after the undo window (X-30), or at --at (X-29): one rules/ call each."""
    import arrow

    from rules.payments import ReleaseResult
    from rules.pending_release import parse_release_at, release_with_undo, schedule_release
    from tui.config import release_undo_minutes
    actor = acting(args)
    amount, bonus = cents(args.amount), cents(args.bonus) or 0
    at = parse_release_at(args.at, actor.timezone, arrow.utcnow()) if args.at else None
    if at is not None:
        result = schedule_release(actor, args.milestone, at, amount, bonus,
                                  end_contract=args.end_contract)
    else:
        result = release_with_undo(actor, args.milestone, amount, bonus,
                                   undo_minutes=release_undo_minutes(args.undo_minutes),
                                   end_contract=args.end_contract)
    if not isinstance(result, ReleaseResult):
        return held(args, actor, result)
    facts = {(k[:-len("_cents")] if k.endswith("_cents") else k):
             (money(v) if k.endswith("_cents") else v) for k, v in asdict(result).items()}
    paid = facts["released"]["amount"]
    return done(args, f"Released {paid} for milestone #{args.milestone}"
                      + (" and ended the contract." if result.contract_ended else "."), facts)


def held(args: argparse.Namespace, actor, pending) -> int:
    import arrow

    from rules.pending_release import stamp
    final_at = arrow.get(pending.final_at)
    final = stamp(final_at, actor)
    what = "Scheduled" if pending.kind == "scheduled" else "Released"
    return done(args, f"{what} {money(pending.amount_cents)['amount']} for milestone "
                      f"#{args.milestone}: final at {final}; until then `milestones take-back "
                      f"{args.milestone}` undoes it.",
                dict(milestone=args.milestone, status="releasing", kind=pending.kind,
                     final_at=final_at.isoformat(),
                     released=money(pending.amount_cents), bonus=money(pending.bonus_cents)))


@refusals
def run_take_back(args: argparse.Namespace) -> int:
    from rules.pending_release import take_back_release
    pending = take_back_release(acting(args), args.milestone)
    return done(args, f"Took back the release of {money(pending.amount_cents)['amount']} for "
                      f"milestone #{args.milestone}: nothing was paid.",
                dict(milestone=args.milestone, status=pending.previous_status,
                     taken_back=money(pending.amount_cents)))


@refusals
def run_refund(args: argparse.Namespace) -> int:
    from rules.refunds import request_refund
    rr = request_refund(acting(args), args.milestone, cents(args.amount), args.reason)
    return done(args, f"Asked for a refund of {money(rr.amount_cents)['amount']} on "
                      f"milestone #{args.milestone} (request #{rr.id}).",
                dict(milestone=args.milestone, refund_request=rr.id, status=rr.status,
                     amount=money(rr.amount_cents)))
