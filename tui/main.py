"""The installed `milestones` command (`python -m tui.main` too).

It reads the command line before importing the app, so that a SQLite run does not load
the PostgreSQL driver (`models.urls.import_peewee_for`): start-up time is the first
thing a user meets, and bench/tui.py measures it. Everything else is `tui.app.run`.
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from models.urls import import_peewee_for
    from tui.args import database_url, parse_args
    args = parse_args(argv)
    import_peewee_for(database_url(getattr(args, "db", None)))
    from tui.app import run
    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
