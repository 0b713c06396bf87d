"""Remote access: the SSH app server and the web login. Each login becomes a session
(rules/identity.py) and one TUI process bound to it; nothing below this package knows
how a user logged in."""
from __future__ import annotations

import os
import shlex
import sys

from tui.cli.acting import SESSION_ENV


def tui_argv(db_url: str, sweep_every: float | None = None) -> list[str]:
    """The TUI process a session runs: this Python, the app's module, the database."""
    argv = [sys.executable, "-m", "tui.main", "--db", db_url]
    if sweep_every is not None:
        argv += ["--sweep-every", f"{sweep_every:g}"]
    return argv


def tui_command(db_url: str, sweep_every: float | None = None) -> str:
    return shlex.join(tui_argv(db_url, sweep_every))


def session_environment(token: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The TUI process's environment: the server's own (never the client's), with the
    session's token, so the process acts as that session's account (I-01)."""
    env = dict(os.environ if base is None else base)
    for name in ("MILESTONES_USER", SESSION_ENV):
        env.pop(name, None)
    env[SESSION_ENV] = token
    return env
