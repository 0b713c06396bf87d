"""The database the pty tests and bench/keys_bytes.py start from: `milestones demo`, and
one contract of ada's whose four milestones are all in the future (the demo has none
with two that can be reordered). Run as a script, in its own process: the test process
keeps its own database binding.

    python tests/tui/pty_seed.py PATH.db
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REORDER_TITLE = "Reorder rehearsal"
STAGES = ("Alpha stage", "Beta stage", "Gamma stage", "Delta stage")


def prepare(path: Path) -> Path:
    """Fill `path` (a new file) as described above; returns it."""
    url = f"sqlite:///{path}"
    subprocess.run([sys.executable, "-m", "tui.main", "demo", "--db", url], cwd=ROOT,
                   check=True, capture_output=True)
    subprocess.run([sys.executable, __file__, str(path)], cwd=ROOT, check=True)
    # Everything into the main file: a copy of it alone is the whole database.
    with closing(sqlite3.connect(path)) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _seed(path: str) -> None:
    import datetime as dt

    from models.accounts import Account
    from models.db import open_database
    from rules.contracts import create_contract
    from rules.plan import AddMilestone

    open_database(f"sqlite:///{path}")
    today = dt.date.today()
    create_contract(Account.get(Account.login == "ada"), freelancer="bo", title=REORDER_TITLE, policy="upwork",
                    milestones=[AddMilestone(title=t, amount_cents=100_00 * (i + 1),
                                             due_date=today + dt.timedelta(days=10 * (i + 1)))
                                for i, t in enumerate(STAGES)])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    _seed(sys.argv[1])
