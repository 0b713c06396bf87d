"""What every `milestones` command shares: the database option, the acting user's
option, one-line refusals.

Nothing here imports a database driver or the models at import time: `tui.main` reads
the command line first, and only then imports what the command needs (models.urls).
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path
from typing import Callable

DB_ENV = "MILESTONES_DB"
USER_ENV = "MILESTONES_USER"
DEFAULT_LOGIN = "ada"  # the demo's first client

DB_HELP = ("database URL: sqlite:///path.db or postgresql://user@host/name "
           f"(default: ${DB_ENV}, else the config file, else a file in your user data folder)")
AS_HELP = (f"on demo data only: act as this user (default: ${USER_ENV}, else "
           f"{DEFAULT_LOGIN}); on a real database you act as the account bound to your "
           "OS user")


class CommandLineError(Exception):
    """Something the user can fix from the command line, said in one line."""


def database_option() -> argparse.ArgumentParser:
    """`--db URL` for a subcommand. SUPPRESS: `milestones --db X demo` keeps X (a
    subparser's default would replace it)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=DB_HELP)
    return parent


def actor_option() -> argparse.ArgumentParser:
    """`--as LOGIN` for a subcommand that acts as someone (see `acting_account`)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--as", dest="login", metavar="LOGIN", default=argparse.SUPPRESS,
                        help=AS_HELP)
    return parent


def database_url(given: str | None) -> str:
    """--db, else $MILESTONES_DB, else the config file's `database`, else the default
    file in the user data folder."""
    if given:
        return given
    if os.environ.get(DB_ENV):
        return os.environ[DB_ENV]
    from tui.config import load_config
    configured = load_config().database
    if configured:
        return configured
    from platformdirs import user_data_dir  # only when no URL is given

    from models.urls import sqlite_url
    return sqlite_url(Path(user_data_dir("milestones")) / "milestones.db")


def args_url(args: argparse.Namespace) -> str:
    return database_url(getattr(args, "db", None))


def open_db(url: str) -> None:
    """Open (create or upgrade) the database at `url`, or say in one line why not."""
    from models.db import SchemaError, open_database
    try:
        open_database(url)
    except SchemaError:
        raise
    except Exception as exc:  # a bad URL, a missing driver, an unreadable file
        raise CommandLineError(f"Cannot open the database {url}: {one_line(exc)}") from exc


def open_existing(url: str) -> None:
    """Open a database that must already exist: reading commands (audit, export, the
    operator's account commands) never create a database where a typo pointed."""
    from models.db import SchemaVersion, is_postgres_url, open_database
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
        raise CommandLineError(f"Cannot open the database {url}: {one_line(exc)}") from exc
    if not known:
        raise CommandLineError(f"{url} is not a Milestones database (it has no schema).")
    from models.db import ensure_schema
    ensure_schema(db)  # an older schema is upgraded as by every other command


def one_line(error: BaseException) -> str:
    from rules.errors import RuleError
    if isinstance(error, RuleError):
        return error.message
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def refusal_line(error: BaseException) -> str:
    """What stderr says of a refusal: the rule's id where one is named."""
    from rules.errors import RuleError
    if isinstance(error, RuleError):
        return f"milestones: {error.message} [{error.rule_id}]"
    return f"milestones: {one_line(error)}"


def refusals(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A command's refusals become one line on stderr and exit code 2, as everywhere;
    ctrl+c exits 130; a closed pipe (`... | head`) ends quietly."""
    @functools.wraps(run)
    def guarded(args: argparse.Namespace) -> int:
        from models.db import SchemaError
        from rules.errors import RuleError
        from tui.config import ConfigError
        try:
            return run(args)
        except (RuleError, SchemaError, CommandLineError, ConfigError) as exc:
            print(refusal_line(exc), file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("milestones: interrupted.", file=sys.stderr)
            return 130
        except BrokenPipeError:
            try:
                sys.stdout.close()
            except OSError:
                pass
            return 0
    return guarded
