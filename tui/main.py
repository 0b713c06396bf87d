"""The installed `milestones` command (`python -m tui.main` too).

Start-up time is the first thing a user meets (bench/tui.py measures it), so before the
app is imported this reads the command line and:
- imports peewee without the PostgreSQL driver for a SQLite URL
  (`models.urls.import_peewee_for`);
- for the TUI, pauses Python's cyclic garbage collector until the first frame is drawn
  (`MilestonesApp.on_ready`). Start-up makes tens of thousands of lasting objects and
  frees almost none, so the collections they would trigger find next to nothing and
  cost about a tenth of the start-up time. The other commands (demo, worker, audit,
  serve) run with it as usual: the worker runs for days.
Everything else is `tui.app.run`.
"""
from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    from models.urls import import_peewee_for
    from tui.args import database_url, parse_args
    args = parse_args(argv)
    if args.command is None:  # the TUI
        gc.disable()
    try:
        import_peewee_for(database_url(getattr(args, "db", None)))
        from tui.app import run
        return run(args)
    finally:
        gc.enable()  # a refusal before the first frame, or the TUI's end


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
