"""The `milestones` command line: which database, who is acting, and the demo.

Everything here runs before the TUI starts (or instead of it), on the main thread.
A refusal is one line on stderr and exit code 2 (see `tui.app.main`).
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from peewee import IntegrityError
from platformdirs import user_data_dir

from models.accounts import Account
from models.db import SchemaError, open_database, sqlite_url
from models.vocabulary import Role
from rules.errors import RuleError
from rules.queries import find_account, first_account, has_contracts, list_accounts

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
    from tui.serve import add_serve_command  # `milestones serve`: the TUI in a browser
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
    return sqlite_url(Path(user_data_dir("milestones")) / "milestones.db")


def open_db(url: str) -> None:
    try:
        open_database(url)
    except SchemaError:
        raise
    except Exception as exc:  # a bad URL, a missing driver, an unreadable file
        raise CommandLineError(f"Cannot open the database {url}: {exc}") from exc


def fill_demo() -> dict:
    try:
        from rules.demo import fill_demo as fill  # written separately; imported late
    except ImportError as exc:
        raise CommandLineError(f"The demo is not available in this build ({exc}).") from exc
    try:
        return fill()
    except IntegrityError as exc:
        raise CommandLineError("The demo users already exist in this database: use "
                               "another --db for a second demo.") from exc


def run_demo(out: TextIO) -> int:
    """`milestones demo`: fill, say what was made, exit."""
    if has_contracts():
        print("This database already has contracts, so the demo was not added: "
              "give `--db` a new file for a demo.", file=out)
        return 1
    made = fill_demo()
    print("Demo data added:", file=out)
    for line in describe(made):
        print(f"  {line}", file=out)
    users = ", ".join(a.login for a in list_accounts())
    print(f"Run `milestones --as LOGIN` as one of: {users}.", file=out)
    return 0


def describe(made: dict[str, Any]) -> list[str]:
    """What `fill_demo` returned, one line per entry, whatever its shape."""
    lines = []
    for key, value in made.items():
        name = str(key).replace("_", " ")
        if isinstance(value, dict):
            parts = ", ".join(f"{k} {v}" for k, v in value.items())
            lines.append(f"{name}: {parts or 'none'}")
        elif isinstance(value, (list, tuple, set, frozenset)):
            names = [getattr(v, "login", None) or getattr(v, "title", None) or str(v)
                     for v in value]
            shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
            lines.append(f"{name}: {len(names)}" + (f" ({shown})" if names else ""))
        else:
            lines.append(f"{name}: {value}")
    return lines


def choose_actor(login: str | None) -> Account:
    """--as, else $MILESTONES_USER, else ada, else the first client."""
    login = login or os.environ.get(USER_ENV) or None
    # One account is read, not all of them (start-up time with many users): the whole
    # list only to name the known users when the login is wrong.
    if login:
        try:
            return find_account(login)
        except RuleError as exc:
            known = ", ".join(a.login for a in list_accounts()) or "none yet"
            raise CommandLineError(f"{exc.message} Known users: {known}.") from exc
    try:
        return find_account(DEFAULT_LOGIN)
    except RuleError:
        pass
    found = first_account(Role.CLIENT) or first_account()
    if found is not None:
        return found
    raise CommandLineError("This database has no users: run `milestones demo` first.")


def one_line(error: BaseException) -> str:
    if isinstance(error, RuleError):
        return error.message
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def run_advance(spec: str, out: TextIO) -> int:
    """`milestones demo --advance 15d`: move the stored clock, apply what fell due."""
    from rules.deadlines import sweep
    from rules.timetravel import advance
    clock = advance(spec)
    result = sweep(clock=clock, pause=0)
    print(f"The clock now reads {clock.now().format('YYYY-MM-DD HH:mm')} UTC.", file=out)
    for item in result.applied:
        print(f"  {item.due_at.format('YYYY-MM-DD HH:mm')}  {item.summary}", file=out)
    print(f"{len(result.applied)} deadline(s) applied, {result.reminders} reminder(s) sent.",
          file=out)
    return 0


def run_worker(interval: float, once: bool) -> int:
    """`milestones worker`: sweep every `interval` seconds until SIGTERM or ctrl+c."""
    import logging
    import threading

    from rules import worker
    from rules.timetravel import StoredClock
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    restore = worker.install_signal_handlers(stop)
    try:
        applied = worker.run_worker(interval=interval, once=once, clock=StoredClock(),
                                    stop=stop)
    finally:
        restore()
    logging.getLogger("milestones.worker").info("stopped; %d deadline(s) applied", applied)
    return 0


# --- `milestones audit verify | export` (G-05) ----------------------------------------

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


def open_existing(url: str) -> None:
    """Open a database that must already exist (an audit never creates or upgrades one)."""
    from models.db import SchemaVersion, is_postgres_url
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path != ":memory:" and not Path(path).is_file():
            raise CommandLineError(f"There is no database at {path}.")
    elif not is_postgres_url(url):
        raise CommandLineError(f"Unknown kind of database URL “{url}”: use sqlite:///path.db "
                               "or postgresql://user@host:port/name.")
    try:
        db = open_database(url, create=False)
        known = db.table_exists(SchemaVersion._meta.table_name)
    except Exception as exc:  # unreachable server, unreadable file, missing driver
        raise CommandLineError(f"Cannot open the database {url}: "
                               f"{one_line(exc)}") from exc
    if not known:
        raise CommandLineError(f"{url} is not a Milestones database (it has no schema).")


def run_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`milestones audit verify`: one line, exit 0 (sound) or 1 (broken).
    `milestones audit export --contract ID`: JSON lines on `out`. A refusal (no such
    database or contract) is one line on `err` and exit 2, as everywhere."""
    from rules.audit import export_contract, verify_chain
    try:
        open_existing(database_url(getattr(args, "db", None)))
        if args.audit_command == "verify":
            report = verify_chain()
            print(report.one_line(), file=out)
            return 0 if report.sound else 1
        export_contract(args.contract, out)
        out.flush()
        return 0
    except (RuleError, CommandLineError) as exc:
        print(f"milestones: {one_line(exc)}", file=err)
        return 2
    except BrokenPipeError:  # `milestones audit export ... | head`
        return 0
