"""`milestones worker`: the deadline sweep as a long-lived process."""
from __future__ import annotations

import argparse

from tui.cli.common import args_url, database_option, open_db, refusals


def register(commands) -> None:
    worker = commands.add_parser("worker", parents=[database_option()],
                                 help="apply due deadlines as a long-lived process (for "
                                      "servers)")
    worker.add_argument("--interval", metavar="SECONDS", type=float, default=None,
                        help="seconds between sweeps (default: the config file's "
                             "sweep_every, else 30)")
    worker.add_argument("--once", action="store_true", help="sweep once and exit")
    worker.set_defaults(func=run)


@refusals
def run(args: argparse.Namespace) -> int:
    """Sweep every `interval` seconds until SIGTERM or ctrl+c."""
    import logging
    import threading

    from rules import worker
    from rules.timetravel import StoredClock
    from tui.config import load_config
    open_db(args_url(args))
    interval = args.interval
    if interval is None:
        interval = load_config().sweep_every or 30.0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    restore = worker.install_signal_handlers(stop)
    try:
        applied = worker.run_worker(interval=interval, once=args.once, clock=StoredClock(),
                                    stop=stop)
    finally:
        restore()
    logging.getLogger("milestones.worker").info("stopped; %d deadline(s) applied", applied)
    return 0
