"""TUI benchmark: start-up and keypress latency, beside a minimal Textual app.

    .venv/bin/python bench/tui.py             # demo database and 10,000 contracts
    .venv/bin/python bench/tui.py --quick     # fewer runs and keys: a quick check
    .venv/bin/python bench/tui.py --contracts 100000

See bench/README.md ("tui.py") for what is measured and how.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import select
import signal
import sqlite3
import statistics
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
                    now: dt.datetime | None = None, fresh: bool = True) -> dict:
    """Write `contracts` contracts in realistic states into the database at `path`.

    `fresh`: a new file with the real schema (`models.db.open_database`), loaded without
    its secondary indexes, which are rebuilt afterwards; otherwise rows are added to an
    existing database (a test's). Rows go in with raw `executemany`. Each contract has 1
    to 8 milestones: released ones (fund and release transfers, some partial with the
    rest in project funds), at most one active one (funded, submitted with an open
    review window, ...), planned ones, the odd cancelled one. Every ledger transfer
    sums to zero. Accounts: logins c1.. (clients), f1.. (freelancers) and `agent`.
    Returns the row counts and the ids of a client, a freelancer and the agent."""
    now = now or dt.datetime(2026, 3, 10, 12)
    if fresh:
        from models.base import database
        from models.db import open_database, sqlite_url
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        open_database(sqlite_url(path))
        database.close()
    con = sqlite3.connect(path, isolation_level=None, timeout=10)
    indexes = []
    if fresh:
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=MEMORY",
                       "foreign_keys=OFF", "cache_size=-262144"):
            con.execute(f"PRAGMA {pragma}")
        found = con.execute("SELECT name, sql FROM sqlite_master WHERE type='index' "
                            "AND sql IS NOT NULL").fetchall()
        for name, sql in found:
            con.execute(f'DROP INDEX "{name}"')
            indexes.append(sql)
    rng = random.Random(seed)
    rows: dict[str, list[tuple]] = {t: [] for t in (
        "account", "contract", "milestone", "ledger_transfer", "ledger_entry", "deadline",
        "payout_hold")}
    ids = {t: con.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{t}"').fetchone()[0]
           for t in rows}

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
        return t

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
                t = transfer(cid, mid, "release", "escrow", "freelancer_earnings", paid,
                             ts(at), client, f"m:{mid}:escrow")
                # X-26: the payment's hold; ended ones moved to available, as the sweep does
                hold_id = ids["payout_hold"] + 1
                ends = at + dt.timedelta(days=14 if policy.startswith("fiverr") else 5)
                if ends <= now:
                    transfer(cid, mid, "available", "freelancer_earnings",
                             "freelancer_available", paid, ts(ends), None, f"hold:{hold_id}")
                add("payout_hold", cid, mid, t, paid, ts(at), ts(ends),
                    "available" if ends <= now else "pending", 2 if ends <= now else 1)
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
        "payout_hold": "id contract_id milestone_id transfer_id amount_cents released_at "
                       "available_at status version",
    }
    con.execute("BEGIN")
    for table, cols in columns.items():
        names = cols.split()
        con.executemany(f'INSERT INTO "{table}" ({", ".join(names)}) '
                        f'VALUES ({", ".join("?" * len(names))})', rows[table])
    con.execute("COMMIT")
    for sql in indexes:
        con.execute(sql)
    if fresh:
        con.execute("PRAGMA journal_mode=WAL")  # as open_database leaves it
    con.close()
    return {"counts": {t: len(r) for t, r in rows.items()}, "client": clients[0],
            "freelancer": freelancers[0], "agent": agent}


def build_room(contract_title: str, milestones: int = 200, *, done: int = 60) -> int:
    """A contract with `milestones` milestones, made through rules/ actions on the open
    database: the first `done` funded, submitted and released, the next one submitted
    (a review window open). Returns its id."""
    import arrow

    from models.accounts import Account
    from models.vocabulary import Role
    from rules.clock import FrozenClock
    from rules.contracts import create_contract
    from rules.payments import fund_next_milestone, release
    from rules.plan import AddMilestone
    from rules.work import submit_work

    clock = FrozenClock(arrow.utcnow().shift(days=-milestones - 10).floor("day"))
    client = Account.create(login="room-client", display_name="Rhea Roomclient",
                            role=Role.CLIENT)
    freelancer = Account.create(login="room-freelancer", display_name="Otto Roomfreelancer",
                                role=Role.FREELANCER)
    start = clock.now().date()
    contract = create_contract(client, freelancer=freelancer, title=contract_title,
                               policy="upwork", clock=clock, milestones=[
        AddMilestone(title=f"{WORDS_A[i % len(WORDS_A)]} {WORDS_B[i % len(WORDS_B)]} "
                           f"step {i + 1}", amount_cents=(100 + 7 * i) * 100,
                     due_date=start + dt.timedelta(days=2 * (i + 1)))
        for i in range(milestones)])
    for i in range(done + 1):
        clock.advance(hours=20)
        m = fund_next_milestone(client, contract.id, clock=clock)
        clock.advance(hours=2)
        submit_work(freelancer, m.id, f"Step {i + 1} done", clock=clock)
        if i < done:
            clock.advance(hours=2)
            release(client, m.id, clock=clock)
    return contract.id


# --- measuring: processes under a pseudo-terminal --------------------------------------

PYTHON = sys.executable
DOWN, UP, PAGE_DOWN = b"\x1b[B", b"\x1b[A", b"\x1b[6~"
QUIT = b"\x11"  # ctrl+q

# The floor: the least a Textual app showing a 20-row DataTable does. Same interpreter,
# same terminal, same way of finding its first frame.
MINIMAL_APP = r'''
import sys
from textual.app import App
from textual.widgets import DataTable, Footer

class Minimal(App):
    def compose(self):
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Title", "Status", "Current milestone", "In escrow", "Deadline")
        for i in range(20):
            table.add_row(f"Row {i + 1:02d} marker", "open", f"Milestone {i} · funded",
                          f"${i * 100:,}.00", f"in {i} days")
        table.focus()

Minimal().run()
'''

# The same with 10,000 rows put in the DataTable at once: the floor for paging down.
MINIMAL_BIG_APP = MINIMAL_APP.replace("range(20)", "range(10_000)")

# The project's app, as `milestones --db URL --as LOGIN` starts it (`tui.main`; without
# the background deadline sweep: the data would change between runs); optionally
# straight into a contract room, and optionally under cProfile.
PROJECT_APP = r'''
import os, sys
room = os.environ.get("BENCH_ROOM")
if room:  # keypresses in a room: the app is patched, so imported first
    from tui import app as app_module
    from tui.screens.contract import ContractScreen

    class RoomApp(app_module.MilestonesApp):
        def on_mount(self):
            super().on_mount()
            self.push_screen(ContractScreen(int(room)))

    app_module.MilestonesApp = RoomApp
from tui.main import main
profile = os.environ.get("BENCH_PROFILE")
if profile:
    import cProfile
    cProfile.run("main(sys.argv[1:])", profile)
else:
    sys.exit(main(sys.argv[1:]))
'''


class Terminal:
    """A child process on a pseudo-terminal of a given size, with its output read as
    it comes (a real terminal would read it too: an unread pty blocks the writer)."""

    def __init__(self, argv: list[str], *, size: tuple[int, int], env: dict[str, str]):
        import fcntl
        import struct
        import termios
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: the pty is its controlling terminal
            try:
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
                os.close(self.master)
                os.chdir(ROOT)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        os.close(slave)
        self.pid = pid
        self.buffer = bytearray()

    def read(self, timeout: float) -> bytes:
        """What arrives within `timeout` seconds (b"" if nothing)."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return b""
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:  # the child is gone
            return b""
        self.buffer += chunk
        return chunk

    def cpu_seconds(self) -> float:
        """CPU time the child has used so far (all its threads), from /proc."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_for(self, marker: bytes, timeout: float = 60.0) -> float:
        """Seconds from the start of the process until `marker` was in its output (and
        the CPU time the process had used by then, in `self.cpu`)."""
        deadline = time.perf_counter() + timeout
        seen = 0
        while time.perf_counter() < deadline:
            before = len(self.buffer)
            if self.read(deadline - time.perf_counter()):
                if marker in self.buffer[max(seen - len(marker), 0):]:
                    elapsed = time.perf_counter() - self.started
                    self.cpu = self.cpu_seconds()
                    return elapsed
                seen = before
        raise TimeoutError(f"no {marker!r} within {timeout} s; output ends with "
                           f"{bytes(self.buffer[-300:])!r}")

    def settle(self, quiet: float = 0.3, limit: float = 10.0) -> None:
        """Read until the output has been quiet for `quiet` seconds."""
        end = time.perf_counter() + limit
        while time.perf_counter() < end and self.read(quiet):
            pass

    def key_latency(self, key: bytes, quiet: float = 0.05) -> float:
        """Seconds from writing a key to the first byte of the repaint it causes; then
        what follows is read until the output is quiet again."""
        self.settle(quiet, limit=5)
        os.write(self.master, key)
        sent = time.perf_counter()
        while not self.read(5.0):
            if time.perf_counter() - sent > 5:
                raise TimeoutError(f"no repaint after {key!r}")
        latency = time.perf_counter() - sent
        return latency

    def key_until(self, key: bytes, marker: bytes, timeout: float = 30.0) -> float:
        """Seconds from writing a key until `marker` shows."""
        self.settle(0.2, limit=5)
        mark = len(self.buffer)
        os.write(self.master, key)
        sent = time.perf_counter()
        while time.perf_counter() - sent < timeout:
            self.read(timeout)
            if marker in self.buffer[mark:]:
                return time.perf_counter() - sent
        raise TimeoutError(f"no {marker!r} after {key!r}")

    def close(self) -> None:
        try:
            os.write(self.master, QUIT)
        except OSError:
            pass
        end = time.perf_counter() + 5
        while time.perf_counter() < end:
            self.read(0.05)
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.master)


def child_env(**extra: str) -> dict[str, str]:
    """As a user's shell would have it. Compiled modules are cached (in WORK, not in the
    source tree) as an installed program has them: Textual's come compiled with it, and
    PYTHONDONTWRITEBYTECODE would make the project alone compile on every start."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MILESTONES_", "TEXTUAL", "BENCH_", "PYTHONDONTWRITE"))}
    env.update(TERM="xterm-256color", COLORTERM="truecolor",
               PYTHONPYCACHEPREFIX=str(WORK / "pycache"), **extra)
    return env


def project_argv(url: str, login: str) -> list[str]:
    return [PYTHON, "-c", PROJECT_APP, "--db", url, "--as", login, "--sweep-every", "0"]


MINIMAL = ([PYTHON, "-c", MINIMAL_APP], b"Row 01 marker", {})


# --- the data ----------------------------------------------------------------------------

def schema_key() -> str:
    from models.base import database
    from models.db import open_database
    db = open_database("sqlite:///:memory:")
    text = "\n".join(f"{t} {n} {s}" for t, n, s in db.execute_sql(
        "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"))
    database.close()
    return hashlib.sha256(text.encode()).hexdigest()[:10]


ROOM_TITLE = "Two hundred steps"
FILTER = "Freelancer 7"  # typed into the list's filter: the names of some freelancers


def prepare(contracts: int, seed: int, rebuild: bool) -> dict:
    """The demo database and the big one (with the 200-milestone room), cached in WORK
    by schema, builder version, size, seed and day (countdowns read the real clock)."""
    from models.base import database
    from models.db import open_database, sqlite_url
    from rules.queries import find_account, list_contracts
    WORK.mkdir(parents=True, exist_ok=True)
    day = dt.date.today().isoformat()
    key = f"{schema_key()}-v{BUILDER_VERSION}-{day}"
    demo = WORK / f"tui-demo-{key}.db"
    big = WORK / f"tui-{contracts}c-s{seed}-{key}.db"
    if rebuild or not demo.exists():
        log(f"building the demo database {demo.name}")
        tmp = demo.with_name(demo.name + ".building")
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
        open_database(sqlite_url(tmp))
        from rules.demo import fill_demo
        fill_demo()
        database.close()
        tmp.rename(demo)
    if rebuild or not big.exists():
        log(f"building {contracts:,} contracts in {big.name}")
        t0 = time.perf_counter()
        tmp = big.with_name(big.name + ".building")
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        build_contracts(tmp, contracts, seed=seed, now=now)
        open_database(sqlite_url(tmp))
        build_room(ROOM_TITLE)
        database.close()
        tmp.rename(big)
        log(f"  built in {time.perf_counter() - t0:.1f} s")
    out = {"demo": demo, "big": big}
    for name, login in (("demo", "ada"), ("big", "agent")):
        open_database(sqlite_url(out[name]), create=False)
        first = list_contracts(find_account(login), limit=1)[0]
        out[f"{name}_marker"] = first.title[:10].encode()
        if name == "big":
            from models.contracts import Contract
            out["room"] = Contract.get(Contract.title == ROOM_TITLE).id
        database.close()
    return out


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the runs ----------------------------------------------------------------------------

def start_up(runs: int, size: tuple[int, int], data: dict) -> dict[str, list[float]]:
    """Process start to the first frame showing data, each app `runs` times, in turns."""
    cases = {
        "minimal": MINIMAL,
        "demo": (project_argv(sqlite_url_of(data["demo"]), "ada"), data["demo_marker"], {}),
        "big": (project_argv(sqlite_url_of(data["big"]), "agent"), data["big_marker"], {}),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    times |= {f"{name}_cpu": [] for name in cases}
    for run in range(runs + 1):  # the first round warms the caches: not counted
        for name, (argv, marker, extra) in cases.items():
            term = Terminal(argv, size=size, env=child_env(**extra))
            try:
                seconds = term.wait_for(marker)
            finally:
                term.close()
            if run:
                times[name].append(seconds)
                times[f"{name}_cpu"].append(term.cpu)
    return times


def sqlite_url_of(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def keypresses(presses: int, size: tuple[int, int], data: dict) -> dict[str, list[float]]:
    """Key to repaint: the cursor moving down and up a table, in each app."""
    big = sqlite_url_of(data["big"])
    cases = {
        "minimal": MINIMAL,
        "list": (project_argv(big, "agent"), data["big_marker"], {}),
        "room": (project_argv(big, "room-client"), ROOM_TITLE.encode(),
                 {"BENCH_ROOM": str(data["room"])}),
    }
    # All three run at once and take their keys in turns, so that a change in the
    # machine's load touches them alike.
    terms: dict[str, Terminal] = {}
    try:
        for name, (argv, marker, extra) in cases.items():
            terms[name] = Terminal(argv, size=size, env=child_env(**extra))
            terms[name].wait_for(marker)
        for term in terms.values():
            term.settle(0.5)
            for _ in range(3):  # warm up: the first moves fill caches
                term.key_latency(DOWN)
                term.key_latency(UP)
        times: dict[str, list[float]] = {name: [] for name in terms}
        cpu = {name: term.cpu_seconds() for name, term in terms.items()}
        for i in range(presses):
            for name, term in terms.items():
                times[name].append(term.key_latency(DOWN if (i // 5) % 2 == 0 else UP))
        for name, term in terms.items():
            term.settle(0.2)
            times[f"{name}_cpu"] = [(term.cpu_seconds() - cpu[name]) / presses]
    finally:
        for term in terms.values():
            term.close()
    return times


def scrolling(presses: int, size: tuple[int, int], data: dict) -> dict[str, object]:
    """The 10,000-contract list: page down through it (pages load as the cursor nears
    the end), then a sort and a filter, each timed until its result shows."""
    from models.base import database
    from models.db import open_database, sqlite_url
    from rules.queries import count_contracts, find_account, list_contracts
    open_database(sqlite_url(data["big"]), create=False)
    agent = find_account("agent")
    by_title = list_contracts(agent, sort="title", limit=1)[0].title[:10].encode()
    # The filter's answer shows in the count on the info line ("123 matches"), which
    # the text typed before the last letter does not match as often.
    found = count_contracts(agent, FILTER)
    assert found != count_contracts(agent, FILTER[:-1])
    matching = f"{found:,} match{'es' if found != 1 else ''}".encode()
    database.close()
    out: dict[str, object] = {}
    floor = Terminal([PYTHON, "-c", MINIMAL_BIG_APP], size=size, env=child_env())
    try:
        floor.wait_for(b"Row 01 marker")
        floor.settle(0.5)
        out["page_down_floor"] = [floor.key_latency(PAGE_DOWN, quiet=0.02)
                                  for _ in range(presses)]
    finally:
        floor.close()
    term = Terminal(project_argv(sqlite_url_of(data["big"]), "agent"), size=size,
                    env=child_env())
    try:
        term.wait_for(data["big_marker"])
        term.settle(0.5)
        out["page_down"] = [term.key_latency(PAGE_DOWN, quiet=0.02) for _ in range(presses)]
        out["sort"] = term.key_until(b"s", by_title)
        term.key_latency(b"/")
        term.settle(0.3)
        os.write(term.master, FILTER[:-1].encode())
        term.settle(1.0)  # what the text so far matches is shown: one change measured
        out["filter"] = term.key_until(FILTER[-1].encode(), matching)
    finally:
        term.close()
    return out


def query_layer(contracts: int, seed: int, rebuild: bool, repeat: int = 3) -> dict:
    """rules.queries on `contracts` contracts, in this process: the list's first page, a
    page deep in the list, the whole order, for every sort, as the agent (every
    contract) and as a client; the count and the filter. Beside a floor: one page of
    contract rows by number with raw sqlite3. Best of `repeat`."""
    from models.base import database
    from models.db import open_database, sqlite_url
    from rules.queries import SORT_KEYS, count_contracts, find_account, list_contracts
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"queries-{contracts}c-s{seed}-{schema_key()}-v{BUILDER_VERSION}.db"
    if rebuild or not path.exists():
        log(f"building {contracts:,} contracts in {path.name}")
        tmp = path.with_name(path.name + ".building")
        build_contracts(tmp, contracts, seed=seed)
        tmp.rename(path)
    open_database(sqlite_url(path), create=False)

    def best(call) -> float:
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        return min(times)

    raw = sqlite3.connect(path)
    floor = best(lambda: raw.execute("SELECT * FROM contract ORDER BY id LIMIT 100")
                 .fetchall())
    raw.close()
    out: dict = {"floor": floor, "contracts": contracts, "rows": []}
    agent, client = find_account("agent"), find_account("c1")
    deep = contracts // 2
    for sort in SORT_KEYS:
        for descending in (False, True):
            out["rows"].append((sort, descending, sort_figures(
                best, agent, client, sort, descending, deep)))
    out["count"] = best(lambda: count_contracts(agent))
    out["count_client"] = best(lambda: count_contracts(client))
    out["search"] = best(lambda: count_contracts(agent, FILTER))
    out["search_page"] = best(lambda: list_contracts(agent, search=FILTER, limit=100))
    database.close()
    return out


def sort_figures(best, agent, client, sort: str, descending: bool, deep: int) -> dict:
    from rules.queries import contract_order, contract_summaries, list_contracts
    order = contract_order(agent, sort=sort, descending=descending)
    return {
        "first": best(lambda: list_contracts(agent, sort=sort, descending=descending,
                                             limit=100)),
        "deep": best(lambda: list_contracts(agent, sort=sort, descending=descending,
                                            offset=deep, limit=100)),
        "order": best(lambda: contract_order(agent, sort=sort, descending=descending)),
        "by_id": best(lambda: contract_summaries(agent, order[deep:deep + 100])),
        "client": best(lambda: list_contracts(client, sort=sort, descending=descending,
                                              limit=100)),
    }


def report_queries(q: dict) -> None:
    floor = q["floor"]
    print(f"\nQuery layer, {q['contracts']:,} contracts, in-process (best of 3). Floor: "
          f"100 contract rows by number, raw sqlite3: {floor * 1000:.2f} ms")
    print(f"{'sort':<22}{'first page':>12}{'page at half':>14}{'whole order':>13}"
          f"{'page by id':>12}{'a client':>10}")
    for sort, descending, t in q["rows"]:
        label = f"{sort} {'desc' if descending else 'asc'}"
        print(f"{label:<22}" + "".join(
            f"{t[k] * 1000:>{w}.1f}" for k, w in (("first", 12), ("deep", 14),
                                                 ("order", 13), ("by_id", 12),
                                                 ("client", 10))))
    print(f"count: agent {q['count'] * 1000:.1f} ms, a client {q['count_client'] * 1000:.2f} ms"
          f"; filter \"{FILTER}\": count {q['search'] * 1000:.0f} ms, first page "
          f"{q['search_page'] * 1000:.0f} ms (ms; the floor page is "
          f"{floor * 1000:.2f} ms)")


# --- the report ----------------------------------------------------------------------------

def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def median(values) -> float:
    return statistics.median(values)


def ratio_rows(title: str, rows, targets_missed: list[int]) -> None:
    """Rows of (label, values, target): median, min, ratio to the first row's median."""
    print(title)
    floor = median(rows[0][1])
    for label, values, target in rows:
        ratio = median(values) / floor
        missed = target is not None and ratio > target
        targets_missed[0] += missed
        print(f"{label:44}{ms(median(values)):>10}{ms(min(values)):>10}"
              f"{ratio:7.2f}x{'' if target is None else f'{target:6.1f}x':>8}"
              f"{'  MISSED' if missed else ''}")


def report(start: dict | None, keys: dict | None, scroll: dict | None, args,
           data: dict) -> int:
    missed = [0]
    print(f"\nMilestones TUI benchmark · {args.size[0]}x{args.size[1]} pseudo-terminal · "
          f"demo database and {args.contracts:,} contracts (agent: all of them)")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f} · medians of {args.runs} start-ups and "
          f"{args.presses} keys\n")
    print(f"{'':44}{'median ms':>10}{'min ms':>10}{'ratio':>8}{'target':>8}")
    big = f"{args.contracts:,} contracts"
    if start:
        ratio_rows("Start-up: process start to the first frame with data", [
            ("  minimal Textual app, 20-row DataTable", start["minimal"], None),
            ("  contract list, demo database (ada)", start["demo"], 1.5),
            (f"  contract list, {big} (agent)", start["big"], 1.5)], missed)
        ratio_rows("  the same in CPU time of the process (steadier on a busy machine):", [
            ("    minimal", start["minimal_cpu"], None),
            ("    demo", start["demo_cpu"], None),
            (f"    {big}", start["big_cpu"], None)], [0])
    if keys:
        ratio_rows("Keypress: key written to the first byte of its repaint (down/up)", [
            ("  minimal Textual app, DataTable cursor", keys["minimal"], None),
            (f"  contract list, {big}", keys["list"], 2.0),
            ("  contract room, 200 milestones", keys["room"], 2.0)], missed)
        ratio_rows("  CPU time per key, all it causes (every frame, the panel too):", [
            ("    minimal", keys["minimal_cpu"], None),
            ("    contract list", keys["list_cpu"], None),
            ("    contract room", keys["room_cpu"], None)], [0])
    if scroll:
        ratio_rows(f"Scrolling: page down x{len(scroll['page_down'])} (about "
                   f"{len(scroll['page_down']) * (args.size[1] - 10):,} rows), key to repaint", [
            ("  minimal app, 10,000 rows in one DataTable", scroll["page_down_floor"], None),
            (f"  contract list, {big}, paged", scroll["page_down"], None)], [0])
        for label, key in (("    minimal", "page_down_floor"), ("    contract list",
                                                                  "page_down")):
            pd = sorted(scroll[key])
            p95 = pd[min(len(pd) - 1, int(len(pd) * 0.95))]
            print(f"{label:44}95th percentile {p95 * 1000:.0f} ms, slowest {pd[-1] * 1000:.0f} ms")
        print(f"Sort (s: by title) until the first sorted row shows: "
              f"{scroll['sort'] * 1000:.0f} ms")
        print(f"Filter (\"{FILTER}\": its last letter) until the count of matches shows: "
              f"{scroll['filter'] * 1000:.0f} ms (of which 150 ms is the typing debounce)")
    print("\nTargets: start-up within 1.5x of the minimal app, keypresses within 2x.")
    print("All measured targets met." if not missed[0] else f"{missed[0]} missed.")
    return missed[0]


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7, help="start-ups of each app")
    parser.add_argument("--presses", type=int, default=60, help="keys per table")
    parser.add_argument("--scroll", type=int, default=60, help="page downs in the list")
    parser.add_argument("--size", type=lambda s: tuple(int(x) for x in s.split("x")),
                        default=(80, 24), help="terminal size, e.g. 120x40")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument("--quick", action="store_true", help="3 start-ups, 20 keys")
    parser.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    parser.add_argument("--only", choices=("startup", "keys", "scroll", "queries"),
                        help="measure one part only (and print what it gives)")
    parser.add_argument("--query-contracts", type=int, default=100_000,
                        help="contracts for the query layer's figures")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.presses, args.scroll = 3, 20, 20
    data = prepare(args.contracts, args.seed, args.rebuild) if args.only != "queries" else {}
    start = keys = scroll = None
    if args.only in (None, "startup"):
        log("measuring start-up")
        start = start_up(args.runs, args.size, data)
    if args.only in (None, "keys"):
        log("measuring keypresses")
        keys = keypresses(args.presses, args.size, data)
    if args.only in (None, "scroll"):
        log("measuring scrolling, sorting and filtering")
        scroll = scrolling(args.scroll, args.size, data)
    queries = None
    if args.only in (None, "queries"):
        log(f"measuring the query layer on {args.query_contracts:,} contracts")
        queries = query_layer(args.query_contracts, args.seed, args.rebuild)
    missed = 0
    if args.only != "queries":
        missed = report(start, keys, scroll, args, data)
    if queries:
        report_queries(queries)
    return 2 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
