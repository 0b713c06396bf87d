"""`milestones serve`: the TUI in a web browser behind a login page (tui/remote/web.py)."""
from __future__ import annotations

import argparse

from tui.cli.common import CommandLineError, args_url, database_option, open_db, refusals


def register(commands) -> None:
    serve = commands.add_parser(
        "serve", parents=[database_option()],
        help="run the TUI in a web browser, behind a login page (passwords: `milestones "
             "accounts password LOGIN`)")
    serve.add_argument("--host", default=None,
                       help="address to listen on (default: the config file's [web] host, "
                            "else 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=None,
                       help="port to listen on (default: [web] port, else 8000)")
    serve.add_argument("--sweep-every", metavar="SECONDS", type=float, default=None,
                       help="how often each session's TUI applies due deadlines (0: off, "
                            "when a `milestones worker` runs)")
    serve.set_defaults(func=run)


def check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise CommandLineError(f"--port must be from 1 to 65535, not {port}.")
    return port


@refusals
def run(args: argparse.Namespace) -> int:
    from tui.config import load_config
    web = load_config().web
    host = args.host or web.host
    port = check_port(args.port if args.port is not None else web.port)
    url = args_url(args)
    open_db(url)  # a wrong --db is said here, once, not in every browser tab
    from tui.remote.web import serve_web
    return serve_web(url, host=host, port=port, sweep_every=args.sweep_every)
