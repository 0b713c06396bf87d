"""U-31 (every change notifies the other party and reaches the timeline) and G-05 (an
append-only audit record per action, chained by hash; agents' reasons recorded)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from models.audit import AuditRecord
from models.events import Event, Notification
from models.milestones import Milestone
from rules.clock import FrozenClock
from rules.contract_view import timeline_page
from rules.contracts import end_contract
from rules.notifications import notifications
from rules.payments import fund_next_milestone, release
from rules.planning import add_milestone
from rules.refunds import dispute_refund, request_refund, resolve_dispute
from rules.support import cancel_milestone
from rules.work import request_changes, submit_work


def milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def newest_event() -> Event:
    return Event.select().order_by(Event.id.desc()).first()


def newest_audit() -> AuditRecord:
    return AuditRecord.select().order_by(AuditRecord.id.desc()).first()


def recipients(ev) -> set[int]:
    return {n.recipient_id for n in Notification.select().where(Notification.event == ev.id)}


def chain_problems() -> list[str]:
    """Recompute every record's hash from its stored fields, its place in its contract's
    chain and the hash of the record before it there."""
    problems, prev = [], {}
    for rec in AuditRecord.select().order_by(AuditRecord.chain, AuditRecord.seq):
        fields = dict(actor=rec.actor_id, actor_role=rec.actor_role, action=rec.action,
                      contract=rec.contract_id, target=rec.target, before=rec.before,
                      after=rec.after, reason=rec.reason,
                      occurred_at=rec.occurred_at.isoformat(), seq=rec.seq)
        body = json.dumps(fields, sort_keys=True, default=str)
        before_it, place = prev.get(rec.chain, ("", 0))
        if rec.chain != (rec.contract_id or 0) or rec.seq != place + 1:
            problems.append(f"record {rec.id}: not at the next place of its contract's chain")
        if rec.prev_hash != before_it:
            problems.append(f"record {rec.id}: prev_hash is not the previous record's hash")
        if rec.hash != hashlib.sha256((before_it + body).encode()).hexdigest():
            problems.append(f"record {rec.id}: hash does not match its content")
        prev[rec.chain] = (rec.hash, rec.seq)
    return problems


# --- U-31 -------------------------------------------------------------------------------

def test_U31_each_change_notifies_the_other_party_with_details_and_reaches_the_timeline(
        make_contract, client, freelancer, agent, clock, invariants):
    contract = make_contract()
    first, second = milestones(contract)

    def check(kind, told, details=None, summary=None):
        ev = newest_event()
        assert ev.kind == kind
        assert ev.contract_id == contract.id
        assert recipients(ev) == told, kind
        if details:
            stored = json.loads(ev.details)
            for key, value in details.items():
                assert stored[key] == value, (kind, key)
        if summary:
            assert summary in ev.summary, (kind, ev.summary)
        # On the timeline both parties and agents see, and in each recipient's inbox.
        for viewer in (client, freelancer, agent):
            assert timeline_page(viewer, contract.id, limit=1)[0][0].id == ev.id
        for r in told:
            assert notifications(r)[0].summary == ev.summary
            assert notifications(r)[0].contract_id == contract.id
        return ev

    check("create_contract", {freelancer.id}, {"policy": "upwork"}, "2 milestones, $750.00")
    fund_next_milestone(client, contract.id, clock=clock)
    check("fund_milestone", {freelancer.id}, {"amount_cents": 25000}, "$250.00 in escrow")
    submit_work(freelancer, first.id, "Mockups", "https://example.com/m", clock=clock)
    check("submit_work", {client.id}, {"message": "Mockups", "link": "https://example.com/m"})
    request_changes(client, first.id, "Bigger logo", clock=clock)
    check("request_changes", {freelancer.id}, {"message": "Bigger logo"})
    submit_work(freelancer, first.id, "Bigger logo done", clock=clock)
    release(client, first.id, 20000, clock=clock)
    check("release", {freelancer.id}, {"released_cents": 20000, "to_project_funds_cents": 5000},
          "$50.00 stays in project funds")
    add_milestone(client, contract.id, "Extra page", 9000, clock=clock)
    ev = check("save_plan", {freelancer.id}, summary="Extra page")
    assert json.loads(ev.details)["changes"][0]["kind"] == "added"
    fund_next_milestone(client, contract.id, clock=clock)
    check("fund_milestone", {freelancer.id}, {"from_project_funds_cents": 5000})
    rr = request_refund(client, second.id, reason="Cancelled project", clock=clock)
    check("request_refund", {freelancer.id}, {"amount_cents": 50000, "source": "escrow",
                                              "reason": "Cancelled project"})
    dispute_refund(freelancer, rr.id, "Half is done", clock=clock)
    check("dispute_refund", {client.id}, {"message": "Half is done"})
    resolve_dispute(agent, rr.id, 25000, 25000, "Half delivered", clock=clock)
    check("resolve_dispute", {client.id, freelancer.id}, {"reason": "Half delivered"})
    third = milestones(contract)[2]
    cancel_milestone(agent, third.id, "Not needed any more", clock=clock)
    check("cancel_milestone", {client.id, freelancer.id}, {"reason": "Not needed any more"})
    end_contract(freelancer, contract.id, clock=clock)
    check("contract_ended", {client.id})
    invariants()


def test_U31_automatic_actions_notify_both_parties(make_contract, client, freelancer, system,
                                                   clock):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)
    release(system, m.id, clock=clock)
    ev = newest_event()
    assert (ev.kind, ev.actor_id) == ("release", system.id)
    assert recipients(ev) == {client.id, freelancer.id}
    entries, _ = timeline_page(client, contract.id, limit=1)
    assert entries[0].actor_name == "Milestones (automatic)"


def test_U31_refused_actions_leave_nothing_on_the_timeline(make_contract, client, freelancer,
                                                           clock, refused):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    with refused("U-17"):
        submit_work(freelancer, m.id, "", clock=clock)
    assert [e.kind for e in timeline_page(client, contract.id)[0]] == [
        "fund_milestone", "create_contract"]


# --- G-05 -------------------------------------------------------------------------------

def test_G05_every_action_writes_one_audit_record_chained_to_the_previous(
        make_contract, client, freelancer, agent, clock):
    contract = make_contract()
    first, second = milestones(contract)
    steps = [
        lambda: fund_next_milestone(client, contract.id, clock=clock),
        lambda: submit_work(freelancer, first.id, "Done", clock=clock),
        lambda: request_changes(client, first.id, "Again", clock=clock),
        lambda: submit_work(freelancer, first.id, "Done again", clock=clock),
        lambda: release(client, first.id, clock=clock),
        lambda: fund_next_milestone(client, contract.id, clock=clock),
        lambda: cancel_milestone(agent, second.id, "Client asked", clock=clock),
        lambda: end_contract(client, contract.id, clock=clock),
    ]
    for step in steps:
        before = AuditRecord.select().count()
        last = newest_audit()
        clock.advance(minutes=7)
        step()
        assert AuditRecord.select().count() == before + 1
        rec = newest_audit()
        assert rec.prev_hash == last.hash
        assert rec.occurred_at == clock.now().naive
        assert len(rec.hash) == 64
    assert chain_problems() == []


def test_G05_audit_records_who_when_what_before_and_after(make_contract, client, freelancer,
                                                          clock):
    contract = make_contract()
    first, _ = milestones(contract)
    fund_next_milestone(client, contract.id, clock=clock)
    rec = newest_audit()
    assert (rec.actor_id, rec.actor_role, rec.action) == (client.id, "client", "fund_milestone")
    assert rec.contract_id == contract.id and rec.target == f"milestone:{first.id}"
    assert json.loads(rec.before) == {"status": "planned"}
    assert json.loads(rec.after)["status"] == "funded"
    clock.advance(days=1)
    submit_work(freelancer, first.id, "Done", clock=clock)
    rec = newest_audit()
    assert (rec.actor_id, rec.actor_role) == (freelancer.id, "freelancer")
    assert json.loads(rec.before)["status"] == "funded"
    assert json.loads(rec.after)["status"] == "submitted"
    request_changes(client, first.id, "Again", clock=clock)
    rec = newest_audit()
    assert json.loads(rec.before)["status"] == "submitted"
    assert json.loads(rec.after)["status"] == "changes_requested"
    release(client, first.id, clock=clock)
    rec = newest_audit()
    assert json.loads(rec.before) == {"status": "changes_requested", "escrow_cents": 25000}
    assert json.loads(rec.after)["status"] == "released"


def test_G05_refund_records_carry_the_state_before_and_after(make_contract, client,
                                                             freelancer, agent, clock):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    rr = request_refund(client, m.id, clock=clock)
    rec = newest_audit()
    assert json.loads(rec.before) == {"milestone_status": "funded"}
    assert json.loads(rec.after) == {"status": "pending", "amount_cents": 25000,
                                     "milestone_status": "refund_requested"}
    dispute_refund(freelancer, rr.id, "No", clock=clock)
    rec = newest_audit()
    assert json.loads(rec.before) == {"status": "pending", "milestone_status": "refund_requested"}
    assert json.loads(rec.after) == {"status": "disputed", "milestone_status": "disputed"}
    rec_count = AuditRecord.select().count()
    resolve_dispute(agent, rr.id, 0, 25000, "Not delivered", clock=clock)
    assert AuditRecord.select().count() == rec_count + 1
    rec = newest_audit()
    assert json.loads(rec.before) == {"status": "disputed", "milestone_status": "disputed"}
    assert json.loads(rec.after)["milestone_status"] == "resolved"


def test_G05_times_are_stored_in_utc(make_contract, client):
    tokyo = FrozenClock("2026-03-02T18:00:00+09:00")  # 09:00 UTC
    contract = make_contract()
    fund_next_milestone(client, contract.id, clock=tokyo)
    assert newest_audit().occurred_at == dt.datetime(2026, 3, 2, 9, 0)


def test_G05_agent_actions_carry_their_reason(make_contract, client, freelancer, agent, clock):
    contract = make_contract()
    first, second = milestones(contract)
    m = fund_next_milestone(client, contract.id, clock=clock)
    rr = request_refund(client, m.id, clock=clock)
    dispute_refund(freelancer, rr.id, "No", clock=clock)
    resolve_dispute(agent, rr.id, 5000, 20000, "Only the draft was delivered", clock=clock)
    rec = newest_audit()
    assert (rec.actor_role, rec.reason) == ("agent", "Only the draft was delivered")
    cancel_milestone(agent, second.id, "  Duplicate milestone  ", clock=clock)
    rec = newest_audit()
    assert (rec.action, rec.reason) == ("cancel_milestone", "Duplicate milestone")
    # Users' records carry none.
    assert {r.reason for r in AuditRecord.select().where(AuditRecord.actor_role != "agent")} == {""}


def test_G05_tampering_breaks_the_chain(make_contract, client, clock):
    contract = make_contract()
    fund_next_milestone(client, contract.id, clock=clock)
    assert chain_problems() == []
    rec = AuditRecord.select().order_by(AuditRecord.id).first()
    AuditRecord.update(after=json.dumps({"budget_cents": 1})).where(
        AuditRecord.id == rec.id).execute()
    assert chain_problems() == [f"record {rec.id}: hash does not match its content"]


def test_G05_refused_actions_write_no_audit_record(make_contract, other_client, clock, refused):
    contract = make_contract()
    count = AuditRecord.select().count()
    with refused("G-07"):
        fund_next_milestone(other_client, contract.id, clock=clock)
    assert AuditRecord.select().count() == count
