"""`milestones worker` as a process: it logs what it applies and stops cleanly on
SIGTERM and on ctrl+c (SIGINT), finishing the batch in flight (G-09)."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from models.db import sqlite_url
from models.milestones import Milestone
from models.vocabulary import MilestoneStatus
from rules.payments import fund_next_milestone
from rules.timetravel import advance
from rules.work import submit_work


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_G09_worker_process_applies_due_windows_and_stops_cleanly(
        db, tmp_path, make_contract, client, freelancer, clock, sig):
    contract = make_contract("upwork", amounts=(25000,))
    m = fund_next_milestone(client, contract.id, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)
    advance("400d")  # the stored clock the worker reads: the window is long past
    db.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "worker", "--db", sqlite_url(tmp_path / "test.db"),
         "--interval", "0.2"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        db.connect(reuse_if_open=True)
        while Milestone.get_by_id(m.id).status != MilestoneStatus.RELEASED:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the worker applied nothing"
            time.sleep(0.1)
        proc.send_signal(sig)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    log = proc.stderr.read()
    assert "auto-released" in log
    assert "stopping (signal" in log and "stopped; 1 deadline(s) applied" in log
    assert "Traceback" not in log
