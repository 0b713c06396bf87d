"""`milestones export contracts|milestones|ledger|timeline|audit`: what you may see
(G-07), streamed as CSV, JSON or JSON lines to stdout or a file, with a progress bar on
stderr when it is a terminal."""
from __future__ import annotations

import argparse
import csv
import json
import sys
from contextlib import contextmanager
from typing import IO, Iterable, Iterator

from tui.cli.common import CommandLineError, actor_option, database_option, refusals
from tui.cli.contracts import acting

KINDS = ("contracts", "milestones", "ledger", "timeline", "audit")
FORMATS = ("csv", "json", "jsonl")
# Text a user typed: a spreadsheet would run a cell that starts like a formula.
TEXT_FIELDS = frozenset({"title", "summary", "reason", "target", "before", "after"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 5000


def register(commands) -> None:
    export = commands.add_parser("export", parents=[database_option(), actor_option()],
                                 help="write contracts, milestones, ledger entries, timeline "
                                      "events or audit records you may see")
    export.add_argument("kind", choices=KINDS)
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--contract", metavar="ID", type=int, help="one contract only")
    export.add_argument("--since", metavar="DATE", help="from this date (UTC) on")
    export.add_argument("-o", "--output", metavar="FILE", help="a file instead of stdout")
    export.set_defaults(func=run)


def safe_cell(name: str, value):
    if name in TEXT_FIELDS and isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(columns: tuple[str, ...], rows: Iterator[tuple], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    text = [i for i, name in enumerate(columns) if name in TEXT_FIELDS]
    n = 0
    for row in rows:
        if text:
            row = list(row)
            for i in text:
                row[i] = safe_cell(columns[i], row[i])
        writer.writerow(row)
        n += 1
    return n


def write_jsonl(columns: tuple[str, ...], rows: Iterator[tuple], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_json(columns: tuple[str, ...], rows: Iterator[tuple], out: IO[str]) -> int:
    n = 0
    out.write("[")
    for row in rows:
        out.write((",\n  " if n else "\n  ")
                  + json.dumps(dict(zip(columns, row)), ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


WRITERS = {"csv": write_csv, "json": write_json, "jsonl": write_jsonl}


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
    columns, rows = export_table(actor, args.kind, contract_id=args.contract,
                                 since=args.since)
    if sys.stderr.isatty():
        rows = with_progress(rows, count_rows(actor, args.kind, contract_id=args.contract,
                                              since=args.since), sys.stderr)
    with output(args.output) as out:
        n = WRITERS[args.format](columns, rows, out)
    if args.output:
        print(f"{n:,} {args.kind} rows written to {args.output}.", file=sys.stderr)
    return 0
