"""`milestones` with no command: the TUI, as the account the channel says (I-01,
tui.cli.acting)."""
from __future__ import annotations

import argparse
import os

from tui.cli.acting import acting_account
from tui.cli.common import AS_HELP, CommandLineError, args_url, open_db, refusals

SWEEP_ENV = "MILESTONES_SWEEP_EVERY"
THEME_ENV = "MILESTONES_THEME"
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
    from tui.config import load_config, release_undo_minutes
    config = load_config()
    app = MilestonesApp(actor, clock, sweep_every=every, demo=demo,
                        switch_user=demo and session is None, first_page=first_page,
                        session=session, config=config,
                        release_undo_minutes=release_undo_minutes(),
                        theme=os.environ.get(THEME_ENV) or None)
    app.run()
    return app.return_code or 0
