"""What held releases (X-29..X-31) leave behind, word for word: the pending row, the
timeline event and its notification, the audit record, the window (no reminders), what
the worker writes when it makes one final or cannot, a take-back's and a support
cancellation's closing of the row, and the names a lost race gives. Written for what
`make mutation` left alive in rules/pending_release.py."""
from __future__ import annotations

import json

import arrow
import pytest
from state_helpers import START

from models.audit import AuditRecord
from models.contracts import Contract
from models.deadlines import Deadline
from models.events import Event, Notification
from models.ledger import LedgerTransfer
from models.milestones import Milestone
from models.pending_releases import PendingRelease
from rules import pending_release
from rules.clock import FrozenClock
from rules.contract_view import contract_detail
from rules.deadlines import sweep
from rules.errors import RuleError
from rules.payments import fund_next_milestone
from rules.pending_release import (apply_held_release, release_with_undo, schedule_release,
                                   stamp, take_back_release, take_back_verdict)
from rules.support import cancel_milestone
from rules.work import submit_work

T0 = arrow.get(START)


@pytest.fixture
def in_review(make_contract, client, freelancer, clock):
    """The last milestone of a one-milestone Upwork contract, $250.00, submitted at T0."""
    clock.set(T0)
    c = make_contract("upwork", amounts=(250_00,))
    m = fund_next_milestone(client, c.id, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)
    return c, m


def last_event() -> Event:
    return Event.select().order_by(Event.id.desc()).first()


def last_audit() -> AuditRecord:
    return AuditRecord.select().order_by(AuditRecord.id.desc()).first()


def told(event: Event) -> list[int]:
    return [n.recipient_id for n in Notification.select().where(Notification.event == event.id)]


def test_X30_holding_a_release_with_a_bonus_writes_these_rows(in_review, client, freelancer,
                                                               clock):
    c, m = in_review
    held = release_with_undo(client, m.id, 250_00, 30_00, end_contract=True, clock=clock)
    row = PendingRelease.get_by_id(held.id)
    final = T0.shift(minutes=10)
    assert (row.milestone_id, row.contract_id, row.client_id, row.kind, row.amount_cents,
            row.bonus_cents, row.end_contract, row.previous_status, row.status) == (
        m.id, c.id, client.id, "undo", 250_00, 30_00, True, "submitted", "pending")
    assert (arrow.get(row.created_at), arrow.get(row.final_at)) == (T0, final)
    event = last_event()
    assert (event.kind, event.milestone_id, event.actor_id) == (
        "hold_release_undo", m.id, client.id)
    assert event.summary == ("Released $250.00 with a $30.00 bonus for “Milestone 1”: final "
                             "at 2026-03-02 09:10 UTC, until then the client can take it back")
    assert json.loads(event.details) == {"released_cents": 250_00, "bonus_cents": 30_00,
                                         "final_at": final.isoformat(), "kind": "undo"}
    assert told(event) == [freelancer.id]
    audit = last_audit()
    assert (audit.action, audit.target, audit.actor_id) == (
        "hold_release_undo", f"milestone:{m.id}", client.id)
    assert json.loads(audit.before) == {"status": "submitted"}
    assert json.loads(audit.after) == {"status": "releasing", "final_at": final.isoformat(),
                                       "released_cents": 250_00, "bonus_cents": 30_00}
    window = Deadline.get((Deadline.milestone == m.id) & (Deadline.kind == "release_at"))
    assert (window.status, window.remind_at, arrow.get(window.due_at)) == ("open", None, final)

    # Final: paid with its bonus, the contract ended as asked, the row closed at final_at.
    result = sweep(clock=FrozenClock(final))
    assert [a.summary for a in result.applied if a.kind == "release_at"] == [
        "Released $250.00 for “Milestone 1” (held release)"]
    bonus = (LedgerTransfer.select().where((LedgerTransfer.milestone == m.id)
                                           & (LedgerTransfer.kind == "bonus")).count())
    assert bonus == 1 and Contract.get_by_id(c.id).status == "ended"
    row = PendingRelease.get_by_id(held.id)
    assert (row.status, arrow.get(row.closed_at), row.outcome) == ("applied", final, "released")


def test_X29_a_scheduled_release_says_when_in_the_client_s_zone(in_review, client, clock):
    c, m = in_review
    client.timezone = "Europe/Berlin"
    client.save()
    schedule_release(client, m.id, T0.shift(days=2), clock=clock)
    assert last_event().summary == ("Release of $250.00 for “Milestone 1” scheduled for "
                                    "2026-03-04 10:00 Europe/Berlin")
    assert last_event().kind == "hold_release_scheduled"


def test_X30_a_stale_version_is_refused_and_names_the_milestone(in_review, client, clock,
                                                                 refused):
    c, m = in_review
    now = Milestone.get_by_id(m.id)
    with refused("conflict"):
        release_with_undo(client, m.id, version=now.version - 1, clock=clock)


def test_X31_taking_back_writes_these_rows(in_review, client, freelancer, clock):
    c, m = in_review
    held = release_with_undo(client, m.id, clock=clock)
    clock.set(T0.shift(minutes=4))
    take_back_release(client, m.id, clock=clock)
    event = last_event()
    assert (event.kind, event.milestone_id) == ("take_back_release", m.id)
    assert event.summary == ("Took back the release of $250.00 for “Milestone 1”: nothing "
                             "was paid, it is submitted again")
    assert json.loads(event.details) == {"released_cents": 250_00,
                                         "final_at": T0.shift(minutes=10).isoformat()}
    assert told(event) == [freelancer.id]
    audit = last_audit()
    assert (audit.action, json.loads(audit.before), json.loads(audit.after)) == (
        "take_back_release", {"status": "releasing"}, {"status": "submitted"})
    row = PendingRelease.get_by_id(held.id)
    assert (row.status, arrow.get(row.closed_at), row.outcome) == (
        "taken_back", T0.shift(minutes=4), "taken back by the client")


def test_X29_a_release_the_worker_cannot_make_final_writes_these_rows(
        in_review, client, clock, monkeypatch, system):
    c, m = in_review
    held = release_with_undo(client, m.id, clock=clock)

    def refuse(*args, **kwargs):
        raise RuleError("G-03", "The contract is closed. " + "x" * 300)
    monkeypatch.setattr(pending_release, "release", refuse)
    final = T0.shift(minutes=10)
    sweep(clock=FrozenClock(final))
    event = last_event()
    assert (event.kind, event.milestone_id, event.actor_id) == (
        "held_release_failed", m.id, system.id)
    assert json.loads(event.details) == {"rule": "G-03"}
    assert told(event) == [client.id]
    audit = last_audit()
    assert (audit.action, audit.target) == ("held_release_failed", f"milestone:{m.id}")
    assert (json.loads(audit.before), json.loads(audit.after)) == (
        {"status": "releasing"}, {"status": "submitted"})
    row = PendingRelease.get_by_id(held.id)
    assert (row.status, arrow.get(row.closed_at)) == ("failed", final)
    assert row.outcome == ("The contract is closed. " + "x" * 300)[:200]


def test_X29_the_worker_finds_nothing_to_apply_when_the_milestone_is_not_releasing(
        in_review, client, clock, system):
    c, m = in_review
    release_with_undo(client, m.id, clock=clock)
    window = Deadline.get((Deadline.milestone == m.id) & (Deadline.kind == "release_at"))
    Milestone.update(status="submitted").where(Milestone.id == m.id).execute()
    with pytest.raises(RuleError) as exc:
        apply_held_release(system, window, FrozenClock(T0.shift(minutes=10)))
    assert (exc.value.rule_id, exc.value.message) == (
        "X-29", "“Milestone 1” has no release waiting to become final.")


def test_X31_support_cancelling_closes_only_that_milestone_s_held_release(
        make_contract, client, freelancer, agent, clock):
    clock.set(T0)
    one = make_contract("upwork", amounts=(250_00,), title="One")
    two = make_contract("upwork", amounts=(250_00,), title="Two")
    held = []
    for c in (one, two):
        m = fund_next_milestone(client, c.id, clock=clock)
        submit_work(freelancer, m.id, "Done", clock=clock)
        held.append(release_with_undo(client, m.id, clock=clock))
    clock.set(T0.shift(minutes=3))
    cancel_milestone(agent, held[0].milestone_id, "Both parties asked", clock=clock)
    first, second = (PendingRelease.get_by_id(h.id) for h in held)
    assert (first.status, arrow.get(first.closed_at), first.version) == (
        "closed", T0.shift(minutes=3), 2)
    assert first.outcome == "support cancelled the milestone"
    assert (second.status, second.version) == ("pending", 1)


def test_X31_the_room_s_verdicts_say_why_word_for_word(in_review, client, freelancer, clock):
    c, m = in_review
    detail = contract_detail(client, c.id)
    assert take_back_verdict(detail, "client", None, clock.now()).reason == (
        "Choose a milestone first.")
    assert take_back_verdict(detail, "client", m.id, clock.now()).reason == (
        "“Milestone 1” has no release to take back (X-31).")
    release_with_undo(client, m.id, clock=clock)
    detail = contract_detail(client, c.id)
    assert take_back_verdict(detail, "freelancer", m.id, clock.now()).reason == (
        "Only the client may schedule, hold or take back a release (G-07).")
    assert take_back_verdict(detail, "client", m.id, T0.shift(minutes=10)).reason == (
        "The release of “Milestone 1” is final: it can no longer be taken back (X-31).")


def test_the_time_said_in_a_refusal_is_the_reader_s(client):
    at = arrow.get("2026-03-02T09:00:00+00:00")
    assert stamp(at, client) == "2026-03-02 09:00 UTC"
    client.timezone = "America/New_York"
    assert stamp(at, client) == "2026-03-02 04:00 America/New_York"
    client.timezone = ""
    assert stamp(at, client) == "2026-03-02 09:00 UTC"


def test_X29_typed_times_word_for_word():
    from rules.pending_release import parse_release_at
    with pytest.raises(RuleError) as exc:
        parse_release_at(None, "UTC", T0)
    assert exc.value.message == "The release time must be text: YYYY-MM-DD HH:mm."
    with pytest.raises(RuleError) as exc:
        parse_release_at("x" * 60, "", T0)
    assert exc.value.message == (f"“{'x' * 40}” is not a date and time: use YYYY-MM-DD HH:mm "
                                 "(UTC), or HH:mm for the next such time.")
    # At the very minute typed, "09:00" is the next one: tomorrow's.
    assert parse_release_at("09:00", "UTC", T0) == T0.shift(days=1)
    assert parse_release_at("09:01", "", T0.shift(seconds=30)) == T0.shift(minutes=1)
    assert parse_release_at("2026-03-05 9:05", "UTC", T0) == arrow.get("2026-03-05T09:05Z")


# --- lost races (G-09): the other writer simulated between the checks and the writes ---


def bump(model, row_id: int) -> None:
    model.update(version=model.version + 1).where(model.id == row_id).execute()


def test_G09_a_hold_that_lost_the_race_names_the_milestone(in_review, client, clock,
                                                            refused, monkeypatch):
    c, m = in_review
    checked = pending_release.refuse_after_review_window

    def then_someone_writes(*args, **kwargs):
        checked(*args, **kwargs)
        bump(Milestone, m.id)
    monkeypatch.setattr(pending_release, "refuse_after_review_window", then_someone_writes)
    with refused("conflict") as caught:
        release_with_undo(client, m.id, clock=clock)
    assert caught.value.message.startswith("This milestone was changed by someone else")


@pytest.mark.parametrize("fails", [False, True])
def test_G09_the_worker_losing_the_race_names_what_changed(in_review, client, clock, system,
                                                           monkeypatch, fails):
    """The milestone moved on as the worker starts, or the pending row as it finishes
    (making it final, or recording why it could not)."""
    c, m = in_review
    held = release_with_undo(client, m.id, clock=clock)
    window = Deadline.get((Deadline.milestone == m.id) & (Deadline.kind == "release_at"))
    final = FrozenClock(T0.shift(minutes=10))
    original_now = pending_release.now_of
    monkeypatch.setattr(pending_release, "now_of",
                        lambda c: (bump(Milestone, m.id), original_now(c))[1])
    with pytest.raises(RuleError) as caught:
        with pending_release.database.atomic():
            apply_held_release(system, window, final)
    assert caught.value.message.startswith("This milestone was changed by someone else")
    # The pending row moves on once the worker has read it (bumped outside the release's
    # own savepoint, which a refusal rolls back).
    monkeypatch.setattr(pending_release, "now_of",
                        lambda c: (bump(PendingRelease, held.id), original_now(c))[1])
    if fails:
        def refuse(*args, **kwargs):
            raise RuleError("G-03", "The contract is closed.")
        monkeypatch.setattr(pending_release, "release", refuse)
    with pytest.raises(RuleError) as caught:
        with pending_release.database.atomic():
            apply_held_release(system, window, final)
    assert caught.value.message.startswith("This release was changed by someone else")
