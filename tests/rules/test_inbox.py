"""The change-request inbox queries (rules/inbox.py): incoming, outgoing and history per
actor, paged, in a fixed number of queries, only what the actor may see (G-07); each
request with its author, age, expiry (U-24), outcome (U-23) and changes before → after."""
from __future__ import annotations

import datetime as dt

import pytest

from rules.change_requests import (accept_proposal, approve_milestone_change, decline_proposal,
                                   expire_milestone_change, propose_milestone_changes,
                                   reject_milestone_change, request_milestone_change,
                                   withdraw_milestone_change)
from rules.contract_view import contract_detail
from rules.errors import RuleError
from rules.inbox import inbox_counts, inbox_page, pending_proposal, request_view
from rules.payments import add_escrow_funds, fund_next_milestone, release
from rules.plan import AddMilestone, DeleteMilestone, EditMilestone
from rules.work import submit_work


@pytest.fixture
def active(make_contract, client, clock):
    """A contract whose first milestone ($250.00) is funded; two future ones follow."""
    c = make_contract(amounts=(25000, 50000, 10000))
    return c, fund_next_milestone(client, c.id, clock=clock)


def ids(views) -> list[int]:
    return [v.id for v in views]


def test_U20_a_client_change_is_incoming_for_the_freelancer_and_outgoing_for_the_client(
        active, client, freelancer, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"amount_cents": 30000,
                                                 "due_date": dt.date(2026, 3, 20)},
                                  "More pages", clock=clock)
    clock.advance(hours=5)
    [mine] = inbox_page(freelancer, "incoming", clock=clock)
    assert mine.id == cr.id and mine.author_name == "Ada Client"
    assert mine.title == "Change to “Milestone 1”"
    assert mine.message == "More pages"
    assert mine.age(clock.now()) == "5 h ago"
    assert mine.expiry(clock.now()) == "expires in 6 days 19 h"  # U-24: 7 days
    assert mine.answers == ("approve", "reject", "counter")
    [change] = mine.changes
    assert change.kind == "edited" and change.milestone == m.id
    assert [(f.label, f.before_text, f.after_text) for f in change.fields] == [
        ("due date", "2026-03-09", "2026-03-20"), ("amount", "$250.00", "$300.00")]
    assert mine.outcome == "Waiting for the freelancer to approve or reject it."

    [theirs] = inbox_page(client, "outgoing", clock=clock)
    assert theirs.id == cr.id and theirs.answers == ("edit", "withdraw")
    assert inbox_page(client, "incoming", clock=clock) == []
    assert inbox_page(freelancer, "outgoing", clock=clock) == []
    assert inbox_counts(freelancer) == {"incoming": 1, "outgoing": 0}
    assert inbox_counts(client) == {"incoming": 0, "outgoing": 1}


def test_U15_a_proposal_is_incoming_for_the_client_with_every_change_per_field(
        make_contract, client, freelancer, clock):
    c = make_contract(amounts=(25000, 50000, 10000))
    one, two, three = contract_detail(client, c.id).milestones
    cr = propose_milestone_changes(freelancer, c.id, [
        AddMilestone("QA pass", 30000, due_date=dt.date(2026, 4, 20), ref="qa"),
        EditMilestone(two.id, {"amount_cents": 42000}),
        DeleteMilestone(three.id)], "Tighter scope", clock=clock)
    [p] = inbox_page(client, "incoming", clock=clock)
    assert p.id == cr.id and p.is_proposal and p.author_name == "Bo Freelancer"
    assert p.title == "Proposal: 3 milestone changes"
    assert p.answers == ("accept", "decline", "counter")
    assert p.expiry(clock.now()) == "no expiry"
    by_kind = {d.kind: d for d in p.changes}
    assert [f.describe() for f in by_kind["added"].fields] == [
        "title: — → QA pass", "due date: — → 2026-04-20", "amount: — → $300.00"]
    assert [f.describe() for f in by_kind["edited"].fields] == ["amount: $500.00 → $420.00"]
    assert by_kind["deleted"].title == "Milestone 3"
    assert ids(inbox_page(freelancer, "outgoing", clock=clock)) == [cr.id]
    assert pending_proposal(client, c.id, clock=clock).id == cr.id

    accept_proposal(client, cr.id, clock=clock)
    assert pending_proposal(client, c.id, clock=clock) is None
    [done] = inbox_page(freelancer, "history", clock=clock)
    assert done.status == "approved" and done.answers == ()
    assert done.outcome.startswith("Accepted by the client")


def test_history_says_how_each_request_ended(active, make_contract, client, freelancer,
                                              clock):
    c, m = active
    a = request_milestone_change(client, m.id, {"title": "A"}, clock=clock)
    clock.advance(minutes=1)
    reject_milestone_change(freelancer, a.id, "Out of scope", clock=clock)
    clock.advance(minutes=1)
    b = request_milestone_change(client, m.id, {"title": "B"}, clock=clock)
    clock.advance(minutes=1)
    withdraw_milestone_change(client, b.id, clock=clock)
    clock.advance(minutes=1)
    s = request_milestone_change(client, m.id, {"title": "S"}, clock=clock)
    clock.advance(minutes=1)
    submit_work(freelancer, m.id, "Done", clock=clock)  # U-23
    other = make_contract(amounts=(25000, 50000), title="Other")
    m2 = fund_next_milestone(client, other.id, clock=clock)
    r = request_milestone_change(client, m2.id, {"title": "R"}, clock=clock)
    clock.advance(minutes=1)
    release(client, m2.id, clock=clock)  # U-23
    m3 = fund_next_milestone(client, other.id, clock=clock)
    x = request_milestone_change(client, m3.id, {"title": "X"}, clock=clock)
    clock.advance(days=7)
    from models.accounts import system_account
    expire_milestone_change(system_account(), x.id, clock=clock)  # U-24

    history = {v.id: v for v in inbox_page(client, "history", clock=clock)}
    assert list(history) == [x.id, r.id, s.id, b.id, a.id]  # the latest answer first
    assert history[a.id].outcome == "Rejected by the freelancer: nothing changed."
    assert history[a.id].answer_message == "Out of scope"
    assert history[b.id].outcome == "Withdrawn by the client before an answer."
    assert history[s.id].outcome == ("Cancelled automatically: the freelancer submitted "
                                     "work while it was pending (U-23).")
    assert history[r.id].outcome == ("Cancelled automatically: payment was released while "
                                     "it was pending (U-23).")
    assert history[x.id].outcome.startswith("Expired unanswered after 7 days (U-24)")
    assert history[x.id].expiry(clock.now()).startswith("expired ")
    assert all(v.answers == () for v in history.values())


def test_the_reason_comes_from_the_request_row(active, make_contract, client, freelancer,
                                               clock):
    """Schema 4 stores the reason of a rejection or a decline on the request itself: the
    history shows it without the event, and the event of an older answer still serves."""
    from models.change_requests import ChangeRequest
    from models.events import Event
    c, m = active
    a = request_milestone_change(client, m.id, {"title": "A"}, clock=clock)
    clock.advance(minutes=1)
    reject_milestone_change(freelancer, a.id, "Out of scope", clock=clock)
    Event.update(details="{}").where(Event.kind == "reject_milestone_change").execute()
    assert request_view(client, a.id, clock=clock).answer_message == "Out of scope"
    # An answer written before schema 4: the row is empty, the event has the reason.
    clock.advance(minutes=1)
    b = request_milestone_change(client, m.id, {"title": "B"}, clock=clock)
    clock.advance(minutes=1)
    reject_milestone_change(freelancer, b.id, "Too late", clock=clock)
    ChangeRequest.update(answer_message="").where(ChangeRequest.id == b.id).execute()
    assert request_view(client, b.id, clock=clock).answer_message == "Too late"


def test_U23_the_cause_is_found_among_other_events_of_the_same_instant(active, client,
                                                                        freelancer, clock):
    """Funding, the request and the submission all at one instant: still the submission."""
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "S"}, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)
    assert request_view(client, cr.id, clock=clock).outcome == (
        "Cancelled automatically: the freelancer submitted work while it was pending "
        "(U-23).")


def test_U24_an_expired_request_not_yet_swept_can_no_longer_be_answered(active, client,
                                                                        freelancer, clock):
    c, m = active
    request_milestone_change(client, m.id, {"title": "Late"}, clock=clock)
    clock.advance(days=7, minutes=1)
    [v] = inbox_page(freelancer, "incoming", clock=clock)
    assert v.answers == () and v.expiry(clock.now()) == "expired 1 min ago"
    assert v.outcome.startswith("Expired unanswered")


def test_U22_an_approved_higher_amount_waits_in_the_clients_incoming_until_funded(
        active, client, freelancer, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"amount_cents": 40000}, clock=clock)
    approve_milestone_change(freelancer, cr.id, clock=clock)
    [v] = inbox_page(client, "incoming", clock=clock)
    assert v.id == cr.id and v.funds_needed_cents == 15000 and v.answers == ("add_funds",)
    assert "needs $150.00 more in escrow" in v.outcome
    assert inbox_counts(client)["incoming"] == 1
    add_escrow_funds(client, m.id, clock=clock)
    assert inbox_page(client, "incoming", clock=clock) == []
    [done] = inbox_page(client, "history", clock=clock)
    assert done.funds_needed_cents == 0 and done.answers == ()


def test_U22_a_lower_amount_says_where_the_difference_went(active, client, freelancer, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"amount_cents": 20000}, clock=clock)
    approve_milestone_change(freelancer, cr.id, clock=clock)
    [v] = inbox_page(freelancer, "history", clock=clock)
    assert v.outcome == ("Approved by the freelancer: the change was applied (U-22). "
                         "$50.00 moved to project funds.")


def test_G07_only_the_parties_and_support_see_a_request(active, client, freelancer,
                                                         other_client, other_freelancer,
                                                         agent, clock):
    c, m = active
    cr = request_milestone_change(client, m.id, {"title": "New"}, clock=clock)
    for stranger in (other_client, other_freelancer):
        for box in ("incoming", "outgoing", "history"):
            assert inbox_page(stranger, box, clock=clock) == []
        with pytest.raises(RuleError) as info:
            request_view(stranger, cr.id, clock=clock)
        assert info.value.rule_id == "G-07"
    [seen] = inbox_page(agent, "incoming", clock=clock)
    assert seen.id == cr.id and seen.answers == ()  # support answers nothing
    assert request_view(freelancer, cr.id, clock=clock).answers == ("approve", "reject", "counter")


def test_unknown_box_is_refused(client):
    with pytest.raises(RuleError):
        inbox_page(client, "spam")


def test_pages_cost_a_fixed_number_of_queries(make_contract, client, freelancer, db, clock,
                                              monkeypatch):
    """No N+1: a page of 30 requests costs what a page of 1 does."""
    for i in range(30):
        c = make_contract(amounts=(25000, 50000), title=f"C{i}")
        m = fund_next_milestone(client, c.id, clock=clock)
        cr = request_milestone_change(client, m.id, {"amount_cents": 30000}, clock=clock)
        if i % 2:
            approve_milestone_change(freelancer, cr.id, clock=clock)
        else:
            reject_milestone_change(freelancer, cr.id, "No", clock=clock)
        p = propose_milestone_changes(freelancer, c.id, [
            EditMilestone(contract_detail(client, c.id).milestones[1].id,
                          {"title": f"T{i}"})], clock=clock)
        decline_proposal(client, p.id, clock=clock)

    seen: list[str] = []
    real = db.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(db, "execute_sql", counting)
    for box in ("incoming", "history"):
        seen.clear()
        one = inbox_page(client, box, limit=1, clock=clock)
        few = len(seen)
        seen.clear()
        many = inbox_page(client, box, limit=40, clock=clock)
        assert len(one) == 1 and len(many) == (15 if box == "incoming" else 40)
        # One query for the page, then at most one each for answers and escrows.
        assert few <= 4 and len(seen) <= 4, (box, few, seen)
    page1 = inbox_page(client, "history", limit=25, clock=clock)
    page2 = inbox_page(client, "history", offset=25, limit=25, clock=clock)
    page3 = inbox_page(client, "history", offset=50, limit=25, clock=clock)
    assert (len(page1), len(page2), len(page3)) == (25, 25, 10)  # 30 changes, 30 proposals
    assert len(set(ids(page1 + page2 + page3))) == 60
