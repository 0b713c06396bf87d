"""Offers (rules/offers.py, O-01..O-05): sending, accepting, declining, withdrawing."""
from __future__ import annotations

import datetime as dt

import pytest

from models.audit import AuditRecord
from models.contracts import Contract
from models.events import Notification
from models.milestones import Milestone
from rules.errors import RuleError
from rules.ledger import milestone_escrow
from rules.offers import accept_offer, decline_offer, list_offers, send_offer, withdraw_offer
from rules.payments import fund_next_milestone
from rules.work import submit_work

DUE = dt.date(2026, 3, 16)
PLAN = [("Design", 25000, DUE), ("Build", 50000, DUE + dt.timedelta(days=7))]


def fresh(row):
    return type(row).get_by_id(row.id)


def milestones(c) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == c.id).order_by(Milestone.position))


def last_action() -> str:
    return AuditRecord.select().order_by(AuditRecord.id.desc()).get().action


def upwork_offer(client, freelancer, clock):
    return send_offer(client, "bo", "upwork", "Website", "Three pages", PLAN, clock=clock)


def test_O01_a_client_sends_an_upwork_offer_to_a_freelancer(client, freelancer, clock):
    c = upwork_offer(client, freelancer, clock)
    assert (c.status, c.client_id, c.freelancer_id) == ("offered", client.id, freelancer.id)
    assert [(m.title, m.amount_cents, m.status) for m in milestones(c)] == [
        ("Design", 25000, "planned"), ("Build", 50000, "planned")]
    assert last_action() == "send_offer"
    assert Notification.select().where(Notification.recipient == freelancer.id).count() == 1
    assert [o.id for o in list_offers(freelancer)] == [c.id] == [o.id for o in list_offers(client)]


def test_O01_on_fiverr_the_seller_sends_the_custom_offer(client, freelancer, clock, refused):
    with refused("O-01"):
        send_offer(client, "bo", "fiverr-offer", "Logo", "", PLAN, clock=clock)
    c = send_offer(freelancer, "ada", "fiverr-offer", "Logo", "", PLAN, clock=clock)
    assert (c.client_id, c.freelancer_id, c.status) == (client.id, freelancer.id, "offered")


@pytest.mark.parametrize("ref", ["nobody", "ada", 999999])
def test_O01_an_unknown_or_wrong_role_receiver_reads_the_same(client, freelancer, clock,
                                                              refused, ref):
    with refused("not-found") as info:
        send_offer(client, ref, "upwork", "Website", "", PLAN, clock=clock)
    assert info.value.message == "No such freelancer account."


def test_O01_F01_F02_limits_are_refused_when_sending(client, freelancer, clock, refused):
    with refused("F-01"):  # milestones only on orders over $100
        send_offer(freelancer, "ada", "fiverr-offer", "Logo", "",
                   [("A", 4000, DUE), ("B", 4000, DUE)], clock=clock)
    with refused("F-02"):  # at most 6 milestones on a custom offer
        send_offer(freelancer, "ada", "fiverr-offer", "Logo", "",
                   [(f"M{i}", 5000, DUE) for i in range(7)], clock=clock)


def test_O02_nothing_is_funded_or_submitted_on_an_offer(client, freelancer, clock, refused):
    c = upwork_offer(client, freelancer, clock)
    with refused("G-03"):
        fund_next_milestone(client, c.id, clock=clock)
    with refused("G-03"):
        submit_work(freelancer, milestones(c)[0].id, "done", clock=clock)


def test_O03_the_freelancer_accepts_and_the_client_funds(client, freelancer, clock, refused,
                                                         invariants):
    c = upwork_offer(client, freelancer, clock)
    with refused("O-03"):
        accept_offer(client, c.id, clock=clock)
    accept_offer(freelancer, c.id, "Happy to", clock=clock)
    assert fresh(c).status == "open" and last_action() == "accept_offer"
    assert milestone_escrow(milestones(c)[0].id) == 0  # Upwork: the client funds later
    fund_next_milestone(client, c.id, clock=clock)
    assert milestone_escrow(milestones(c)[0].id) == 25000
    invariants()
    with refused("O-02"):
        decline_offer(freelancer, c.id, clock=clock)


def test_O03_F04_accepting_a_fiverr_offer_charges_the_first_milestone(client, freelancer,
                                                                      clock, invariants):
    c = send_offer(freelancer, "ada", "fiverr-offer", "Logo", "", PLAN, clock=clock)
    accept_offer(client, c.id, clock=clock)
    first, second = milestones(c)
    assert (fresh(c).status, first.status, second.status) == ("open", "funded", "planned")
    assert milestone_escrow(first.id) == 25000
    assert [a.action for a in AuditRecord.select().order_by(AuditRecord.id)][-2:] == [
        "accept_offer", "fund_milestone"]
    invariants()


def test_O03_F04_a_failed_charge_rolls_the_accept_back(client, freelancer, clock, monkeypatch,
                                                       refused):
    c = send_offer(freelancer, "ada", "fiverr-offer", "Logo", "", PLAN, clock=clock)
    import rules.contracts

    def broken(*a, **k):
        raise RuleError("F-04", "the charge failed")
    monkeypatch.setattr(rules.contracts, "fund_milestone_money", broken)
    with refused("F-04"):
        accept_offer(client, c.id, clock=clock)
    assert fresh(c).status == "offered"


def test_O03_the_receiver_declines_with_a_message(client, freelancer, clock, refused):
    c = upwork_offer(client, freelancer, clock)
    decline_offer(freelancer, c.id, "Too tight", clock=clock)
    assert fresh(c).status == "declined"
    rec = AuditRecord.select().order_by(AuditRecord.id.desc()).get()
    assert (rec.action, rec.reason) == ("decline_offer", "Too tight")
    with refused("O-02"):
        accept_offer(freelancer, c.id, clock=clock)


def test_O04_only_the_sender_withdraws_a_pending_offer(client, freelancer, clock, refused):
    c = upwork_offer(client, freelancer, clock)
    with refused("O-04"):
        withdraw_offer(freelancer, c.id, clock=clock)
    withdraw_offer(client, c.id, clock=clock)
    assert fresh(c).status == "withdrawn"
    with refused("O-02"):
        accept_offer(freelancer, c.id, clock=clock)


def test_O05_a_third_party_sees_no_such_offer(client, freelancer, other_freelancer, clock,
                                              refused):
    c = upwork_offer(client, freelancer, clock)
    with refused("not-found") as info:
        accept_offer(other_freelancer, c.id, clock=clock)
    assert "No offer" in info.value.message
    assert list_offers(other_freelancer) == []
    assert Contract.select().count() == 1
