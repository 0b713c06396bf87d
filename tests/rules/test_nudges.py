"""Nudges (X-27, X-28): the waiting party reminds the other of an open window, once per
24 hours per window, with the time left; refusals name the rule and write nothing."""
from __future__ import annotations

import datetime as dt
import json

import arrow
import pytest
from state_helpers import START

from models.audit import AuditRecord
from models.deadlines import Deadline
from models.events import Event, Notification
from models.nudges import Nudge
from rules.change_requests import request_milestone_change
from rules.contract_view import contract_detail
from rules.nudges import nudge, nudge_options, room_nudges
from rules.offers import send_offer
from rules.payments import fund_next_milestone, release
from rules.refunds import request_refund
from rules.work import submit_work

pytestmark = pytest.mark.both_databases

T0 = arrow.get(START)


def window(contract_id: int, kind: str) -> Deadline:
    return Deadline.get((Deadline.contract == contract_id) & (Deadline.kind == kind)
                        & (Deadline.status == "open"))


def inbox(account) -> list[str]:
    return [n.event.summary for n in Notification.select().join(Event)
            .where(Notification.recipient == account.id).order_by(Notification.id)]


@pytest.fixture
def in_review(make_contract, client, freelancer, clock):
    """An Upwork milestone submitted at T0: its 14-day review window (U-06) is open."""
    clock.set(T0)
    c = make_contract("upwork")
    m = fund_next_milestone(client, c.id, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)
    return c, m, window(c.id, "review")


def test_X27_the_freelancer_nudges_the_client_about_a_review_with_the_time_left(
        in_review, client, freelancer, clock):
    c, m, d = in_review
    clock.set(T0.shift(hours=2))
    before = inbox(client)
    sent = nudge(freelancer, d.id, clock=clock)
    text = "Nudge about “Milestone 1”: 13 days 22 h before this is released automatically."
    assert inbox(client) == [*before, text]
    assert (sent.sender_id, sent.recipient_id, sent.number) == (freelancer.id, client.id, 1)
    assert arrow.get(sent.sent_at) == T0.shift(hours=2)
    event = Event.select().where(Event.kind == "nudge").get()
    assert (event.contract_id, event.milestone_id, event.actor_id) == (c.id, m.id,
                                                                       freelancer.id)
    rec = AuditRecord.select().where(AuditRecord.action == "nudge").get()
    assert rec.target == f"deadline:{d.id}"
    assert json.loads(rec.after) == {"recipient_id": client.id, "number": 1,
                                     "due_at": arrow.get(d.due_at).isoformat()}
    assert text not in inbox(freelancer)  # the sender is not notified of their own nudge


def test_X28_once_per_24_hours_per_window(in_review, freelancer, clock, refused):
    c, m, d = in_review
    clock.set(T0.shift(hours=2))
    nudge(freelancer, d.id, clock=clock)
    clock.set(T0.shift(hours=25, minutes=59))
    with refused("X-28") as info:
        nudge(freelancer, d.id, clock=clock)
    assert info.value.message == ("You nudged about this window 23 h 59 min ago: once per "
                                  "24 hours, so the next one from 2026-03-03 11:00.")
    clock.set(T0.shift(hours=26))
    assert nudge(freelancer, d.id, clock=clock).number == 2
    assert Nudge.select().count() == 2


def test_X27_the_party_a_window_waits_for_has_nobody_to_nudge(in_review, client, clock,
                                                               refused):
    c, m, d = in_review
    with refused("X-27") as info:
        nudge(client, d.id, clock=clock)
    assert info.value.message == "This window waits for you: there is nobody to nudge."


def test_X27_closed_and_ended_windows_are_refused(in_review, client, freelancer, clock,
                                                  refused):
    c, m, d = in_review
    clock.set(arrow.get(d.due_at))
    with refused("X-27", match="This window's time is up: its outcome is being applied."):
        nudge(freelancer, d.id, clock=clock)
    clock.set(T0.shift(days=1))
    release(client, m.id, clock=clock)
    with refused("X-27", match="This window is closed: there is nobody to nudge."):
        nudge(freelancer, d.id, clock=clock)


def test_G07_a_stranger_an_unknown_id_and_a_wrong_type_read_the_same(
        in_review, other_client, agent, clock, refused):
    c, m, d = in_review
    messages = []
    for who, ident in ((other_client, d.id), (other_client, 10 ** 6), (other_client, 2 ** 70),
                       (other_client, "a window")):
        with refused("G-07") as info:
            nudge(who, ident, clock=clock)
        messages.append(info.value.message)
    assert set(messages) == {"No such window, or it is not yours to see."}
    with refused("X-27", match="Only a party of the contract can nudge the other."):
        nudge(agent, d.id, clock=clock)


def test_X27_who_waits_for_whom_and_what_happens_then(
        make_contract, client, freelancer, clock):
    clock.set(T0)
    c = make_contract("upwork")
    m = fund_next_milestone(client, c.id, clock=clock)
    request_milestone_change(client, m.id, {"title": "Homepage only"}, "Smaller", clock=clock)
    cr_window = window(c.id, "change_request")
    assert nudge(client, cr_window.id, clock=clock).recipient_id == freelancer.id
    assert inbox(freelancer)[-1] == ("Nudge about “Milestone 1”: 7 days before the change "
                                     "request expires.")
    other = make_contract("upwork", title="Shop")
    m2 = fund_next_milestone(client, other.id, clock=clock)
    request_refund(client, m2.id, reason="Not needed", clock=clock)
    nudge(client, window(other.id, "refund_answer").id, clock=clock)
    assert inbox(freelancer)[-1].endswith("before the refund is granted automatically.")
    offer = send_offer(freelancer, "ada", "fiverr-offer", "Logo", "",
                       [("Design", 25000, dt.date(2026, 3, 20))], clock=clock)
    expiry = window(offer.id, "offer_expiry")
    assert nudge(freelancer, expiry.id, clock=clock).recipient_id == client.id
    assert inbox(client)[-1] == "Nudge about “Logo”: 14 days before the offer expires."


def test_X27_on_fiverr_an_unanswered_delivery_completes_the_order(
        make_contract, client, freelancer, clock):
    from models.milestones import Milestone
    clock.set(T0)
    c = make_contract("fiverr-gig", amounts=(6000, 7000))
    first = Milestone.get((Milestone.contract == c.id) & (Milestone.position == 1))
    submit_work(freelancer, first.id, "Delivered", clock=clock)
    nudge(freelancer, window(c.id, "review").id, clock=clock)
    assert inbox(client)[-1] == ("Nudge about “Milestone 1”: 8 days before the order is "
                                 "marked completed automatically.")


def test_X27_the_room_lists_what_may_be_nudged_now(in_review, client, freelancer, clock):
    c, m, d = in_review
    open_windows = list(Deadline.select().where((Deadline.contract == c.id)
                                                & (Deadline.status == "open")))
    titles = {m.id: m.title}
    (option,) = nudge_options(freelancer, open_windows, c, titles, {}, {}, T0)
    assert option.allowed and option.deadline_id == d.id and option.recipient_id == client.id
    assert option.text.startswith("Nudge about “Milestone 1”: 14 days before")
    assert nudge_options(client, open_windows, c, titles, {}, {}, T0) == []
    nudge(freelancer, d.id, clock=clock)
    (later,) = room_nudges(freelancer, contract_detail(freelancer, c.id), T0.shift(hours=1))
    assert not later.allowed and later.rule_id == "X-28"
    assert contract_detail(client, c.id).last_nudged == {}
