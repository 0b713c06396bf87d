"""Change requests: the freelancer's proposals over future milestones (U-14, U-15, U-16)
and the client's change to the active milestone (U-20..U-23, and U-24 without the sweep)."""
from __future__ import annotations

import datetime as dt
import json

import arrow
import pytest

from models.audit import AuditRecord
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.deadlines import Deadline
from models.events import Event, Notification
from models.milestones import Milestone
from models.vocabulary import ChangeRequestKind as K
from models.vocabulary import ChangeRequestStatus as CS
from models.vocabulary import DeadlineStatus
from models.vocabulary import MilestoneStatus as S
from rules.change_requests import (accept_proposal, approve_milestone_change, decline_proposal,
                                   edit_milestone_change, expire_milestone_change,
                                   propose_milestone_changes, reject_milestone_change,
                                   request_milestone_change, withdraw_milestone_change)
from rules.contract_view import contract_detail
from rules.ledger import A, balance, milestone_escrow, project_funds
from rules.payments import add_escrow_funds, fund_next_milestone, release
from rules.plan import AddMilestone, DeleteMilestone, EditMilestone, ReorderMilestones
from rules.planning import add_milestone, delete_milestone, edit_milestone, reorder_milestones
from rules.work import request_changes, submit_work

D = dt.date


def milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def plan(contract) -> list[tuple]:
    return [(m.title, m.amount_cents, m.due_date, m.status) for m in milestones(contract)]


def charged(contract) -> int:
    return -balance(A.CLIENT_PAYMENT, contract_id=contract.id)


def last_event(contract, kind: str) -> Event:
    return (Event.select().where((Event.contract == contract.id) & (Event.kind == kind))
            .order_by(Event.id.desc()).get())


def recipients(event: Event) -> set[int]:
    return {n.recipient_id for n in Notification.select().where(Notification.event == event.id)}


def fresh(cr: ChangeRequest) -> ChangeRequest:
    return ChangeRequest.get_by_id(cr.id)


def window_of(cr: ChangeRequest) -> Deadline:
    return Deadline.get(Deadline.change_request == cr.id)


@pytest.fixture
def active(make_contract, client, clock):
    """A contract whose first milestone ($250.00, due 2026-03-09) is funded."""
    c = make_contract(amounts=(25000, 50000))
    return c, fund_next_milestone(client, c.id, clock=clock)


# --- U-14: the freelancer proposes changes to future milestones ------------------

def test_U14_freelancer_proposes_add_edit_delete_without_changing_the_plan(
        make_contract, client, freelancer, clock):
    c = make_contract(amounts=(25000, 50000, 10000))
    one, two, three = milestones(c)
    before = plan(c)
    version = Contract.get_by_id(c.id).version
    cr = propose_milestone_changes(freelancer, c.id, [
        AddMilestone("Extra QA", 8000, due_date=D(2026, 4, 30)),
        EditMilestone(two.id, {"amount_cents": 55000, "due_date": D(2026, 4, 1)}),
        DeleteMilestone(three.id),
    ], "Scope grew a little", clock=clock)
    assert (cr.kind, cr.status, cr.author_id, cr.message) == (
        K.FREELANCER_PROPOSAL, CS.PENDING, freelancer.id, "Scope grew a little")
    assert plan(c) == before
    assert Contract.get_by_id(c.id).version == version + 1
    ev = last_event(c, "propose_milestone_changes")
    assert recipients(ev) == {client.id}
    assert "amount: $500.00 → $550.00" in ev.summary and "deleted “Milestone 3”" in ev.summary
    assert sorted(ch["kind"] for ch in json.loads(cr.payload)["changes"]) == [
        "added", "deleted", "edited"]


def test_U14_a_proposal_never_touches_the_active_milestone(active, freelancer, refused, clock):
    c, m = active
    for op in (EditMilestone(m.id, {"title": "Cheaper"}), DeleteMilestone(m.id)):
        with refused("U-14", match="future milestones"):
            propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000), op],
                                      clock=clock)


def test_U14_a_proposal_cannot_reorder(make_contract, freelancer, refused, clock):
    c = make_contract()
    one, two = milestones(c)
    with refused("U-14", match="reorders"):
        propose_milestone_changes(freelancer, c.id, [ReorderMilestones((two.id, one.id))],
                                  clock=clock)


def test_U14_proposals_are_not_available_on_fixed_plans(make_contract, freelancer, refused,
                                                        clock):
    for policy, rule in (("fiverr-gig", "U-14"), ("upwork-compliance", "U-10")):
        c = make_contract(policy, amounts=(6000, 6000))
        with refused(rule, match="not available"):
            propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000)],
                                      clock=clock)


def test_U14_only_the_freelancer_proposes(make_contract, client, agent, other_freelancer,
                                          refused, clock):
    c = make_contract(title="Secret rebrand")
    for actor in (client, agent):
        with refused("G-07", match="only the freelancer"):
            propose_milestone_changes(actor, c.id, [AddMilestone("More", 5000)], clock=clock)
    with refused("G-07") as info:
        propose_milestone_changes(other_freelancer, c.id, [AddMilestone("More", 5000)],
                                  clock=clock)
    assert "Secret" not in info.value.message


def test_U14_bad_proposals_are_refused(make_contract, freelancer, refused, clock):
    c = make_contract()
    for ops, rule in [([AddMilestone("Tiny", 100)], "U-01"),
                      ([AddMilestone("", 5000)], "input"),
                      ([AddMilestone("x" * 201, 5000)], "input"),
                      ([AddMilestone("Past", 5000, due_date=D(2026, 1, 1))], "input"),
                      ([DeleteMilestone(55555)], "not-found"),
                      ([], "input")]:
        with refused(rule):
            propose_milestone_changes(freelancer, c.id, ops, clock=clock)


def test_U14_unknown_contract_reads_as_not_yours(freelancer, refused, clock):
    with refused("G-07", match="no such contract, or it is not yours to see"):
        propose_milestone_changes(freelancer, 31337, [AddMilestone("More", 5000)], clock=clock)


# --- U-15: the client accepts or declines the whole proposal ------------------------

def test_U15_accepting_applies_every_change_at_once(make_contract, client, freelancer, clock,
                                                    invariants):
    c = make_contract(amounts=(25000, 50000, 10000))
    one, two, three = milestones(c)
    cr = propose_milestone_changes(freelancer, c.id, [
        AddMilestone("Extra QA", 8000, due_date=D(2026, 4, 30)),
        EditMilestone(two.id, {"amount_cents": 55000, "due_date": D(2026, 4, 1)}),
        DeleteMilestone(three.id),
    ], clock=clock)
    n_events = Event.select().count()
    accept_proposal(client, cr.id, clock=clock)
    assert plan(c) == [("Milestone 1", 25000, D(2026, 3, 9), S.PLANNED),
                       ("Milestone 2", 55000, D(2026, 4, 1), S.PLANNED),
                       ("Extra QA", 8000, D(2026, 4, 30), S.PLANNED)]
    assert fresh(cr).status == CS.APPROVED and fresh(cr).answered_at is not None
    assert Event.select().count() == n_events + 1
    ev = last_event(c, "accept_proposal")
    assert recipients(ev) == {freelancer.id}
    assert AuditRecord.select().where(AuditRecord.action == "accept_proposal").count() == 1
    invariants()


def test_U15_declining_changes_nothing(make_contract, client, freelancer, clock):
    c = make_contract()
    before = plan(c)
    cr = propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000)], clock=clock)
    decline_proposal(client, cr.id, "Not this month", clock=clock)
    assert plan(c) == before
    assert fresh(cr).status == CS.REJECTED
    ev = last_event(c, "decline_proposal")
    assert recipients(ev) == {freelancer.id}
    assert json.loads(ev.details)["message"] == "Not this month"
    assert fresh(cr).answer_message == "Not this month"  # kept on the request (schema 4)


def test_U15_only_the_client_answers_a_proposal(make_contract, freelancer, agent, other_client,
                                                refused, clock):
    c = make_contract()
    cr = propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000)], clock=clock)
    for actor in (freelancer, agent, other_client):
        with refused("G-07"):
            accept_proposal(actor, cr.id, clock=clock)
        with refused("G-07"):
            decline_proposal(actor, cr.id, clock=clock)


def test_U15_an_answered_proposal_cannot_be_answered_again(make_contract, client, freelancer,
                                                           refused, clock):
    c = make_contract()
    cr = propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000)], clock=clock)
    decline_proposal(client, cr.id, clock=clock)
    with refused("U-15", match="rejected"):
        accept_proposal(client, cr.id, clock=clock)
    with refused("U-15"):
        decline_proposal(client, cr.id, clock=clock)


def test_U15_a_proposal_that_no_longer_applies_is_refused_whole(make_contract, client,
                                                                freelancer, refused, clock):
    c = make_contract()
    one, two = milestones(c)
    cr = propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000),
                                                      EditMilestone(one.id, {"title": "Renamed"})],
                                   clock=clock)
    fund_next_milestone(client, c.id, clock=clock)
    with refused("U-14", match="no longer applies"):
        accept_proposal(client, cr.id, clock=clock)
    assert fresh(cr).status == CS.PENDING
    decline_proposal(client, cr.id, clock=clock)
    assert fresh(cr).status == CS.REJECTED


def test_U15_unknown_or_wrong_kind_of_request_reads_as_not_yours(active, client, refused, clock):
    c, m = active
    change = request_milestone_change(client, m.id, {"title": "Other"}, clock=clock)
    with refused("G-07", match="no such change request, or it is not yours to see"):
        accept_proposal(client, 4040, clock=clock)
    with refused("G-07", match="no such change request, or it is not yours to see"):
        accept_proposal(client, change.id, clock=clock)


# --- U-16: a pending proposal blocks the client's own edits -----------------------

def test_U16_client_cannot_change_future_milestones_while_a_proposal_is_pending(
        make_contract, client, freelancer, refused, clock):
    c = make_contract(amounts=(25000, 50000))
    one, two = milestones(c)
    cr = propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000)], clock=clock)
    with refused("U-16", match="accept or decline"):
        add_milestone(client, c.id, "Mine", 5000, clock=clock)
    with refused("U-16"):
        edit_milestone(client, two.id, title="Mine", clock=clock)
    with refused("U-16"):
        delete_milestone(client, two.id, clock=clock)
    with refused("U-16"):
        reorder_milestones(client, c.id, [two.id, one.id], clock=clock)
    decline_proposal(client, cr.id, clock=clock)
    assert edit_milestone(client, two.id, title="Mine", clock=clock).title == "Mine"


def test_U16_only_one_proposal_at_a_time(make_contract, client, freelancer, refused, clock):
    c = make_contract()
    cr = propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000)], clock=clock)
    with refused("U-16"):
        propose_milestone_changes(freelancer, c.id, [AddMilestone("Even more", 5000)], clock=clock)
    accept_proposal(client, cr.id, clock=clock)
    propose_milestone_changes(freelancer, c.id, [AddMilestone("Even more", 5000)], clock=clock)
    assert ChangeRequest.select().where(ChangeRequest.status == CS.PENDING).count() == 1


# --- U-20: the client requests a change to the active milestone --------------------

def test_U20_client_requests_a_change_and_the_milestone_waits(active, client, freelancer, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {
        "title": "Homepage", "description": "With hero video", "due_date": D(2026, 3, 20),
        "amount_cents": 30000}, "Bigger scope", clock=clock)
    assert (cr.kind, cr.status, cr.milestone_id, cr.author_id) == (
        K.CLIENT_ACTIVE, CS.PENDING, m.id, client.id)
    payload = json.loads(cr.payload)
    assert payload["changes"] == {"title": "Homepage", "description": "With hero video",
                                  "due_date": "2026-03-20", "amount_cents": 30000}
    assert payload["before"]["amount_cents"] == 25000
    row = Milestone.get_by_id(m.id)
    assert (row.title, row.amount_cents, row.due_date, row.status) == (
        "Milestone 1", 25000, D(2026, 3, 9), S.FUNDED)
    assert milestone_escrow(m.id) == 25000
    ev = last_event(c, "request_milestone_change")
    assert recipients(ev) == {freelancer.id}
    assert "amount: $250.00 → $300.00" in ev.summary
    assert "due date: 2026-03-09 → 2026-03-20" in ev.summary
    audit = AuditRecord.get(AuditRecord.action == "request_milestone_change")
    assert json.loads(audit.before)["title"] == "Milestone 1"
    assert json.loads(audit.after)["title"] == "Homepage"


def test_U20_no_change_request_once_work_is_submitted(active, client, freelancer, refused, clock):
    c, m = active
    submit_work(freelancer, m.id, "Draft", clock=clock)
    with refused("U-20", match="submission"):
        request_milestone_change(client, m.id, {"title": "Late idea"}, clock=clock)
    request_changes(client, m.id, "Fix the header", clock=clock)
    with refused("U-20", match="submission"):
        request_milestone_change(client, m.id, {"title": "Late idea"}, clock=clock)


def test_U20_a_future_milestone_is_edited_directly_not_requested(active, client, refused, clock):
    c, m = active
    future = milestones(c)[1]
    with refused("U-20", match="edit future milestones directly"):
        request_milestone_change(client, future.id, {"title": "Other"}, clock=clock)


def test_U20_a_released_milestone_cannot_be_changed(active, client, refused, clock):
    c, m = active
    release(client, m.id, clock=clock)
    with refused("U-20", match="released."):
        request_milestone_change(client, m.id, {"title": "Other"}, clock=clock)


BAD_CHANGES = [
    ({}, "U-20", "changes nothing"),
    ({"title": "Milestone 1"}, "U-20", "changes nothing"),
    ({"status": "released"}, "U-20", "title, description, due date or amount"),
    ({"revisions_allowed": 3}, "U-20", "title, description, due date or amount"),
    ({"amount_cents": 499}, "U-01", "$5.00"),
    ({"amount_cents": 100_000_001}, "G-01", "limit"),
    ({"amount_cents": 300.5}, "U-01", "whole cents"),
    ({"title": "  "}, "input", "empty"),
    ({"title": "t" * 201}, "input", "at most 200"),
    ({"due_date": D(2026, 3, 1)}, "input", "before the contract starts"),
]


def test_U20_bad_change_requests_are_refused(active, client, refused, clock):
    c, m = active
    for changes, rule, match in BAD_CHANGES:
        with refused(rule, match=match):
            request_milestone_change(client, m.id, changes, clock=clock)


def test_U20_message_over_the_limit_is_refused(active, client, refused, clock):
    c, m = active
    with refused("input", match="message"):
        request_milestone_change(client, m.id, {"title": "New"}, "m" * 2001, clock=clock)


def test_U20_only_the_client_requests_a_change(active, freelancer, agent, other_client,
                                               refused, clock):
    c, m = active
    for actor in (freelancer, agent):
        with refused("G-07", match="only the client"):
            request_milestone_change(actor, m.id, {"title": "New"}, clock=clock)
    with refused("G-07") as info:
        request_milestone_change(other_client, m.id, {"title": "New"}, clock=clock)
    assert "Milestone 1" not in info.value.message


def test_U20_unknown_milestone_reads_as_not_yours(client, refused, clock, db):
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        request_milestone_change(client, 8080, {"title": "New"}, clock=clock)


def test_U20_not_available_on_fixed_plans(make_contract, client, refused, clock):
    gig = make_contract("fiverr-offer", amounts=(6000, 6000))
    compliance = make_contract("upwork-compliance", amounts=(6000, 6000))
    for m, rule in ((milestones(gig)[0], "U-20"),
                    (fund_next_milestone(client, compliance.id, clock=clock), "U-10")):
        assert m.status == S.FUNDED
        with refused(rule, match="not available"):
            request_milestone_change(client, m.id, {"title": "New"}, clock=clock)


# --- U-21: pending, editable, withdrawable ----------------------------------------

def test_U21_the_workroom_shows_the_pending_request(active, client, freelancer, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    detail = contract_detail(freelancer, c.id)
    assert [(r.id, r.status) for r in detail.change_requests] == [(cr.id, CS.PENDING)]


def test_U21_only_one_pending_request_per_milestone(active, client, refused, clock):
    c, m = active
    request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    with refused("U-21", match="already pending"):
        request_milestone_change(client, m.id, {"amount_cents": 30000}, clock=clock)


def test_U21_client_edits_the_pending_request(active, client, freelancer, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    edit_milestone_change(client, cr.id, {"amount_cents": 20000}, version=cr.version, clock=clock)
    row = fresh(cr)
    assert row.version == cr.version + 1 and row.status == CS.PENDING
    assert json.loads(row.payload)["changes"] == {"amount_cents": 20000}
    assert Milestone.get_by_id(m.id).amount_cents == 25000
    assert recipients(last_event(c, "edit_milestone_change")) == {freelancer.id}


def test_U21_editing_with_a_stale_version_is_a_conflict(active, client, refused, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    edit_milestone_change(client, cr.id, {"title": "Newer"}, clock=clock)
    with refused("conflict"):
        edit_milestone_change(client, cr.id, {"title": "Newest"}, version=cr.version, clock=clock)


def test_U21_client_withdraws_the_pending_request(active, client, freelancer, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    withdraw_milestone_change(client, cr.id, clock=clock)
    assert fresh(cr).status == CS.WITHDRAWN
    assert window_of(cr).status == DeadlineStatus.CLOSED
    assert Milestone.get_by_id(m.id).title == "Milestone 1"
    assert recipients(last_event(c, "withdraw_milestone_change")) == {freelancer.id}
    again = request_milestone_change(client, m.id, {"title": "Second try"}, clock=clock)
    assert fresh(again).status == CS.PENDING


def test_U21_an_answered_request_can_no_longer_be_edited_or_withdrawn(active, client, freelancer,
                                                                      refused, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    reject_milestone_change(freelancer, cr.id, clock=clock)
    with refused("U-21", match="rejected"):
        edit_milestone_change(client, cr.id, {"title": "Newer"}, clock=clock)
    with refused("U-21"):
        withdraw_milestone_change(client, cr.id, clock=clock)


def test_U21_only_the_client_edits_or_withdraws(active, client, freelancer, agent, other_client,
                                                refused, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    for actor in (freelancer, agent, other_client):
        with refused("G-07"):
            edit_milestone_change(actor, cr.id, {"title": "Theirs"}, clock=clock)
        with refused("G-07"):
            withdraw_milestone_change(actor, cr.id, clock=clock)


def test_U21_unknown_request_reads_as_not_yours(make_contract, client, freelancer, refused, clock):
    c = make_contract()
    proposal = propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000)],
                                         clock=clock)
    for request_id in (777, proposal.id):
        with refused("G-07", match="no such change request, or it is not yours to see"):
            edit_milestone_change(client, request_id, {"title": "X"}, clock=clock)
        with refused("G-07", match="no such change request, or it is not yours to see"):
            withdraw_milestone_change(client, request_id, clock=clock)


# --- U-22: the freelancer approves or rejects -------------------------------------

def test_U22_approval_applies_the_change_at_once(active, client, freelancer, clock, invariants):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "Homepage", "due_date": D(2026, 3, 20),
                                                 "description": "Hero"}, clock=clock)
    result = approve_milestone_change(freelancer, cr.id, clock=clock)
    row = Milestone.get_by_id(m.id)
    assert (row.title, row.due_date, row.description, row.status) == (
        "Homepage", D(2026, 3, 20), "Hero", S.FUNDED)
    assert result == {"to_project_funds_cents": 0, "funds_needed_cents": 0}
    assert fresh(cr).status == CS.APPROVED
    assert window_of(cr).status == DeadlineStatus.CLOSED
    assert milestone_escrow(m.id) == 25000
    assert recipients(last_event(c, "approve_milestone_change")) == {client.id}
    invariants()


def test_U22_a_lower_amount_moves_the_difference_to_project_funds(active, client, freelancer,
                                                                  clock, invariants):
    c, m = active
    paid = charged(c)
    cr = request_milestone_change(client, m.id, {"amount_cents": 20000}, clock=clock)
    result = approve_milestone_change(freelancer, cr.id, clock=clock)
    assert result == {"to_project_funds_cents": 5000, "funds_needed_cents": 0}
    assert Milestone.get_by_id(m.id).amount_cents == 20000
    assert milestone_escrow(m.id) == 20000
    assert project_funds(c.id) == 5000
    assert charged(c) == paid
    assert "$50.00 moved to project funds" in last_event(c, "approve_milestone_change").summary
    invariants()
    release(client, m.id, clock=clock)
    fund_next_milestone(client, c.id, clock=clock)  # U-04: the $50.00 pays first
    assert charged(c) == paid + 45000 and project_funds(c.id) == 0
    invariants()


def test_U22_a_higher_amount_needs_the_client_to_add_funds(active, client, freelancer, refused,
                                                           clock, invariants):
    c, m = active
    paid = charged(c)
    cr = request_milestone_change(client, m.id, {"amount_cents": 32000}, clock=clock)
    result = approve_milestone_change(freelancer, cr.id, clock=clock)
    assert result == {"to_project_funds_cents": 0, "funds_needed_cents": 7000}
    assert Milestone.get_by_id(m.id).amount_cents == 32000
    assert milestone_escrow(m.id) == 25000 and charged(c) == paid
    assert "needs to add $70.00" in last_event(c, "approve_milestone_change").summary
    invariants()
    with refused("G-07"):
        add_escrow_funds(freelancer, m.id, clock=clock)
    assert add_escrow_funds(client, m.id, clock=clock) == 7000
    assert milestone_escrow(m.id) == 32000
    assert charged(c) == paid + 7000
    assert recipients(last_event(c, "add_escrow_funds")) == {freelancer.id}
    invariants()
    with refused("U-22", match="already covers"):
        add_escrow_funds(client, m.id, clock=clock)


def test_U22_added_funds_come_from_project_funds_first(make_contract, client, freelancer, clock,
                                                       invariants):
    c = make_contract(amounts=(25000, 10000))
    first = fund_next_milestone(client, c.id, clock=clock)
    release(client, first.id, 5000, clock=clock)
    second = fund_next_milestone(client, c.id, clock=clock)
    assert project_funds(c.id) == 10000
    paid = charged(c)
    cr = request_milestone_change(client, second.id, {"amount_cents": 16000}, clock=clock)
    approve_milestone_change(freelancer, cr.id, clock=clock)
    add_escrow_funds(client, second.id, clock=clock)
    assert milestone_escrow(second.id) == 16000
    assert project_funds(c.id) == 4000 and charged(c) == paid
    invariants()


def test_U22_nothing_to_add_when_the_escrow_covers_the_amount(active, client, refused, clock):
    c, m = active
    with refused("U-22"):
        add_escrow_funds(client, m.id, clock=clock)


def test_U22_rejection_leaves_the_milestone_as_it_was(active, client, freelancer, clock,
                                                      invariants):
    c, m = active
    before = plan(c)
    cr = request_milestone_change(client, m.id, {"amount_cents": 10000, "title": "Less"},
                                  clock=clock)
    reject_milestone_change(freelancer, cr.id, "No, the scope is the same", clock=clock)
    assert plan(c) == before and milestone_escrow(m.id) == 25000
    assert fresh(cr).status == CS.REJECTED
    assert window_of(cr).status == DeadlineStatus.CLOSED
    ev = last_event(c, "reject_milestone_change")
    assert recipients(ev) == {client.id}
    assert json.loads(ev.details)["message"] == "No, the scope is the same"
    assert fresh(cr).answer_message == "No, the scope is the same"
    invariants()


def test_U22_only_the_freelancer_answers(active, client, agent, other_freelancer, refused, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    for actor in (client, agent, other_freelancer):
        with refused("G-07"):
            approve_milestone_change(actor, cr.id, clock=clock)
        with refused("G-07"):
            reject_milestone_change(actor, cr.id, clock=clock)


def test_U22_a_request_is_answered_once(active, client, freelancer, refused, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    approve_milestone_change(freelancer, cr.id, clock=clock)
    with refused("U-22", match="approved"):
        approve_milestone_change(freelancer, cr.id, clock=clock)
    with refused("U-22"):
        reject_milestone_change(freelancer, cr.id, clock=clock)


def test_U22_unknown_request_reads_as_not_yours(freelancer, refused, clock, db):
    with refused("G-07", match="no such change request, or it is not yours to see"):
        approve_milestone_change(freelancer, 6060, clock=clock)
    with refused("G-07", match="no such change request, or it is not yours to see"):
        reject_milestone_change(freelancer, 6060, clock=clock)


# --- U-23: submission or release cancels the pending request -----------------------

def test_U23_submitting_work_cancels_the_pending_request(active, client, freelancer, refused,
                                                         clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"amount_cents": 30000}, clock=clock)
    submit_work(freelancer, m.id, "Here it is", clock=clock)
    assert fresh(cr).status == CS.CANCELLED and fresh(cr).answered_at is not None
    assert window_of(cr).status == DeadlineStatus.CLOSED
    assert json.loads(last_event(c, "submit_work").details)["change_requests_cancelled"] == 1
    with refused("U-22", match="cancelled"):
        approve_milestone_change(freelancer, cr.id, clock=clock)
    assert Milestone.get_by_id(m.id).amount_cents == 25000


def test_U23_releasing_payment_cancels_the_pending_request(active, client, freelancer, refused,
                                                           clock, invariants):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    release(client, m.id, clock=clock)
    assert fresh(cr).status == CS.CANCELLED
    assert window_of(cr).status == DeadlineStatus.CLOSED
    with refused("U-22"):
        approve_milestone_change(freelancer, cr.id, clock=clock)
    assert Milestone.get_by_id(m.id).title == "Milestone 1"
    invariants()


def test_U23_other_milestones_requests_are_untouched(make_contract, client, freelancer, clock):
    c = make_contract()
    proposal = propose_milestone_changes(freelancer, c.id, [AddMilestone("More", 5000)],
                                         clock=clock)
    m = fund_next_milestone(client, c.id, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)
    assert fresh(proposal).status == CS.PENDING


# --- U-24: a request expires after 7 days (the action; the sweep is elsewhere) -----

def test_U24_a_request_opens_a_7_day_expiry_window(active, client, clock):
    c, m = active
    clock.advance(hours=5, minutes=30)
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    window = window_of(cr)
    assert (window.kind, window.status, window.contract_id, window.milestone_id) == (
        "change_request", DeadlineStatus.OPEN, c.id, m.id)
    opened = arrow.get(window.opened_at)
    assert opened == clock.now()
    assert arrow.get(window.due_at) - opened == dt.timedelta(hours=7 * 24)
    assert arrow.get(fresh(cr).expires_at) == arrow.get(window.due_at)
    assert json.loads(last_event(c, "request_milestone_change").details)["expires_at"] == (
        arrow.get("2026-03-09T14:30:00+00:00").isoformat())


def test_U24_the_system_expires_an_unanswered_request(active, client, freelancer, system, clock,
                                                      invariants):
    c, m = active
    cr = request_milestone_change(client, m.id, {"amount_cents": 10000}, clock=clock)
    clock.advance(days=7)
    expire_milestone_change(system, cr.id, clock=clock)
    row = fresh(cr)
    assert row.status == CS.EXPIRED and arrow.get(row.answered_at) == clock.now()
    assert window_of(cr).status != DeadlineStatus.OPEN
    assert Milestone.get_by_id(m.id).amount_cents == 25000 and milestone_escrow(m.id) == 25000
    ev = last_event(c, "expire_milestone_change")
    assert ev.actor_id == system.id and recipients(ev) == {client.id, freelancer.id}
    audit = AuditRecord.get(AuditRecord.action == "expire_milestone_change")
    assert audit.actor_role == "system"
    invariants()
    request_milestone_change(client, m.id, {"amount_cents": 10000}, clock=clock)


def test_U24_a_request_cannot_expire_before_its_7_days(active, client, system, refused, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    clock.advance(days=7, seconds=-1)
    with refused("U-24", match="still waiting"):
        expire_milestone_change(system, cr.id, clock=clock)
    clock.advance(seconds=1)
    expire_milestone_change(system, cr.id, clock=clock)
    assert fresh(cr).status == CS.EXPIRED


def test_U24_after_7_days_the_request_can_no_longer_be_answered(active, client, freelancer,
                                                                refused, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"amount_cents": 10000}, clock=clock)
    clock.advance(days=7)
    with refused("U-24", match="expired"):
        approve_milestone_change(freelancer, cr.id, clock=clock)
    with refused("U-24"):
        reject_milestone_change(freelancer, cr.id, clock=clock)
    with refused("U-24"):
        edit_milestone_change(client, cr.id, {"amount_cents": 12000}, clock=clock)
    with refused("U-24"):
        withdraw_milestone_change(client, cr.id, clock=clock)
    assert Milestone.get_by_id(m.id).amount_cents == 25000


def test_U24_an_answer_just_before_the_7_days_is_accepted(active, client, freelancer, clock,
                                                          invariants):
    c, m = active
    cr = request_milestone_change(client, m.id, {"amount_cents": 10000}, clock=clock)
    clock.advance(days=7, seconds=-1)
    approve_milestone_change(freelancer, cr.id, clock=clock)
    assert fresh(cr).status == CS.APPROVED and milestone_escrow(m.id) == 10000
    invariants()


def test_U24_no_user_can_expire_a_request(active, client, freelancer, agent, other_client,
                                          refused, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    clock.advance(days=8)
    for actor in (client, freelancer, agent, other_client):
        with refused("G-07"):
            expire_milestone_change(actor, cr.id, clock=clock)
    assert fresh(cr).status == CS.PENDING


def test_U24_an_answered_request_does_not_expire(active, client, system, refused, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    withdraw_milestone_change(client, cr.id, clock=clock)
    clock.advance(days=7)
    with refused("U-24", match="withdrawn"):
        expire_milestone_change(system, cr.id, clock=clock)


def test_U24_unknown_request_is_not_found(system, refused, clock):
    with refused("not-found"):
        expire_milestone_change(system, 5150, clock=clock)
