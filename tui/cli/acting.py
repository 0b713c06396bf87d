"""Who acts, for every command that acts as someone (I-01): the TUI and the verbs.

- a process started by `milestones ssh` or `milestones serve` for a login: the account
  of the session whose token the server handed over (never a flag);
- demo data: `--as LOGIN` (or $MILESTONES_USER), else the demo's first client;
- anywhere else: the account bound to the OS user running the program.
"""
from __future__ import annotations

import os

from tui.cli.common import USER_ENV, CommandLineError

SESSION_ENV = "MILESTONES_SESSION"  # set by the SSH and web servers for their processes


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
