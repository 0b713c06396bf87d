"""Bytes per key and time to first byte, in a real pty, beside a bare DataTable app.

    .venv/bin/python bench/keys_bytes.py            # 40 keys on each screen
    .venv/bin/python bench/keys_bytes.py --keys 10  # a quick check

Over a slow link (SSH, 100 ms away) what a key costs is the bytes its repaint writes:
each of them crosses the link. For the contract list, a contract room, the milestone
manager and the support console (the demo database and a contract of four future
milestones: tests/tui/pty_seed.py), down, down, up, up (rows 1 2 3 2 1...) are written one at a
time; for each key the bytes the app writes until it is quiet again, and the time to
the first of them. The floor is bench/tui.py's minimal app (a DataTable of 20 rows and
a footer), measured in the same run, the apps taking their keys in turns. See
bench/README.md ("keys_bytes.py").
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tui"))


def _bench_tui():
    """bench/tui.py, by path: its name would shadow the project's `tui` package."""
    spec = importlib.util.spec_from_file_location("bench_tui", Path(__file__).with_name("tui.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_tui = _bench_tui()
Terminal, child_env, PYTHON = bench_tui.Terminal, bench_tui.child_env, bench_tui.PYTHON
DOWN, UP, ENTER = b"\x1b[B", b"\x1b[A", b"\r"
QUIET = 0.1    # seconds without output: the key's repaint is over
TARGET = 1.2   # bytes per key against the floor, for the list and the room

# The project's app as `milestones` starts it, with one screen pushed at start.
SCREEN_APP = r'''
import os, sys
from tui import app as app_module
screen = os.environ.get("BENCH_SCREEN", "")

class BenchApp(app_module.MilestonesApp):
    def on_mount(self):
        super().on_mount()
        kind, _, arg = screen.partition(":")
        if kind == "room":
            from tui.screens.contract import ContractScreen
            self.push_screen(ContractScreen(int(arg)))
        elif kind == "manager":
            from tui.screens.milestone_manager import MilestoneManagerScreen
            self.push_screen(MilestoneManagerScreen(int(arg)))
        elif kind == "console":
            from tui.screens.support_console import SupportConsoleScreen
            self.push_screen(SupportConsoleScreen())

app_module.MilestonesApp = BenchApp
from tui.main import main
sys.exit(main(sys.argv[1:]))
'''


def cases(db: Path) -> dict[str, tuple[list[str], bytes, dict[str, str], bytes]]:
    """name: (argv, marker of the first frame, environment, keys once it shows). The
    keys measured then go down down up up from where the cursor is."""
    def app(login: str, screen: str = "") -> list[str]:
        return [PYTHON, "-c", SCREEN_APP, "--db", f"sqlite:///{db}", "--as", login,
                "--sweep-every", "0"]
    reorder = reorder_contract_id(db)
    return {
        "floor": ([PYTHON, "-c", bench_tui.MINIMAL_APP], b"Row 01 marker", {}, b""),
        "list": (app("ada"), b"contracts", {}, b""),
        # Four planned milestones; from the second the keys move among three whose
        # commands are the same (the footer stays): moving along a plan.
        "room": (app("ada"), b"Timeline", {"BENCH_SCREEN": f"room:{reorder}"}, DOWN),
        # Released, submitted, next to fund: every move changes the keys (the footer
        # is rebuilt each time), the worst case.
        "room-mixed": (app("ada"), b"Timeline", {"BENCH_SCREEN": "room:4"}, b""),
        "manager": (app("ada"), b"Delta stage", {"BENCH_SCREEN": f"manager:{reorder}"}, b""),
        # Enter in the first search field searches and hands the keys to the results.
        "console": (app("sam"), b"Party", {"BENCH_SCREEN": "console"}, ENTER),
    }


def reorder_contract_id(db: Path) -> int:
    import sqlite3
    from pty_seed import REORDER_TITLE
    with sqlite3.connect(db) as con:
        return con.execute("SELECT id FROM contract WHERE title = ?",
                           (REORDER_TITLE,)).fetchone()[0]


def one_key(term: Terminal, key: bytes) -> tuple[int, float]:
    """Bytes the key's repaint writes (until QUIET), and seconds to the first of them."""
    term.settle(QUIET, limit=5)
    start = len(term.buffer)
    os.write(term.master, key)
    sent = time.perf_counter()
    first = None
    while True:
        chunk = term.read(QUIET if first is not None else 5.0)
        if not chunk:
            break
        if first is None:
            first = time.perf_counter() - sent
    if first is None:
        raise TimeoutError(f"no repaint after {key!r}")
    return len(term.buffer) - start, first


def burst(term: Terminal, key: bytes, count: int = 5) -> float:
    """Bytes per key when `count` keys arrive in one read (typed ahead over a slow link):
    whatever the app coalesces into one frame is paid once."""
    term.settle(QUIET, limit=5)
    start = len(term.buffer)
    os.write(term.master, key * count)
    term.settle(QUIET, limit=10)
    return (len(term.buffer) - start) / count


def measure(keys: int, db: Path) -> dict[str, dict[str, list[float]]]:
    terms: dict[str, Terminal] = {}
    try:
        for name, (argv, marker, extra, then) in cases(db).items():
            term = Terminal(argv, size=(80, 24), env=child_env(**extra))
            term.wait_for(marker)
            term.settle(0.5)
            if then:
                os.write(term.master, then)
                term.settle(0.5)
            terms[name] = term
        for term in terms.values():  # warm up: the first moves fill caches
            for key in (DOWN, UP, DOWN, UP):
                one_key(term, key)
        out = {name: {"bytes": [], "first": [], "burst": []} for name in terms}
        for i in range(keys):
            key = DOWN if (i // 2) % 2 == 0 else UP  # rows 1 2 3 2 1: every screen has 3
            for name, term in terms.items():
                written, first = one_key(term, key)
                out[name]["bytes"].append(written)
                out[name]["first"].append(first)
        for i in range(max(keys // 10, 2)):  # bursts of two: down down, up up
            for name, term in terms.items():
                out[name]["burst"].append(burst(term, DOWN if i % 2 == 0 else UP, 2))
    finally:
        for term in terms.values():
            term.close()
    return out


def report(out: dict[str, dict[str, list[float]]]) -> list[str]:
    floor_bytes = statistics.median(out["floor"]["bytes"])
    floor_first = statistics.median(out["floor"]["first"])
    floor_burst = statistics.median(out["floor"]["burst"])
    missed = []
    print(f"{'':10} {'bytes/key':>10} {'max':>6} {'ratio':>7} {'first byte':>11} {'ratio':>7}"
          f" {'in twos':>8} {'ratio':>7}")
    for name, figures in out.items():
        b = statistics.median(figures["bytes"])
        f = statistics.median(figures["first"])
        two = statistics.median(figures["burst"])
        ratio = b / floor_bytes
        mark = ""
        if name in ("list", "room"):
            mark = "  target met" if ratio <= TARGET else f"  TARGET {TARGET}x MISSED"
            if ratio > TARGET:
                missed.append(name)
        print(f"{name:10} {b:10.0f} {max(figures['bytes']):6.0f} {ratio:6.2f}x "
              f"{f * 1000:9.1f} ms {f / floor_first:6.2f}x {two:8.0f} {two / floor_burst:6.2f}x"
              f"{mark}")
    return missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=40, help="keys per screen (40)")
    parser.add_argument("--strict", action="store_true", help="exit 2 when a target is missed")
    args = parser.parse_args(argv)
    from pty_seed import prepare
    with tempfile.TemporaryDirectory() as work:
        db = prepare(Path(work) / "demo.db")
        out = measure(args.keys, db)
    print(f"80x24, {args.keys} keys each (down down up up), medians; "
          f"the floor: a bare DataTable app in the same run")
    missed = report(out)
    return 2 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
