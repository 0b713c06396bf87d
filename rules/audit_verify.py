"""Checking the audit log (G-05): every chain, record by record, and the checkpoints.

Each contract's records form a chain of their own, and the records of no contract (and
the checkpoints) form the general chain: each record has its place in its chain (`seq`,
from 1), the hash of the record before it there, and a hash of its own stored fields and
place (rules.journal.chain_hash). A record changed, removed, inserted or moved after the
fact breaks its chain at that point. A chain's last records have no successor to give
them away; a checkpoint (rules/audit_checkpoint.py) records every moved chain's head,
and a chain that now ends before a place a checkpoint saw was cut short.

Records written before schema 13 formed one global chain; they keep its hashes and are
checked as that chain (history), up to the last of them (models.audit.LEGACY_END_KEY).
`verify_log(workers=N, url=...)` splits the chains among N processes.
"""
from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Iterator

import arrow
from peewee import Tuple, fn

from models.accounts import Account
from models.audit import GENERAL_CHAIN, LEGACY_END_KEY, AuditHead, AuditRecord
from models.settings import Setting
from rules.journal import chain_hash, chain_of

PAGE = 5000  # records read per query: memory stays flat on a log of millions
CHECKPOINT = "audit_checkpoint"
LEGACY_CHAIN = -1  # how a break in the old global chain is reported

# The stored fields of a record, in the order record_hash reads them.
CHAIN_FIELDS = (AuditRecord.id, AuditRecord.actor, AuditRecord.actor_role,
                AuditRecord.action, AuditRecord.contract, AuditRecord.target,
                AuditRecord.before, AuditRecord.after, AuditRecord.reason,
                AuditRecord.occurred_at, AuditRecord.chain, AuditRecord.seq,
                AuditRecord.prev_hash, AuditRecord.hash)


@dataclass(frozen=True)
class ChainBreak:
    """The first record of one chain that does not hold (`record_id` None: the chain's
    end is missing, so there is no record to name)."""
    chain: int
    record_id: int | None
    problem: str

    def one_line(self) -> str:
        if self.chain == LEGACY_CHAIN:
            where = "the global chain of before schema 13"
        elif self.chain == GENERAL_CHAIN:
            where = "the general chain"
        else:
            where = f"contract #{self.chain}'s chain"
        at = f" at record #{self.record_id}" if self.record_id is not None else ""
        return f"Audit chain broken: {where}{at}: {self.problem}"


@dataclass(frozen=True)
class AuditReport:
    checked: int
    chains: int
    breaks: tuple[ChainBreak, ...] = ()

    @property
    def sound(self) -> bool:
        return not self.breaks

    @property
    def broken_id(self) -> int | None:
        """The earliest broken record named, over all chains."""
        named = [b.record_id for b in self.breaks if b.record_id is not None]
        return min(named) if named else None

    def lines(self) -> list[str]:
        if self.sound:
            if not self.checked:
                return ["Audit chains sound: no records yet."]
            records = f"{self.checked:,} record{'s' if self.checked != 1 else ''}"
            chains = f"{self.chains:,} chain{'s' if self.chains != 1 else ''}"
            return [f"Audit chains sound: {records} in {chains}."]
        return [b.one_line() for b in self.breaks]

    def one_line(self) -> str:
        return " / ".join(self.lines())


def legacy_end() -> int:
    """The last record of the old global chain (0: none)."""
    row = Setting.get_or_none(Setting.key == LEGACY_END_KEY)
    return int(row.value) if row else 0


def record_hash(row: tuple, legacy_last: int) -> str:
    """What a record's hash should be, from its stored fields (a `CHAIN_FIELDS` row)."""
    (rid, actor_id, role, action, contract_id, target, before, after, reason, occurred_at,
     _chain, seq, prev_hash, _digest) = row
    return chain_hash(prev_hash, actor_id=actor_id, actor_role=role, action=action,
                      contract_id=contract_id, target=target, before=before, after=after,
                      reason=reason, occurred_at=occurred_at,
                      seq=None if rid <= legacy_last else seq)


def _describe(record_id: int) -> str:
    rec = (AuditRecord.select(AuditRecord, Account).join(Account)
           .where(AuditRecord.id == record_id).get())
    when = arrow.get(rec.occurred_at).format("YYYY-MM-DD HH:mm:ss")
    return f"{rec.action} by {rec.actor.login}, {when} UTC"


# --- the chains ---------------------------------------------------------------------------

@dataclass
class _Walk:
    """What one walk over a range of chains found."""
    checked: int = 0
    tails: dict[int, int] = field(default_factory=dict)  # chain: its last sound place
    breaks: list[ChainBreak] = field(default_factory=list)


def _in_chain_order(lo: int, hi: int, page: int) -> Iterator[tuple]:
    """The records of chains lo..hi in (chain, place) order, a page at a time (keyset
    paging on the unique (chain, seq) index)."""
    where = AuditRecord.chain.between(lo, hi)
    page_of = where
    while True:
        rows = list(AuditRecord.select(*CHAIN_FIELDS).where(page_of)
                    .order_by(AuditRecord.chain, AuditRecord.seq).limit(page).tuples())
        yield from rows
        if len(rows) < page:
            return
        page_of = where & (Tuple(AuditRecord.chain, AuditRecord.seq)
                           > Tuple(rows[-1][10], rows[-1][11]))


def walk_chains(lo: int, hi: int, legacy_last: int, seen: dict[int, tuple[int, str, int]],
                page: int = PAGE) -> _Walk:
    """Check chains lo..hi: each record in its contract's chain, at the next place, after
    its predecessor's hash, with its own hash; and at each place a checkpoint saw (`seen`:
    chain: (place, hash, checkpoint id)), the record it saw."""
    walk = _Walk()
    chain, expect, prev, broken = None, 1, "", False
    for row in _in_chain_order(lo, hi, page):
        rid, contract_id, row_chain, seq, digest = row[0], row[4], row[10], row[11], row[13]
        if row_chain != chain:
            chain, expect, prev, broken = row_chain, 1, "", False
        if broken:
            continue
        problem = _problem(row, chain_of(contract_id), expect, prev, legacy_last, seen)
        if problem:
            walk.breaks.append(ChainBreak(chain, rid, f"{problem} [{_describe(rid)}]"))
            broken = True
            continue
        walk.checked += 1
        walk.tails[chain] = seq
        prev, expect = digest, expect + 1
    return walk


def _problem(row: tuple, own_chain: int, expect: int, prev: str, legacy_last: int,
             seen: dict[int, tuple[int, str, int]]) -> str:
    rid, chain, seq, stored_prev, digest = row[0], row[10], row[11], row[12], row[13]
    if chain != own_chain:
        return "it is filed in another chain than its contract's (moved after it was written)"
    if seq != expect:
        return (f"it is at place {seq} of the chain but place {expect} is missing (a record "
                f"before it was removed, or the places were changed)")
    legacy = rid <= legacy_last
    if not legacy and stored_prev != prev:
        return ("it does not follow the record before it in the chain (its previous-hash "
                "is not that record's hash: a record before it was changed, removed or "
                "inserted)")
    if not legacy and digest != record_hash(row, legacy_last):
        return "its content no longer matches its hash (changed after it was written)"
    claim = seen.get(chain)
    if claim and claim[0] == seq and claim[1] != digest:
        return (f"it is not the record checkpoint #{claim[2]} saw at place {seq} (replaced "
                f"after it was checkpointed)")
    return ""


def _checkpoint_claims() -> dict[int, tuple[int, str, int]]:
    """The newest place and hash each checkpoint recorded, per chain."""
    seen: dict[int, tuple[int, str, int]] = {}
    query = (AuditRecord.select(AuditRecord.id, AuditRecord.after)
             .where((AuditRecord.chain == GENERAL_CHAIN) & (AuditRecord.action == CHECKPOINT))
             .order_by(AuditRecord.seq))
    for rid, after in query.tuples():
        try:
            heads = json.loads(after).get("heads", {})
            seen.update({int(c): (int(s), str(h), rid) for c, (s, h) in heads.items()})
        except (ValueError, TypeError, AttributeError):
            continue  # a checkpoint edited into nonsense: its own hash no longer holds
    return seen


def _cut_short(walk: _Walk, seen: dict[int, tuple[int, str, int]]) -> list[ChainBreak]:
    """Chains that end before a place a checkpoint saw, or before their head's place."""
    broken = {b.chain for b in walk.breaks}
    out = []
    heads = dict(AuditHead.select(AuditHead.chain, AuditHead.seq).tuples())
    for chain in sorted(set(seen) | set(heads)):
        if chain in broken:
            continue
        have = walk.tails.get(chain, 0)
        if chain in seen and seen[chain][0] > have:
            place, _, cp = seen[chain]
            out.append(ChainBreak(chain, None, (
                f"its records from place {have + 1} are missing: checkpoint #{cp} saw "
                f"{place} (the end of the chain was cut off)")))
        elif heads.get(chain, 0) > have:
            out.append(ChainBreak(chain, None, (
                f"its records from place {have + 1} are missing: its head says "
                f"{heads[chain]} (cut off since the last checkpoint)")))
    return out


# --- the old global chain ---------------------------------------------------------------------

def walk_legacy(legacy_last: int, page: int = PAGE) -> _Walk:
    """The records of before schema 13 in id order, as the one chain they were."""
    walk = _Walk()
    prev, prev_id, after = "", None, 0
    while after < legacy_last:
        rows = list(AuditRecord.select(*CHAIN_FIELDS)
                    .where((AuditRecord.id > after) & (AuditRecord.id <= legacy_last))
                    .order_by(AuditRecord.id).limit(page).tuples())
        if not rows:
            break
        for row in rows:
            rid, stored_prev, digest = row[0], row[12], row[13]
            if stored_prev != prev:
                what = f"record #{prev_id}" if prev_id is not None else "the start of the log"
                problem = (f"it does not follow {what} (a record before it was changed, "
                           f"removed or inserted)")
            elif digest != record_hash(row, legacy_last):
                problem = "its content no longer matches its hash (changed after it was written)"
            else:
                prev, prev_id, walk.checked = digest, rid, walk.checked + 1
                continue
            walk.breaks.append(ChainBreak(LEGACY_CHAIN, rid, f"{problem} [{_describe(rid)}]"))
            return walk
        after = rows[-1][0]
    return walk


# --- the whole log --------------------------------------------------------------------------

PARALLEL_FROM = 200_000  # records: below, starting processes costs more than it saves


def verify_log(*, page: int = PAGE, workers: int | None = 1,
               url: str | None = None) -> AuditReport:
    """Check every chain (and the old global chain, if any). With `workers` > 1 and the
    database's `url`, the chains are split by id among that many processes; `None`: as
    many as there are CPUs (at most 8) once the log is large enough to gain from it."""
    if workers is None:
        size = AuditRecord.select(fn.MAX(AuditRecord.id)).scalar() or 0
        workers = min(8, os.cpu_count() or 1) if size >= PARALLEL_FROM else 1
    legacy_last = legacy_end()
    seen = _checkpoint_claims()
    bounds = AuditRecord.select(fn.MIN(AuditRecord.chain), fn.MAX(AuditRecord.chain)).tuples()
    lo, hi = next(iter(bounds))
    walk = _Walk()
    if lo is not None:
        parts = _split(lo, hi, workers if url else 1)
        if len(parts) == 1:
            walks = [walk_chains(lo, hi, legacy_last, seen, page)]
        else:
            walks = _in_processes(url, parts, legacy_last, seen, page)
        for w in walks:
            walk.checked += w.checked
            walk.tails.update(w.tails)
            walk.breaks += w.breaks
    legacy = walk_legacy(legacy_last, page) if legacy_last else _Walk()
    breaks = [*legacy.breaks, *sorted(walk.breaks, key=lambda b: b.chain),
              *_cut_short(walk, seen)]
    chains = len(walk.tails) + len({b.chain for b in walk.breaks} - set(walk.tails))
    return AuditReport(walk.checked, chains, tuple(breaks))


def _split(lo: int, hi: int, workers: int) -> list[tuple[int, int]]:
    step = max(1, -(-(hi - lo + 1) // max(1, workers)))
    return [(a, min(hi, a + step - 1)) for a in range(lo, hi + 1, step)]


def _in_processes(url: str, parts, legacy_last, seen, page) -> list[_Walk]:
    with ProcessPoolExecutor(len(parts), mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_walk_in_process, url, a, b, legacy_last,
                               {c: v for c, v in seen.items() if a <= c <= b}, page)
                   for a, b in parts]
        return [f.result() for f in futures]


def _walk_in_process(url: str, lo: int, hi: int, legacy_last: int, seen, page) -> _Walk:
    from models.db import open_database
    open_database(url, create=False)
    return walk_chains(lo, hi, legacy_last, seen, page)
