"""`milestones export contracts|milestones|ledger|timeline|audit`: what you may see
(G-07), streamed as CSV, JSON or JSON lines to stdout or a file, with a progress bar on
stderr when it is a terminal."""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from typing import IO, Iterable, Iterator

from tui.cli.common import CommandLineError, actor_option, database_option, refusals
from tui.cli.contracts import acting
from tui.export_files import FORMATS, WRITERS

KINDS = ("contracts", "milestones", "ledger", "timeline", "audit")
PROGRESS_EVERY = 5000


def register(commands) -> None:
    export = commands.add_parser("export", parents=[database_option(), actor_option()],
                                 help="write contracts, milestones, ledger entries, timeline "
                                      "events or audit records you may see")
    export.add_argument("kind", choices=KINDS)
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--contract", metavar="ID", type=int, help="one contract only")
    export.add_argument("--since", metavar="DATE", help="from this date (UTC) on")
    export.add_argument("--search", metavar="TEXT",
                        help="of the contracts the list's filter finds with TEXT (title, "
                             "party, policy or status)")
    export.add_argument("-o", "--output", metavar="FILE", help="a file instead of stdout")
    export.set_defaults(func=run)


def with_progress(rows: Iterable, total: int, err: IO[str]) -> Iterator:
    for n, row in enumerate(rows, 1):
        if n % PROGRESS_EVERY == 0:
            share = f" ({n * 100 // total}%)" if total else ""
            err.write(f"\r  {n:,} of {total:,} rows{share}")
            err.flush()
        yield row
    err.write(f"\r  {total:,} of {total:,} rows (100%)\n")


@contextmanager
def output(path: str | None):
    if path is None:
        yield sys.stdout
        return
    try:
        handle = open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise CommandLineError(f"Cannot write {path}: {exc.strerror}.") from exc
    with handle:
        yield handle


@refusals
def run(args: argparse.Namespace) -> int:
    from rules.export import count_rows, export_table
    actor = acting(args)
    scope = dict(contract_id=args.contract, since=args.since, search=args.search)
    columns, rows = export_table(actor, args.kind, **scope)
    if sys.stderr.isatty():
        rows = with_progress(rows, count_rows(actor, args.kind, **scope), sys.stderr)
    with output(args.output) as out:
        n = WRITERS[args.format](columns, rows, out)
    if args.output:
        print(f"{n:,} {args.kind} rows written to {args.output}.", file=sys.stderr)
    return 0
