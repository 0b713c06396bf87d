"""`milestones export ledger --format csv` on bench/sweep.py's database, beside a raw
sqlite3 CSV dump of the same rows.

    .venv/bin/python bench/export.py                # 1,000,000 milestones (built once)
    .venv/bin/python bench/export.py --scale 0.01   # a quick check

Both run as processes of their own, writing to /dev/null; each one's peak resident
memory comes from the kernel (wait4). The floor is the same join in plain sqlite3 and
csv, without paging, G-07 or the decimal column. Target (issue 14): the project's
export within 2x of the floor's time, and memory that does not grow with the rows.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import sweep  # noqa: E402 - the builder of the million-milestone database

FLOOR = r'''
import csv, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
out = csv.writer(open("/dev/null", "w"), lineterminator="\n")
out.writerow(["id", "transfer", "contract", "milestone", "kind", "account", "amount_cents",
              "at"])
n = 0
for row in con.execute(
        "SELECT e.id, e.transfer_id, e.contract_id, e.milestone_id, t.kind, e.account, "
        "e.amount_cents, t.created_at FROM ledger_entry e JOIN ledger_transfer t "
        "ON t.id = e.transfer_id ORDER BY e.id"):
    out.writerow(row)
    n += 1
print(n)
'''


# A small process starts the measured one: a child's peak memory counts what it
# inherited at fork, and this benchmark's own process holds the built database's pages.
LAUNCH = r'''
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
elapsed = time.perf_counter() - start
sys.stderr.write(done.stderr)
print(done.returncode, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(done.stdout, end="")
'''


def timed(argv: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in KB, and stdout of one process."""
    done = subprocess.run([sys.executable, "-c", LAUNCH, *argv], capture_output=True,
                          text=True, env=env, cwd=ROOT)
    head, _, out = done.stdout.partition("\n")
    code, elapsed, rss = head.split()
    if int(code) != 0:
        raise RuntimeError(f"{argv[:4]} failed: {done.stderr[-500:]}")
    return float(elapsed), int(rss), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sweep.WORK.mkdir(parents=True, exist_ok=True)
    contracts = max(10, round(sweep.FULL_CONTRACTS * args.scale))
    contracts -= contracts % 10
    src = sweep.cache_path(contracts, args.seed)
    if not (src.exists() and Path(f"{src}.json").exists()):
        sweep.log(f"building {contracts * sweep.MILESTONES_PER_CONTRACT:,} milestones ...")
        src.parent.mkdir(parents=True, exist_ok=True)
        sweep.remove_db(src)
        meta = sweep.build(src, contracts, args.seed)
        Path(f"{src}.json").write_text(__import__("json").dumps(meta, default=str))
    db = sweep.copy_db(src, f"export-{os.getpid()}.db")
    try:
        env = dict(os.environ, MILESTONES_CONFIG=str(db) + ".toml")
        me = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        subprocess.run([sys.executable, "-m", "tui", "--db", f"sqlite:///{db}", "accounts",
                        "add", "auditor", "--role", "agent", "--name", "Bench Agent",
                        "--os-user", me], check=True, env=env, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        project_cmd = [sys.executable, "-m", "tui", "--db", f"sqlite:///{db}", "export",
                       "ledger", "--format", "csv", "-o", "/dev/null"]
        floor_cmd = [sys.executable, "-c", FLOOR, str(db)]
        results = {"project": [], "floor": []}
        for _ in range(args.runs):  # interleaved: both see the same machine
            results["floor"].append(timed(floor_cmd))
            results["project"].append(timed(project_cmd, env))
        rows = int(results["floor"][0][2].split()[0])
        best = {k: min(v, key=lambda r: r[0]) for k, v in results.items()}
        print(f"ledger export, {rows:,} rows, best of {args.runs}")
        print(f"{'':10}{'seconds':>10}{'rows/s':>12}{'peak RSS':>12}")
        for name in ("floor", "project"):
            seconds, rss, _ = best[name]
            print(f"{name:10}{seconds:10.2f}{rows / seconds:12,.0f}{rss / 1024:10.0f}MB")
        ratio = best["project"][0] / best["floor"][0]
        print(f"time ratio {ratio:.2f}x (target 2x); memory ratio "
              f"{best['project'][1] / best['floor'][1]:.2f}x")
    finally:
        sweep.remove_db(db)


if __name__ == "__main__":
    main()
