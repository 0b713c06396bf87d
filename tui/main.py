"""The installed `milestones` command (`python -m tui` and `python -m tui.main` too).

Start-up time is the first thing a user meets (bench/tui.py measures it), so before the
app is imported this reads the command line and:
- imports peewee without the PostgreSQL driver for a SQLite URL
  (`models.urls.import_peewee_for`);
- for the TUI, pauses Python's cyclic garbage collector until the first frame is drawn
  (`MilestonesApp.on_ready`). Start-up makes tens of thousands of lasting objects and
  frees almost none, so the collections they would trigger find next to nothing and
  cost about a tenth of the start-up time. The other commands (demo, worker, audit,
  serve) run with it as usual: the worker runs for days.
An error nobody foresaw is one short line and the path of a log file that holds the
traceback (tui.crash): never a traceback on the user's screen, which over SSH or in a
browser may be a stranger's.
"""
from __future__ import annotations

import gc
import sys


def main(argv: list[str] | None = None) -> int:
    from tui.cli import parse_args
    from tui.cli import start
    args = parse_args(argv)
    tui = args.func is start.run
    if tui:
        gc.disable()
    try:
        from models.urls import import_peewee_for
        from tui.cli.common import database_url
        from tui.config import ConfigError
        try:
            url = database_url(getattr(args, "db", None))
        except ConfigError as exc:
            print(f"milestones: {exc}", file=sys.stderr)
            return 2
        import_peewee_for(url)
        return args.func(args)
    except Exception as exc:  # noqa: BLE001 - the last line of defence, logged in full
        from tui.crash import report_crash
        print(f"milestones: {report_crash(exc)}", file=sys.stderr)
        return 70
    finally:
        gc.enable()  # a refusal before the first frame, or the TUI's end


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
