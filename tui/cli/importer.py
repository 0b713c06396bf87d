"""`milestones import contracts FILE [--format csv|json] [--dry-run] [--as-offers] [--json]`:
one row a milestone, grouped by its `contract` column, made into contracts through rules/
(rules/importer.py) as the caller's own account, all or nothing; `--as-offers` sends
each as an offer instead (rules.offers.send_offer; it expires in 14 days, O-06). Every
problem is printed at once on stderr as FILE:LINE:COLUMN: message [RULE], and then
nothing is written (exit 2). `milestones import sample` prints a sample file to start from."""
from __future__ import annotations

import argparse
import json
import sys
from importlib.resources import files

from tui.cli.common import CommandLineError, actor_option, database_option, refusals
from tui.cli.contracts import acting, json_option

SAMPLE = "contracts.csv"


def register(commands) -> None:
    imports = commands.add_parser("import", help="import contracts from a CSV or JSON file")
    kinds = imports.add_subparsers(dest="kind", metavar="KIND", required=True)
    contracts = kinds.add_parser("contracts", parents=[database_option(), actor_option(),
                                                       json_option()],
                                 help="one row a milestone, grouped by the contract column")
    contracts.add_argument("file", metavar="FILE")
    contracts.add_argument("--format", choices=("csv", "json"),
                           help="default: from the file's extension")
    contracts.add_argument("--dry-run", action="store_true",
                           help="check everything, write nothing")
    contracts.add_argument("--as-offers", action="store_true",
                           help="send each contract as an offer to its counterpart (it "
                                "expires in 14 days); end_date must be empty")
    contracts.set_defaults(func=run)
    sample = kinds.add_parser("sample", help="print a sample CSV file to start from")
    sample.set_defaults(func=run_sample)


def run_sample(args: argparse.Namespace) -> int:
    sys.stdout.write(files("tui.cli").joinpath("samples", SAMPLE).read_text("utf-8"))
    return 0


@refusals
def run(args: argparse.Namespace) -> int:
    from rules.import_rows import detect_format
    from rules.importer import OPEN_CONTRACTS, SEND_OFFERS, import_contracts
    fmt = detect_format(args.file, args.format)
    if fmt is None:
        raise CommandLineError(f"{args.file}: say --format csv or --format json (the "
                               "name does not end in .csv or .json).")
    try:
        with open(args.file, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise CommandLineError(f"Cannot read {args.file}: {exc.strerror}.") from None
    result = import_contracts(acting(args), data, fmt=fmt, dry_run=args.dry_run,
                              creator=SEND_OFFERS if args.as_offers else OPEN_CONTRACTS)
    if not result.ok:
        for problem in result.problems:
            print(f"milestones: {problem.render(args.file)}", file=sys.stderr)
        print(f"milestones: {len(result.problems)} problem"
              f"{'s' if len(result.problems) != 1 else ''}; nothing was written.",
              file=sys.stderr)
        return 2
    facts = {"contracts": result.contracts, "milestones": result.milestones,
             "dry_run": result.dry_run, "ids": result.ids}
    if args.json:
        json.dump(facts, sys.stdout, indent=2)
        print()
    else:
        made = "sent as offers" if args.as_offers else "created"
        verb = f"would be {made} (dry run: nothing written)" if args.dry_run else made
        print(f"{result.contracts} contracts, {result.milestones} milestones {verb}.")
    return 0
