"""For tests/tui/test_remote_*.py. Servers started as a user starts them (`python -m tui ssh|serve`), on a free port of
127.0.0.1, against a file database made through rules/; real clients talk to them."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from models.db import sqlite_url
from rules.accounts import Operator

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = Operator("root")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(proc: subprocess.Popen, port: int, limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail("the server did not listen in time")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def world_url(tmp_path) -> str:
    return sqlite_url(tmp_path / "test.db")  # the `world` fixture's database


def server_env(tmp_path) -> dict[str, str]:
    env = dict(os.environ)
    env["MILESTONES_CONFIG"] = str(tmp_path / "config.toml")
    env["MILESTONES_LOG_DIR"] = str(tmp_path / "logs")
    env.pop("MILESTONES_DB", None)
    return env


def start_server(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tui", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
