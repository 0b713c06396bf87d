"""The `milestones` command line: which database, who is acting, and the demo.

Everything here runs before the TUI starts (or instead of it), on the main thread.
A refusal is one line on stderr and exit code 2 (see `tui.app.run`). Parsing the
command line is `tui.args`, which imports no database driver.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from peewee import IntegrityError

from models.accounts import Account
from models.db import SchemaError, open_database
from models.vocabulary import Role
from rules.errors import RuleError
from rules.queries import find_account, first_account, has_contracts, list_accounts
from tui.args import (  # noqa: F401 - the parsing half, also reached from here
    DB_ENV,
    DEFAULT_LOGIN,
    SWEEP_ENV,
    USER_ENV,
    CommandLineError,
    database_url,
    parse_args,
    sweep_every,
)


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
