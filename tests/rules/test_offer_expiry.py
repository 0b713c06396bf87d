"""Offers expire (O-06, rules/offers.py): the offer_expiry window send_offer opens, the
sweep that applies it exactly once, answering that closes it, the receiver's reminders,
and an accept racing two sweeps at the expiry instant."""
from __future__ import annotations

import datetime as dt
import random
import threading
import time
from collections import Counter

import arrow
import pytest
from state_helpers import START, db_state

from models.audit import AuditRecord
from models.base import database
from models.contracts import Contract
from models.deadlines import Deadline
from models.events import Event, Notification
from rules.clock import FrozenClock
from rules.deadlines import sweep
from rules.errors import RuleError
from rules.offers import (
    MAX_OFFER_DAYS,
    accept_offer,
    decline_offer,
    expire_offer,
    expiries,
    list_offers,
    send_offer,
    withdraw_offer,
)

pytestmark = pytest.mark.both_databases

T0 = arrow.get(START)
DUE = dt.date(2026, 3, 16)
PLAN = [("Design", 25000, DUE)]


def fresh(row):
    return type(row).get_by_id(row.id)


def offer(client, clock, **kw):
    return send_offer(client, "bo", "upwork", "Website", "Three pages", PLAN, clock=clock, **kw)


def window(c) -> Deadline:
    return Deadline.get((Deadline.contract == c.id) & (Deadline.kind == "offer_expiry"))


def notified(account) -> list[str]:
    return [e.kind for e in Event.select().join(Notification)
            .where(Notification.recipient == account.id).order_by(Event.id)]


def test_O06_an_offer_expires_14_days_after_sending_by_default(client, freelancer, clock):
    c = offer(client, clock)
    d = window(c)
    assert (d.status, arrow.get(d.due_at)) == ("open", T0.shift(days=14))
    assert expiries([c.id]) == {c.id: T0.shift(days=14)}


@pytest.mark.parametrize("expires, due", [
    (dt.timedelta(days=7), T0.shift(days=7)),
    (dt.date(2026, 3, 20), arrow.get("2026-03-21T00:00:00+00:00")),  # the end of that day
    (dt.datetime(2026, 3, 5, 12, 30), arrow.get("2026-03-05T12:30:00+00:00")),  # naive: UTC
    (T0.shift(days=MAX_OFFER_DAYS), T0.shift(days=MAX_OFFER_DAYS)),
])
def test_O06_the_sender_picks_the_expiry(client, freelancer, clock, expires, due):
    c = offer(client, clock, expires_at=expires)
    assert arrow.get(window(c).due_at) == due


@pytest.mark.parametrize("expires, words", [
    (T0.shift(seconds=-1), "in the future"),
    (T0, "in the future"),
    (dt.timedelta(0), "in the future"),
    (dt.date(2026, 3, 1), "in the future"),  # yesterday
    (T0.shift(days=MAX_OFFER_DAYS, seconds=1), "at most 90 days"),
    (dt.timedelta(days=91), "at most 90 days"),
    ("soon", "a date, a time or a number of days"),
    (14, "a date, a time or a number of days"),
])
def test_O06_an_expiry_in_the_past_or_too_far_is_refused_and_writes_nothing(
        client, freelancer, clock, refused, expires, words):
    with refused("O-06", words):
        offer(client, clock, expires_at=expires)


def test_O06_the_sweep_expires_the_offer_once_at_its_due_time_and_not_before(
        client, freelancer, clock):
    c = offer(client, clock, expires_at=dt.timedelta(days=3))
    due = T0.shift(days=3)
    assert sweep(clock=FrozenClock(due.shift(seconds=-1))).applied == []
    assert fresh(c).status == "offered"
    result = sweep(clock=FrozenClock(due))
    assert [(a.kind, a.contract_id, a.skipped) for a in result.applied] == [
        ("offer_expiry", c.id, False)]
    row = fresh(c)
    assert (row.status, arrow.get(row.ended_at)) == ("expired", due)
    assert window(c).status == "applied"
    assert [a.action for a in AuditRecord.select().where(AuditRecord.contract == c.id)
            .order_by(AuditRecord.id)][-1] == "expire_offer"
    assert Event.select().where((Event.contract == c.id)
                                & (Event.kind == "expire_offer")).count() == 1
    assert notified(client)[-1] == notified(freelancer)[-1] == "expire_offer"
    assert [o.status for o in list_offers(freelancer)] == ["expired"]
    before = db_state()
    assert sweep(clock=FrozenClock(due.shift(days=1))).applied == []
    assert db_state() == before


@pytest.mark.parametrize("swept", [False, True], ids=["before-the-sweep", "after-the-sweep"])
def test_O06_accepting_after_expiry_is_refused_and_writes_nothing(
        client, freelancer, clock, refused, swept):
    c = offer(client, clock, expires_at=dt.timedelta(days=1))
    late = FrozenClock(T0.shift(days=1))
    if swept:
        sweep(clock=late)
    with refused("O-06", "expired"):
        accept_offer(freelancer, c.id, clock=late)
    with refused("O-06"):
        decline_offer(freelancer, c.id, "No", clock=late)
    with refused("O-06"):
        withdraw_offer(client, c.id, clock=late)
    assert fresh(c).status == ("expired" if swept else "offered")


@pytest.mark.parametrize("answer", ["accept", "decline", "withdraw"])
def test_O06_answering_closes_the_expiry_window(client, freelancer, clock, answer):
    c = offer(client, clock)
    {"accept": lambda: accept_offer(freelancer, c.id, clock=clock),
     "decline": lambda: decline_offer(freelancer, c.id, "No thanks", clock=clock),
     "withdraw": lambda: withdraw_offer(client, c.id, clock=clock)}[answer]()
    status = fresh(c).status
    assert window(c).status == "closed"
    result = sweep(clock=FrozenClock(T0.shift(days=15)))
    assert (result.applied, result.reminders) == ([], 0)
    assert fresh(c).status == status != "expired"


def test_O06_only_the_system_expires_an_offer(client, freelancer, clock, refused):
    c = offer(client, clock)
    with refused("G-07"):
        expire_offer(client, c.id, clock=clock)


@pytest.mark.parametrize("policy", ["upwork", "fiverr-offer"])
def test_O06_the_receiver_is_reminded_two_days_then_one_day_before(
        client, freelancer, clock, policy):
    sender, to, receiver = ((client, "bo", freelancer) if policy == "upwork"
                            else (freelancer, "ada", client))
    c = send_offer(sender, to, policy, "Logo", "", PLAN, clock=clock)
    due = T0.shift(days=14)
    assert sweep(clock=FrozenClock(due.shift(days=-2, seconds=-1))).reminders == 0
    assert sweep(clock=FrozenClock(due.shift(days=-2))).reminders == 1
    assert sweep(clock=FrozenClock(due.shift(days=-2, hours=1))).reminders == 0
    assert sweep(clock=FrozenClock(due.shift(days=-1))).reminders == 1
    assert notified(receiver).count("reminder") == 2
    assert "reminder" not in notified(sender)
    text = Event.select().where((Event.contract == c.id) & (Event.kind == "reminder")) \
        .order_by(Event.id).first().summary
    assert text.startswith("Reminder: Answer the offer “Logo”") and "expires" in text


ROUNDS = 12


def test_O06_an_accept_racing_two_sweeps_at_the_expiry_ends_the_offer_one_way(
        client, freelancer):
    """Each round, as the offer expires, its receiver accepts (a millisecond before the
    due time) while two sweeps apply the expiry: exactly one thing happens, either the
    contract opens and the window is closed, or one sweep expires it and the accept is
    refused with O-06. Head starts in some rounds make both outcomes show."""
    rounds = []
    for i in range(ROUNDS):
        at = T0.shift(minutes=i)
        c = send_offer(client, "bo", "upwork", f"Round {i}", "", PLAN, clock=FrozenClock(at),
                       expires_at=dt.timedelta(days=1))
        rounds.append((c.id, at.shift(days=1)))
    outcomes = Counter()
    for i, (contract_id, due) in enumerate(rounds):
        head = {0: "accept", 1: "sweep"}.get(i // 4)
        barrier = threading.Barrier(3)
        box: dict = {}

        def accepting():
            try:
                barrier.wait()
                time.sleep(0.03 if head == "sweep" else random.random() / 1000)
                box["accept"] = accept_offer(freelancer, contract_id,
                                             clock=FrozenClock(due.shift(microseconds=-1000)))
            except RuleError as exc:
                box["accept"] = exc
            finally:
                database.close()

        def sweeping(k: int):
            try:
                barrier.wait()
                time.sleep(0.03 if head == "accept" else random.random() / 1000)
                box[f"sweep{k}"] = sweep(clock=FrozenClock(due))
            finally:
                database.close()

        threads = [threading.Thread(target=accepting)] + [
            threading.Thread(target=sweeping, args=(k,)) for k in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert {"accept", "sweep0", "sweep1"} <= set(box), f"round {i}: a side crashed: {box}"
        expired_by = [a for k in ("sweep0", "sweep1") for a in box[k].applied]
        accepted = not isinstance(box["accept"], RuleError)
        c, d = Contract.get_by_id(contract_id), Deadline.get(
            (Deadline.contract == contract_id) & (Deadline.kind == "offer_expiry"))
        expiring = AuditRecord.select().where((AuditRecord.contract == contract_id)
                                              & (AuditRecord.action == "expire_offer"))
        if accepted:
            assert (c.status, d.status, expired_by, expiring.count()) == (
                "open", "closed", [], 0), f"round {i}: {box}"
            outcomes["accepted"] += 1
        else:
            assert box["accept"].rule_id == "O-06", f"round {i}: {box['accept']!r}"
            assert [a.deadline_id for a in expired_by] == [d.id], f"round {i}: {box}"
            assert (c.status, d.status, expiring.count()) == ("expired", "applied", 1)
            assert not AuditRecord.select().where((AuditRecord.contract == contract_id)
                                                  & (AuditRecord.action == "accept_offer")
                                                  ).exists()
            outcomes["expired"] += 1
    print(f"\n[accept vs two sweeps over {ROUNDS} rounds: {dict(outcomes)}]")
    assert outcomes["accepted"] >= 1 and outcomes["expired"] >= 1
