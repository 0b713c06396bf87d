"""A contract's funding policy (X-36..X-38), changed only by both parties:

    milestones funding ask CONTRACT one|N|all [--message TEXT]
    milestones funding accept REQUEST
    milestones funding decline REQUEST [--message TEXT]
    milestones funding withdraw REQUEST

`ask` writes a request the other party answers within 7 days; `fund CONTRACT --ahead`
funds every milestone the policy has room for. A refusal is exit 2 with the rule id."""
from __future__ import annotations

import argparse

from tui.cli.common import actor_option, database_option, refusals
from tui.cli.contracts import acting, json_option
from tui.cli.milestone_verbs import done


def register(commands) -> None:
    shared = [database_option(), actor_option(), json_option()]
    funding = commands.add_parser("funding", help="ask for or answer a change of how a "
                                                  "contract is funded (X-38)")
    verbs = funding.add_subparsers(dest="verb", metavar="VERB", required=True)
    ask = verbs.add_parser("ask", parents=shared,
                           help="ask the other party to fund the contract another way")
    ask.add_argument("contract", metavar="CONTRACT", type=int)
    ask.add_argument("funding", metavar="one|N|all",
                     help="one milestone at a time, N (2 to 20) at a time, or all up front")
    ask.add_argument("--message", default="")
    ask.set_defaults(func=run_ask)
    for name, helptext, func in (
            ("accept", "accept the other party's funding request", run_accept),
            ("decline", "decline the other party's funding request", run_decline),
            ("withdraw", "withdraw your funding request before it is answered",
             run_withdraw)):
        verb = verbs.add_parser(name, parents=shared, help=helptext)
        verb.add_argument("request", metavar="REQUEST", type=int)
        if name == "decline":
            verb.add_argument("--message", default="")
        verb.set_defaults(func=func)


@refusals
def run_ask(args: argparse.Namespace) -> int:
    from rules.funding import describe_funding
    from rules.funding_change import funding_of, request_funding_change
    cr = request_funding_change(acting(args), args.contract, args.funding, args.message)
    before, after = funding_of(cr)
    return done(args, f"Funding request #{cr.id} sent: {describe_funding(after)} instead "
                      f"of {describe_funding(before)}; the other party has 7 days to "
                      "answer.",
                dict(request=cr.id, contract=args.contract, status=cr.status,
                     funding_limit=after, expires_at=cr.expires_at.isoformat() + "Z"))


@refusals
def run_accept(args: argparse.Namespace) -> int:
    from rules.funding import describe_funding
    from rules.funding_change import accept_funding_change
    limit = accept_funding_change(acting(args), args.request)
    return done(args, f"Accepted: the contract funds {describe_funding(limit)} now.",
                dict(request=args.request, status="approved", funding_limit=limit))


@refusals
def run_decline(args: argparse.Namespace) -> int:
    from rules.funding_change import decline_funding_change
    decline_funding_change(acting(args), args.request, args.message)
    return done(args, f"Declined funding request #{args.request}.",
                dict(request=args.request, status="rejected"))


@refusals
def run_withdraw(args: argparse.Namespace) -> int:
    from rules.funding_change import withdraw_funding_change
    withdraw_funding_change(acting(args), args.request)
    return done(args, f"Withdrew funding request #{args.request}.",
                dict(request=args.request, status="withdrawn"))
