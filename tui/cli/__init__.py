"""The `milestones` command line: one module per command group, each declaring its
parser once (`register`) with the function that runs it (`set_defaults(func=...)`).

`milestones` alone opens the TUI (tui.cli.start). Parsing imports no database driver
and no models: `tui.main` reads the command line first, then imports what the command
needs. Each command returns its exit code: 0, 1 for a "no" that is not an error (the
audit chain is broken, the demo was not added), 2 for a refusal (one line on stderr).
"""
from __future__ import annotations

import argparse

from tui.cli import (accounts, audit, config, contracts, demo, evidence, export, funding,
                     importer, milestone_verbs, offers, serve, ssh, start, worker)
from tui.cli.common import DB_HELP

GROUPS = (contracts, milestone_verbs, funding, offers, importer, export, evidence, demo, worker, audit,
          serve, ssh, accounts, config)


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed
    try:
        return installed("milestones")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="milestones",
        description="Milestone-based freelance contracts: escrow, review, release, refunds. "
                    "Without a command: the TUI.")
    parser.add_argument("--version", action="version", version=f"milestones {version()}")
    parser.add_argument("--db", metavar="URL", help=DB_HELP)
    start.add_options(parser)
    parser.set_defaults(func=start.run, command=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(commands)
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)
