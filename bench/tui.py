"""TUI benchmark: start-up and keypress latency, beside a minimal Textual app.

    .venv/bin/python bench/tui.py             # demo database and 10,000 contracts
    .venv/bin/python bench/tui.py --quick     # fewer runs and keys: a quick check
    .venv/bin/python bench/tui.py --contracts 100000

See bench/README.md ("tui.py") for what is measured and how.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUILDER_VERSION = 1  # bump when the generated data changes
WORK = Path("/tmp/milestones-bench")

# --- a big database, written with raw SQL into the real schema -----------------------

WORDS_A = ("Website", "Mobile", "Brand", "Data", "Marketing", "Checkout", "Search",
           "Payroll", "Inventory", "Booking", "api", "design", "Analytics", "Video",
           "Support", "Onboarding", "Pricing", "Legal", "Podcast", "Survey")
WORDS_B = ("redesign", "app", "refresh", "pipeline", "campaign", "audit", "migration",
           "dashboard", "gateway", "integration", "translation", "copy", "review",
           "prototype", "MVP", "report", "tests", "upgrade", "_draft", "100% rewrite")
FIRST = ("Ada", "Bo", "Cy", "Di", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jon", "Kim", "Lea",
         "mo", "Ned", "Oli", "Pam")
POLICIES = ("upwork", "upwork-compliance", "fiverr-gig", "fiverr-offer")
ACTIVE = ("funded", "submitted", "changes_requested", "refund_requested", "disputed")


def ts(d: dt.datetime) -> str:
    """A naive UTC time as peewee stores it (whole seconds)."""
    return str(d.replace(microsecond=0))


def build_contracts(path: Path, contracts: int, *, seed: int = 7,
                    now: dt.datetime | None = None) -> dict:
    """Fill a new database at `path` with `contracts` contracts in realistic states.

    The schema is the real one (`models.db.open_database`); the rows go in with raw
    `executemany`, secondary indexes rebuilt afterwards. Each contract has 1 to 8
    milestones: released ones (fund and release transfers, some partial with the rest
    in project funds), at most one active one (funded, submitted with an open review
    window, ...), planned ones, the odd cancelled one. Every ledger transfer sums to
    zero. Accounts: logins c1.. (clients), f1.. (freelancers) and `agent`. Returns
    counts and the ids of a few accounts worth acting as."""
    from models.db import open_database, sqlite_url
    from models.base import database

    now = now or dt.datetime(2026, 3, 10, 12)
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    open_database(sqlite_url(path))
    database.close()
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=MEMORY",
                   "foreign_keys=OFF", "cache_size=-262144"):
        con.execute(f"PRAGMA {pragma}")
    indexes = con.execute("SELECT sql FROM sqlite_master WHERE type='index' "
                          "AND sql IS NOT NULL").fetchall()
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='index' "
                               "AND sql IS NOT NULL").fetchall():
        con.execute(f'DROP INDEX "{name}"')
    rng = random.Random(seed)
    rows: dict[str, list[tuple]] = {t: [] for t in (
        "account", "contract", "milestone", "ledger_transfer", "ledger_entry", "deadline")}
    ids = {t: 0 for t in rows}
    ids["account"] = con.execute("SELECT MAX(id) FROM account").fetchone()[0]

    def add(table: str, *values) -> int:
        ids[table] += 1
        rows[table].append((ids[table], *values))
        return ids[table]

    created = ts(now - dt.timedelta(days=400))
    n_clients, n_freelancers = max(2, contracts // 10), max(2, contracts // 5)
    clients = [add("account", f"c{k + 1}", f"{rng.choice(FIRST)} Client {k + 1}", "client",
                   "UTC", created) for k in range(n_clients)]
    freelancers = [add("account", f"f{k + 1}", f"{rng.choice(FIRST)} Freelancer {k + 1}",
                       "freelancer", "UTC", created) for k in range(n_freelancers)]
    agent = add("account", "agent", "Sam Support", "agent", "UTC", created)

    def transfer(cid, mid, kind, source, target, amount, at, actor, once_key=None):
        t = add("ledger_transfer", cid, mid, kind, once_key, at, actor)
        add("ledger_entry", t, cid, mid, source, -amount)
        add("ledger_entry", t, cid, mid, target, amount)

    for k in range(contracts):
        client, freelancer = rng.choice(clients), rng.choice(freelancers)
        started = now - dt.timedelta(days=rng.randint(1, 300), minutes=rng.randint(0, 1439))
        policy = rng.choice(POLICIES)
        status = rng.choices(("open", "ended", "completed", "cancelled"), (85, 8, 5, 2))[0]
        title = f"{rng.choice(WORDS_A)} {rng.choice(WORDS_B)}"
        if rng.random() < 0.5:  # half the titles are shared by many contracts: ties
            title += f" {rng.randint(1, 999)}"
        cid = add("contract", title, client, freelancer, policy, status, str(started.date()),
                  None, 0, ts(started), None if status == "open" else ts(now), 1)
        count = rng.randint(1, 8)
        released = rng.randint(0, count) if status == "open" else count
        active = (rng.choice(ACTIVE) if status == "open" and released < count
                  and rng.random() < 0.6 else None)
        project_funds = 0
        for pos in range(1, count + 1):
            amount = rng.randrange(5, 5000) * 100
            at = started + dt.timedelta(days=pos * 5)
            if pos <= released:
                state = "released"
            elif pos == released + 1 and active:
                state = active
            else:
                state = "cancelled" if rng.random() < 0.05 else "planned"
            mid = add("milestone", cid, pos, f"Milestone {pos}: {rng.choice(WORDS_B)}", "",
                      str((started + dt.timedelta(days=pos * 14)).date()), amount, state,
                      None, 0, ts(at) if state not in ("planned", "cancelled") else None,
                      ts(at) if state == "released" else None, ts(started), 1)
            if state in ("planned", "cancelled"):
                continue
            transfer(cid, mid, "fund", "client_payment", "escrow", amount, ts(at), client,
                     f"m:{mid}:fund")
            if state == "released":
                paid = amount if rng.random() < 0.8 else amount - rng.randrange(1, 5) * 100
                transfer(cid, mid, "release", "escrow", "freelancer_earnings", paid,
                         ts(at), client, f"m:{mid}:escrow")
                if paid < amount:
                    transfer(cid, mid, "release_to_project_funds", "escrow",
                             "project_funds", amount - paid, ts(at), client)
                    project_funds += amount - paid
            elif state in ("submitted", "refund_requested", "disputed"):
                kind = {"submitted": "review", "refund_requested": "refund_answer",
                        "disputed": "dispute_response"}[state]
                due = now + dt.timedelta(minutes=rng.randint(-600, 14 * 1440))
                add("deadline", kind, cid, mid, None, None, ts(at), ts(due), "open", None,
                    None, 0, "", 1)
        if project_funds and (status != "open" or rng.random() < 0.5):
            # A closed contract gives its project funds back; an open one may have.
            transfer(cid, None, "project_funds_refund", "project_funds", "client_refunds",
                     project_funds, ts(now), client)

    columns = {
        "account": "id login display_name role timezone created_at",
        "contract": "id title client_id freelancer_id policy status starts_on end_date "
                    "initiation_fee_cents created_at ended_at version",
        "milestone": "id contract_id position title description due_date amount_cents "
                     "status revisions_allowed revisions_used funded_at finished_at "
                     "created_at version",
        "ledger_transfer": "id contract_id milestone_id kind once_key created_at actor_id",
        "ledger_entry": "id transfer_id contract_id milestone_id account amount_cents",
        "deadline": "id kind contract_id milestone_id change_request_id refund_request_id "
                    "opened_at due_at status closed_at remind_at reminders_sent outcome "
                    "version",
    }
    con.execute("BEGIN")
    for table, cols in columns.items():
        names = cols.split()
        con.executemany(f'INSERT INTO "{table}" ({", ".join(names)}) '
                        f'VALUES ({", ".join("?" * len(names))})', rows[table])
    con.execute("COMMIT")
    for (sql,) in indexes:
        con.execute(sql)
    con.execute("PRAGMA journal_mode=WAL")  # as open_database leaves it
    con.close()
    return {"counts": {t: len(r) for t, r in rows.items()}, "client": clients[0],
            "freelancer": freelancers[0], "agent": agent}
