"""G-05 with audit chains per contract (issue 16): a tampering test per chain (an edited,
a deleted, a reordered record, a tail cut off after and before a checkpoint) for a
contract's chain and for the general one; checkpoints; several chains broken at once;
verifying in several processes; the migration of a schema-12 log (one global chain) into
chains, with the old chain kept verifiable. On SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest

from models.audit import GENERAL_CHAIN, AuditHead, AuditRecord
from models.base import database
from models.db import is_postgres, open_database, schema_version, SCHEMA_VERSION
from rules.accounts import Operator, add_account
from rules.audit_checkpoint import checkpoint, moved_chains
from rules.audit_verify import CHECKPOINT, LEGACY_CHAIN, legacy_end, verify_log
from rules.journal import chain_hash
from rules.payments import fund_next_milestone, release
from rules.planning import add_milestone
from rules.work import submit_work
from rules.worker import run_worker
from tui.main import main

pytestmark = pytest.mark.both_databases

OPERATOR = Operator("root")


@pytest.fixture
def story(make_contract, client, freelancer, clock):
    """Two contracts with several records each, and accounts in the general chain."""
    a = make_contract(title="Website")
    b = make_contract(title="Logo", amounts=(30000,))
    for who in ("eve", "finn", "gus"):
        add_account(OPERATOR, who, "client", who.title(), clock=clock)
    m = fund_next_milestone(client, a.id, clock=clock)
    submit_work(freelancer, m.id, "Draft", clock=clock)
    release(client, m.id, clock=clock)
    fund_next_milestone(client, b.id, clock=clock)
    add_milestone(client, b.id, "Brand book", 20000, clock=clock)
    return a, b


def tamper(sql: str, *params) -> None:
    """Change the log behind the program's back (on PostgreSQL, triggers off first)."""
    with database.atomic():
        if is_postgres():
            database.execute_sql("SET LOCAL session_replication_role = replica")
        database.execute_sql(sql.replace("?", "%s") if is_postgres() else sql, params)


def chain_ids(chain: int) -> list[int]:
    return [i for (i,) in AuditRecord.select(AuditRecord.id)
            .where(AuditRecord.chain == chain).order_by(AuditRecord.seq).tuples()]


CHAINS = ["contract", "general"]


def pick(story, which: str) -> int:
    a, _ = story
    return a.id if which == "contract" else GENERAL_CHAIN


def only_break(report):
    assert not report.sound
    (only,) = report.breaks
    return only


# --- one test per kind of tampering, per chain -----------------------------------------------

@pytest.mark.parametrize("which", CHAINS)
def test_G05_an_edited_record_is_named_in_its_chain(story, which):
    chain = pick(story, which)
    victim = chain_ids(chain)[1]
    tamper("UPDATE audit_record SET target = ? WHERE id = ?", "edited", victim)
    broken = only_break(verify_log())
    assert (broken.chain, broken.record_id) == (chain, victim)
    assert "content no longer matches its hash" in broken.problem


@pytest.mark.parametrize("which", CHAINS)
def test_G05_a_deleted_record_is_named_by_the_one_after_it(story, which):
    chain = pick(story, which)
    ids = chain_ids(chain)
    tamper("DELETE FROM audit_record WHERE id = ?", ids[1])
    broken = only_break(verify_log())
    assert (broken.chain, broken.record_id) == (chain, ids[2])
    assert "place 2 is missing" in broken.problem


@pytest.mark.parametrize("which", CHAINS)
def test_G05_reordered_records_are_caught(story, which):
    """Two records swap places (their seq): each hash covers its place."""
    chain = pick(story, which)
    ids = chain_ids(chain)
    tamper("UPDATE audit_record SET seq = -1 WHERE id = ?", ids[0])
    tamper("UPDATE audit_record SET seq = 1 WHERE id = ?", ids[1])
    tamper("UPDATE audit_record SET seq = 2 WHERE id = ?", ids[0])
    broken = only_break(verify_log())
    assert (broken.chain, broken.record_id) == (chain, ids[1])


def test_G05_a_record_moved_to_another_chain_is_caught(story):
    a, b = story
    victim = chain_ids(a.id)[-1]
    tamper("UPDATE audit_record SET chain = ?, seq = 999 WHERE id = ?", b.id, victim)
    report = verify_log()
    assert any(x.chain == b.id and x.record_id == victim and "another chain" in x.problem
               for x in report.breaks)


def test_G05_a_tail_cut_off_after_a_checkpoint_is_caught(story, clock):
    """The general chain's own end is the newest checkpoint: its head row guards it (the
    next test), as it guards every chain's records written since the last checkpoint."""
    a, _ = story
    checkpoint(clock=clock)
    ids = chain_ids(a.id)
    # The attacker also lowers the head, so only the checkpoint gives it away.
    tamper("DELETE FROM audit_record WHERE id = ?", ids[-1])
    tamper("UPDATE audit_head SET seq = ? WHERE chain = ?", len(ids) - 1, a.id)
    broken = only_break(verify_log())
    assert (broken.chain, broken.record_id) == (a.id, None)
    assert (f"records from place {len(ids)} are missing: checkpoint #" in broken.problem
            and f"saw {len(ids)}" in broken.problem)


@pytest.mark.parametrize("which", CHAINS)
def test_G05_a_tail_cut_off_before_any_checkpoint_is_caught_by_the_head(story, which):
    chain = pick(story, which)
    ids = chain_ids(chain)
    tamper("DELETE FROM audit_record WHERE id = ?", ids[-1])
    broken = only_break(verify_log())
    assert (broken.chain, broken.record_id) == (chain, None)
    assert f"its head says {len(ids)}" in broken.problem


def test_G05_a_record_replaced_at_a_checkpointed_place_is_caught(story, clock):
    """A new record forged at the place of a checkpointed one, with a valid hash."""
    a, _ = story
    checkpoint(clock=clock)
    last = AuditRecord.get_by_id(chain_ids(a.id)[-1])
    forged = chain_hash(last.prev_hash, actor_id=last.actor_id, actor_role=last.actor_role,
                        action=last.action, contract_id=a.id, target="forged",
                        before=last.before, after=last.after, reason=last.reason,
                        occurred_at=last.occurred_at, seq=last.seq)
    tamper("UPDATE audit_record SET target = ?, hash = ? WHERE id = ?", "forged", forged,
           last.id)
    broken = only_break(verify_log())
    assert broken.record_id == last.id and "checkpoint #" in broken.problem


def test_G05_every_broken_chain_is_named_with_its_first_broken_record(story):
    a, b = story
    of_a, of_b = chain_ids(a.id), chain_ids(b.id)
    tamper("UPDATE audit_record SET reason = ? WHERE id = ?", "x", of_a[2])
    tamper("UPDATE audit_record SET reason = ? WHERE id = ?", "x", of_a[3])
    tamper("UPDATE audit_record SET reason = ? WHERE id = ?", "x", of_b[1])
    report = verify_log()
    assert [(x.chain, x.record_id) for x in report.breaks] == [(a.id, of_a[2]),
                                                               (b.id, of_b[1])]
    assert report.broken_id == min(of_a[2], of_b[1])
    assert len(report.lines()) == 2


# --- checkpoints ----------------------------------------------------------------------------

def test_G05_a_checkpoint_records_every_moved_chain_once(story, client, clock):
    a, b = story
    assert moved_chains()
    assert checkpoint(clock=clock) == 3  # a, b and the general chain
    assert not moved_chains() and checkpoint(clock=clock) == 0
    record = AuditRecord.get(AuditRecord.action == CHECKPOINT)
    heads = __import__("json").loads(record.after)["heads"]
    assert set(heads) == {str(a.id), str(b.id), str(GENERAL_CHAIN)}
    assert heads[str(a.id)] == [len(chain_ids(a.id)), AuditRecord.get_by_id(
        chain_ids(a.id)[-1]).hash]
    add_milestone(client, a.id, "More", 10000, clock=clock)
    assert checkpoint(clock=clock) == 1
    assert verify_log().sound


def test_G05_a_large_checkpoint_is_split_into_records(story, clock):
    assert checkpoint(clock=clock, max_heads=2) == 3
    assert AuditRecord.select().where(AuditRecord.action == CHECKPOINT).count() == 2
    assert verify_log().sound


def test_G05_the_worker_checkpoints_after_its_sweep(story, clock):
    run_worker(once=True, clock=clock)
    assert AuditRecord.select().where(AuditRecord.action == CHECKPOINT).count() == 1
    assert not moved_chains()


def test_G05_milestones_audit_checkpoint_then_verify(story, db_url, capsys):
    assert main(["audit", "checkpoint", "--db", db_url]) == 0
    assert capsys.readouterr().out == "Checkpoint written: 3 chain(s) moved since the last one.\n"
    assert main(["audit", "checkpoint", "--db", db_url]) == 0
    assert capsys.readouterr().out.startswith("Nothing to checkpoint")
    assert main(["audit", "verify", "--db", db_url, "--workers", "0"]) == 2
    assert "--workers takes 1 to 64" in capsys.readouterr().err
    database.close()


# --- in several processes -----------------------------------------------------------------------

def test_G05_verify_in_several_processes_finds_what_one_finds(story, db_url):
    a, b = story
    one = verify_log()
    assert one.sound and verify_log(workers=3, url=db_url) == one
    victim = chain_ids(b.id)[1]
    tamper("UPDATE audit_record SET reason = ? WHERE id = ?", "x", victim)
    one, three = verify_log(), verify_log(workers=3, url=db_url)
    assert three == one and one.broken_id == victim


# --- concurrency ----------------------------------------------------------------------------

def test_G05_writers_on_one_contract_never_fork_its_chain(db, make_contract, client, clock):
    contract = make_contract()
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for k in range(8):
                add_milestone(client, contract.id, f"Extra {k}", 10_000, clock=clock)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert [s for (s,) in AuditRecord.select(AuditRecord.seq).where(
        AuditRecord.chain == contract.id).order_by(AuditRecord.seq).tuples()] == list(range(1, 34))
    assert AuditHead.get_by_id(contract.id).seq == 33
    assert verify_log().sound


# --- the migration from one global chain ----------------------------------------------------

def to_schema_12() -> list[tuple]:
    """Rewrite this database as the schema-12 program left it: one global chain in id
    order (the old hash, without places), no chain or place columns, no head table."""
    rows = list(AuditRecord.select().order_by(AuditRecord.id))
    prev, hashes = "", []
    for r in rows:
        prev = chain_hash(prev, actor_id=r.actor_id, actor_role=r.actor_role, action=r.action,
                          contract_id=r.contract_id, target=r.target, before=r.before,
                          after=r.after, reason=r.reason, occurred_at=r.occurred_at)
        hashes.append((r.id, r.contract_id, prev))
    with database.atomic():
        if is_postgres():
            database.execute_sql("SET LOCAL session_replication_role = replica")
        mark = "%s" if is_postgres() else "?"
        last = ""
        for rid, _, digest in hashes:
            database.execute_sql(f"UPDATE audit_record SET prev_hash = {mark}, hash = {mark} "
                                 f"WHERE id = {mark}", (last, digest, rid))
            last = digest
        database.execute_sql('DROP INDEX "audit_record_chain_seq"')
        database.execute_sql("ALTER TABLE audit_record DROP COLUMN chain")
        database.execute_sql("ALTER TABLE audit_record DROP COLUMN seq")
        database.execute_sql("DROP TABLE audit_head")
        database.execute_sql("UPDATE schema_version SET version = 12")
    database.close()
    return hashes


def test_G05_a_schema_12_log_is_split_into_chains_and_stays_verifiable(
        story, db_url, client, clock):
    a, b = story
    before = to_schema_12()
    db = open_database(db_url)
    assert schema_version(db) == SCHEMA_VERSION
    assert legacy_end() == before[-1][0]
    # Every record kept its hash; it is filed under its contract's chain, in log order.
    after = list(AuditRecord.select(AuditRecord.id, AuditRecord.contract, AuditRecord.hash,
                                    AuditRecord.chain, AuditRecord.seq)
                 .order_by(AuditRecord.id).tuples())
    assert [r[:3] for r in after] == before
    assert all(chain == (contract or 0) for _, contract, _, chain, _ in after)
    assert [s for (s,) in AuditRecord.select(AuditRecord.seq).where(
        AuditRecord.chain == a.id).order_by(AuditRecord.id).tuples()] == list(
        range(1, len(chain_ids(a.id)) + 1))
    report = verify_log()
    assert report.sound and report.checked == len(before)
    # New records follow their chain's last old one.
    last_old = AuditRecord.get_by_id(chain_ids(a.id)[-1])
    add_milestone(client, a.id, "After the upgrade", 10000, clock=clock)
    new = AuditRecord.get_by_id(chain_ids(a.id)[-1])
    assert (new.seq, new.prev_hash) == (last_old.seq + 1, last_old.hash)
    checkpoint(clock=clock)
    assert verify_log().sound
    # The old global chain is still checked as the history it was.
    old = before[3][0]
    tamper("UPDATE audit_record SET reason = ? WHERE id = ?", "edited", old)
    breaks = verify_log().breaks
    assert [(x.chain, x.record_id) for x in breaks] == [(LEGACY_CHAIN, old)]
    assert "before schema 13" in breaks[0].one_line()
