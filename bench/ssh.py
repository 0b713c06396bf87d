"""The TUI over `milestones ssh`, beside the same TUI in a local pseudo-terminal.

    .venv/bin/python bench/ssh.py [--runs 7] [--keys 40] [--sessions 5]

Both sides run the same command on the same demo database, as ada, at 80x24:
- first frame: from starting the process (locally) or opening the SSH connection
  (key exchange, login, pty, process: what a user waits for) until "Contracts" is
  drawn;
- keypress: from writing a cursor key to the first byte of the repaint, alternating
  down and up on the contract list, after the first frame has settled;
- memory: the resident size of each session's TUI process, and what the SSH server
  itself grows by per open session.
Target (issue 13): SSH within 1.3x of the local pty for the first frame and for keys.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.db import open_database, sqlite_url  # noqa: E402
from rules.accounts import Operator, add_key  # noqa: E402
from rules.demo import fill_demo  # noqa: E402
from tui.remote.pty_process import PtyProcess  # noqa: E402

KEYS = (b"\x1b[B", b"\x1b[A")  # down, up
SETTLE = 0.6  # seconds of quiet after the first frame before keys are timed


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Output:
    """Bytes as they arrive, with a future for "the next byte" and a search."""

    def __init__(self) -> None:
        self.data = b""
        self.waiter: asyncio.Future | None = None
        self.last = time.perf_counter()

    def feed(self, chunk: bytes) -> None:
        self.data += chunk
        self.last = time.perf_counter()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.last)

    async def next_byte(self) -> float:
        self.waiter = asyncio.get_running_loop().create_future()
        return await asyncio.wait_for(self.waiter, 10)

    async def until(self, needle: bytes, seconds: float = 30) -> float:
        deadline = time.perf_counter() + seconds
        while needle not in re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", self.data):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"never saw {needle!r}")
            await asyncio.sleep(0.005)
        return time.perf_counter()

    async def quiet(self) -> None:
        while time.perf_counter() - self.last < SETTLE:
            await asyncio.sleep(0.05)


async def time_keys(write, out: Output, keys: int) -> list[float]:
    times = []
    for n in range(keys):
        await out.quiet() if n == 0 else await asyncio.sleep(0.05)
        sent = time.perf_counter()
        waiting = asyncio.ensure_future(out.next_byte())
        await asyncio.sleep(0)
        write(KEYS[n % 2])
        times.append((await waiting) - sent)
    return times


async def local_session(url: str, keys: int) -> tuple[float, list[float], int]:
    out, done = Output(), asyncio.get_running_loop().create_future()
    env = dict(os.environ, TERM="xterm-256color")
    start = time.perf_counter()
    proc = PtyProcess([sys.executable, "-m", "tui.main", "--db", url, "--as", "ada",
                       "--sweep-every", "0"], env, width=80, height=24, on_output=out.feed,
                      on_exit=lambda code: done.done() or done.set_result(code))
    first = await out.until(b"Contracts") - start
    times = await time_keys(proc.write, out, keys)
    memory = rss_kb(proc.pid)
    await proc.terminate()
    return first, times, memory


async def ssh_session(port: int, key, keys: int):
    out = Output()
    start = time.perf_counter()
    conn = await asyncssh.connect("127.0.0.1", port, username="ada", known_hosts=None,
                                  client_keys=[key], agent_path=None)
    process = await conn.create_process(term_type="xterm-256color", term_size=(80, 24),
                                        encoding=None)

    async def pump():
        while chunk := await process.stdout.read(65536):
            out.feed(chunk)
    pumping = asyncio.ensure_future(pump())
    first = await out.until(b"Contracts") - start
    times = await time_keys(process.stdin.write, out, keys)
    return first, times, conn, pumping


def tui_children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def med(values) -> float:
    return statistics.median(values) * 1000


async def main_async(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="milestones-bench-ssh-"))
    url = sqlite_url(work / "demo.db")
    open_database(url)
    fill_demo()
    key = asyncssh.generate_private_key("ssh-ed25519")
    add_key(Operator("bench"), "ada", key.export_public_key().decode())
    port = 22000 + os.getpid() % 20000
    env = dict(os.environ, MILESTONES_CONFIG=str(work / "config.toml"))
    server = subprocess.Popen([sys.executable, "-m", "tui", "ssh", "--db", url, "--port",
                               str(port), "--host-key", str(work / "hk"), "--sweep-every",
                               "0"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1)
                break
            except OSError:
                await asyncio.sleep(0.05)
        local_first, local_keys, ssh_first, ssh_keys, memory = [], [], [], [], []
        for _ in range(args.runs):  # interleaved: both sides see the same machine
            first, times, rss = await local_session(url, args.keys)
            local_first.append(first)
            local_keys += times
            memory.append(rss)
            first, times, conn, pumping = await ssh_session(port, key, args.keys)
            ssh_first.append(first)
            ssh_keys += times
            conn.close()
            await conn.wait_closed()
            pumping.cancel()
            await asyncio.sleep(0.3)
        base = rss_kb(server.pid)
        opened = [await ssh_session(port, key, 1) for _ in range(args.sessions)]
        grown = (rss_kb(server.pid) - base) / args.sessions
        tuis = [rss_kb(pid) for pid in tui_children(server.pid)]
        for _, _, conn, pumping in opened:
            conn.close()
            pumping.cancel()
    finally:
        server.terminate()
        server.wait(10)
    print(f"{args.runs} sessions each side, {args.keys} keys each, 80x24, demo data")
    print(f"{'':28}{'local pty':>12}{'ssh':>12}{'ratio':>8}  target")
    print(f"{'first frame (median)':28}{med(local_first):10.0f}ms{med(ssh_first):10.0f}ms"
          f"{med(ssh_first) / med(local_first):7.2f}x  1.3x")
    print(f"{'key to first byte (median)':28}{med(local_keys):10.1f}ms{med(ssh_keys):10.1f}ms"
          f"{med(ssh_keys) / med(local_keys):7.2f}x  1.3x")
    print(f"memory: a session's TUI process {statistics.median(tuis or memory) / 1024:.0f} MB "
          f"resident (local {statistics.median(memory) / 1024:.0f} MB); the SSH server grows "
          f"{grown / 1024:.1f} MB per open session ({args.sessions} open)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--sessions", type=int, default=5)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
