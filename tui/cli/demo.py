"""`milestones demo`: fill a new database with demo contracts, or move its clock."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from tui.cli.common import CommandLineError, args_url, database_option, open_db, refusals


def register(commands) -> None:
    demo = commands.add_parser("demo", parents=[database_option()],
                               help="fill a new database with demo contracts (and mark it "
                                    "as demo data), or move the demo clock")
    demo.add_argument("--advance", metavar="DURATION",
                      help="instead of filling: move the demo clock forward (15d, 36h, 2w) "
                           "and apply every deadline that falls due")
    demo.add_argument("--if-empty", action="store_true",
                      help="a database that already holds the demo is fine (exit 0)")
    demo.set_defaults(func=run)


@refusals
def run(args: argparse.Namespace) -> int:
    open_db(args_url(args))
    if args.advance:
        return advance(args.advance)
    return fill(if_empty=args.if_empty)


def fill_demo() -> dict:
    from peewee import IntegrityError
    try:
        from rules.demo import fill_demo as fill_it  # written separately; imported late
    except ImportError as exc:
        raise CommandLineError(f"The demo is not available in this build ({exc}).") from exc
    try:
        return fill_it()
    except IntegrityError as exc:
        raise CommandLineError("The demo users already exist in this database: use "
                               "another --db for a second demo.") from exc


def fill(*, if_empty: bool = False) -> int:
    from rules.queries import first_account, has_contracts, list_accounts
    from rules.timetravel import is_demo
    if has_contracts() or first_account() is not None:
        if if_empty and is_demo():
            return 0
        print("This database already has data, so the demo was not added: give `--db` a "
              "new file for a demo.", file=sys.stdout)
        return 1
    made = fill_demo()
    print("Demo data added:")
    for line in describe(made):
        print(f"  {line}")
    users = ", ".join(a.login for a in list_accounts())
    print(f"Run `milestones --as LOGIN` as one of: {users}.")
    return 0


def describe(made: dict[str, Any]) -> list[str]:
    """What `fill_demo` returned, one line per entry, whatever its shape."""
    lines = []
    for key, value in made.items():
        name = str(key).replace("_", " ")
        if isinstance(value, dict):
            parts = ", ".join(f"{k} {v}" for k, v in value.items())
            lines.append(f"{name}: {parts or 'none'}")
        elif isinstance(value, (list, tuple, set, frozenset)):
            names = [getattr(v, "login", None) or getattr(v, "title", None) or str(v)
                     for v in value]
            shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
            lines.append(f"{name}: {len(names)}" + (f" ({shown})" if names else ""))
        else:
            lines.append(f"{name}: {value}")
    return lines


def advance(spec: str) -> int:
    """`milestones demo --advance 15d`: move the stored clock, apply what fell due."""
    from rules.deadlines import sweep
    from rules.timetravel import advance as move, is_demo
    if not is_demo():
        raise CommandLineError("--advance moves the clock of demo data only; this database "
                               "is not a demo.")
    clock = move(spec)
    result = sweep(clock=clock, pause=0)
    print(f"The clock now reads {clock.now().format('YYYY-MM-DD HH:mm')} UTC.")
    for item in result.applied:
        print(f"  {item.due_at.format('YYYY-MM-DD HH:mm')}  {item.summary}")
    print(f"{len(result.applied)} deadline(s) applied, {result.reminders} reminder(s) sent.")
    return 0
