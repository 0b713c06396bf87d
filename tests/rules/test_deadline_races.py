"""G-09 races: the deadline sweep applies each due window exactly once, with several
sweeps at once (threads, processes), against a user acting at the same instant, and
across a worker killed mid-sweep — all on a SQLite file, as in production.

The due items are built through rules/ actions (create, fund, submit: a U-06 review
window each), once per session into a template file that each test copies.
`MILESTONES_RACE_ITEMS` sets how many items the 4-process race and the killed worker
use (default 300).

Notes (2 shared CPUs, loaded): building items through rules/ costs 15-30 ms each (about
35 queries, mostly peewee SQL building), a sweep 10-20 ms per item (about 20 queries):
2,000 items take 35-45 s to build and about 40 s to sweep, hence the smaller default.
With 2,000 items, 4 processes racing: one sweep takes the write lock batch after batch
and the others wait in SQLite's busy handler past the 10 s busy timeout, then fail with
"database is locked"; check_no_lock_timeouts() reports it. (A user's action waiting
behind a long sweep fares the same: it usually gets in only when the sweep is over.)
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import arrow
import pytest
from state_helpers import START

from models.accounts import Account
from models.base import database
from models.db import open_database, sqlite_url
from models.deadlines import Deadline
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from models.vocabulary import Role
from rules.clock import FrozenClock
from rules.contracts import create_contract
from rules.deadlines import sweep
from rules.errors import RuleError
from rules.invariants import ledger_problems
from rules.payments import fund_next_milestone, release
from rules.plan import AddMilestone
from rules.work import submit_work

ROOT = Path(__file__).resolve().parents[2]
HELPER = Path(__file__).resolve().parent / "sweep_helpers" / "sweep_worker.py"
T0 = arrow.get(START)
SWEEP_AT = T0.shift(days=15)  # every item below is due by then (T0 + 14 days + i s)
THREAD_ITEMS = UNSAFE_ITEMS = 300
PROCESS_ITEMS = int(os.environ.get("MILESTONES_RACE_ITEMS", "300"))


# --- building due items through rules/ ---------------------------------------------

def build_due_items(path: Path, n: int) -> float:
    """`n` Upwork contracts, each with one milestone funded and submitted: n review
    windows, due one second apart from T0 + 14 days. Returns the seconds it took."""
    started = time.perf_counter()
    db = open_database(sqlite_url(path))
    client = Account.create(login="ada", display_name="Ada Client", role=Role.CLIENT)
    freelancer = Account.create(login="bo", display_name="Bo Freelancer", role=Role.FREELANCER)
    clock = FrozenClock(T0)
    with database.atomic():  # the actions nest as savepoints: one commit for the lot
        for i in range(n):
            clock.set(T0.shift(seconds=i))
            contract = create_contract(
                client, freelancer=freelancer, title=f"Order {i}", policy="upwork",
                milestones=[AddMilestone(title=f"Logo {i}", amount_cents=10_000 + i)],
                clock=clock)
            m = fund_next_milestone(client, contract.id, clock=clock)
            submit_work(freelancer, m.id, "Done", clock=clock)
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return time.perf_counter() - started


@pytest.fixture(scope="session")
def due_items_template(tmp_path_factory):
    """due_items_template(n) -> the path of a closed database file holding n due items."""
    built: dict[int, Path] = {}

    def get(n: int) -> Path:
        if n not in built:
            path = tmp_path_factory.mktemp("sweep-template") / f"due-{n}.db"
            seconds = build_due_items(path, n)
            print(f"\n[built {n} due items through rules/ in {seconds:.1f} s]")
            built[n] = path
        return built[n]
    return get


@pytest.fixture
def race_db(due_items_template, tmp_path):
    """race_db(n) -> (path, database): a private copy of the template, opened here."""
    opened = []

    def get(n: int):
        path = tmp_path / f"race-{n}.db"
        shutil.copyfile(due_items_template(n), path)
        db = open_database(sqlite_url(path))
        opened.append(db)
        return path, db
    yield get
    for db in opened:
        db.close()


# --- what every race test checks --------------------------------------------------

def race_problems(applied: list[tuple[int, bool]], expected_ids: set[int]) -> dict:
    """The duplicate detector: given every (deadline id, skipped) the sweeps reported,
    and the ids that were due, list what is wrong. Empty lists everywhere: exactly once."""
    claims = Counter(i for i, _ in applied)
    releases = Counter(m for (m,) in LedgerTransfer.select(LedgerTransfer.milestone)
                       .where(LedgerTransfer.kind == "release").tuples())
    applied_rows = {m for (m,) in Deadline.select(Deadline.milestone)
                    .where((Deadline.kind == "review") & (Deadline.status == "applied")).tuples()}
    released = {m for (m,) in Milestone.select(Milestone.id)
                .where(Milestone.status == "released").tuples()}
    return {
        "reported twice": sorted(i for i, n in claims.items() if n > 1),
        "reported skipped": sorted(i for i, skipped in applied if skipped),
        "due but not reported": sorted(expected_ids - set(claims)),
        "released more than once": sorted(m for m, n in releases.items() if n > 1),
        "applied window, milestone not released": sorted(applied_rows - released),
        "released milestone, window not applied": sorted(released - applied_rows),
        "still open": Deadline.select().where(Deadline.status == "open").count(),
        "ledger": ledger_problems(),
    }


CLEAN = {"reported twice": [], "reported skipped": [], "due but not reported": [],
         "released more than once": [], "applied window, milestone not released": [],
         "released milestone, window not applied": [], "still open": 0, "ledger": []}


def due_review_ids() -> set[int]:
    return {i for (i,) in Deadline.select(Deadline.id).where(Deadline.status == "open").tuples()}


# --- processes --------------------------------------------------------------------

def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def start_worker(db_path: Path, out: Path, *, batch_size: int, go: Path | None = None,
                 unsafe: bool = False) -> subprocess.Popen:
    cmd = [sys.executable, str(HELPER), str(db_path), SWEEP_AT.isoformat(), str(out),
           "--batch-size", str(batch_size)]
    if go is not None:
        cmd += ["--go", str(go)]
    if unsafe:
        cmd.append("--unsafe")
    err = open(str(out) + ".err", "w")
    try:
        return subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=err, stderr=subprocess.STDOUT)
    finally:
        err.close()


def finish(proc: subprocess.Popen, out: Path, timeout: float = 120) -> dict:
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    log = Path(str(out) + ".err").read_text()
    assert code == 0, f"worker {proc.pid} exited with {code}:\n{log}"
    return json.loads(out.read_text())


def race_processes(db_path: Path, tmp_path: Path, n_procs: int, *, batch_size: int,
                   unsafe: bool = False) -> tuple[list[dict], float]:
    """Start `n_procs` workers, let them all open the database, then start them at once."""
    go = tmp_path / "go"
    outs = [tmp_path / f"worker-{i}.json" for i in range(n_procs)]
    procs = [start_worker(db_path, out, batch_size=batch_size, go=go, unsafe=unsafe)
             for out in outs]
    try:
        limit = time.monotonic() + 60
        while not all(Path(str(o) + ".ready").exists() for o in outs):
            for p, o in zip(procs, outs):
                if p.poll() is not None:
                    pytest.fail(f"worker exited early:\n{Path(str(o) + '.err').read_text()}")
            assert time.monotonic() < limit, "workers did not start"
            time.sleep(0.01)
        started = time.perf_counter()
        go.touch()
        reports = [finish(p, o) for p, o in zip(procs, outs)]
        return reports, time.perf_counter() - started
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()


def reported(reports: list[dict]) -> list[tuple[int, bool]]:
    return [(a[0], a[3]) for r in reports for a in r["applied"]]


def check_no_lock_timeouts(reports: list[dict]) -> None:
    failed = [r for r in reports if r["error"]]
    assert not failed, (
        f"{len(failed)} of {len(reports)} sweeps gave up waiting for the write lock "
        f"({failed[0]['error']} after {failed[0]['seconds']} s): another sweep held it "
        "batch after batch (see the module notes)")


def test_G09_four_processes_sweeping_at_once_release_each_item_exactly_once(
        race_db, tmp_path):
    path, _ = race_db(PROCESS_ITEMS)
    due = due_review_ids()
    assert len(due) == PROCESS_ITEMS
    reports, seconds = race_processes(path, tmp_path, 4, batch_size=50)
    print(f"\n[4 processes swept {PROCESS_ITEMS} items in {seconds:.1f} s; per process: "
          f"{[len(r['applied']) for r in reports]}; errors: {[r['error'] for r in reports]}]")
    problems = race_problems(reported(reports), due)
    # What the database says first: every item released once, every window applied.
    for key in ("released more than once", "applied window, milestone not released",
                "released milestone, window not applied", "still open", "ledger"):
        assert problems[key] == CLEAN[key], (key, problems[key])
    released = (LedgerTransfer.select(LedgerTransfer.milestone)
                .where(LedgerTransfer.kind == "release").count())
    assert released == PROCESS_ITEMS
    # Then what the processes reported: each item by exactly one of them.
    check_no_lock_timeouts(reports)
    assert problems == CLEAN
    assert sum(len(r["applied"]) for r in reports) == PROCESS_ITEMS


def test_G09_the_race_detector_catches_an_unsafe_claim(race_db, tmp_path):
    """The same race with `apply_deadline` made unsafe in the worker processes: its claim
    updates the deadline with no status/version condition and never re-checks the status.

    The detector reports it: the same deadline comes back from several processes, and
    windows whose milestone the sweep did release end up marked "closed"/"skipped"
    (the loser's refused re-run overwrites the winner's "applied").

    Money is still paid once, by design: on SQLite each batch runs in BEGIN IMMEDIATE, so
    a second claim runs after the first committed; the re-run `release` then finds the
    milestone released and refuses (its state check; behind it the compare-and-set on
    the milestone's status/version and the ledger's unique `m:ID:escrow` once_key)."""
    path, _ = race_db(UNSAFE_ITEMS)
    due = due_review_ids()
    reports, seconds = race_processes(path, tmp_path, 4, batch_size=50, unsafe=True)
    check_no_lock_timeouts(reports)
    problems = race_problems(reported(reports), due)
    print(f"\n[unsafe claim: {len(problems['reported twice'])} deadlines reported more "
          f"than once, {len(problems['released milestone, window not applied'])} applied "
          f"windows overwritten, in {seconds:.1f} s]")
    assert problems["reported twice"], "the detector missed duplicate claims"
    assert problems["released milestone, window not applied"]
    assert set(problems["reported skipped"]) <= set(problems["reported twice"])
    # The deeper layers: nothing was paid twice and the ledger is sound.
    assert problems["released more than once"] == []
    assert problems["due but not reported"] == []
    assert problems["ledger"] == []
    assert (LedgerTransfer.select().where(LedgerTransfer.kind == "release").count()
            == UNSAFE_ITEMS)


def test_G09_a_worker_killed_mid_sweep_then_restarted_applies_each_item_once(
        race_db, tmp_path):
    path, _ = race_db(PROCESS_ITEMS)
    due = due_review_ids()
    batch = 10
    first = start_worker(path, tmp_path / "first.json", batch_size=batch)
    try:
        limit = time.monotonic() + 90
        while Deadline.select().where(Deadline.status == "applied").count() < len(due) // 3:
            assert first.poll() is None, "the worker finished before it could be killed"
            assert time.monotonic() < limit, "the worker made no progress"
            time.sleep(0.005)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        if first.poll() is None:
            first.kill()
        first.wait()
    assert first.returncode == -signal.SIGKILL

    done = {i for (i,) in Deadline.select(Deadline.id)
            .where(Deadline.status == "applied").tuples()}
    assert 0 < len(done) < len(due), "killed in the middle of the sweep"
    assert len(done) % batch == 0, "a batch is committed whole or not at all"
    # No half-applied item: applied windows and released milestones match one to one.
    at_kill = race_problems([(i, False) for i in done], done)
    assert at_kill["released more than once"] == []
    assert at_kill["applied window, milestone not released"] == []
    assert at_kill["released milestone, window not applied"] == []
    assert at_kill["ledger"] == []

    report = finish(start_worker(path, tmp_path / "second.json", batch_size=batch),
                    tmp_path / "second.json")
    assert report["error"] is None, report["error"]
    assert {a[0] for a in report["applied"]} == due - done
    assert race_problems([(i, False) for i in done] + reported([report]), due) == CLEAN


# --- threads ----------------------------------------------------------------------

def test_G09_two_threads_sweeping_the_same_file_apply_each_item_once(race_db):
    race_db(THREAD_ITEMS)
    due = due_review_ids()
    barrier = threading.Barrier(2)
    results: list = [None, None]
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            barrier.wait()
            results[k] = sweep(clock=FrozenClock(SWEEP_AT), batch_size=20)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            database.close()  # this thread's connection

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    print(f"\n[two threads: {[len(r.applied) for r in results]} of {THREAD_ITEMS}]")
    applied = [(a.deadline_id, a.skipped) for r in results for a in r.applied]
    assert race_problems(applied, due) == CLEAN
    assert len(applied) == THREAD_ITEMS


ROUNDS = 50


def test_G09_client_approving_as_the_worker_auto_releases_pays_once(
        db, client, freelancer, make_contract):
    """Each round, as a review window closes, the client releases the milestone (U-25)
    while a sweep auto-releases it (U-06): exactly one wins; the client who lost is told
    it was already released; a worker that lost finds the window closed. The client's
    clock reads a millisecond before the due time (at the due time itself the window is
    over and U-06 has decided). Some rounds give one side a head start, so both outcomes
    are seen."""
    rounds = []
    for i in range(ROUNDS):
        at = T0.shift(minutes=i)
        clock = FrozenClock(at)
        contract = make_contract(title=f"Round {i}", amounts=(10_000,))
        m = fund_next_milestone(client, contract.id, clock=clock)
        submit_work(freelancer, m.id, "Done", clock=clock)
        rounds.append((m.id, at.shift(days=14)))

    outcomes = Counter()
    for i, (milestone_id, due) in enumerate(rounds):
        head_start = {0: ("client", 0.05), 1: ("worker", 0.05)}.get(i // 10, (None, 0))
        barrier = threading.Barrier(2)
        box: dict = {}

        def client_side():
            try:
                barrier.wait()
                if head_start[0] == "worker":
                    time.sleep(head_start[1])
                time.sleep(random.random() / 1000)
                box["client"] = release(client, milestone_id,
                                        clock=FrozenClock(due.shift(microseconds=-1000)))
            except RuleError as exc:
                box["client"] = exc
            finally:
                database.close()

        def worker_side():
            try:
                barrier.wait()
                if head_start[0] == "client":
                    time.sleep(head_start[1])
                box["worker"] = sweep(clock=FrozenClock(due))
            finally:
                database.close()

        threads = [threading.Thread(target=client_side), threading.Thread(target=worker_side)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert "worker" in box and "client" in box, f"round {i}: a side crashed: {box}"
        worker_won = [a.deadline_id for a in box["worker"].applied]
        client_won = not isinstance(box["client"], RuleError)
        assert client_won != bool(worker_won), f"round {i}: {box}"
        d = Deadline.get((Deadline.milestone == milestone_id) & (Deadline.kind == "review"))
        if client_won:
            assert d.status == "closed"
            outcomes["client"] += 1
        else:
            assert worker_won == [d.id] and d.status == "applied"
            err = box["client"]
            assert "already released" in err.message, err.message
            outcomes["worker"] += 1
        assert (LedgerTransfer.select().where((LedgerTransfer.milestone == milestone_id)
                                              & (LedgerTransfer.kind == "release")).count()
                == 1), f"round {i}: paid twice"
    print(f"\n[approve vs auto-release over {ROUNDS} rounds: {dict(outcomes)}]")
    assert outcomes["client"] >= 1 and outcomes["worker"] >= 1
    assert ledger_problems() == []

