"""The deadline worker loop for `milestones worker`: sweep every N seconds, log what it
applied, checkpoint the audit chains that moved (rules/audit_checkpoint.py), stop cleanly
on SIGTERM or ctrl+c. No Textual here; the TUI runs `sweep` in its
own background worker."""
from __future__ import annotations

import logging
import signal
import threading
from typing import Callable

from models.base import database
from rules.audit_checkpoint import checkpoint, moved_chains
from rules.clock import Clock
from rules.deadlines import SweepResult, sweep

log = logging.getLogger("milestones.worker")


def log_result(result: SweepResult) -> None:
    for item in result.applied:
        log.info("%s #%s (due %s): %s", item.kind, item.deadline_id,
                 item.due_at.isoformat(), item.summary)
    if result.available:
        log.info("%d payment(s) became available (hold ended)", result.available)
    if result.reminders:
        log.info("sent %d reminder(s)", result.reminders)


def run_worker(*, interval: float = 30.0, once: bool = False, clock: Clock | None = None,
               stop: threading.Event | None = None,
               on_result: Callable[[SweepResult], None] = log_result) -> int:
    """Sweep until stopped. Returns the number of items applied."""
    stop = stop or threading.Event()
    total = 0
    while not stop.is_set():
        try:
            result = sweep(clock=clock, stop=stop)
            if moved_chains():
                checkpoint(clock=clock)
        except Exception:  # a passing database fault: log it, try again next tick
            log.exception("sweep failed; retrying in %s s", interval)
            drop_connection()
        else:
            on_result(result)
            total += len(result.applied)
        if once:
            break
        stop.wait(interval)
    return total


def drop_connection() -> None:
    """After a failed sweep. This thread's connection may be dead (a server restart, a
    dropped network), and peewee would keep handing it out: close it, so that the next
    tick connects again. Closing a dead connection may fail too; it is gone either way
    (peewee forgets it, and the pool does not keep a closed one)."""
    try:
        database.close()
    except Exception:  # noqa: BLE001, S110 - whatever the driver says of a dead link
        pass


def install_signal_handlers(stop: threading.Event) -> Callable[[], None]:
    """SIGTERM and SIGINT end the loop after the batch in flight (main thread only).
    Returns a function that puts the previous handlers back."""
    def handler(signum, frame):  # noqa: ARG001 - signal handler signature
        log.info("stopping (signal %s)", signum)
        stop.set()
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    return lambda: [signal.signal(sig, old) for sig, old in previous.items()]
