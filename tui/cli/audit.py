"""`milestones audit verify | checkpoint | export` (G-05): check every hash chain, write a
checkpoint of the chains' heads, export a contract's records. All open an existing
database; none creates one."""
from __future__ import annotations

import argparse
import sys

from tui.cli.common import args_url, database_option, open_existing, refusals


def register(commands) -> None:
    db = database_option()
    audit = commands.add_parser("audit", parents=[db],
                                help="check the audit log's hash chains, checkpoint them, "
                                     "or export a contract's audit records")
    which = audit.add_subparsers(dest="audit_command", metavar="AUDIT_COMMAND", required=True)
    verify = which.add_parser("verify", parents=[db],
                              help="check every chain; exit 0 if sound, 1 if broken "
                                   "(naming the first broken record of each chain)")
    verify.add_argument("--workers", metavar="N", type=int, default=None,
                        help="processes to check the chains with (default: one per CPU "
                             "on a large log, else 1)")
    verify.set_defaults(func=run_verify)
    checkpoint = which.add_parser("checkpoint", parents=[db],
                                  help="record the head of every chain that moved since the "
                                       "last checkpoint (the worker does after each sweep)")
    checkpoint.set_defaults(func=run_checkpoint)
    export = which.add_parser("export", parents=[db],
                              help="write a contract's full audit record to stdout as JSON "
                                   "lines, oldest first")
    export.add_argument("--contract", metavar="ID", type=int, required=True)
    export.set_defaults(func=run_export)


@refusals
def run_verify(args: argparse.Namespace) -> int:
    from rules.audit_verify import verify_log
    if args.workers is not None and not 1 <= args.workers <= 64:
        print("milestones: --workers takes 1 to 64 processes.", file=sys.stderr)
        return 2
    url = args_url(args)
    open_existing(url)
    report = verify_log(workers=args.workers, url=url)
    print("\n".join(report.lines()))
    return 0 if report.sound else 1


@refusals
def run_checkpoint(args: argparse.Namespace) -> int:
    from rules.audit_checkpoint import checkpoint
    open_existing(args_url(args))
    covered = checkpoint()
    print(f"Checkpoint written: {covered:,} chain(s) moved since the last one."
          if covered else "Nothing to checkpoint: no chain moved since the last one.")
    return 0


@refusals
def run_export(args: argparse.Namespace) -> int:
    from rules.audit import export_contract
    open_existing(args_url(args))
    export_contract(args.contract, sys.stdout)
    sys.stdout.flush()
    return 0
