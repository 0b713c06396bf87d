"""`milestones audit verify | export` (G-05): check the hash chain, export a contract's
records. Both read an existing database; neither creates one."""
from __future__ import annotations

import argparse
import sys

from tui.cli.common import args_url, database_option, open_existing, refusals


def register(commands) -> None:
    db = database_option()
    audit = commands.add_parser("audit", parents=[db],
                                help="check the audit log's hash chain, or export a "
                                     "contract's audit records")
    which = audit.add_subparsers(dest="audit_command", metavar="AUDIT_COMMAND", required=True)
    verify = which.add_parser("verify", parents=[db],
                              help="check the whole chain; exit 0 if sound, 1 if broken "
                                   "(naming the first broken record)")
    verify.set_defaults(func=run_verify)
    export = which.add_parser("export", parents=[db],
                              help="write a contract's full audit record to stdout as JSON "
                                   "lines, oldest first")
    export.add_argument("--contract", metavar="ID", type=int, required=True)
    export.set_defaults(func=run_export)


@refusals
def run_verify(args: argparse.Namespace) -> int:
    from rules.audit import verify_chain
    open_existing(args_url(args))
    report = verify_chain()
    print(report.one_line())
    return 0 if report.sound else 1


@refusals
def run_export(args: argparse.Namespace) -> int:
    from rules.audit import export_contract
    open_existing(args_url(args))
    export_contract(args.contract, sys.stdout)
    sys.stdout.flush()
    return 0
