"""Deadline sweep benchmark: 1,000,000 milestones, 1% of them due.

    .venv/bin/python bench/sweep.py               # full scale (builds once, ~minutes)
    .venv/bin/python bench/sweep.py --scale 0.01  # 10,000 milestones, a quick check
    .venv/bin/python bench/sweep.py --profile     # also profile the project's sweep

Prints the project's sweep (`rules.deadlines.sweep`) beside a floor measured in the same
run: the same selection and the same writes as raw `sqlite3` SQL in one transaction,
and their ratio; then an empty sweep (nothing due). Targets: sweep within 3x of the
floor, empty sweep under 10 ms. See bench/README.md.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import hashlib
import io
import json
import os
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import arrow

from models.base import database
from models.db import SCHEMA_VERSION, SQLITE_PRAGMAS, open_database, sqlite_url
from rules.clock import FrozenClock
from rules.journal import chain_hash
from rules.money import format_money
from rules.policy import get_policy

BUILDER_VERSION = 5          # bump when the generated data changes (5: audit chains)
NOW = arrow.get("2026-06-01T12:00:00+00:00")
NOW_N = NOW.naive
MILESTONES_PER_CONTRACT = 10
FULL_CONTRACTS = 100_000     # x 10 milestones = 1,000,000 at --scale 1
TARGET_RATIO = 3.0
TARGET_EMPTY_MS = 10.0
WORK = Path("/tmp/milestones-bench")
SYSTEM_ID = 1                # created with the schema by open_database
POLICY = "upwork"            # review windows release the escrow on expiry (U-06)
FEE_CENTS = 495
HOLD = dt.timedelta(days=get_policy(POLICY).hold_days)  # paid money pending

# Non-due contracts, by what they are doing now (weights). Due contracts are extra.
STATES = (("not_started", 10), ("pending_review", 25), ("funded", 35),
          ("changes_requested", 10), ("idle", 20))

COLUMNS = {
    "account": "id login display_name role timezone created_at",
    "contract": "id title client_id freelancer_id policy status starts_on end_date "
                "initiation_fee_cents created_at ended_at version",
    "milestone": "id contract_id position title description due_date amount_cents status "
                 "revisions_allowed revisions_used funded_at finished_at created_at version",
    "submission": "id milestone_id author_id message link status submitted_at version",
    "deadline": "id kind contract_id milestone_id change_request_id refund_request_id "
                "opened_at due_at status closed_at remind_at reminders_sent outcome version",
    "ledger_transfer": "id contract_id milestone_id kind once_key created_at actor_id",
    "ledger_entry": "id transfer_id contract_id milestone_id account amount_cents",
    "event": "id contract_id milestone_id actor_id kind summary details occurred_at",
    "notification": "id event_id recipient_id read created_at",
    "audit_record": "id actor_id actor_role action contract_id target before after reason "
                    "occurred_at chain seq prev_hash hash",
    "payout_hold": "id contract_id milestone_id transfer_id amount_cents released_at "
                   "available_at status version",
}
COLUMNS = {t: c.split() for t, c in COLUMNS.items()}
NEW_ROW_TABLES = ("ledger_transfer", "ledger_entry", "event", "notification",
                  "audit_record", "payout_hold")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def ts(d: dt.datetime) -> str:
    """A naive UTC time as peewee stores it (whole seconds)."""
    return str(d.replace(microsecond=0))


def jdump(value) -> str:
    """rules.journal._json for plain values."""
    return json.dumps(value, sort_keys=True)


Heads = dict[int, tuple[int, str]]  # chain: (seq, hash) of its newest record, as journal's


def audit_row(heads: Heads, *, actor_id: int, role: str, action: str, contract_id: int,
              target: str, before: str, after: str, at: dt.datetime) -> tuple:
    """The stored fields of one audit record appended to its contract's chain (G-05), as
    rules.journal.audit_values makes them (chain, place from 1, the previous record's
    hash in that chain, rules.journal.chain_hash): (actor, role, action, contract,
    target, before, after, reason, occurred_at, chain, seq, prev_hash, hash), without
    the id. `heads` moves on to it."""
    last_seq, prev_hash = heads.get(contract_id, (0, ""))
    seq = last_seq + 1
    h = chain_hash(prev_hash, actor_id=actor_id, actor_role=role, action=action,
                   contract_id=contract_id, target=target, before=before, after=after,
                   reason="", occurred_at=at, seq=seq)
    heads[contract_id] = (seq, h)
    return (actor_id, role, action, contract_id, target, before, after, "", ts(at),
            contract_id, seq, prev_hash, h)


def available_summary(cents: int, title: str) -> str:
    """The event of rules.holds._batch, when a hold ends."""
    return f"{format_money(cents)} paid for “{title}” is available: the hold has ended"


# --- building the database -----------------------------------------------------------

def schema_sql() -> str:
    """The schema open_database creates, as SQL text (the cache key)."""
    db = open_database("sqlite:///:memory:")
    rows = db.execute_sql("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
    text = "\n".join(f"{t} {n} {s}" for t, n, s in rows)
    db.close()
    return text


def cache_path(contracts: int, seed: int) -> Path:
    key = hashlib.sha256(f"{schema_sql()}|{SCHEMA_VERSION}|{BUILDER_VERSION}|{contracts}|"
                         f"{seed}|{NOW}".encode()).hexdigest()[:12]
    return WORK / f"sweep-{contracts}c-{key}.db"


class Writer:
    """Buffered executemany inserts with explicit ids."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con
        self.buf: dict[str, list[tuple]] = defaultdict(list)
        self.last_id: dict[str, int] = defaultdict(int)
        self.rows = Counter()
        self.sql = {t: f'INSERT INTO "{t}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                       f'VALUES ({", ".join("?" * len(cols))})' for t, cols in COLUMNS.items()}

    def add(self, table: str, *values) -> int:
        self.last_id[table] += 1
        i = self.last_id[table]
        self.buf[table].append((i, *values))
        if len(self.buf[table]) >= 100_000:
            self.flush(table)
        return i

    def flush(self, table: str | None = None) -> None:
        for t in ([table] if table else list(self.buf)):
            if self.buf[t]:
                self.con.executemany(self.sql[t], self.buf[t])
                self.rows[t] += len(self.buf[t])
                self.buf[t].clear()


class ContractBuilder:
    """Writes contracts as the actions would have left them: the rows of create_contract,
    fund_next_milestone, submit_work, release (by the client) and request_changes, with
    their ledger transfers, payout holds (X-26), events, notifications and a valid audit
    chain."""

    def __init__(self, w: Writer, rng: random.Random, clients: list[int],
                 freelancers: list[int], logins: dict[int, str]):
        self.w, self.rng, self.clients, self.freelancers = w, rng, clients, freelancers
        self.logins = logins
        self.heads: Heads = {}  # every contract's chain (rules.journal.chain_of)

    def days(self, lo: float, hi: float) -> dt.timedelta:
        return dt.timedelta(seconds=self.rng.randint(int(lo * 86400), int(hi * 86400)))

    def act(self, *, actor: int, role: str, action: str, cid: int, mid: int | None,
            summary: str, details: dict, at: dt.datetime, notify: int, target: str,
            before: dict, after: dict) -> None:
        ev = self.w.add("event", cid, mid, actor, action, summary, jdump(details), ts(at))
        self.w.add("notification", ev, notify, 0, ts(at))
        self.w.add("audit_record", *audit_row(
            self.heads, actor_id=actor, role=role, action=action, contract_id=cid,
            target=target, before=jdump(before), after=jdump(after), at=at))

    def transfer(self, cid: int, mid: int | None, kind: str, once_key: str, at: dt.datetime,
                 actor: int, source: str, target: str, amount: int) -> int:
        t = self.w.add("ledger_transfer", cid, mid, kind, once_key, ts(at), actor)
        self.w.add("ledger_entry", t, cid, mid, source, -amount)
        self.w.add("ledger_entry", t, cid, mid, target, amount)
        return t

    def hold(self, cid: int, mid: int, mtitle: str, freelancer: int, tid: int, amount: int,
             at: dt.datetime) -> None:
        """X-26: the hold of a payment to the freelancer (rules.ledger._hold). One that has
        ended by now was made available, as a running worker's sweep leaves it
        (rules.holds._batch: the row claimed, the transfer, the record, all at its end):
        the measured sweep's only ended holds are those of its own releases."""
        ends = at + HOLD
        done = ends <= NOW_N
        hid = self.w.add("payout_hold", cid, mid, tid, amount, ts(at), ts(ends),
                         "available" if done else "pending", 2 if done else 1)
        if not done:
            return
        self.transfer(cid, mid, "available", f"hold:{hid}", ends, SYSTEM_ID,
                      "freelancer_earnings", "freelancer_available", amount)
        self.act(actor=SYSTEM_ID, role="system", action="payout_available", cid=cid,
                 mid=mid, summary=available_summary(amount, mtitle), details={}, at=ends,
                 notify=freelancer, target=f"milestone:{mid}",
                 before={"status": "pending", "released_at": at.isoformat()},
                 after={"status": "available", "amount_cents": amount})

    def timeline(self, state: str, released: int) -> tuple[dt.datetime, list, dict]:
        """Times, built backwards from now: (created, [(fund, submit, release)], active)."""
        active: dict = {}
        if state == "due":  # the review window closed up to 6 days ago
            active["submit"] = NOW_N - dt.timedelta(days=14) - self.days(60 / 86400, 6)
        elif state == "pending_review":  # closes within the next 14 days
            active["submit"] = NOW_N - self.days(60 / 86400, 14 - 60 / 86400)
        elif state == "changes_requested":
            active["changes"] = NOW_N - self.days(1 / 24, 5)
            active["submit"] = active["changes"] - self.days(1 / 24, 3)
        if "submit" in active:
            active["fund"] = active["submit"] - self.days(1, 5)
        elif state == "funded":
            active["fund"] = NOW_N - self.days(1 / 24, 20)
        if state == "not_started":
            return NOW_N - self.days(1, 60), [], active
        cursor = (active["fund"] - self.days(1 / 24, 3) if active
                  else NOW_N - self.days(1, 30))  # idle: the last release
        past = []
        for _ in range(released):
            rel = cursor
            sub = rel - self.days(1 / 24, 5)
            fund = sub - self.days(1, 10)
            past.append((fund, sub, rel))
            cursor = fund - self.days(1 / 24, 3)
        past.reverse()
        return cursor - self.days(1 / 24, 2), past, active

    def reminders(self, opened: dt.datetime, due: dt.datetime) -> tuple[int, str | None]:
        """G-06 as a running worker leaves it at NOW: (reminders_sent, remind_at)."""
        times = sorted(t for t in (due - dt.timedelta(hours=48), due - dt.timedelta(hours=24))
                       if t > opened)
        passed = sum(1 for t in times if t <= NOW_N)
        return passed, (ts(times[passed]) if passed < len(times) else None)

    def contract(self, state: str) -> None:
        rng, w = self.rng, self.w
        client, freelancer = rng.choice(self.clients), rng.choice(self.freelancers)
        released = {"not_started": 0, "idle": rng.randint(1, MILESTONES_PER_CONTRACT)}.get(
            state, rng.randint(0, MILESTONES_PER_CONTRACT - 1))
        created, past, active = self.timeline(state, released)
        cid = w.last_id["contract"] + 1
        title = f"Contract {cid}"
        amounts = [rng.randrange(50, 5000) * 100 for _ in range(MILESTONES_PER_CONTRACT)]
        w.add("contract", title, client, freelancer, POLICY, "open", str(created.date()),
              None, FEE_CENTS, ts(created), None, 1)
        self.act(actor=client, role="client", action="create_contract", cid=cid, mid=None,
                 summary=f"Contract “{title}” created (Upwork fixed price) with "
                         f"{MILESTONES_PER_CONTRACT} milestones, "
                         f"{format_money(sum(amounts))} in all",
                 details={"policy": POLICY, "milestones": MILESTONES_PER_CONTRACT},
                 at=created, notify=freelancer, target=f"contract:{cid}", before={},
                 after={"budget_cents": sum(amounts), "freelancer": self.logins[freelancer],
                        "milestones": MILESTONES_PER_CONTRACT, "policy": POLICY,
                        "title": title})
        first_fund = True
        for pos in range(1, MILESTONES_PER_CONTRACT + 1):
            amount, mtitle = amounts[pos - 1], f"Milestone {pos}"
            due_date = str((created + dt.timedelta(days=14 * pos)).date())
            mid = w.last_id["milestone"] + 1
            if pos <= released:
                times = dict(zip(("fund", "submit", "release"), past[pos - 1]))
                status, version, finished = "released", 4, ts(times["release"])
            elif pos == released + 1 and active:
                times = active
                status = {"due": "submitted", "pending_review": "submitted",
                          "funded": "funded", "changes_requested": "changes_requested"}[state]
                version = {"funded": 2, "submitted": 3, "changes_requested": 4}[status]
                finished = None
            else:
                times, status, version, finished = {}, "planned", 1, None
            w.add("milestone", cid, pos, mtitle, "", due_date, amount, status, None,
                  1 if status == "changes_requested" else 0,
                  ts(times["fund"]) if times else None, finished, ts(created), version)
            if not times:
                continue
            at = times["fund"]
            self.transfer(cid, mid, "fund", f"m:{mid}:fund", at, client, "client_payment",
                          "escrow", amount)
            fee = 0
            if first_fund:
                fee, first_fund = FEE_CENTS, False
                self.transfer(cid, None, "initiation_fee", f"c:{cid}:initiation_fee", at,
                              client, "client_payment", "platform_fees", fee)
            money = {"amount_cents": amount, "from_project_funds_cents": 0,
                     "charged_cents": amount + fee, "initiation_fee_cents": fee}
            self.act(actor=client, role="client", action="fund_milestone", cid=cid, mid=mid,
                     summary=f"Funded “{mtitle}”: {format_money(amount)} in escrow",
                     details=money, at=at, notify=freelancer, target=f"milestone:{mid}",
                     before={"status": "planned"}, after={"status": "funded", **money})
            if "submit" not in times:
                continue
            sub_at = times["submit"]
            due_at = sub_at + dt.timedelta(days=14)
            sub_status = {"released": "approved", "submitted": "pending",
                          "changes_requested": "changes_requested"}[status]
            sid = w.add("submission", mid, freelancer, f"Work for {mtitle}", "", sub_status,
                        ts(sub_at), 1 if sub_status == "pending" else 2)
            closed_at = times.get("release") or times.get("changes")
            if closed_at is None:
                sent, remind_at = self.reminders(sub_at, due_at)
                w.add("deadline", "review", cid, mid, None, None, ts(sub_at), ts(due_at),
                      "open", None, remind_at, sent, "", 1)
            else:
                w.add("deadline", "review", cid, mid, None, None, ts(sub_at), ts(due_at),
                      "closed", ts(closed_at), None, 0, "", 2)
            self.act(actor=freelancer, role="freelancer", action="submit_work", cid=cid,
                     mid=mid, summary=f"Submitted work for “{mtitle}”",
                     details={"message": f"Work for {mtitle}", "link": "",
                              "review_due_at": arrow.get(due_at).isoformat(),
                              "overdue": False, "change_requests_cancelled": 0},
                     at=sub_at, notify=client, target=f"milestone:{mid}", before={},
                     after={"status": "submitted", "submission": sid})
            if "release" in times:
                at = times["release"]
                t = self.transfer(cid, mid, "release", f"m:{mid}:escrow", at, client,
                                  "escrow", "freelancer_earnings", amount)
                money = {"released_cents": amount, "bonus_cents": 0,
                         "to_project_funds_cents": 0, "extra_charged_cents": 0}
                self.act(actor=client, role="client", action="release", cid=cid, mid=mid,
                         summary=f"Released {format_money(amount)} for “{mtitle}”",
                         details=money, at=at, notify=freelancer, target=f"milestone:{mid}",
                         before={"status": "submitted", "escrow_cents": amount},
                         after={"status": "released", **money})
                self.hold(cid, mid, mtitle, freelancer, t, amount, at)
            elif "changes" in times:
                self.act(actor=client, role="client", action="request_changes", cid=cid,
                         mid=mid, summary=f"Requested changes on “{mtitle}”",
                         details={"message": "Please adjust", "revisions_used": 1,
                                  "revisions_allowed": None},
                         at=times["changes"], notify=freelancer, target=f"milestone:{mid}",
                         before={}, after={"status": "changes_requested"})


def build(path: Path, contracts: int, seed: int) -> dict:
    """Create the schema with open_database, then fill it with raw SQL."""
    t0 = time.perf_counter()
    tmp = path.with_name(path.name + ".building")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    db = open_database(sqlite_url(tmp))
    db.close()
    con = sqlite3.connect(tmp, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-524288",
                   "temp_store=MEMORY", "foreign_keys=OFF", "locking_mode=EXCLUSIVE"):
        con.execute(f"PRAGMA {pragma}")
    indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type='index' "
                          "AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:  # loading without secondary indexes, then rebuilding, is faster
        con.execute(f'DROP INDEX "{name}"')
    con.execute("BEGIN")
    w = Writer(con)
    w.last_id["account"] = SYSTEM_ID
    rng = random.Random(seed)
    n_clients, n_freelancers = max(2, contracts // 10), max(2, contracts // 5)
    logins: dict[int, str] = {}
    clients, freelancers = [], []
    for role, n, ids in (("client", n_clients, clients), ("freelancer", n_freelancers,
                                                         freelancers)):
        for k in range(n):
            login = f"{role[0]}{k + 1}"
            i = w.add("account", login, f"{role.title()} {k + 1}", role, "UTC",
                      ts(NOW_N - dt.timedelta(days=400)))
            ids.append(i)
            logins[i] = login
    due_contracts = set(rng.sample(range(contracts), contracts // 10))
    names, weights = zip(*STATES)
    cb = ContractBuilder(w, rng, clients, freelancers, logins)
    for k in range(contracts):
        state = "due" if k in due_contracts else rng.choices(names, weights)[0]
        cb.contract(state)
        if (k + 1) % 10_000 == 0:
            log(f"  built {k + 1:,} / {contracts:,} contracts "
                f"({time.perf_counter() - t0:.0f} s)")
    w.flush()
    # Each chain's head (models.audit.AuditHead), as journal._move_heads leaves it, and
    # the general chain's, which a new schema has (models.audit.ensure_general_head).
    heads = [(0, 0, "")] + [(c, seq, h) for c, (seq, h) in sorted(cb.heads.items())]
    con.executemany("INSERT INTO audit_head (chain, seq, hash, checkpointed) "
                    "VALUES (?, ?, ?, 0) ON CONFLICT(chain) DO NOTHING", heads)
    w.rows["audit_head"] += len(heads)
    con.execute("COMMIT")
    log(f"  rows written ({time.perf_counter() - t0:.0f} s); rebuilding "
        f"{len(indexes)} indexes")
    for _, sql in indexes:
        con.execute(sql)
    fk = []
    if contracts <= 10_000:
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
    con.execute("PRAGMA journal_mode=WAL")  # as open_database leaves it
    con.close()
    if fk:
        raise SystemExit(f"built database breaks foreign keys: {fk[:5]}")
    tmp.rename(path)
    meta = {"build_seconds": round(time.perf_counter() - t0, 1), "contracts": contracts,
            "rows": dict(w.rows), "seed": seed, "size_bytes": path.stat().st_size}
    Path(f"{path}.json").write_text(json.dumps(meta, indent=1))
    return meta


def copy_db(src: Path, name: str) -> Path:
    dst = WORK / name
    for p in (dst, Path(f"{dst}-wal"), Path(f"{dst}-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return dst


def remove_db(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def connect_raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the pragmas open_database uses."""
    con = sqlite3.connect(path, isolation_level=None, timeout=10)
    for k, v in SQLITE_PRAGMAS.items():
        con.execute(f"PRAGMA {k}={v}")
    return con


def max_ids(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    out = {t: con.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{t}"').fetchone()[0]
           for t in NEW_ROW_TABLES}
    con.close()
    return out


# --- the runs ------------------------------------------------------------------------

class SleepMeter:
    """Counts the time the sweep sleeps between batches (its `pause`), by wrapping
    time.sleep while it runs."""

    def __init__(self):
        self.calls, self.seconds = 0, 0.0
        self._sleep = time.sleep

    def __call__(self, seconds: float) -> None:
        self.calls += 1
        t = time.perf_counter()
        self._sleep(seconds)
        self.seconds += time.perf_counter() - t

    def __enter__(self):
        time.sleep = self
        return self

    def __exit__(self, *exc):
        time.sleep = self._sleep


def run_project(path: Path, sweep_kwargs: dict) -> tuple[float, float, object, SleepMeter]:
    """rules.deadlines.sweep on a copy: (wall s, cpu s, result, its sleeps)."""
    from rules.deadlines import sweep
    open_database(sqlite_url(path))
    with SleepMeter() as slept:
        c0, t0 = time.process_time(), time.perf_counter()
        result = sweep(clock=FrozenClock(NOW), **sweep_kwargs)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return elapsed, cpu, result, slept


DUE_SQL = """
SELECT d.id, d.version, d.kind, d.due_at, d.contract_id, d.milestone_id, m.title,
       m.version, m.status, c.client_id, c.freelancer_id, c.policy,
       (SELECT COALESCE(SUM(e.amount_cents), 0) FROM ledger_entry e
         WHERE e.milestone_id = d.milestone_id AND e.account = 'escrow')
  FROM deadline d JOIN milestone m ON m.id = d.milestone_id
  JOIN contract c ON c.id = d.contract_id
 WHERE d.status = 'open' AND d.due_at <= ?
 ORDER BY d.due_at, d.id"""


def run_floor(path: Path) -> tuple[float, float, list[int], list[int], dict[str, float]]:
    """The same selection and writes as the project's sweep of due review windows, as raw
    SQL with executemany in one transaction. Row for row what release() writes, then
    what the sweep's hold step (rules.holds.make_available) writes for those of its holds
    that have already ended (the generator leaves no other ended hold pending)."""
    con = connect_raw(path)
    phases: dict[str, float] = {}
    c0, t0 = time.process_time(), time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    due = con.execute(DUE_SQL, (ts(NOW_N),)).fetchall()
    ids = {t: con.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{t}"').fetchone()[0]
           for t in NEW_ROW_TABLES}
    # The heads of the chains the records go into (journal._heads): one query.
    chains = json.dumps(sorted({d[4] for d in due}))
    heads: Heads = {c: (seq, h) for c, seq, h in con.execute(
        "SELECT chain, seq, hash FROM audit_head WHERE chain IN "
        "(SELECT value FROM json_each(?)) ORDER BY chain", (chains,))}
    claims, milestones, subs, transfers, entries = [], [], [], [], []
    events, notes, audits, holds, ended = [], [], [], [], []

    def add_transfer(cid, mid, kind, once_key, at, source, target, cents):
        ids["ledger_transfer"] += 1
        tid = ids["ledger_transfer"]
        transfers.append((tid, cid, mid, kind, once_key, at, SYSTEM_ID))
        for account, amount in ((source, -cents), (target, cents)):
            ids["ledger_entry"] += 1
            entries.append((ids["ledger_entry"], tid, cid, mid, account, amount))
        return tid

    def add_record(cid, mid, action, summary, details, at, recipients, before, after):
        ids["event"] += 1
        events.append((ids["event"], cid, mid, SYSTEM_ID, action, summary, jdump(details),
                       ts(at)))
        for r in recipients:
            ids["notification"] += 1
            notes.append((ids["notification"], ids["event"], r, 0, ts(at)))
        ids["audit_record"] += 1
        audits.append((ids["audit_record"], *audit_row(
            heads, actor_id=SYSTEM_ID, role="system", action=action, contract_id=cid,
            target=f"milestone:{mid}", before=jdump(before), after=jdump(after), at=at)))

    for (did, dver, kind, due_at, cid, mid, title, mver, mstatus, client, freelancer,
         policy, held) in due:
        assert kind == "review" and policy == POLICY and mstatus == "submitted" and held > 0
        at = dt.datetime.fromisoformat(due_at)
        money = format_money(held)
        claims.append((due_at, f"“{title}” auto-released: {money} to the freelancer"[:200],
                       did, dver))
        milestones.append((due_at, mid, mver))
        subs.append((mid,))
        tid = add_transfer(cid, mid, "release", f"m:{mid}:escrow", due_at, "escrow",
                           "freelancer_earnings", held)
        result = {"released_cents": held, "bonus_cents": 0, "to_project_funds_cents": 0,
                  "extra_charged_cents": 0}
        add_record(cid, mid, "release", f"Released {money} for “{title}”", result, at,
                   sorted({client, freelancer}),
                   {"status": "submitted", "escrow_cents": held},
                   {"status": "released", **result})
        # the payment's hold. One that has ended by now (a window due more than
        # hold_days ago) is written as the hold step leaves it: claimed, version 2.
        ids["payout_hold"] += 1
        ends = at + HOLD
        done = ends <= NOW_N
        holds.append((ids["payout_hold"], cid, mid, tid, held, due_at, ts(ends),
                      "available" if done else "pending", 2 if done else 1))
        if done:
            ended.append((ends, ids["payout_hold"], cid, mid, title, freelancer, held, at))
    # The hold step runs after every release, in the order of its query (available_at, id).
    for ends, hid, cid, mid, title, freelancer, held, at in sorted(ended):
        add_transfer(cid, mid, "available", f"hold:{hid}", ts(ends), "freelancer_earnings",
                     "freelancer_available", held)
        add_record(cid, mid, "payout_available", available_summary(held, title), {}, ends,
                   [freelancer], {"status": "pending", "released_at": at.isoformat()},
                   {"status": "available", "amount_cents": held})
    moved = [(c, seq, h) for c, (seq, h) in sorted(heads.items())]
    n = len(due)
    phases["select + prepare"] = time.perf_counter() - t0
    writes = [
        # The project claims the window (version + 1), then records the outcome
        # (version + 1): one statement here.
        ("deadline", ("UPDATE deadline SET status = 'applied', closed_at = ?, "
         "remind_at = NULL, outcome = ?, version = version + 2 "
         "WHERE id = ? AND status = 'open' AND version = ?"), claims),
        ("milestone", ("UPDATE milestone SET status = 'released', finished_at = ?, "
         "version = version + 1 WHERE id = ? AND version = ? AND status = 'submitted'"),
         milestones),
        ("ledger_transfer", ("INSERT INTO ledger_transfer (id, contract_id, milestone_id, "
         "kind, once_key, created_at, actor_id) VALUES (?, ?, ?, ?, ?, ?, ?)"), transfers),
        ("ledger_entry", ("INSERT INTO ledger_entry (id, transfer_id, contract_id, "
         "milestone_id, account, amount_cents) VALUES (?, ?, ?, ?, ?, ?)"), entries),
        ("submission", ("UPDATE submission SET status = 'approved', version = version + 1 "
         "WHERE milestone_id = ? AND status = 'pending'"), subs),
        ("event", ("INSERT INTO event (id, contract_id, milestone_id, actor_id, kind, "
         "summary, details, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"), events),
        ("notification", ("INSERT INTO notification (id, event_id, recipient_id, read, "
         "created_at) VALUES (?, ?, ?, ?, ?)"), notes),
        ("audit_record", ("INSERT INTO audit_record (id, actor_id, actor_role, action, "
         "contract_id, target, before, after, reason, occurred_at, chain, seq, prev_hash, "
         "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), audits),
        # journal._move_heads: each chain's head moves to its newest record.
        ("audit_head", ("INSERT INTO audit_head (chain, seq, hash, checkpointed) "
         "VALUES (?, ?, ?, 0) ON CONFLICT(chain) DO UPDATE SET seq = excluded.seq, "
         "hash = excluded.hash"), moved),
        ("payout_hold", ("INSERT INTO payout_hold (id, contract_id, milestone_id, "
         "transfer_id, amount_cents, released_at, available_at, status, version) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"), holds),
    ]
    changed = {}
    for table, sql, params in writes:
        t = time.perf_counter()
        changed[table] = con.executemany(sql, params).rowcount
        phases[table] = time.perf_counter() - t
    if changed["deadline"] != n or changed["milestone"] != n:
        con.execute("ROLLBACK")
        raise SystemExit(f"floor: claimed {changed['deadline']}, changed "
                         f"{changed['milestone']} of {n}")
    t = time.perf_counter()
    con.execute("COMMIT")
    phases["commit"] = time.perf_counter() - t
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    con.close()
    return elapsed, cpu, [d[0] for d in due], [d[5] for d in due], phases


def verify_audit(path: Path):
    """rules.audit_verify.verify_log() on a swept copy (opened with the models; chains
    split among processes once the log is large): (report, a line for the checks)."""
    from rules.audit_verify import verify_log
    url = sqlite_url(path)
    open_database(url)
    t0 = time.perf_counter()
    report = verify_log(workers=None, url=url)
    return report, (f"{'sound' if report.sound else 'BROKEN'}, {report.checked:,} records "
                    f"in {report.chains:,} chains ({time.perf_counter() - t0:.1f} s)")


def touched_rows(path: Path, before: dict[str, int], deadline_ids: list[int],
                 milestone_ids: list[int]) -> dict[str, list[tuple]]:
    """Every row a sweep of the due items wrote: updated rows and new rows."""
    con = sqlite3.connect(path)
    dl, ml = json.dumps(deadline_ids), json.dumps(milestone_ids)
    out = {
        "deadline": con.execute("SELECT * FROM deadline WHERE id IN (SELECT value FROM "
                                "json_each(?)) ORDER BY id", (dl,)).fetchall(),
        "milestone": con.execute("SELECT * FROM milestone WHERE id IN (SELECT value FROM "
                                 "json_each(?)) ORDER BY id", (ml,)).fetchall(),
        "submission": con.execute("SELECT * FROM submission WHERE milestone_id IN (SELECT "
                                  "value FROM json_each(?)) ORDER BY id", (ml,)).fetchall(),
    }
    for t in NEW_ROW_TABLES:
        out[t] = con.execute(f'SELECT * FROM "{t}" WHERE id > ? ORDER BY id',
                             (before[t],)).fetchall()
    out["audit_head"] = con.execute("SELECT * FROM audit_head ORDER BY chain").fetchall()
    out["_counts"] = [(t, con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0])
                      for (t,) in con.execute("SELECT name FROM sqlite_master WHERE "
                                              "type='table' ORDER BY name").fetchall()]
    # Holds by status too: an older hold the project made available changes no count.
    out["_counts"] += con.execute("SELECT 'payout_hold ' || status, COUNT(*) FROM "
                                  "payout_hold GROUP BY status ORDER BY status").fetchall()
    con.close()
    return out


class StatementLog:
    """Counts the SQL statements a connection runs (sqlite3 trace callback)."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, sql: str) -> None:
        self.statements.append(sql)

    def census(self) -> Counter:
        c = Counter()
        for s in self.statements:
            words = s.split()
            verb = words[0].upper() if words else "?"
            m = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', s, re.IGNORECASE)
            c[f"{verb} {m.group(1) if m else ''}".strip()] += 1
        return c


def empty_sweeps(runs: int) -> tuple[list[float], list[str]]:
    """Sweeps that find nothing due (on the swept database): times in ms, and the
    statements one of them runs."""
    from rules.deadlines import sweep
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = sweep(clock=FrozenClock(NOW))
        times.append((time.perf_counter() - t0) * 1000)
        assert not r.changed, "an empty sweep changed something"
    log_ = StatementLog()
    con = database.connection()
    con.set_trace_callback(log_)
    try:
        sweep(clock=FrozenClock(NOW))
    finally:
        con.set_trace_callback(None)
    return times, log_.statements


def query_plans(statements: list[str]) -> list[tuple[str, list[str]]]:
    con = database.connection()
    out = []
    for s in statements:
        if s.lstrip().upper().startswith("SELECT"):
            plan = [row[3] for row in con.execute("EXPLAIN QUERY PLAN " + s)]
            out.append((s, plan))
    return out


def profile_project(src: Path, top: int, sweep_kwargs: dict) -> None:
    """Profile the project's sweep on a fresh copy: cProfile into WORK, and a census of
    the SQL statements per item."""
    from rules.deadlines import sweep
    path = copy_db(src, f"run-profile-{os.getpid()}.db")
    open_database(sqlite_url(path))
    stmts = StatementLog()
    database.connection().set_trace_callback(stmts)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    result = sweep(clock=FrozenClock(NOW), **sweep_kwargs)
    prof.disable()
    elapsed = time.perf_counter() - t0
    database.connection().set_trace_callback(None)
    database.close()
    out = WORK / "sweep.prof"
    prof.dump_stats(out)
    n = len(result.applied) or 1
    print(f"\nProfile of the project's sweep ({len(result.applied):,} items, "
          f"{elapsed:.2f} s under cProfile); stats in {out}")
    print(f"SQL statements: {len(stmts.statements):,} in all, "
          f"{len(stmts.statements) / n:.1f} per item")
    for what, k in stmts.census().most_common():
        print(f"  {k / n:6.2f}/item  {what}")
    for key in ("tottime", "cumulative"):
        s = io.StringIO()
        pstats.Stats(prof, stream=s).strip_dirs().sort_stats(key).print_stats(top)
        text = s.getvalue()
        print(f"\n-- top {top} by {key} --")
        print(text[text.find("   ncalls"):].rstrip())
    remove_db(path)


# --- main ----------------------------------------------------------------------------

def main() -> int:
    global WORK
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0,
                    help="fraction of 1,000,000 milestones (default 1; 0.01 for a quick check)")
    ap.add_argument("--db", type=Path, help="path of the built (cached) database file")
    ap.add_argument("--rebuild", action="store_true", help="build even if cached")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=20, help="empty sweeps to time (median)")
    ap.add_argument("--invariants", choices=("auto", "always", "never"), default="auto",
                    help="check rules.invariants.ledger_problems() after the sweep "
                         "(auto: up to 100,000 milestones)")
    ap.add_argument("--profile", action="store_true",
                    help="also profile the project's sweep (cProfile, SQL census)")
    ap.add_argument("--top", type=int, default=25, help="profile lines to print")
    ap.add_argument("--batch-size", type=int,
                    help="pass batch_size to sweep() (default: the project's default)")
    ap.add_argument("--batch-seconds", type=float,
                    help="pass batch_seconds to sweep() (default: the project's default)")
    ap.add_argument("--pause", type=float,
                    help="pass pause to sweep(): the longest gap between batches, s; 0: "
                         "no gap (default: the project's default)")
    ap.add_argument("--pause-ratio", type=float,
                    help="pass pause_ratio to sweep(): the gap between batches as a share "
                         "of the time a batch held the lock (default: the project's)")
    ap.add_argument("--one-by-one", action="store_true",
                    help="sweep(batched=False): every item through the one-by-one path")
    ap.add_argument("--work", type=Path, default=WORK,
                    help=f"directory for the cache and the run copies (default {WORK})")
    ap.add_argument("--keep", action="store_true", help="keep the swept copies")
    ap.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    args = ap.parse_args()

    WORK = args.work
    WORK.mkdir(parents=True, exist_ok=True)
    sweep_kwargs = {k: v for k, v in (("batch_size", args.batch_size),
                                      ("batch_seconds", args.batch_seconds),
                                      ("pause", args.pause),
                                      ("pause_ratio", args.pause_ratio)) if v is not None}
    if args.one_by_one:
        sweep_kwargs["batched"] = False
    contracts = max(10, round(FULL_CONTRACTS * args.scale))
    contracts -= contracts % 10
    n_milestones = contracts * MILESTONES_PER_CONTRACT
    n_due = contracts // 10
    src = args.db or cache_path(contracts, args.seed)
    meta_file = Path(f"{src}.json")
    cached = src.exists() and meta_file.exists() and not args.rebuild
    if cached:
        meta = json.loads(meta_file.read_text())
    else:
        log(f"building {n_milestones:,} milestones into {src} ...")
        src.parent.mkdir(parents=True, exist_ok=True)
        remove_db(src)
        meta = build(src, contracts, args.seed)
    failures: list[str] = []

    # (1) the project's sweep
    before = max_ids(src)
    log("project sweep ...")
    p_path = copy_db(src, f"run-project-{os.getpid()}.db")
    p_time, p_cpu, result, p_slept = run_project(p_path, sweep_kwargs)
    applied = [a for a in result.applied if not a.skipped]
    skipped = [a for a in result.applied if a.skipped]
    if len(applied) != n_due or skipped or result.reminders:
        failures.append(f"project sweep applied {len(applied)}, skipped {len(skipped)}, "
                        f"sent {result.reminders} reminders; expected {n_due} applied")

    # (3) empty sweeps on the swept database, and the plans of their queries
    log("empty sweeps ...")
    e_times, e_statements = empty_sweeps(args.runs)
    plans = query_plans(e_statements)
    inv_note = ""
    if args.invariants == "always" or (args.invariants == "auto" and n_milestones <= 100_000):
        from rules.invariants import ledger_problems
        t0 = time.perf_counter()
        problems = ledger_problems()
        inv_note = (f"ledger_problems(): {len(problems)} problems "
                    f"({time.perf_counter() - t0:.1f} s)")
        if problems:
            failures.append("ledger invariants: " + "; ".join(problems[:5]))
    else:
        inv_note = ("ledger_problems(): skipped at this scale (it walks every milestone); "
                    "run --scale 0.01 or --invariants always")
    p_audit, note = verify_audit(p_path)
    audit_notes = [f"project: {note}"]
    if not p_audit.sound:
        failures.append("project's audit log: " + p_audit.one_line())
    database.close()

    # (2) the floor on another copy
    log("floor ...")
    f_path = copy_db(src, f"run-floor-{os.getpid()}.db")
    f_time, f_cpu, f_deadlines, f_milestones, f_phases = run_floor(f_path)
    if len(f_deadlines) != n_due:
        failures.append(f"floor found {len(f_deadlines)} due, expected {n_due}")

    # Correctness: the project released every due milestone, and wrote exactly the rows
    # the floor wrote.
    log("comparing ...")
    p_rows = touched_rows(p_path, before, f_deadlines, f_milestones)
    f_rows = touched_rows(f_path, before, f_deadlines, f_milestones)
    released = sum(1 for r in p_rows["milestone"] if r[7] == "released")
    if released != n_due:
        failures.append(f"{released} of {n_due} due milestones released")
    differ = [t for t in p_rows if p_rows[t] != f_rows[t]]
    if differ:
        failures.append("the floor does not write what the project writes: differs in "
                        + ", ".join(differ))
        for t in differ:
            pr, fr = p_rows[t], f_rows[t]
            first = next((i for i, (a, b) in enumerate(zip(pr, fr)) if a != b), None)
            log(f"  {t}: project {len(pr)} rows, floor {len(fr)} rows"
                + (f"; first difference:\n    project {pr[first]}\n    floor   {fr[first]}"
                   if first is not None else ""))
    f_audit, note = verify_audit(f_path)
    audit_notes.append(f"floor: {note}")
    if not f_audit.sound:
        failures.append("floor's audit log: " + f_audit.one_line())
    database.close()
    if not args.keep:
        remove_db(p_path)
        remove_db(f_path)

    # Report
    ratio = p_time / f_time
    e_med = statistics.median(e_times)
    ok_ratio, ok_empty = ratio <= TARGET_RATIO, e_med < TARGET_EMPTY_MS
    rows_total = sum(meta["rows"].values())
    print(f"\nDeadline sweep: {n_milestones:,} milestones in {contracts:,} contracts, "
          f"{n_due:,} due ({n_due / n_milestones:.1%})")
    print(f"database: {src} ({meta['size_bytes'] / 2**20:,.0f} MiB, {rows_total:,} rows; "
          f"built in {meta['build_seconds']:.1f} s{', cached' if cached else ''})")
    print()
    print(f"  {'':28}{'wall':>12}{'items/s':>12}{'cpu':>12}   target")
    print(f"  {'project sweep':28}{p_time:>10.3f} s{n_due / p_time:>12,.0f}{p_cpu:>10.3f} s")
    print(f"  {'floor (raw sqlite3, 1 txn)':28}{f_time:>10.3f} s{n_due / f_time:>12,.0f}"
          f"{f_cpu:>10.3f} s")
    print(f"  {'ratio project / floor':28}{ratio:>11.1f}x{'':12}{p_cpu / f_cpu:>11.1f}x"
          f"   <= {TARGET_RATIO:.0f}x  {'ok' if ok_ratio else 'MISSED'}")
    print(f"  {f'empty sweep (median of {args.runs})':28}{e_med:>9.2f} ms{'':24}   "
          f"< {TARGET_EMPTY_MS:.0f} ms  {'ok' if ok_empty else 'MISSED'}")
    print(f"  {'':28}(min {min(e_times):.2f}, max {max(e_times):.2f} ms)")
    print(f"\nper item: project {p_time / n_due * 1e6:,.0f} us, floor "
          f"{f_time / n_due * 1e6:,.0f} us")
    if p_slept.calls:
        print(f"the project's sweep slept {p_slept.seconds:.1f} s of its {p_time:.1f} s "
              f"between batches ({p_slept.calls} pauses, beside the WAL checkpoints it runs "
              "there; --pause 0 to measure without)")
    print("floor, where its time goes: " + ", ".join(
        f"{k} {v:.2f} s" for k, v in sorted(f_phases.items(), key=lambda kv: -kv[1])))
    print("\nQueries of an empty sweep, with their plans:")
    for sql, plan in plans:
        print("  " + " ".join(sql.split())[:150])
        for line in plan:
            print("      " + line)
    print("\nChecks:")
    print(f"  project applied {len(applied):,} windows, {len(skipped)} skipped, "
          f"{released:,} of {n_due:,} due milestones released")
    print(f"  floor rows == project rows (updated and new, {len(p_rows) - 1} tables, "
          f"plus row counts): {'yes' if not differ else 'NO: ' + ', '.join(differ)}")
    print(f"  {inv_note}")
    print("  verify_log(): " + "; ".join(audit_notes))
    for f in failures:
        print(f"  FAILED: {f}")
    if args.profile:
        profile_project(src, args.top, sweep_kwargs)
    if failures:
        return 1
    if args.strict and not (ok_ratio and ok_empty):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
