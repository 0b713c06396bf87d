"""Submitting work and reviewing it: U-13, U-17, U-18, U-19, U-06 and F-05 (the windows
opened and closed, not the sweep), F-06 (revisions)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from models.deadlines import Deadline
from models.events import Event, Notification
from models.milestones import Milestone, Submission
from rules.ledger import A, balance, paid_balance, milestone_escrow
from rules.payments import fund_next_milestone, release
from rules.plan import AddMilestone
from rules.work import request_changes, submit_work

DAY = dt.timedelta(days=1)


def fresh(m) -> Milestone:
    return Milestone.get_by_id(m.id)


def milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def review_windows(m) -> list[Deadline]:
    return list(Deadline.select().where((Deadline.milestone == m.id)
                                        & (Deadline.kind == "review")).order_by(Deadline.id))


def last_event(contract, kind) -> Event:
    return (Event.select().where((Event.contract == contract.id) & (Event.kind == kind))
            .order_by(Event.id.desc()).first())


def recipients(ev) -> set[int]:
    return {n.recipient_id for n in Notification.select().where(Notification.event == ev.id)}


@pytest.fixture
def funded(make_contract, client, clock):
    """An Upwork contract whose first milestone ($250.00) is funded."""
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    return contract, fresh(m)


# --- U-17: the freelancer submits work -----------------------------------------------

def test_U17_freelancer_submits_work_for_the_active_milestone(
        funded, freelancer, client, clock, invariants):
    contract, m = funded
    sub = submit_work(freelancer, m.id, "  Homepage mockups attached  ",
                      "https://example.com/mockups", clock=clock)
    assert fresh(m).status == "submitted"
    stored = Submission.get_by_id(sub.id)
    assert (stored.message, stored.link) == ("Homepage mockups attached",
                                             "https://example.com/mockups")
    assert stored.author_id == freelancer.id
    assert stored.status == "pending"
    assert stored.submitted_at == clock.now().naive
    ev = last_event(contract, "submit_work")
    assert ev.milestone_id == m.id and ev.actor_id == freelancer.id
    assert json.loads(ev.details)["message"] == "Homepage mockups attached"
    assert recipients(ev) == {client.id}
    assert milestone_escrow(m.id) == 25000  # the money stays in escrow
    invariants()


def test_U17_link_is_optional(funded, freelancer, clock):
    contract, m = funded
    sub = submit_work(freelancer, m.id, "Delivered by email", clock=clock)
    assert Submission.get_by_id(sub.id).link == ""
    assert fresh(m).status == "submitted"


def test_U17_submission_needs_a_message(funded, freelancer, clock, refused):
    _, m = funded
    for message in ("", "   ", None):
        with refused("U-17", match="message"):
            submit_work(freelancer, m.id, message, clock=clock)


def test_U17_a_link_with_spaces_is_refused(funded, freelancer, clock, refused):
    _, m = funded
    with refused("T-07", match="link"):  # T-07 since issue 17 (was "input")
        submit_work(freelancer, m.id, "Done", "not a link", clock=clock)


def test_U17_a_future_milestone_takes_no_work(make_contract, freelancer, clock, refused):
    contract = make_contract()
    first, _ = milestones(contract)
    with refused("U-03", match="not funded"):
        submit_work(freelancer, first.id, "Early work", clock=clock)


def test_U17_only_the_active_milestone_takes_work(funded, freelancer, clock, refused):
    contract, _ = funded
    _, second = milestones(contract)
    with refused("U-03", match="not funded"):
        submit_work(freelancer, second.id, "Work for the next one", clock=clock)


def test_U17_work_already_waiting_for_review_is_not_submitted_twice(
        funded, freelancer, clock, refused):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    with refused("U-17", match="already submitted"):
        submit_work(freelancer, m.id, "Done again", clock=clock)


def test_U17_a_released_milestone_says_already(funded, freelancer, client, clock, refused):
    _, m = funded
    release(client, m.id, clock=clock)
    with refused("conflict", match="already"):
        submit_work(freelancer, m.id, "Late extra", clock=clock)


def test_U17_only_the_freelancer_submits(funded, client, agent, system, clock, refused):
    _, m = funded
    for actor in (client, agent, system):
        with refused("G-07", match="only the freelancer"):
            submit_work(actor, m.id, "Done", clock=clock)


def test_U17_another_freelancer_cannot_submit(funded, other_freelancer, clock, refused):
    _, m = funded
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        submit_work(other_freelancer, m.id, "Done", clock=clock)


def test_U17_unknown_milestone(db, freelancer, clock, refused):
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        submit_work(freelancer, 99999, "Done", clock=clock)


def test_U17_a_stale_version_is_refused(funded, freelancer, clock, refused):
    _, m = funded
    with refused("conflict", match="someone acted first"):
        submit_work(freelancer, m.id, "Done", version=m.version - 1, clock=clock)
    submit_work(freelancer, m.id, "Done", version=m.version, clock=clock)
    assert fresh(m).status == "submitted"


# --- U-13: late is allowed, and only shown -------------------------------------------

def test_U13_late_submission_is_allowed_and_the_event_marks_it(
        funded, freelancer, client, clock, invariants):
    contract, m = funded
    assert m.due_date == dt.date(2026, 3, 9)
    clock.set("2026-03-12T10:00:00+00:00")  # three days late
    submit_work(freelancer, m.id, "Sorry, late", clock=clock)
    ev = last_event(contract, "submit_work")
    assert json.loads(ev.details)["overdue"] is True
    assert "after its due date" in ev.summary
    # No penalty: accepted late, paid in full.
    result = release(client, m.id, clock=clock)
    assert result.released_cents == 25000
    assert paid_balance(contract_id=contract.id) == 25000
    invariants()


def test_U13_submission_on_the_due_date_is_not_late(funded, freelancer, clock):
    contract, m = funded
    clock.set("2026-03-09T23:59:59+00:00")
    submit_work(freelancer, m.id, "Just in time", clock=clock)
    ev = last_event(contract, "submit_work")
    assert json.loads(ev.details)["overdue"] is False
    assert "due date" not in ev.summary


# --- U-18: requesting changes --------------------------------------------------------

def test_U18_request_changes_sends_the_work_back(funded, freelancer, client, clock):
    contract, m = funded
    sub = submit_work(freelancer, m.id, "Done", clock=clock)
    request_changes(client, m.id, "The logo is too small", clock=clock)
    assert fresh(m).status == "changes_requested"
    assert Submission.get_by_id(sub.id).status == "changes_requested"
    ev = last_event(contract, "request_changes")
    assert json.loads(ev.details)["message"] == "The logo is too small"
    assert recipients(ev) == {freelancer.id}
    assert milestone_escrow(m.id) == 25000


def test_U18_requesting_changes_needs_a_message(funded, freelancer, client, clock, refused):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    for message in ("", "  \n ", None):
        with refused("U-18", match="required"):
            request_changes(client, m.id, message, clock=clock)


def test_U18_changes_only_on_submitted_work(funded, client, clock, refused):
    _, m = funded
    with refused("U-18", match="only on submitted work"):
        request_changes(client, m.id, "Please redo", clock=clock)


def test_U18_only_the_client_requests_changes(funded, freelancer, agent, system, clock,
                                              refused):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    for actor in (freelancer, agent, system):
        with refused("G-07", match="only the client"):
            request_changes(actor, m.id, "Redo", clock=clock)


def test_U18_another_client_cannot_request_changes(funded, freelancer, other_client, clock,
                                                   refused):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        request_changes(other_client, m.id, "Redo", clock=clock)


def test_U18_stale_version_and_unknown_id(funded, freelancer, client, clock, refused):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    stale = fresh(m).version - 1
    with refused("conflict"):
        request_changes(client, m.id, "Redo", version=stale, clock=clock)
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        request_changes(client, 424242, "Redo", clock=clock)


def test_U18_a_new_submission_starts_a_new_14_day_window(funded, freelancer, client, clock):
    _, m = funded
    submit_work(freelancer, m.id, "First try", clock=clock)
    clock.advance(days=2)
    request_changes(client, m.id, "Bigger logo", clock=clock)
    clock.advance(days=3, hours=5)
    resubmitted_at = clock.now()
    submit_work(freelancer, m.id, "Second try", clock=clock)
    first, second = review_windows(m)
    assert first.status == "closed"
    assert second.status == "open"
    assert second.opened_at == resubmitted_at.naive
    assert second.due_at == resubmitted_at.shift(days=14).naive
    assert fresh(m).status == "submitted"
    assert Submission.select().where(Submission.milestone == m.id).count() == 2


# --- U-06 (what the actions do to the review window) ----------------------------------

def test_U06_a_submission_opens_a_review_window_of_14_days(funded, freelancer, clock):
    contract, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    [window] = review_windows(m)
    assert window.contract_id == contract.id
    assert window.status == "open"
    assert window.opened_at == clock.now().naive
    assert window.due_at - window.opened_at == 14 * DAY
    ev = last_event(contract, "submit_work")
    assert json.loads(ev.details)["review_due_at"] == clock.now().shift(days=14).isoformat()


def test_U06_requesting_changes_closes_the_review_window(funded, freelancer, client, clock):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    clock.advance(hours=30)
    request_changes(client, m.id, "Redo", clock=clock)
    [window] = review_windows(m)
    assert window.status == "closed"
    assert window.closed_at == clock.now().naive


def test_U06_release_closes_the_review_window(funded, freelancer, client, clock):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    clock.advance(days=1)
    release(client, m.id, clock=clock)
    [window] = review_windows(m)
    assert window.status == "closed"
    assert window.closed_at == clock.now().naive


def test_U06_the_system_may_release_the_escrow(funded, freelancer, client, system, clock,
                                               invariants):
    contract, m = funded
    sub = submit_work(freelancer, m.id, "Done", clock=clock)
    clock.advance(days=14)
    result = release(system, m.id, clock=clock)
    assert result.released_cents == 25000
    assert fresh(m).status == "released"
    assert Submission.get_by_id(sub.id).status == "approved"
    assert milestone_escrow(m.id) == 0
    assert paid_balance(contract_id=contract.id) == 25000
    ev = last_event(contract, "release")
    assert ev.actor_id == system.id
    assert recipients(ev) == {client.id, freelancer.id}  # both are told of automatic acts
    invariants()


def test_U06_nobody_else_releases_for_the_client(funded, freelancer, agent, clock, refused):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    for actor in (freelancer, agent):
        with refused("G-07", match="release payment"):
            release(actor, m.id, clock=clock)


def test_U06_a_user_cannot_act_as_the_system(funded, freelancer, clock, refused):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    freelancer.role = "system"  # in memory only: the stored role decides
    with refused("G-07"):
        release(freelancer, m.id, clock=clock)


def test_U06_after_14_days_the_client_can_no_longer_send_the_work_back(
        funded, freelancer, client, system, clock, refused, invariants):
    """The worker may be off when the window closes: the outcome is owed all the same."""
    contract, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    clock.advance(days=14, seconds=1)
    with refused("U-06", match="counts as approved"):
        request_changes(client, m.id, "One more thing", clock=clock)
    with refused("U-06", match="counts as approved"):
        release(client, m.id, 10000, clock=clock)
    from rules.refunds import request_refund
    with refused("U-06", match="counts as approved"):
        request_refund(client, m.id, clock=clock)
    release(system, m.id, clock=clock)  # what the sweep does
    assert paid_balance(contract_id=contract.id) == 25000
    invariants()


def test_U06_a_second_before_the_end_the_client_still_may(funded, freelancer, client, clock):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    clock.advance(days=14, seconds=-1)
    request_changes(client, m.id, "Just in time", clock=clock)
    assert fresh(m).status == "changes_requested"


# --- U-19: release with no submission ------------------------------------------------

def test_U19_client_releases_without_a_submission(funded, client, freelancer, clock,
                                                  invariants):
    contract, m = funded
    assert Submission.select().where(Submission.milestone == m.id).count() == 0
    result = release(client, m.id, clock=clock)
    assert result.released_cents == 25000
    assert fresh(m).status == "released"
    assert paid_balance(contract_id=contract.id) == 25000
    invariants()


def test_U19_release_after_changes_requested_without_resubmission(funded, client, freelancer,
                                                                 clock):
    _, m = funded
    submit_work(freelancer, m.id, "Done", clock=clock)
    request_changes(client, m.id, "Fix typo", clock=clock)
    release(client, m.id, clock=clock)  # fixed it myself: pay anyway
    assert fresh(m).status == "released"


def test_U19_fiverr_pays_only_by_accepting_a_delivery(make_contract, client, clock, refused):
    contract = make_contract("fiverr-gig")
    first = milestones(contract)[0]
    assert first.status == "funded"  # F-04: charged when ordered
    with refused("U-19", match="deliver"):
        release(client, first.id, clock=clock)


# --- F-05: Fiverr's review window ----------------------------------------------------

@pytest.mark.parametrize("policy", ["fiverr-gig", "fiverr-offer"])
def test_F05_the_fiverr_review_window_is_8_days(make_contract, freelancer, clock, policy):
    contract = make_contract(policy)
    first = milestones(contract)[0]
    clock.advance(days=2, minutes=17)
    submit_work(freelancer, first.id, "Delivery 1", clock=clock)
    [window] = review_windows(first)
    assert window.status == "open"
    assert window.opened_at == clock.now().naive
    assert window.due_at - window.opened_at == 8 * DAY


def test_F05_a_revision_closes_the_window_and_a_new_delivery_opens_8_more_days(
        make_contract, freelancer, client, clock):
    contract = make_contract("fiverr-offer")
    first = milestones(contract)[0]
    submit_work(freelancer, first.id, "Delivery 1", clock=clock)
    clock.advance(days=7)
    request_changes(client, first.id, "Please adjust colours", clock=clock)
    clock.advance(days=1)
    submit_work(freelancer, first.id, "Delivery 2", clock=clock)
    old, new = review_windows(first)
    assert old.status == "closed"
    assert (new.status, new.due_at) == ("open", clock.now().shift(days=8).naive)


def test_F05_no_revision_after_the_8_days(make_contract, freelancer, client, clock, refused):
    contract = make_contract("fiverr-gig")
    first = milestones(contract)[0]
    submit_work(freelancer, first.id, "Delivery", clock=clock)
    clock.advance(days=8, minutes=1)
    with refused("F-05", match="marked completed"):
        request_changes(client, first.id, "Darker blue", clock=clock)
    with refused("F-05", match="marked completed"):
        release(client, first.id, clock=clock)


# --- F-06: revisions -----------------------------------------------------------------

def test_F06_more_revisions_than_allowed_are_refused(make_contract, freelancer, client, clock,
                                                     refused):
    contract = make_contract("fiverr-gig")
    first = milestones(contract)[0]
    assert first.revisions_allowed == 2  # the policy's default
    for n in (1, 2):
        submit_work(freelancer, first.id, f"Delivery {n}", clock=clock)
        request_changes(client, first.id, f"Revision {n}", clock=clock)
        assert fresh(first).revisions_used == n
    submit_work(freelancer, first.id, "Delivery 3", clock=clock)
    with refused("F-06", match="2 revisions"):
        request_changes(client, first.id, "One more", clock=clock)
    assert fresh(first).status == "submitted"


def test_F06_revisions_are_set_per_milestone(make_contract, freelancer, client, clock, refused):
    drafts = [AddMilestone("Sketch", 6000, revisions=0),
              AddMilestone("Final", 6000, revisions=5)]
    contract = make_contract("fiverr-offer", milestones=drafts)
    sketch, final = milestones(contract)
    assert (sketch.revisions_allowed, final.revisions_allowed) == (0, 5)
    submit_work(freelancer, sketch.id, "Sketch", clock=clock)
    with refused("F-06", match="0 revisions"):
        request_changes(client, sketch.id, "Change it", clock=clock)
    release(client, sketch.id, clock=clock)
    fund_next_milestone(client, contract.id, clock=clock)
    for n in range(5):
        submit_work(freelancer, final.id, f"Final {n}", clock=clock)
        request_changes(client, final.id, f"Revision {n}", clock=clock)
    assert fresh(final).revisions_used == 5


def test_F06_a_revision_count_must_be_a_sane_whole_number(make_contract, refused):
    for bad in (-1, 100, 1.5, True):
        with refused("F-06"):
            make_contract("fiverr-gig", milestones=[AddMilestone("One", 20000, revisions=bad)])


def test_F06_upwork_changes_are_not_limited(funded, freelancer, client, clock):
    _, m = funded
    assert m.revisions_allowed is None
    for n in range(4):
        submit_work(freelancer, m.id, f"Try {n}", clock=clock)
        request_changes(client, m.id, f"Again {n}", clock=clock)
    assert fresh(m).revisions_used == 4
    assert fresh(m).status == "changes_requested"
