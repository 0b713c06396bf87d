"""Audit checkpoints (G-05, issue 16): a record in the general chain that holds the head
(place and hash) of every chain that moved since the last checkpoint.

A chain's newest records have no successor whose previous-hash would give their removal
away; once a checkpoint saw a chain's head, `audit verify` (rules/audit_verify.py) names
a chain that ends before it. The worker writes one after each sweep (rules/worker.py);
`milestones audit checkpoint` writes one at once.

What no checkpoint covers yet (the records since the last one, and the general chain's
own end, which is the newest checkpoint) is guarded by the head rows alone
(models.audit.AuditHead): a writer with database access could lower those too. The
interval between checkpoints is the window of that risk.
"""
from __future__ import annotations

from peewee import Case

from models.accounts import system_account
from models.audit import GENERAL_CHAIN, AuditHead
from models.base import database
from models.db import take_write_lock
from rules.audit_verify import CHECKPOINT
from rules.clock import Clock
from rules.journal import audit
from rules.store import now_of

MAX_HEADS = 5000  # heads per checkpoint record: a record stays small on a busy log


def moved_chains() -> bool:
    """Whether a chain moved since the last checkpoint (one indexed read)."""
    return AuditHead.select().where(AuditHead.seq > AuditHead.checkpointed).exists()


def checkpoint(*, clock: Clock | None = None, max_heads: int = MAX_HEADS) -> int:
    """Write checkpoint records until every moved chain is covered; returns how many
    chains they cover. Each record is its own transaction."""
    covered = 0
    while True:
        done = _one_checkpoint(clock, max_heads)
        covered += done
        if done < max_heads:
            return covered


def _one_checkpoint(clock: Clock | None, max_heads: int) -> int:
    with database.atomic():
        take_write_lock()
        rows = list(AuditHead.select(AuditHead.chain, AuditHead.seq, AuditHead.hash)
                    .where(AuditHead.seq > AuditHead.checkpointed)
                    .order_by(AuditHead.chain).limit(max_heads).tuples())
        if not rows:
            return 0
        heads = {str(chain): [seq, digest] for chain, seq, digest in rows}
        record = audit(actor=system_account(), action=CHECKPOINT, contract_id=None,
                       target=f"{len(rows)} chains", before={}, after={"heads": heads},
                       reason="", at=now_of(clock))
        places = {chain: seq for chain, seq, _ in rows}
        # The general chain's own head is now this record; the next checkpoint covers it
        # only if other records follow (else each checkpoint would call for another).
        places[GENERAL_CHAIN] = record.seq
        (AuditHead.update(checkpointed=Case(AuditHead.chain, list(places.items())))
         .where(AuditHead.chain.in_(list(places))).execute())
        return len(rows)
