"""Shared by tests/conftest.py and the test modules that need them directly. A module of
its own: `from conftest import ...` would find tests/tui/conftest.py instead whenever
tests/tui is collected first (both are top-level modules named `conftest`)."""
from __future__ import annotations

START = "2026-03-02T09:00:00+00:00"  # a Monday


def db_state() -> dict:
    """Everything a refused action must leave as it was: row counts, balances, versions."""
    from models.db import ALL_MODELS
    from models.ledger import LedgerEntry
    from peewee import fn
    state: dict = {m.__name__: m.select().count() for m in ALL_MODELS}
    state["balances"] = sorted(LedgerEntry.select(LedgerEntry.contract, LedgerEntry.milestone,
                                                  LedgerEntry.account,
                                                  fn.SUM(LedgerEntry.amount_cents))
                               .group_by(LedgerEntry.contract, LedgerEntry.milestone,
                                         LedgerEntry.account).tuples(), key=str)
    for m in ALL_MODELS:
        if "version" in m._meta.fields:
            state[f"{m.__name__}.versions"] = sorted(m.select(m.id, m.version).tuples())
        if "status" in m._meta.fields:
            state[f"{m.__name__}.statuses"] = sorted(m.select(m.id, m.status).tuples())
    return state
