"""`milestones ssh`: the SSH app server (tui/remote/ssh.py). `ssh -p 2222 LOGIN@host`
opens the TUI as the account that owns the key; nothing else is served."""
from __future__ import annotations

import argparse

from tui.cli.common import args_url, database_option, open_db, refusals
from tui.cli.serve import check_port


def register(commands) -> None:
    ssh = commands.add_parser(
        "ssh", parents=[database_option()],
        help="serve the TUI over SSH: each key logs in as its account (keys: `milestones "
             "accounts key add LOGIN FILE.pub`)")
    ssh.add_argument("--host", default=None,
                     help="address to listen on (default: [ssh] host, else 127.0.0.1)")
    ssh.add_argument("--port", type=int, default=None,
                     help="port to listen on (default: [ssh] port, else 2222)")
    ssh.add_argument("--host-key", metavar="PATH", default=None,
                     help="the server's private host key, made on first start if missing "
                          "(default: [ssh] host_key, else one in your user data folder)")
    ssh.add_argument("--idle-timeout", metavar="SECONDS", type=float, default=None,
                     help="disconnect a session after this long without a key (0: never; "
                          "default: [ssh] idle_timeout, else 1800)")
    ssh.add_argument("--max-sessions", metavar="N", type=int, default=None,
                     help="at most this many sessions at once (default: [ssh] "
                          "max_sessions, else 50)")
    ssh.add_argument("--sweep-every", metavar="SECONDS", type=float, default=None,
                     help="how often each session's TUI applies due deadlines (0: off, "
                          "when a `milestones worker` runs)")
    ssh.set_defaults(func=run)


@refusals
def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from platformdirs import user_data_dir

    from tui.config import load_config
    from tui.remote.ssh import SshSettings, serve_ssh
    configured = load_config().ssh
    key = (args.host_key or configured.host_key
           or str(Path(user_data_dir("milestones")) / "ssh_host_ed25519_key"))
    settings = SshSettings(
        host=args.host or configured.host,
        port=check_port(args.port if args.port is not None else configured.port),
        host_key=Path(key),
        idle_timeout=(args.idle_timeout if args.idle_timeout is not None
                      else configured.idle_timeout),
        max_sessions=(args.max_sessions if args.max_sessions is not None
                      else configured.max_sessions),
        sweep_every=args.sweep_every)
    url = args_url(args)
    open_db(url)
    return serve_ssh(url, settings)
