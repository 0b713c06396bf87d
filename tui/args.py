"""The `milestones` command line, parsed: which command, which database, who is acting.

Nothing here imports a database driver or the models: `tui.main` reads the command
line first, and only then imports what the command needs (see `models.urls`).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from models.urls import sqlite_url

DB_ENV = "MILESTONES_DB"
USER_ENV = "MILESTONES_USER"
SWEEP_ENV = "MILESTONES_SWEEP_EVERY"
DEFAULT_LOGIN = "ada"  # the demo's first client
DEFAULT_SWEEP_EVERY = 30.0


class CommandLineError(Exception):
    """Something the user can fix from the command line, said in one line."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="milestones",
        description="Milestone-based freelance contracts: escrow, review, release, refunds.")
    db_help = (f"database URL: sqlite:///path.db or postgresql://user@host/name "
               f"(default: ${DB_ENV}, else a file in your user data folder)")
    parser.add_argument("--db", metavar="URL", help=db_help)
    parser.add_argument("--as", dest="login", metavar="LOGIN",
                        help=f"act as this user (default: ${USER_ENV}, else {DEFAULT_LOGIN}, "
                             "else the first client)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="fill the database with demo contracts and exit")
    # SUPPRESS: `milestones --db X demo` keeps X (a subparser default would replace it).
    demo.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)
    demo.add_argument("--advance", metavar="DURATION",
                      help="instead of filling: move the demo clock forward (15d, 36h, 2w) "
                           "and apply every deadline that falls due")
    parser.add_argument("--sweep-every", metavar="SECONDS", type=float, default=None,
                        help=f"how often the TUI applies due deadlines (default: "
                             f"${SWEEP_ENV}, else {DEFAULT_SWEEP_EVERY:g}; 0 turns it off)")
    worker = commands.add_parser(
        "worker", help="apply due deadlines as a long-lived process (for servers)")
    worker.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)
    worker.add_argument("--interval", metavar="SECONDS", type=float, default=30.0,
                        help="seconds between sweeps (default 30)")
    worker.add_argument("--once", action="store_true", help="sweep once and exit")
    add_audit_commands(commands, db_help)
    add_serve_command(commands, db_help)
    return parser.parse_args(argv)


def sweep_every(given: float | None) -> float:
    """Seconds between the TUI's deadline sweeps; 0 means off."""
    if given is not None:
        return max(given, 0.0)
    raw = os.environ.get(SWEEP_ENV)
    if raw:
        try:
            return max(float(raw), 0.0)
        except ValueError:
            raise CommandLineError(f"${SWEEP_ENV} must be a number of seconds, not “{raw}”.")
    return DEFAULT_SWEEP_EVERY


def database_url(given: str | None) -> str:
    if given:
        return given
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    from platformdirs import user_data_dir  # only when no URL is given
    return sqlite_url(Path(user_data_dir("milestones")) / "milestones.db")


def add_audit_commands(commands, db_help: str) -> None:
    audit = commands.add_parser("audit", help="check the audit log's hash chain, or export "
                                              "a contract's audit records")
    audit.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)
    which = audit.add_subparsers(dest="audit_command", metavar="AUDIT_COMMAND", required=True)
    verify = which.add_parser("verify", help="check the whole chain; exit 0 if sound, 1 if "
                                             "broken (naming the first broken record)")
    verify.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)
    export = which.add_parser("export", help="write a contract's full audit record to "
                                             "stdout as JSON lines, oldest first")
    export.add_argument("--contract", metavar="ID", type=int, required=True)
    export.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)


# --- `milestones serve` (tui.serve) ---------------------------------------------------

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_serve_command(commands, db_help: str) -> None:
    """The `serve` subcommand, with its own --db and --as (as `demo` and `worker` take
    them after the subcommand's name too)."""
    serve = commands.add_parser(
        "serve", help="run the TUI in a web browser (textual-serve), on this machine only "
                      "unless --host says otherwise")
    # SUPPRESS: `milestones --db X serve` keeps X (a subparser default would replace it).
    serve.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)
    serve.add_argument("--as", dest="login", metavar="LOGIN", default=argparse.SUPPRESS,
                       help="the user each browser session starts as")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default {DEFAULT_HOST}: this machine "
                            "only; the app has no login of its own)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port to listen on (default {DEFAULT_PORT})")
