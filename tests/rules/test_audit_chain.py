"""G-05: the audit log is append-only and chained by hash, one chain per contract;
`milestones audit verify` checks every chain and names the first broken record of each
(tests/rules/test_audit_chains.py: each chain's tampering, checkpoints, the migration); `milestones audit export
--contract ID` writes a contract's full record as JSON lines. On SQLite and PostgreSQL.
"""
from __future__ import annotations

import ast
import json
import re
import threading
from pathlib import Path

import pytest

from models.audit import AuditRecord
from models.base import database
from models.db import is_postgres
from rules.audit import contract_records
from rules.audit_verify import verify_log
from rules.clock import FrozenClock
from rules.journal import chain_hash
from rules.payments import fund_next_milestone, release
from rules.planning import add_milestone
from rules.refunds import dispute_refund, request_refund, resolve_dispute
from rules.work import request_changes, submit_work
from tui.main import main

pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def story(make_contract, client, freelancer, agent, clock):
    """Two contracts whose actions interleave, through most kinds of action."""
    a = make_contract(title="Website")
    b = make_contract(title="Logo", amounts=(30000,))
    m1 = fund_next_milestone(client, a.id, clock=clock)
    mb = fund_next_milestone(client, b.id, clock=clock)
    clock.advance(hours=1)
    submit_work(freelancer, m1.id, "Draft", clock=clock)
    submit_work(freelancer, mb.id, "Logo v1", clock=clock)
    request_changes(client, m1.id, "More contrast", clock=clock)
    clock.advance(days=1)
    submit_work(freelancer, m1.id, "Final", clock=clock)
    release(client, m1.id, clock=clock)
    m2 = fund_next_milestone(client, a.id, clock=clock)
    rr = request_refund(client, m2.id, reason="Changed our plans", clock=clock)
    dispute_refund(freelancer, rr.id, "Half is done", clock=clock)
    release(client, mb.id, clock=clock)
    add_milestone(client, b.id, "Brand book", 20000, clock=clock)
    return a, b, rr


def tamper(sql: str, *params) -> None:
    """Change the log behind the program's back, as an attacker with database access
    would. On PostgreSQL that first means switching the append-only trigger off."""
    with database.atomic():
        if is_postgres():
            database.execute_sql("SET LOCAL session_replication_role = replica")
        database.execute_sql(sql.replace("?", "%s") if is_postgres() else sql, params)


def ids(query) -> list[int]:
    return [i for (i,) in query.order_by(AuditRecord.id).tuples()]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    if database.obj is not None:
        database.close()  # main() opened its own connection to the same database
    return code, out, err


# --- verify -----------------------------------------------------------------------------

def test_G05_an_untouched_chain_is_sound(story):
    report = verify_log()
    assert report.sound and report.checked == AuditRecord.select().count() > 10
    assert report.chains == 2 and report.breaks == ()  # the two contracts' chains


def test_G05_verify_names_the_first_record_whose_content_changed(story):
    all_ids = ids(AuditRecord.select(AuditRecord.id))
    first, later = all_ids[5], all_ids[9]
    tamper("UPDATE audit_record SET after = ? WHERE id = ?", '{"released_cents": 1}', later)
    tamper("UPDATE audit_record SET reason = ? WHERE id = ?", "edited", first)
    report = verify_log()
    assert not report.sound and report.broken_id == first
    assert f"record #{first}:" in report.one_line()
    assert "content no longer matches its hash" in report.one_line()


def test_G05_verify_names_the_record_after_a_removed_one(story):
    a, b, rr = story
    of_a = ids(AuditRecord.select(AuditRecord.id).where(AuditRecord.contract == a.id))
    tamper("DELETE FROM audit_record WHERE id = ?", of_a[3])
    report = verify_log()
    assert report.broken_id == of_a[4]
    (only,) = report.breaks
    assert only.chain == a.id and "place 4 is missing" in only.problem


def test_G05_verify_catches_a_changed_time_or_actor(story, agent):
    all_ids = ids(AuditRecord.select(AuditRecord.id))
    tamper("UPDATE audit_record SET occurred_at = ? WHERE id = ?",
           "2020-01-01 00:00:00", all_ids[2])
    assert verify_log().broken_id == all_ids[2]


def test_G05_verify_reads_the_log_in_pages(story):
    assert verify_log(page=3).checked == AuditRecord.select().count()
    all_ids = ids(AuditRecord.select(AuditRecord.id))
    tamper("UPDATE audit_record SET target = ? WHERE id = ?", "x", all_ids[7])
    assert verify_log(page=3).broken_id == all_ids[7]


def test_G05_milestones_audit_verify_exits_0_then_1_naming_the_record(story, db_url, capsys):
    code, out, err = run(["audit", "verify", "--db", db_url], capsys)
    assert (code, err) == (0, "")
    count = AuditRecord.select().count()
    assert out == f"Audit chains sound: {count} records in 2 chains.\n"
    victim = AuditRecord.get(AuditRecord.action == "request_changes")
    database.connect(reuse_if_open=True)
    tamper("UPDATE audit_record SET before = ? WHERE id = ?", '{"x": 1}', victim.id)
    code, out, err = run(["--db", db_url, "audit", "verify"], capsys)
    assert code == 1
    assert out.startswith(f"Audit chain broken: contract #{victim.contract_id}'s chain at "
                          f"record #{victim.id}: its content no longer matches its hash")
    assert out.count("\n") == 1


def test_G05_audit_verify_refuses_a_missing_database_without_creating_it(tmp_path, capsys):
    missing = tmp_path / "nowhere.db"
    code, out, err = run(["audit", "verify", "--db", f"sqlite:///{missing}"], capsys)
    assert code == 2 and "no database" in err and not missing.exists()


# --- export -----------------------------------------------------------------------------

def test_G05_export_writes_every_record_of_the_contract_in_order(story, db_url, capsys):
    a, b, rr = story
    expected = ids(AuditRecord.select(AuditRecord.id).where(AuditRecord.contract == a.id))
    others = ids(AuditRecord.select(AuditRecord.id).where(AuditRecord.contract != a.id))
    assert expected and others
    code, out, err = run(["audit", "export", "--contract", str(a.id), "--db", db_url], capsys)
    assert (code, err) == (0, "")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in lines] == expected
    assert {r["contract_id"] for r in lines} == {a.id}
    first = lines[0]
    assert first["action"] == "create_contract" and first["actor"] == "ada"
    assert first["actor_role"] == "client" and first["occurred_at"].endswith("+00:00")
    assert any(r["action"] == "dispute_refund" and r["actor"] == "bo" for r in lines)
    assert isinstance(first["after"], dict) and first["after"]["title"] == "Website"
    # Each line carries what its hash was made of: an export can be checked on its own.
    assert [r["seq"] for r in lines] == list(range(1, len(lines) + 1))
    assert {r["chain"] for r in lines} == {a.id}
    for r in lines:
        assert r["hash"] == chain_hash(
            r["prev_hash"], seq=r["seq"], actor_id=r["actor_id"], actor_role=r["actor_role"],
            action=r["action"], contract_id=r["contract_id"], target=r["target"],
            before=json.dumps(r["before"], sort_keys=True),
            after=json.dumps(r["after"], sort_keys=True), reason=r["reason"],
            occurred_at=__import__("arrow").get(r["occurred_at"]).naive)


def test_G05_export_includes_agent_actions_with_their_reason(story, agent, clock, db_url,
                                                             capsys):
    a, b, rr = story
    from rules.refunds import respond_to_dispute
    respond_to_dispute(a.client, rr.id, "We disagree", clock=clock)
    resolve_dispute(agent, rr.id, 20000, 30000, "Split by delivered work", clock=clock)
    records = list(contract_records(a.id, page=2))
    last = records[-1]
    assert (last["action"], last["actor"], last["reason"]) == (
        "resolve_dispute", "sam", "Split by delivered work")
    assert [r["id"] for r in records] == ids(
        AuditRecord.select(AuditRecord.id).where(AuditRecord.contract == a.id))


def test_G05_export_of_an_unknown_contract_is_refused(story, db_url, capsys):
    code, out, err = run(["audit", "export", "--contract", "999", "--db", db_url], capsys)
    assert (code, out) == (2, "")
    assert err == "milestones: No contract #999. [not-found]\n"


# --- append-only --------------------------------------------------------------------------

FORBIDDEN_CALLS = {"update", "delete", "delete_by_id", "set_by_id", "bulk_update", "replace",
                   "replace_many", "truncate_table", "drop_table", "insert_from"}
RAW_CHANGE = re.compile(r"\b(?:UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+[\"'`]?audit_record",
                        re.IGNORECASE)


def source_files():
    for package in ("models", "rules", "tui"):
        yield from sorted((ROOT / package).rglob("*.py"))


# The one change ever made to stored records: schema 13 filed the old global chain's
# records under their contracts' chains (their chain and place; not what they say).
MIGRATION = ("models/audit.py", "split_into_chains")


def raw_changes_outside_the_migration(rel: Path, tree: ast.AST) -> list[int]:
    allowed = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.FunctionDef)
                and (str(rel), node.name) == MIGRATION):
            allowed |= {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and RAW_CHANGE.search(node.value) and node.lineno not in allowed]


def test_G05_no_code_path_updates_or_deletes_an_audit_record():
    """Read every module of the program: AuditRecord is only ever created, never
    updated, deleted, saved again or written by raw SQL (but by the migration that
    split the log into chains); contracts (whose audit records the foreign key would
    take along) are never deleted."""
    found = []
    for path in source_files():
        text = path.read_text()
        tree = ast.parse(text)
        rel = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id == "AuditRecord" and node.attr in FORBIDDEN_CALLS:
                    found.append(f"{rel}:{node.lineno}: AuditRecord.{node.attr}")
                if node.value.id == "Contract" and node.attr in ("delete", "delete_by_id"):
                    found.append(f"{rel}:{node.lineno}: Contract.{node.attr}")
        found += [f"{rel}:{line}: raw SQL changes audit_record"
                  for line in raw_changes_outside_the_migration(rel, tree)]
        if "AuditRecord" in text:
            for m in re.finditer(r"\.(save|delete_instance)\(", text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{rel}:{line}: .{m.group(1)}() in a module that uses AuditRecord")
    assert found == []


def test_G05_the_inspection_would_catch_a_violation(tmp_path):
    """The check above is not blind: it flags each way a record could be changed."""
    bad = ("AuditRecord.update(reason='x').execute()\n"
           "AuditRecord.delete().execute()\n"
           "db.execute_sql('DELETE FROM audit_record WHERE id = 1')\n")
    tree = ast.parse(bad)
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
             and isinstance(n.value, ast.Name) and n.value.id == "AuditRecord"}
    assert attrs & FORBIDDEN_CALLS == {"update", "delete"}
    assert RAW_CHANGE.search(bad)
    assert not RAW_CHANGE.search("BEFORE UPDATE OR DELETE ON audit_record")
    # Only the migration's own lines are let through, nowhere else in its module.
    elsewhere = ast.parse("def split_into_chains():\n    'UPDATE audit_record SET seq = 1'\n"
                          "def other():\n    'UPDATE audit_record SET seq = 1'\n")
    assert raw_changes_outside_the_migration(Path("models/audit.py"), elsewhere) == [4]
    assert raw_changes_outside_the_migration(Path("models/other.py"), elsewhere) == [2, 4]


def test_G05_a_whole_story_writes_audit_records_and_never_rewrites_one(
        db, make_contract, client, freelancer, agent, clock):
    """Watch every statement the program sends while a story runs: inserts into
    audit_record only."""
    statements: list[str] = []
    if is_postgres():
        import logging

        class Catch(logging.Handler):
            def emit(self, record):
                statements.append(record.getMessage())
        handler, logger = Catch(level=logging.DEBUG), logging.getLogger("peewee")
        logger.addHandler(handler)
        old = logger.level
        logger.setLevel(logging.DEBUG)
    else:
        db.connection().set_trace_callback(statements.append)
    try:
        a = make_contract()
        m = fund_next_milestone(client, a.id, clock=clock)
        submit_work(freelancer, m.id, "Done", clock=clock)
        rr = request_refund(client, m.id, reason="No", clock=clock)
        dispute_refund(freelancer, rr.id, "Yes", clock=clock)
        from rules.deadlines import sweep
        clock.advance(days=30)
        sweep(clock=clock, pause=0)
    finally:
        if is_postgres():
            logger.removeHandler(handler)
            logger.setLevel(old)
        else:
            db.connection().set_trace_callback(None)
    touching = [s for s in statements if "audit_record" in s]
    assert any(re.search(r'INSERT INTO "audit_record"', s) for s in touching)
    assert not [s for s in touching if re.search(r'\b(UPDATE|DELETE|TRUNCATE)\b[^(]*"audit_record"', s)]
    assert verify_log().sound


# --- no fork under concurrency ------------------------------------------------------------

def test_G05_the_chain_does_not_fork_when_many_threads_act_at_once(
        db, make_contract, client, clock):
    """Eight threads adding milestones to their own contracts at once: each contract's
    chain has every place once, each record after the one before it, and it verifies."""
    contracts = [make_contract(title=f"Contract {i}") for i in range(8)]
    barrier = threading.Barrier(len(contracts))
    errors: list[BaseException] = []

    def work(contract_id: int) -> None:
        try:
            barrier.wait()
            for k in range(10):
                add_milestone(client, contract_id, f"Extra {k}", 10_000,
                              clock=FrozenClock(clock.now()))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=work, args=(c.id,)) for c in contracts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    for c in contracts:
        chain = list(AuditRecord.select(AuditRecord.seq, AuditRecord.prev_hash, AuditRecord.hash)
                     .where(AuditRecord.chain == c.id).order_by(AuditRecord.seq).tuples())
        assert [seq for seq, _, _ in chain] == list(range(1, 12))
        assert [prev for _, prev, _ in chain] == ["", *[h for _, _, h in chain[:-1]]]
    report = verify_log()
    assert report.sound, report.one_line()
    assert report.checked == AuditRecord.select().count() == 8 + 80
