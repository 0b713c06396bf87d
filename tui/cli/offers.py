"""Offers from the command line (rules/offers.py, O-01..O-06), as the caller's own
account (tui.cli.acting):

    milestones offers send --to LOGIN --policy upwork --title TEXT
                           --milestone "Design:250.00:2026-04-01" [--milestone ...]
                           (criteria: "Design:250.00:2026-04-01 | Fast; On phones")
                           [--description TEXT] [--expires YYYY-MM-DD|Nd]
    milestones offers accept|decline CONTRACT [--message TEXT]
    milestones offers withdraw CONTRACT
    milestones offers list [--json]

On Upwork the client sends to a freelancer; on Fiverr the seller (freelancer) sends a
custom offer to a buyer. An offer expires (O-06): by default 14 days after it is sent;
`--expires 2026-12-20` keeps it open through that day (UTC), `--expires 7d` for 7 days
from now; at most 90 days. `offers list` shows when each expires (or expired). A refusal
is exit 2 with the rule id on stderr; nothing is
written."""
from __future__ import annotations

import argparse
import datetime as dt

from tui.cli.common import CommandLineError, actor_option, database_option, refusals
from tui.cli.contracts import acting, json_option, money
from tui.cli.milestone_verbs import done
from tui.cli.output import plain_table


def register(commands) -> None:
    shared = [database_option(), actor_option(), json_option()]
    offers = commands.add_parser("offers", help="send, answer, withdraw and list offers")
    verbs = offers.add_subparsers(dest="verb", metavar="VERB", required=True)
    send = verbs.add_parser("send", parents=shared, help="write an offer to a counterpart")
    send.add_argument("--to", required=True, metavar="LOGIN",
                      help="the freelancer (Upwork) or the buyer (Fiverr)")
    send.add_argument("--policy", required=True,
                      help="upwork, upwork-hourly… or fiverr-gig, fiverr-offer")
    send.add_argument("--title", required=True)
    send.add_argument("--description", default="")
    send.add_argument("--expires", type=expires_spec, metavar="DATE|Nd",
                      help="when the offer expires unanswered: a date YYYY-MM-DD (open "
                           "through that day, UTC) or a number of days, e.g. 7d "
                           "(default 14d, at most 90d)")
    send.add_argument("--funding", default="one", metavar="one|N|all",
                      help="how the contract is funded: one milestone at a time (default), "
                           "N (2 to 20) at a time, or all up front (X-36)")
    send.add_argument("--milestone", action="append", required=True, metavar="T:A:D",
                      help="TITLE:AMOUNT:DUE, e.g. \"Design:250.00:2026-04-01\" (repeat "
                           "it for each milestone, in order; the title may hold colons); "
                           "acceptance criteria after \" | \", split by \";\" (X-32)")
    send.set_defaults(func=run_send)
    for name, helptext, func in (("accept", "accept an offer sent to you", run_accept),
                                 ("decline", "decline an offer sent to you", run_decline)):
        answer = verbs.add_parser(name, parents=shared, help=helptext)
        answer.add_argument("contract", metavar="CONTRACT", type=int)
        answer.add_argument("--message", default="")
        answer.set_defaults(func=func)
    withdraw = verbs.add_parser("withdraw", parents=shared, help="withdraw your offer")
    withdraw.add_argument("contract", metavar="CONTRACT", type=int)
    withdraw.set_defaults(func=run_withdraw)
    listing = verbs.add_parser("list", parents=shared, help="offers you sent or received")
    listing.set_defaults(func=run_list)


def milestone_spec(text: str):
    """"Design:250.00:2026-04-01 | Fast; On phones" -> AddMilestone("Design", 25000,
    date, criteria=("Fast", "On phones")). The amount through the rules' own parser
    (integer cents, never a float); an empty due date is none; criteria are optional."""
    from rules.money import parse_money
    from rules.plan import AddMilestone
    text, _, criteria = text.partition(" | ")
    parts = text.rsplit(":", 2)
    if len(parts) != 3:
        raise CommandLineError(f"--milestone “{text}”: write TITLE:AMOUNT:DUE, e.g. "
                               "\"Design:250.00:2026-04-01\".")
    title, amount, due = parts
    try:
        day = dt.date.fromisoformat(due) if due else None
    except ValueError:
        raise CommandLineError(f"--milestone “{text}”: “{due}” is not a date "
                               "(YYYY-MM-DD).") from None
    return AddMilestone(title=title, amount_cents=parse_money(amount), due_date=day,
                        criteria=tuple(c.strip() for c in criteria.split(";") if c.strip()))


def expires_spec(text: str) -> dt.date | dt.timedelta:
    """"2026-12-20" -> that date; "7d" -> 7 days (rules.offer_form.parse_expiry, as the
    TUI's form reads it). The rules check the range (O-06)."""
    from rules.errors import RuleError
    from rules.offer_form import parse_expiry
    try:
        value = parse_expiry(text)
    except RuleError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None
    if value is None:
        raise argparse.ArgumentTypeError("an empty expiry: leave --expires out for the "
                                         "default (14 days)")
    return value


def iso_utc(at) -> str | None:
    """ISO 8601 in UTC, e.g. 2026-12-21T00:00:00+00:00; None for none."""
    return at.to("UTC").isoformat() if at is not None else None


def facts(c) -> dict:
    return {"contract": c.id, "title": c.title, "policy": c.policy, "status": c.status,
            "funding_limit": c.funding_limit}


@refusals
def run_send(args: argparse.Namespace) -> int:
    from rules.money import format_money
    from rules.offers import expiries, send_offer
    plan = [milestone_spec(m) for m in args.milestone]
    c = send_offer(acting(args), args.to, args.policy, args.title, args.description, plan,
                   args.expires, funding=args.funding)
    total = sum(m.amount_cents for m in plan)
    expiry = expiries([c.id]).get(c.id)
    return done(args, f"Offer #{c.id} “{c.title}” sent to {args.to}: {len(plan)} "
                      f"milestone{'s' if len(plan) != 1 else ''}, {format_money(total)}; "
                      f"it expires {_shown(expiry)} UTC.",
                {**facts(c), "milestones": len(plan), "total": money(total),
                 "expires_at": iso_utc(expiry)})


@refusals
def run_accept(args: argparse.Namespace) -> int:
    from rules.offers import accept_offer
    c = accept_offer(acting(args), args.contract, args.message)
    return done(args, f"Accepted offer #{c.id}: the contract is open.", facts(c))


@refusals
def run_decline(args: argparse.Namespace) -> int:
    from rules.offers import decline_offer
    c = decline_offer(acting(args), args.contract, args.message)
    return done(args, f"Declined offer #{c.id}.", facts(c))


@refusals
def run_withdraw(args: argparse.Namespace) -> int:
    from rules.offers import withdraw_offer
    c = withdraw_offer(acting(args), args.contract)
    return done(args, f"Withdrew offer #{c.id}.", facts(c))


@refusals
def run_list(args: argparse.Namespace) -> int:
    import json
    import sys

    from rules.offers import expiries, list_offers, sender_of
    actor = acting(args)
    offers = list_offers(actor)
    expiry = expiries([c.id for c in offers])
    rows = [{**facts(c), "sent": sender_of(c) == actor.id,
             "expires_at": iso_utc(expiry.get(c.id))} for c in offers]
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    print(plain_table(["#", "Title", "Policy", "Status", "Sent/received", "Expires (UTC)"],
                      [[r["contract"], r["title"], r["policy"], r["status"],
                        "sent" if r["sent"] else "received",
                        _shown(expiry.get(r["contract"]))] for r in rows]))
    return 0


def _shown(at) -> str:
    return at.to("UTC").format("YYYY-MM-DD HH:mm") if at is not None else "never"
