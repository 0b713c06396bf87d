"""Reading the audit log (G-05): export a contract's records (rules/audit_verify.py
checks the chains).

The log is append-only: rules/journal.py is the only writer and only ever inserts; on
PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on audit_record (models/db.py).
Each record carries its place in its contract's chain, the hash of the record before it
there and a hash of its own stored fields (rules.journal.chain_hash): an export can be
checked on its own.
"""
from __future__ import annotations

import json
from typing import Iterator, TextIO

import arrow

from models.accounts import Account
from models.audit import AuditRecord
from models.contracts import Contract
from rules.audit_verify import CHAIN_FIELDS
from rules.errors import NOT_FOUND, RuleError
from rules.store import is_id

PAGE = 5000  # records read per query: memory stays flat on a log of millions

def _pages(query, page: int = PAGE) -> Iterator[tuple]:
    """Rows of `query` (whose first column is the id) in id order, a page at a time
    (keyset paging: each page is an indexed range, never an OFFSET scan)."""
    last = 0
    while True:
        rows = list(query.where(AuditRecord.id > last).order_by(AuditRecord.id)
                    .limit(page).tuples())
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1][0]


def contract_records(contract_id: int, *, page: int = PAGE) -> Iterator[dict]:
    """Every audit record of a contract, oldest first, as plain JSON-ready dicts: who
    (id, login, role), when (UTC, ISO 8601), what, the target, the values before and
    after, the reason, and the chain hashes (so the export can be checked on its own)."""
    if not (is_id(contract_id) and Contract.select().where(Contract.id == contract_id).exists()):
        raise RuleError(NOT_FOUND, f"No contract #{contract_id}.")  # T-08: any value
    logins: dict[int, str] = {}
    query = (AuditRecord.select(*CHAIN_FIELDS)
             .where(AuditRecord.contract == contract_id))
    for (rid, actor_id, role, action, cid, target, before, after, reason, occurred_at,
         chain, seq, prev_hash, digest) in _pages(query, page):
        if actor_id not in logins:
            logins[actor_id] = Account.get_by_id(actor_id).login
        yield {
            "id": rid,
            "occurred_at": arrow.get(occurred_at).isoformat(),
            "actor_id": actor_id,
            "actor": logins[actor_id],
            "actor_role": role,
            "action": action,
            "contract_id": cid,
            "target": target,
            "before": json.loads(before),
            "after": json.loads(after),
            "reason": reason,
            "chain": chain,
            "seq": seq,
            "prev_hash": prev_hash,
            "hash": digest,
        }


# JSON may write any character as \\uXXXX. These are, so that `cat export.jsonl` cannot
# steer a terminal (DEL, C1) or reorder a line (bidi, line separators), and a lone
# surrogate stored long ago cannot fail the write; values read back unchanged. C0 is
# escaped by json itself.
_TERMINAL_UNSAFE = {c: f"\\u{c:04x}" for c in [
    *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F,
    0x061C, 0x2028, 0x2029, *range(0xD800, 0xE000)]}


def terminal_safe_json(value) -> str:
    """`json.dumps` as readable UTF-8, with the characters a terminal acts on escaped."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False).translate(_TERMINAL_UNSAFE)


def export_contract(contract_id: int, out: TextIO) -> int:
    """Write a contract's full audit record to `out` as JSON lines; returns the count."""
    n = 0
    for record in contract_records(contract_id):
        out.write(terminal_safe_json(record) + "\n")
        n += 1
    return n
