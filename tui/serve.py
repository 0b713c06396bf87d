"""`milestones serve`: the same TUI in a web browser, through textual-serve.

textual-serve is a small web server: its page opens a websocket, and for each visitor
it starts the command it was given (here `python -m tui.main --db URL --as LOGIN`) as a
process of its own, with Textual's web driver. Nothing of the app changes: the rules,
the keys and the database are the terminal's.

It listens on 127.0.0.1 unless told otherwise: the app has no login of its own (a
visitor can act as any user with `u`), so opening it to a network is a choice made
with `--host`, behind whatever guards that network needs.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from typing import TextIO

from tui import cli

TITLE = "Milestones"


def served_command(db_url: str, login: str, sweep_every: float | None = None) -> str:
    """The shell command textual-serve starts for each browser session: this Python,
    the app's module, the same database and user (quoted for the shell)."""
    argv = [sys.executable, "-m", "tui.main", "--db", db_url, "--as", login]
    if sweep_every is not None:
        argv += ["--sweep-every", f"{sweep_every:g}"]
    return shlex.join(argv)


def check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise cli.CommandLineError(f"--port must be from 1 to 65535, not {port}.")
    return port


def prepare(args: argparse.Namespace) -> tuple[str, str]:
    """Open the database as the TUI would (a first run fills the demo) and choose the
    user, so that a wrong --db or --as is said here, once, not in every browser tab.
    Returns the database URL and the login the served command is given."""
    url = cli.database_url(getattr(args, "db", None))
    cli.open_db(url)
    if not cli.has_contracts():
        cli.fill_demo()
    actor = cli.choose_actor(getattr(args, "login", None))
    return url, actor.login


def run_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """`milestones serve [--host H] [--port P] [--db URL] [--as LOGIN]`: serve until
    ctrl+c (or SIGTERM). A refusal is one line on `err` and exit code 2."""
    from models.db import SchemaError
    from rules.errors import RuleError
    try:
        port = check_port(args.port)
        url, login = prepare(args)
    except (RuleError, SchemaError, cli.CommandLineError) as exc:
        print(f"milestones: {cli.one_line(exc)}", file=err)
        return 2
    from textual_serve.server import Server  # the web server: only for this command
    command = served_command(url, login, args.sweep_every)
    server = Server(command, host=args.host, port=port, title=TITLE)
    print(f"Milestones in a browser: http://{args.host}:{port} (as {login}; ctrl+c stops)",
          file=out, flush=True)
    server.serve()
    return 0
