"""`milestones` with no command: the TUI, as the account the channel says (I-01).

- a session started by `milestones ssh` or `milestones serve`: the account of the
  session whose token the server handed over (never a flag);
- demo data: `--as LOGIN` (or $MILESTONES_USER), else the demo's first client;
- anywhere else: the account bound to the OS user running the program.
"""
from __future__ import annotations

import argparse
import os

from tui.cli.common import AS_HELP, USER_ENV, CommandLineError, args_url, open_db, refusals

SWEEP_ENV = "MILESTONES_SWEEP_EVERY"
THEME_ENV = "MILESTONES_THEME"
SESSION_ENV = "MILESTONES_SESSION"  # set by the SSH and web servers for their TUIs only
DEFAULT_SWEEP_EVERY = 30.0


def add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="login", metavar="LOGIN", help=AS_HELP)
    parser.add_argument("--sweep-every", metavar="SECONDS", type=float, default=None,
                        help=f"how often the TUI applies due deadlines (default: "
                             f"${SWEEP_ENV}, else the config file, else "
                             f"{DEFAULT_SWEEP_EVERY:g}; 0 turns it off)")


def sweep_every(given: float | None) -> float:
    """Seconds between the TUI's deadline sweeps; 0 means off. Flag > environment >
    config file > default."""
    if given is not None:
        return max(given, 0.0)
    raw = os.environ.get(SWEEP_ENV)
    if raw:
        try:
            return max(float(raw), 0.0)
        except ValueError:
            raise CommandLineError(f"${SWEEP_ENV} must be a number of seconds, not “{raw}”.")
    from tui.config import load_config
    configured = load_config().sweep_every
    return DEFAULT_SWEEP_EVERY if configured is None else max(configured, 0.0)


def current_os_user() -> str:
    """The OS user running this process, from the kernel's user id: $USER and $LOGNAME
    are the user's to set, so they say nothing about who this is."""
    import pwd
    return pwd.getpwuid(os.geteuid()).pw_name


def acting_account(login: str | None):
    """Who acts, by the rules above (I-01). Refusals name no other account (I-02)."""
    from rules import identity
    from rules.timetravel import is_demo
    token = os.environ.get(SESSION_ENV)
    if token:
        return identity.session_actor(token), token
    login = login or os.environ.get(USER_ENV) or None
    if is_demo():
        return identity.demo_actor(login), None
    if login:
        from rules.errors import RuleError
        raise RuleError(identity.AUTH_RULE,
                        "--as (and $MILESTONES_USER) work only on demo data made by "
                        "`milestones demo`; on this database you act as the account bound "
                        "to your OS user.")
    from rules.queries import has_contracts, first_account
    if not has_contracts() and first_account() is None:
        raise CommandLineError(
            "This database is empty. Try the product with `milestones demo` (demo data), "
            "or start for real: `milestones accounts add LOGIN --role client --name NAME "
            f"--os-user {current_os_user()}`.")
    return identity.os_user_actor(current_os_user()), None


@refusals
def run(args: argparse.Namespace) -> int:
    from rules import timetravel
    from tui.screens.contract_list import read_first_page, rows_at_start
    open_db(args_url(args))
    actor, session = acting_account(args.login)
    every = sweep_every(args.sweep_every)
    clock, demo = timetravel.stored_clock(), timetravel.is_demo()
    first_page = read_first_page(actor, rows_at_start())
    from tui.app import MilestonesApp
    from tui.config import load_config
    config = load_config()
    app = MilestonesApp(actor, clock, sweep_every=every, demo=demo,
                        switch_user=demo and session is None, first_page=first_page,
                        session=session, config=config,
                        theme=os.environ.get(THEME_ENV) or None)
    app.run()
    return app.return_code or 0
