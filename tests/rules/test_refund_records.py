"""What each refund action leaves behind (U-29, U-32, U-33, G-02): the timeline event
(its words, milestone, details and who is told), the audit record (target, before,
after, reason), the ledger's once-keys, the windows it closes and no others, and the
exact refusals. `make mutation` found these unpinned: rules/refunds.py could write a
wrong amount into the summary or an empty audit record and no test noticed."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from models.audit import AuditRecord
from models.deadlines import Deadline
from models.events import Event, Notification
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from models.refunds import RefundRequest
from rules.errors import RuleError
from rules.payments import fund_next_milestone, release
from rules.refunds import (agree_refund, close_unanswered_dispute, dispute_refund,
                           grant_unanswered_refund, request_refund, resolve_dispute,
                           respond_to_dispute)
from rules.work import submit_work

pytestmark = pytest.mark.both_databases


def fresh(row):
    return type(row).get_by_id(row.id)


def trail(contract, kind: str) -> dict:
    """The last event of `kind` on `contract` and its audit record, as plain data."""
    ev = (Event.select().where((Event.contract == contract.id) & (Event.kind == kind))
          .order_by(Event.id.desc()).get())
    audit = (AuditRecord.select().where((AuditRecord.contract == contract.id)
                                        & (AuditRecord.action == kind))
             .order_by(AuditRecord.id.desc()).get())
    told = sorted(n.recipient_id for n in Notification.select()
                  .where(Notification.event == ev.id))
    return {"summary": ev.summary, "milestone": ev.milestone_id, "actor": ev.actor_id,
            "details": json.loads(ev.details), "told": told, "target": audit.target,
            "before": json.loads(audit.before), "after": json.loads(audit.after),
            "reason": audit.reason}


def paid_back() -> list[tuple]:
    """Each paid-refund transfer: what reached the client's refunds, its once-key, its
    milestone and who moved it."""
    return [(sum(e.amount_cents for e in t.entries if e.account == "client_refunds"),
             t.once_key, t.milestone_id, t.actor_id)
            for t in LedgerTransfer.select().where(LedgerTransfer.kind == "paid_refund")]


def refused_with(call, rule: str, words: str) -> None:
    with pytest.raises(RuleError) as info:
        call()
    assert (info.value.rule_id, info.value.message) == (rule, words)


@pytest.fixture
def funded(make_contract, client, clock):
    contract = make_contract()
    return contract, fund_next_milestone(client, contract.id, clock=clock)


@pytest.fixture
def escrow_refund(funded, client, clock):
    contract, m = funded
    return contract, m, request_refund(client, m.id, reason="Vanished", clock=clock)


@pytest.fixture
def paid_refund(funded, client, clock):
    """Milestone 1 ($250) released, $100 of it asked back."""
    contract, m = funded
    release(client, m.id, clock=clock)
    return contract, m, request_refund(client, m.id, 100_00, "Half done", clock=clock)


def test_U29_an_escrow_refund_request_is_recorded_in_full(escrow_refund, client, freelancer):
    contract, m, rr = escrow_refund
    assert trail(contract, "request_refund") == {
        "summary": "Asked for a refund of the escrow on “Milestone 1”: $250.00",
        "milestone": m.id, "actor": client.id,
        "details": {"amount_cents": 250_00, "source": "escrow", "reason": "Vanished"},
        "told": [freelancer.id], "target": f"refund:{rr.id}",
        "before": {"milestone_status": "funded"},
        "after": {"status": "pending", "amount_cents": 250_00,
                  "milestone_status": "refund_requested"}, "reason": ""}


def test_U29_agreeing_to_an_escrow_refund_is_recorded_in_full(escrow_refund, client,
                                                              freelancer, clock):
    contract, m, rr = escrow_refund
    clock.advance(hours=2)
    agree_refund(freelancer, rr.id, clock=clock)
    assert trail(contract, "refund_agreed") == {
        "summary": "Refund agreed to: $250.00 returned to the client for “Milestone 1”",
        "milestone": m.id, "actor": freelancer.id,
        "details": {"amount_cents": 250_00, "source": "escrow"}, "told": [client.id],
        "target": f"refund:{rr.id}",
        "before": {"status": "pending", "milestone_status": "refund_requested"},
        "after": {"status": "agreed", "milestone_status": "refunded"}, "reason": ""}
    assert fresh(m).finished_at == fresh(rr).closed_at == clock.now().naive
    [window] = Deadline.select().where(Deadline.refund_request == rr.id)
    assert (window.status, window.closed_at) == ("closed", clock.now().naive)


def test_U32_a_granted_refund_is_recorded_as_granted(escrow_refund, client, freelancer,
                                                     system, clock):
    contract, m, rr = escrow_refund
    clock.advance(days=8)
    grant_unanswered_refund(system, rr.id, clock=clock)
    t = trail(contract, "refund_granted")
    assert t["summary"] == ("Refund granted (unanswered for 7 days): $250.00 returned to the "
                            "client for “Milestone 1”")
    assert t["told"] == [client.id, freelancer.id] and t["actor"] == system.id
    assert t["after"] == {"status": "granted", "milestone_status": "refunded"}


def test_U29_a_paid_refund_is_paid_back_once_and_closes_only_its_own_window(
        paid_refund, client, freelancer, clock):
    """Milestone 2 is funded and delivered meanwhile: its review window stays open."""
    contract, m1, rr = paid_refund
    m2 = fund_next_milestone(client, contract.id, clock=clock)
    submit_work(freelancer, m2.id, "Done", "https://example.com/d", clock=clock)
    agree_refund(freelancer, rr.id, clock=clock)
    assert paid_back() == [(100_00, f"r:{rr.id}:settle", m1.id, freelancer.id)]
    review = Deadline.get((Deadline.milestone == m2.id) & (Deadline.kind == "review"))
    assert review.status == "open"
    assert trail(contract, "refund_agreed")["details"] == {"amount_cents": 100_00,
                                                           "source": "paid"}


def test_U33_a_dispute_and_its_response_are_recorded_in_full(escrow_refund, client,
                                                             freelancer, clock):
    contract, m, rr = escrow_refund
    dispute_refund(freelancer, rr.id, "I delivered", clock=clock)
    t = trail(contract, "dispute_refund")
    assert t["summary"] == ("Disputed the refund of $250.00 on “Milestone 1”; the client has "
                            "5 business days to respond")
    assert t["details"] == {"message": "I delivered",
                            "respond_by": "2026-03-09T09:00:00+00:00"}
    assert (t["milestone"], t["told"], t["target"]) == (m.id, [client.id], f"refund:{rr.id}")
    assert t["before"] == {"status": "pending", "milestone_status": "refund_requested"}
    assert t["after"] == {"status": "disputed", "milestone_status": "disputed"}
    respond_to_dispute(client, rr.id, "It is not done", clock=clock)
    t = trail(contract, "respond_to_dispute")
    assert t["summary"] == "Responded to the dispute on “Milestone 1”: a support agent will decide"
    assert (t["details"], t["milestone"], t["told"]) == ({"message": "It is not done"}, m.id,
                                                         [freelancer.id])
    assert (t["before"], t["after"]) == (
        {"status": "disputed", "milestone_status": "disputed"},
        {"status": "in_support", "milestone_status": "in_support"})


def test_U33_an_unanswered_dispute_is_recorded_and_dated(escrow_refund, client, freelancer,
                                                        system, clock):
    contract, m, rr = escrow_refund
    dispute_refund(freelancer, rr.id, "I delivered", clock=clock)
    clock.advance(days=8)
    close_unanswered_dispute(system, rr.id, clock=clock)
    t = trail(contract, "dispute_expired")
    assert t["summary"] == ("The client did not respond to the dispute on “Milestone 1”: "
                            "$250.00 goes to the freelancer")
    assert (t["milestone"], t["told"], t["target"]) == (m.id, [client.id, freelancer.id],
                                                        f"refund:{rr.id}")
    assert t["before"] == {"status": "disputed", "milestone_status": "disputed"}
    assert t["after"] == {"status": "kept", "milestone_status": "released"}
    assert fresh(m).finished_at == fresh(rr).closed_at == clock.now().naive


def test_G02_a_split_is_recorded_with_its_reason(escrow_refund, client, freelancer, agent,
                                                 clock):
    contract, m, rr = escrow_refund
    dispute_refund(freelancer, rr.id, "I delivered", clock=clock)
    respond_to_dispute(client, rr.id, "Not done", clock=clock)
    resolve_dispute(agent, rr.id, 150_00, 100_00, "Half was usable", clock=clock)
    t = trail(contract, "resolve_dispute")
    assert t["summary"] == ("Support resolved the dispute on “Milestone 1”: $150.00 to the "
                            "freelancer, $100.00 to the client")
    assert t["details"] == {"to_freelancer_cents": 150_00, "to_client_cents": 100_00,
                            "reason": "Half was usable"}
    assert (t["milestone"], t["told"], t["reason"]) == (m.id, [client.id, freelancer.id],
                                                        "Half was usable")
    assert t["after"] == {"status": "resolved", "milestone_status": "resolved",
                          "to_freelancer_cents": 150_00, "to_client_cents": 100_00}
    assert fresh(m).finished_at == fresh(rr).closed_at == clock.now().naive


def test_G02_a_split_of_a_paid_amount_pays_back_once(paid_refund, client, freelancer, agent,
                                                    clock):
    contract, m, rr = paid_refund
    dispute_refund(freelancer, rr.id, "I delivered", clock=clock)
    respond_to_dispute(client, rr.id, "Not done", clock=clock)
    resolve_dispute(agent, rr.id, 40_00, 60_00, "Partly", clock=clock)
    assert paid_back() == [(60_00, f"r:{rr.id}:settle", m.id, agent.id)]


# --- the refusals, word for word ----------------------------------------------------

def test_U29_U32_U33_G02_refusals_in_words(escrow_refund, client, freelancer, agent, clock):
    contract, m, rr = escrow_refund
    refused_with(lambda: request_refund(client, m.id, clock=clock), "U-29",
                 "A refund request on “Milestone 1” is already open.")
    refused_with(lambda: respond_to_dispute(client, rr.id, "x", clock=clock), "U-33",
                 "This refund request is pending; it cannot be answered that way now.")
    dispute_refund(freelancer, rr.id, "I delivered", clock=clock)
    respond_to_dispute(client, rr.id, "Not done", clock=clock)
    refused_with(lambda: agree_refund(freelancer, rr.id, clock=clock), "U-29",
                 "This refund request is in support; it cannot be answered that way now.")
    refused_with(lambda: resolve_dispute(agent, rr.id, 1, 2, "x", clock=clock), "G-02",
                 "The split must add up to the disputed $250.00; it adds up to $0.03.")


def test_U32_a_late_answer_is_refused_in_words(escrow_refund, freelancer, clock):
    _, _, rr = escrow_refund
    clock.advance(days=7, seconds=1)
    refused_with(lambda: agree_refund(freelancer, rr.id, clock=clock), "U-32",
                 "The 7 days to answer this refund request are over: it is granted and the "
                 "money returns to the client.")


def test_U29_an_escrow_refund_names_the_whole_escrow(funded, client, clock):
    _, m = funded
    refused_with(lambda: request_refund(client, m.id, 100_00, clock=clock), "U-29",
                 "An escrow refund asks back the whole escrow ($250.00).")


def test_U29_a_paid_refund_is_capped_in_words(paid_refund, client, freelancer, clock):
    contract, m, rr = paid_refund
    agree_refund(freelancer, rr.id, clock=clock)
    refused_with(lambda: request_refund(client, m.id, 200_00, clock=clock), "U-29",
                 "At most $150.00 was paid for “Milestone 1”.")
    request_refund(client, m.id, clock=clock)
    agree_refund(freelancer, RefundRequest.select().order_by(RefundRequest.id.desc()).get().id,
                 clock=clock)
    refused_with(lambda: request_refund(client, m.id, clock=clock), "U-29",
                 "Everything paid for “Milestone 1” was already refunded; there is nothing "
                 "left to ask back.")


@pytest.mark.parametrize("ident", [999, 2 ** 70, "7"], ids=["unknown", "beyond 64 bits", "text"])
def test_G07_an_id_that_names_no_refund_request(ident, db, client, agent, clock):
    refused_with(lambda: agree_refund(client, ident, clock=clock), "G-07",
                 "No such refund request, or it is not yours to see.")
    refused_with(lambda: resolve_dispute(agent, ident, 0, 0, "x", clock=clock), "not-found",
                 f"No refund request #{ident}.")


def test_G07_a_stranger_is_told_the_same_as_for_an_unknown_id(escrow_refund, other_freelancer,
                                                             clock):
    _, _, rr = escrow_refund
    refused_with(lambda: agree_refund(other_freelancer, rr.id, clock=clock), "G-07",
                 "No such refund request, or it is not yours to see.")
