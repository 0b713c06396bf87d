"""Concurrency: several processes doing random valid actions on the same contracts.

    .venv/bin/python bench/concurrency.py                 # the benchmark (table below)
    .venv/bin/python bench/concurrency.py --actions 200   # a quicker run
    .venv/bin/python bench/concurrency.py --pg URL        # PostgreSQL server to use
                                                          # (default $MILESTONES_TEST_PG)

For each backend (SQLite file; PostgreSQL if a server is given) and each number of
processes (1, 2, 4): a fresh database with 20 contracts (14 Upwork, 3 Fiverr Gig, 3
Fiverr offer; 4 clients, 4 freelancers, 1 agent) built through rules/, then every
process does `--actions` random actions at once. An action is chosen from the state of a
random contract as the process just read it (fund the next milestone, submit, release,
request changes, ask a refund, agree or dispute, respond, resolve as the agent, propose
and answer a change, add a milestone, end the contract, leave feedback), so with several
processes some were valid when chosen and are refused because another process acted
first (rule id "conflict"), others by an ordinary rule (the window closed meanwhile...).
Simulated time runs at `--speed` (default one day per wall second) so windows fall due.

Printed per row: actions per second (all processes together), the share refused because
another acted first, the share refused by another rule, and the floor: the same number
of processes doing the least a write transaction can do with the project's settings
(take the write lock, a compare-and-set update, one insert, commit), in transactions
per second, with the ratio actions/s ÷ floor. Shared machines are noisy: read ratios.

The same engine drives tests/rules/test_concurrency.py (subcommands `actor`, `sweeper`;
`world` is imported). Exit status 1 when an action ended in an error that is not a
refusal (a database error reaching a caller), or the ledger or audit chain broke.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import arrow  # noqa: E402

T0 = arrow.get("2026-03-02T09:00:00+00:00")  # a Monday; the world is built then
DAY = 86_400.0
SYSTEM_WORDS = ("locked", "serializ", "deadlock", "operationalerror", "traceback",
                "could not", "psycopg", "sqlite")


class RunClock:
    """Simulated time shared by every process of a run: T0 + (wall - epoch) × speed,
    with `offset` simulated seconds added (the world was built before the run)."""

    def __init__(self, epoch: float, speed: float, offset: float = DAY):
        self.epoch, self.speed, self.offset = epoch, speed, offset

    def now(self) -> arrow.Arrow:
        return T0.shift(seconds=self.offset + (time.time() - self.epoch) * self.speed)


# --- the world --------------------------------------------------------------------

POLICIES = ["upwork"] * 14 + ["fiverr-gig"] * 3 + ["fiverr-offer"] * 3


def build_world(contracts: int = 20, seed: int = 1) -> dict:
    """Accounts and `contracts` contracts through rules/, on the open database."""
    import datetime as dt

    from models.accounts import Account
    from models.vocabulary import Role
    from rules.clock import FrozenClock
    from rules.contracts import create_contract
    from rules.payments import fund_next_milestone
    from rules.plan import AddMilestone
    from rules.policy import get_policy

    rng = random.Random(seed)
    clients = [Account.create(login=f"client{i}", display_name=f"Client {i}",
                              role=Role.CLIENT) for i in range(4)]
    freelancers = [Account.create(login=f"free{i}", display_name=f"Freelancer {i}",
                                  role=Role.FREELANCER) for i in range(4)]
    Account.create(login="agent", display_name="Support agent", role=Role.AGENT)
    clock = FrozenClock(T0)
    ids = []
    for i in range(contracts):
        policy = POLICIES[i % len(POLICIES)]
        count = min(8, get_policy(policy).max_milestones or 8)
        drafts = [AddMilestone(title=f"Part {k + 1}", amount_cents=rng.randrange(50, 500) * 100,
                               due_date=dt.date(2026, 3, 2) + dt.timedelta(days=7 * (k + 1)))
                  for k in range(count)]
        c = create_contract(clients[i % 4], freelancer=freelancers[(i // 4) % 4],
                            title=f"Contract {i + 1}", policy=policy, milestones=drafts,
                            clock=clock)
        if policy == "upwork":
            fund_next_milestone(clients[i % 4], c.id, clock=clock)
        ids.append(c.id)
    return {"contracts": ids}


# --- choosing a random valid action -----------------------------------------------

def candidates(cid: int, rng: random.Random) -> list[tuple[float, str, Callable[[], object]]]:
    """(weight, label, call) for the actions the contract's state allows, as read now."""
    from models.accounts import Account
    from models.change_requests import ChangeRequest
    from models.contracts import Contract, Feedback
    from models.milestones import Milestone
    from models.refunds import RefundRequest
    from models.vocabulary import (ACTIVE_STATUSES, ChangeRequestKind, ChangeRequestStatus,
                                   ContractStatus, Role)
    from models.vocabulary import MilestoneStatus as S
    from rules import change_requests, contracts, payments, planning, refunds, support, work
    from rules.policy import get_policy

    c = Contract.get_by_id(cid)
    client, freelancer = c.client_id, c.freelancer_id
    if "agent" not in _CACHE:
        _CACHE["agent"] = Account.get(Account.role == Role.AGENT).id
    agent = _CACHE["agent"]
    policy = get_policy(c.policy)
    clock = CLOCK
    out: list[tuple[float, str, Callable[[], object]]] = []

    def add(weight: float, label: str, call: Callable[[], object]) -> None:
        out.append((weight, label, call))

    if c.status != ContractStatus.OPEN:
        left = {a for (a,) in Feedback.select(Feedback.author)
                .where(Feedback.contract == cid).tuples()}
        for who in (client, freelancer):
            if who not in left:
                add(1, "leave_feedback", lambda who=who: contracts.leave_feedback(
                    who, cid, rng.randint(1, 5), "Thanks", clock=clock))
        return out
    ms = list(Milestone.select().where(Milestone.contract == cid).order_by(Milestone.position))
    active = next((m for m in ms if m.status in ACTIVE_STATUSES), None)
    planned = [m for m in ms if m.status == S.PLANNED]
    if active is None:
        if planned:
            add(6, "fund_next_milestone",
                lambda: payments.fund_next_milestone(client, cid, clock=clock))
        if policy.platform != "fiverr":
            add(3 if not planned else 0.5, "add_milestone", lambda: planning.add_milestone(
                client, cid, f"Extra {rng.randrange(10_000)}", rng.randrange(50, 400) * 100,
                clock=clock))
            if not planned:
                add(0.3, "end_contract", lambda: contracts.end_contract(client, cid, clock=clock))
        return out
    m = active
    rr = (RefundRequest.select().where((RefundRequest.milestone == m.id)
                                       & (RefundRequest.status.in_(list(refunds.OPEN))))
          .first())
    cr = (ChangeRequest.select().where((ChangeRequest.milestone == m.id)
                                       & (ChangeRequest.kind == ChangeRequestKind.CLIENT_ACTIVE)
                                       & (ChangeRequest.status == ChangeRequestStatus.PENDING))
          .first())
    if m.status in (S.FUNDED, S.CHANGES_REQUESTED):
        add(4, "submit_work", lambda: work.submit_work(freelancer, m.id, "Here it is",
                                                       clock=clock))
    if m.status in (S.FUNDED, S.CHANGES_REQUESTED, S.SUBMITTED):
        if m.status == S.SUBMITTED or policy.release_without_submission:
            add(4 if m.status == S.SUBMITTED else 1, "release",
                lambda: payments.release(client, m.id, clock=clock))
        if policy.refunds:
            add(1, "request_refund", lambda: refunds.request_refund(
                client, m.id, reason="Not what we agreed", clock=clock))
    if m.status == S.SUBMITTED:
        add(2, "request_changes", lambda: work.request_changes(
            client, m.id, "Please adjust the colours", clock=clock))
    if m.status in (S.FUNDED, S.CHANGES_REQUESTED) and cr is None and policy.platform != "fiverr":
        if m.amount_cents > 2_000:
            add(1, "request_milestone_change", lambda: change_requests.request_milestone_change(
                client, m.id, {"amount_cents": m.amount_cents - 1_000}, "Smaller scope",
                clock=clock))
    if cr is not None:
        add(2, "approve_milestone_change", lambda: change_requests.approve_milestone_change(
            freelancer, cr.id, clock=clock))
        add(1, "reject_milestone_change", lambda: change_requests.reject_milestone_change(
            freelancer, cr.id, "No", clock=clock))
        add(1, "withdraw_milestone_change", lambda: change_requests.withdraw_milestone_change(
            client, cr.id, clock=clock))
    if rr is not None:
        if m.status == S.REFUND_REQUESTED:
            add(2, "agree_refund", lambda: refunds.agree_refund(freelancer, rr.id, clock=clock))
            add(2, "dispute_refund", lambda: refunds.dispute_refund(
                freelancer, rr.id, "The work was delivered", clock=clock))
        elif m.status == S.DISPUTED:
            add(3, "respond_to_dispute", lambda: refunds.respond_to_dispute(
                client, rr.id, "It was not", clock=clock))
        elif m.status == S.IN_SUPPORT:
            half = rr.amount_cents // 2
            add(3, "resolve_dispute", lambda: refunds.resolve_dispute(
                agent, rr.id, half, rr.amount_cents - half, "Half the work was done",
                clock=clock))
    if policy.platform == "fiverr" and m.status in (S.FUNDED, S.SUBMITTED):
        add(0.3, "cancel_milestone", lambda: support.cancel_milestone(
            agent, m.id, "The buyer asked support to cancel", clock=clock))
    return out


CLOCK: RunClock | None = None  # set by run_actor / run_sweeper
_CACHE: dict = {}


def one_action(contract_ids: list[int], rng: random.Random) -> tuple[str, dict]:
    """Pick a contract with something to do and do one of its actions.
    Returns (label, outcome) where outcome is {"ok": True} or {"rule": id, "message": m}
    or {"error": text}."""
    from rules.errors import RuleError
    for _ in range(4 * len(contract_ids)):
        options = candidates(rng.choice(contract_ids), rng)
        if options:
            break
    else:
        return "idle", {"ok": True}
    weights = [w for w, _, _ in options]
    _, label, call = rng.choices(options, weights=weights)[0]
    try:
        call()
    except RuleError as exc:
        return label, {"rule": exc.rule_id, "message": exc.message}
    except Exception as exc:  # a database error reaching the caller: what must not happen
        return label, {"error": f"{type(exc).__name__}: {exc}",
                       "trace": traceback.format_exc(limit=8)}
    return label, {"ok": True}


def bad_message(rule: str, message: str) -> bool:
    """A refusal a user could not act on: empty, or the database speaking."""
    text = (message or "").lower()
    return not text.strip() or any(w in text for w in SYSTEM_WORDS)


def wait_for_go(go: Path, limit: float = 120) -> float:
    deadline = time.monotonic() + limit
    while not go.exists() or not go.read_text().strip():
        if time.monotonic() > deadline:
            raise SystemExit("no go signal")
        time.sleep(0.002)
    return float(go.read_text())


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def run_actor(url: str, contract_ids: list[int], actions: int, seed: int, go: Path,
              out: Path, speed: float) -> None:
    """One process: `actions` random actions, then a report in `out`."""
    global CLOCK
    from models.db import open_database
    open_database(url, create=False)
    (out.parent / (out.name + ".ready")).write_text(str(os.getpid()))
    epoch = wait_for_go(go)
    CLOCK = RunClock(epoch, speed)
    rng = random.Random(seed)
    tally: Counter = Counter()
    refusals: Counter = Counter()
    messages: dict[str, str] = {}
    errors: list[dict] = []
    bad: list[dict] = []
    started = time.perf_counter()
    for _ in range(actions):
        label, outcome = one_action(contract_ids, rng)
        if "error" in outcome:
            tally["error"] += 1
            errors.append({"action": label, **outcome})
        elif "rule" in outcome:
            tally["conflict" if outcome["rule"] == "conflict" else "refused"] += 1
            refusals[f"{label} {outcome['rule']}"] += 1
            messages.setdefault(outcome["rule"], outcome["message"])
            if bad_message(outcome["rule"], outcome["message"]):
                bad.append({"action": label, **outcome})
        else:
            tally["idle" if label == "idle" else "ok"] += 1
            refusals[f"{label} ok"] += 1
    seconds = time.perf_counter() - started
    write_json(out, {"pid": os.getpid(), "actions": actions, "seconds": seconds,
                     "tally": dict(tally), "by_action": dict(refusals),
                     "messages": messages, "errors": errors[:20], "bad_messages": bad[:20]})


def run_sweeper(url: str, go: Path, stop: Path, out: Path, speed: float) -> None:
    """A deadline worker: sweep until `stop` exists, then report."""
    global CLOCK
    from models.db import open_database
    from rules.deadlines import sweep
    open_database(url, create=False)
    (out.parent / (out.name + ".ready")).write_text(str(os.getpid()))
    CLOCK = RunClock(wait_for_go(go), speed)
    applied = reminders = sweeps = 0
    errors: list[str] = []
    while not stop.exists():
        try:
            result = sweep(clock=CLOCK, pause=0)
        except Exception as exc:  # must not happen: retried inside, or a bug
            errors.append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}")
        else:
            applied += len(result.applied)
            reminders += result.reminders
            sweeps += 1
        time.sleep(0.05)
    write_json(out, {"pid": os.getpid(), "sweeps": sweeps, "applied": applied,
                     "reminders": reminders, "errors": errors[:20]})


# --- running a group of processes ---------------------------------------------------

def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def spawn(args: list[str], log: Path) -> subprocess.Popen:
    with open(log, "w") as err:
        return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args],
                                cwd=ROOT, env=_env(), stdout=err, stderr=subprocess.STDOUT)


def run_group(url: str, contract_ids: list[int], work: Path, *, processes: int,
              actions: int, sweepers: int = 0, speed: float = DAY, seed: int = 1,
              timeout: float = 600) -> dict:
    """Start `processes` actors and `sweepers` workers, wait until each opened the
    database, start them at once, wait for the actors, stop the workers. Returns
    {"seconds", "actors": [...], "sweepers": [...]}."""
    work.mkdir(parents=True, exist_ok=True)
    go, stop = work / "go", work / "stop"
    for f in (go, stop):
        f.unlink(missing_ok=True)
    ids = ",".join(map(str, contract_ids))
    actors = [(spawn(["actor", url, ids, str(actions), str(seed * 1000 + i), str(go),
                      str(work / f"actor-{i}.json"), str(speed)], work / f"actor-{i}.log"),
               work / f"actor-{i}.json") for i in range(processes)]
    workers = [(spawn(["sweeper", url, str(go), str(stop), str(work / f"sweeper-{i}.json"),
                       str(speed)], work / f"sweeper-{i}.log"), work / f"sweeper-{i}.json")
               for i in range(sweepers)]
    everyone = actors + workers
    try:
        limit = time.monotonic() + 120
        while not all((o.parent / (o.name + ".ready")).exists() for _, o in everyone):
            for p, o in everyone:
                if p.poll() is not None:
                    raise RuntimeError(f"{o.stem} exited early:\n"
                                       f"{o.with_suffix('.log').read_text()}")
            if time.monotonic() > limit:
                raise RuntimeError("the processes did not start")
            time.sleep(0.01)
        started = time.perf_counter()
        go.write_text(repr(time.time()))
        deadline = time.monotonic() + timeout
        for p, o in actors:
            code = p.wait(timeout=max(1, deadline - time.monotonic()))
            if code != 0:
                raise RuntimeError(f"{o.stem} exited with {code}:\n"
                                   f"{o.with_suffix('.log').read_text()}")
        seconds = time.perf_counter() - started
        stop.touch()
        for p, o in workers:
            code = p.wait(timeout=60)
            if code != 0:
                raise RuntimeError(f"{o.stem} exited with {code}:\n"
                                   f"{o.with_suffix('.log').read_text()}")
        return {"seconds": seconds,
                "actors": [json.loads(o.read_text()) for _, o in actors],
                "sweepers": [json.loads(o.read_text()) for _, o in workers]}
    finally:
        stop.touch()
        for p, _ in everyone:
            if p.poll() is None:
                p.kill()
                p.wait()


def totals(run: dict) -> Counter:
    t: Counter = Counter()
    for a in run["actors"]:
        t.update(a["tally"])
    return t


# --- the floor: the least a write transaction does ---------------------------------

FLOOR_TX = 500


def run_floor_process(url: str, n: int, go: Path, out: Path) -> None:
    """`n` minimal write transactions with the project's settings: the write lock, a
    compare-and-set update of a counter row, one insert, commit."""
    if url.startswith("sqlite:///"):
        from models.db import SQLITE_PRAGMAS
        con = sqlite3.connect(url[len("sqlite:///"):], isolation_level=None, timeout=10)
        for k, v in SQLITE_PRAGMAS.items():
            con.execute(f"PRAGMA {k} = {v}")
        begin, lock, param = "BEGIN IMMEDIATE", None, "?"
    else:
        import psycopg2
        from models.db import WRITE_LOCK_KEY
        con = psycopg2.connect(url)
        con.autocommit = True
        begin, lock, param = "BEGIN", f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})", "%s"
    cur = con.cursor()
    (out.parent / (out.name + ".ready")).write_text(str(os.getpid()))
    wait_for_go(go)
    started = time.perf_counter()
    for i in range(n):
        cur.execute(begin)
        if lock:
            cur.execute(lock)
        cur.execute("SELECT version FROM bench_counter WHERE id = 1")
        (version,) = cur.fetchone()
        cur.execute(f"UPDATE bench_counter SET version = version + 1 WHERE id = 1 AND "
                    f"version = {param}", (version,))
        cur.execute(f"INSERT INTO bench_log (pid, i) VALUES ({param}, {param})", (os.getpid(), i))
        cur.execute("COMMIT")
    write_json(out, {"seconds": time.perf_counter() - started, "transactions": n})


def floor(url: str, processes: int, work: Path, n: int = FLOOR_TX) -> float:
    """Transactions per second of `processes` floor processes on `url`."""
    work.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite:///"):
        con = sqlite3.connect(url[len("sqlite:///"):])
        con.execute("PRAGMA journal_mode = wal")
        ddl_id = "INTEGER PRIMARY KEY"
    else:
        import psycopg2
        con = psycopg2.connect(url)
        ddl_id = "SERIAL PRIMARY KEY"
    cur = con.cursor()
    cur.execute("DROP TABLE IF EXISTS bench_counter")
    cur.execute("DROP TABLE IF EXISTS bench_log")
    cur.execute("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, version INTEGER)")
    cur.execute(f"CREATE TABLE bench_log (id {ddl_id}, pid INTEGER, i INTEGER)")
    cur.execute("INSERT INTO bench_counter VALUES (1, 1)")
    con.commit()
    con.close()
    go = work / "floor-go"
    go.unlink(missing_ok=True)
    procs = [(spawn(["floor", url, str(n), str(go), str(work / f"floor-{i}.json")],
                    work / f"floor-{i}.log"), work / f"floor-{i}.json")
             for i in range(processes)]
    while not all((o.parent / (o.name + ".ready")).exists() for _, o in procs):
        for p, o in procs:
            if p.poll() is not None:
                raise RuntimeError(o.with_suffix(".log").read_text())
        time.sleep(0.01)
    started = time.perf_counter()
    go.write_text(repr(time.time()))
    for p, o in procs:
        if p.wait(timeout=300) != 0:
            raise RuntimeError(o.with_suffix(".log").read_text())
    return processes * n / (time.perf_counter() - started)


# --- the benchmark -----------------------------------------------------------------

def postgres_database(server: str, name: str) -> str:
    import psycopg2
    con = psycopg2.connect(server)
    con.autocommit = True
    con.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    con.cursor().execute(f'CREATE DATABASE "{name}"')
    con.close()
    return server.partition("?")[0].rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(server: str, name: str) -> None:
    import psycopg2
    con = psycopg2.connect(server)
    con.autocommit = True
    con.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    con.close()


def bench_one(url: str, processes: int, actions: int, sweepers: int, speed: float,
              work: Path) -> dict:
    from models.base import database
    from models.db import open_database
    from rules.audit_verify import verify_log
    from rules.invariants import ledger_problems
    open_database(url)
    world = build_world()
    database.close()
    run = run_group(url, world["contracts"], work, processes=processes, actions=actions,
                    sweepers=sweepers, speed=speed)
    open_database(url, create=False)
    problems = ledger_problems()
    chain = verify_log()
    database.close()
    t = totals(run)
    total = processes * actions
    errors = [e for a in run["actors"] for e in a["errors"]] + \
             [e for s in run["sweepers"] for e in s["errors"]]
    return {"processes": processes, "actions": total, "seconds": run["seconds"],
            "per_second": total / run["seconds"], "tally": dict(t),
            "conflict_share": t["conflict"] / total, "refused_share": t["refused"] / total,
            "applied_by_sweeps": sum(s["applied"] for s in run["sweepers"]),
            "ledger": problems, "chain": chain.one_line() if not chain.sound else "",
            "errors": errors}


def main_bench(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=500, help="actions per process")
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--sweepers", type=int, default=0,
                        help="deadline workers sweeping during the run (default 0)")
    parser.add_argument("--speed", type=float, default=DAY,
                        help="simulated seconds per wall second (default a day)")
    parser.add_argument("--pg", default=os.environ.get("MILESTONES_TEST_PG"),
                        help="PostgreSQL server URL (default $MILESTONES_TEST_PG); "
                             "without one, SQLite only")
    parser.add_argument("--floor-transactions", type=int, default=FLOOR_TX)
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.processes.split(",")]
    backends = ["sqlite"] + (["postgres"] if args.pg else [])
    rows, failed = [], False
    with tempfile.TemporaryDirectory(prefix="milestones-concurrency-") as tmp:
        for backend in backends:
            for n in counts:
                work = Path(tmp) / f"{backend}-{n}"
                name = f"milestones_bench_{os.getpid()}_{n}"
                if backend == "sqlite":
                    url = f"sqlite:///{work / 'bench.db'}"
                    floor_url = f"sqlite:///{work / 'floor.db'}"
                else:
                    url = postgres_database(args.pg, name)
                    floor_url = postgres_database(args.pg, name + "_floor")
                try:
                    work.mkdir(parents=True, exist_ok=True)
                    print(f"{backend}, {n} process(es) ...", file=sys.stderr, flush=True)
                    row = bench_one(url, n, args.actions, args.sweepers, args.speed, work)
                    row["floor"] = floor(floor_url, n, work, args.floor_transactions)
                finally:
                    if backend == "postgres":
                        drop_postgres_database(args.pg, name)
                        drop_postgres_database(args.pg, name + "_floor")
                row["backend"] = backend
                rows.append(row)
                if row["errors"] or row["ledger"] or row["chain"]:
                    failed = True
    print()
    print(f"{'backend':<9} {'procs':>5} {'actions':>7} {'seconds':>8} {'actions/s':>9} "
          f"{'conflict':>8} {'refused':>8} {'floor tx/s':>10} {'ratio':>6}")
    for r in rows:
        print(f"{r['backend']:<9} {r['processes']:>5} {r['actions']:>7} {r['seconds']:>8.1f} "
              f"{r['per_second']:>9.1f} {r['conflict_share']:>8.1%} {r['refused_share']:>8.1%} "
              f"{r['floor']:>10.0f} {r['per_second'] / r['floor']:>6.3f}")
    print("\nconflict: refused because another process acted first (rule id \"conflict\"); "
          "refused: by another rule.\nfloor: the same processes doing minimal write "
          "transactions (write lock, compare-and-set, insert, commit); ratio = actions/s ÷ "
          "floor.")
    for r in rows:
        for what in ("errors", "ledger"):
            if r[what]:
                print(f"{r['backend']} × {r['processes']}: {what}: {r[what][:3]}")
        if r["chain"]:
            print(f"{r['backend']} × {r['processes']}: {r['chain']}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "actor":
        url, ids, actions, seed, go, out, speed = argv[1:8]
        run_actor(url, [int(i) for i in ids.split(",")], int(actions), int(seed), Path(go),
                  Path(out), float(speed))
        return 0
    if argv and argv[0] == "sweeper":
        url, go, stop, out, speed = argv[1:6]
        run_sweeper(url, Path(go), Path(stop), Path(out), float(speed))
        return 0
    if argv and argv[0] == "floor":
        url, n, go, out = argv[1:5]
        run_floor_process(url, int(n), Path(go), Path(out))
        return 0
    return main_bench(argv)


if __name__ == "__main__":
    raise SystemExit(main())
