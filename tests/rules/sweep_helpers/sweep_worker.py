"""A deadline worker as a separate process, for the race tests (tests/rules/test_deadline_races.py).

    python sweep_worker.py DB_PATH NOW_ISO OUT_JSON [--batch-size N] [--go FILE] [--unsafe]

Opens the SQLite file with `models.db.open_database`, writes `OUT_JSON.ready`, waits for
the `--go` file (so several processes start sweeping at the same moment), runs one
`rules.deadlines.sweep` at the frozen time NOW_ISO, and writes what it applied (or the
database error that ended the sweep) to OUT_JSON. `--unsafe` swaps in a claim with no
status/version condition and no status re-check, to show that the race tests can fail.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def unsafe_apply_deadline(system, deadline_id, now):
    """`rules.deadlines.apply_deadline` with the exactly-once guard removed: the deadline
    is applied whatever its status, and the claim updates it unconditionally."""
    import arrow

    from models.base import database
    from models.deadlines import Deadline
    from models.vocabulary import DeadlineStatus
    from rules.clock import FrozenClock
    from rules.deadlines import HANDLERS, Applied
    from rules.errors import RuleError

    d = Deadline.get_or_none(Deadline.id == deadline_id)
    if d is None or arrow.get(d.due_at) > now:
        return None
    due = arrow.get(d.due_at)
    (Deadline.update(status=DeadlineStatus.APPLIED, closed_at=due, remind_at=None,
                     version=Deadline.version + 1)
     .where(Deadline.id == d.id).execute())  # no status, no version: the unsafe claim
    try:
        with database.atomic():
            summary = HANDLERS[d.kind](system, d, FrozenClock(due))
        skipped = False
    except RuleError as exc:
        summary, skipped = f"skipped: {exc.message}", True
        Deadline.update(status=DeadlineStatus.CLOSED).where(Deadline.id == d.id).execute()
    Deadline.update(outcome=summary[:200]).where(Deadline.id == d.id).execute()
    return Applied(d.id, d.kind, d.contract_id, due, summary, skipped)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("now")
    parser.add_argument("out")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--go", default=None)
    parser.add_argument("--unsafe", action="store_true")
    args = parser.parse_args(argv)

    from models.db import open_database, sqlite_url
    from rules.clock import FrozenClock

    open_database(sqlite_url(args.db))
    import rules.deadlines
    if args.unsafe:
        rules.deadlines.apply_deadline = unsafe_apply_deadline  # sweep looks it up per call
    Path(args.out + ".ready").write_text(str(os.getpid()))
    if args.go:
        deadline = time.monotonic() + 120
        while not Path(args.go).exists():
            if time.monotonic() > deadline:
                raise SystemExit("no go signal")
            time.sleep(0.002)
    from peewee import OperationalError

    started = time.perf_counter()
    report: dict = {"pid": os.getpid(), "applied": [], "error": None}
    try:
        # Batches bounded by count only, so a killed run leaves whole batches behind.
        result = rules.deadlines.sweep(clock=FrozenClock(args.now), batch_size=args.batch_size,
                                       batch_seconds=3600)
    except OperationalError as exc:  # e.g. "database is locked": waited past the busy timeout
        report["error"] = f"{type(exc).__name__}: {exc}"
    else:
        report["applied"] = [[a.deadline_id, a.kind, a.contract_id, a.skipped]
                             for a in result.applied]
    report["seconds"] = round(time.perf_counter() - started, 3)
    tmp = args.out + ".tmp"
    Path(tmp).write_text(json.dumps(report))
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
