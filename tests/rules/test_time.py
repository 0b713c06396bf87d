"""G-08 (windows of exactly N×24 h in UTC, human phrases) and U-33 (business days)."""
from __future__ import annotations

import datetime as dt

import arrow
import pytest

from models.deadlines import Deadline
from models.milestones import Milestone
from rules.calendar import add_business_days, add_days, human_delta
from rules.payments import fund_next_milestone
from rules.refunds import dispute_refund, request_refund
from rules.work import submit_work

MONDAY = arrow.get("2026-03-02T00:00:00+00:00")  # a Monday, 00:00 UTC
DAY = 86_400
WEEK_BUSINESS = 5 * DAY


# --- G-08: N days are exactly N×24 hours in UTC ---------------------------------------

def test_G08_a_window_of_n_days_is_exactly_n_times_24_hours():
    start = arrow.get("2026-03-02T23:30:00+00:00")
    for days in (0, 1, 7, 8, 10, 14):
        due = add_days(start, days)
        assert due.tzinfo.utcoffset(None) == dt.timedelta(0)
        assert (due - start).total_seconds() == days * DAY


def test_G08_a_window_ignores_daylight_saving_changes_of_local_time():
    # 2026-03-08 is the US spring-forward day: a local-time shift would be 1 h short.
    start = arrow.get("2026-03-07T21:15:30", tzinfo="America/New_York")
    due = add_days(start, 14)
    assert (due - start).total_seconds() == 14 * DAY
    assert due == arrow.get("2026-03-22T02:15:30+00:00")  # 21:15:30 EST = 02:15:30 UTC
    assert due.utcoffset() == dt.timedelta(0)


def test_G08_submission_at_2330_utc_is_due_14x24h_later_to_the_second(
        db, clock, make_contract, client, freelancer):
    contract = make_contract()
    clock.set("2026-03-02T23:30:00+00:00")
    m = fund_next_milestone(client, contract.id, clock=clock)
    clock.set("2026-03-05T23:30:17+00:00")
    submit_work(freelancer, m.id, "Done", clock=clock)
    window = Deadline.get((Deadline.milestone == m.id) & (Deadline.kind == "review"))
    assert window.opened_at == dt.datetime(2026, 3, 5, 23, 30, 17)
    assert window.due_at == dt.datetime(2026, 3, 19, 23, 30, 17)
    assert (window.due_at - window.opened_at).total_seconds() == 14 * DAY


def test_G08_a_clock_in_another_zone_stores_the_window_in_utc(
        db, make_contract, client, freelancer):
    from rules.clock import FrozenClock
    local = FrozenClock("2026-03-03T08:00:00+05:30")  # 02:30 UTC
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=local)
    submit_work(freelancer, m.id, "Done", clock=local)
    window = Deadline.get((Deadline.milestone == m.id) & (Deadline.kind == "review"))
    assert window.opened_at == dt.datetime(2026, 3, 3, 2, 30)
    assert window.due_at == dt.datetime(2026, 3, 17, 2, 30)


@pytest.mark.parametrize("seconds, phrase", [
    (3 * DAY, "in 3 days"),
    (3 * DAY + 4 * 3600, "in 3 days 4 h"),
    (3 * DAY + 4 * 3600 + 59 * 60, "in 3 days 4 h"),  # two units at most
    (DAY, "in 1 day"),
    (DAY + 3600, "in 1 day 1 h"),
    (2 * 3600, "in 2 h"),
    (90 * 60, "in 1 h 30 min"),
    (60, "in 1 min"),
    (59, "in less than a minute"),
    (0, "in less than a minute"),
    (-2 * 3600, "2 h ago"),
    (-5 * 60, "5 min ago"),
    (-DAY, "1 day ago"),
    (-(2 * DAY + 3 * 3600), "2 days 3 h ago"),
])
def test_G08_human_delta_phrases(seconds, phrase):
    now = arrow.get("2026-03-02T09:00:00+00:00")
    assert human_delta(now.shift(seconds=seconds), now) == phrase


def test_G08_human_delta_compares_instants_not_wall_clocks():
    now = arrow.get("2026-03-02T09:00:00+00:00")
    same_instant_elsewhere = arrow.get("2026-03-05T18:00:00+09:00")  # 09:00 UTC
    assert human_delta(same_instant_elsewhere, now) == "in 3 days"


# --- U-33: business days, Monday to Friday, UTC -----------------------------------------

def _business_seconds(t: arrow.Arrow) -> int:
    """Weekday seconds elapsed between MONDAY and `t` (weekends count nothing)."""
    elapsed = int((t - MONDAY).total_seconds())
    weeks, into = divmod(elapsed, 7 * DAY)
    return weeks * WEEK_BUSINESS + min(into, WEEK_BUSINESS)


def _reference(start: arrow.Arrow, days: int) -> arrow.Arrow:
    """The first instant, never on a weekend, at which `days` × 24 h of weekday time have
    passed since `start`. An independent model of U-33 to check the implementation by."""
    target = _business_seconds(start) + days * DAY
    weeks, rest = divmod(target, WEEK_BUSINESS)
    return MONDAY.shift(seconds=weeks * 7 * DAY + rest)


def test_U33_business_days_match_the_reference_for_every_start_hour_of_a_week():
    # The calendar repeats weekly: every hour of eight days (a full week and the next
    # Monday), on the hour and a second before the next, covers every weekend crossing.
    checked = 0
    for hour in range(0, 8 * 24):
        for second in (0, 3599):
            start = MONDAY.shift(hours=hour, seconds=second)
            for days in range(0, 11):
                got = add_business_days(start, days)
                assert got == _reference(start, days), (start.format("ddd YYYY-MM-DD HH:mm"), days)
                assert got.weekday() < 5, "a business-day window never closes on a weekend"
                assert got >= start
                checked += 1
    assert checked == 8 * 24 * 2 * 11


@pytest.mark.parametrize("start, due", [
    # Monday to Friday: five weekdays fit in the same week only from Monday 00:00 on.
    ("2026-03-02T09:00:00", "2026-03-09T09:00:00"),   # Mon -> next Mon
    ("2026-03-04T10:00:00", "2026-03-11T10:00:00"),   # Wed -> next Wed
    ("2026-03-06T15:00:00", "2026-03-13T15:00:00"),   # Fri -> next Fri
    ("2026-03-06T23:59:59", "2026-03-13T23:59:59"),   # Fri, last second
    ("2026-03-07T10:00:00", "2026-03-16T00:00:00"),   # Sat: counting starts Monday 00:00
    ("2026-03-08T23:00:00", "2026-03-16T00:00:00"),   # Sun, same
])
def test_U33_five_business_days_from_each_kind_of_day(start, due):
    got = add_business_days(arrow.get(start + "+00:00"), 5)
    assert got == arrow.get(due + "+00:00")


def test_U33_one_business_day_from_friday_evening_is_monday_evening():
    friday = arrow.get("2026-03-06T20:00:00+00:00")
    assert add_business_days(friday, 1) == arrow.get("2026-03-09T20:00:00+00:00")
    assert add_business_days(friday.shift(days=-1), 1) == friday  # Thu -> Fri


def test_U33_business_days_count_in_utc_not_local_time():
    # Saturday 01:00 in Tokyo is still Friday 16:00 UTC: a business day.
    tokyo = arrow.get("2026-03-07T01:00:00", tzinfo="Asia/Tokyo")
    assert add_business_days(tokyo, 5) == arrow.get("2026-03-13T16:00:00+00:00")


def test_U33_zero_business_days_from_a_weekday_is_now():
    wed = arrow.get("2026-03-04T12:00:00+00:00")
    assert add_business_days(wed, 0) == wed


def test_U33_dispute_window_on_a_friday_skips_the_weekend(
        db, clock, make_contract, client, freelancer):
    contract = make_contract()
    m = fund_next_milestone(client, contract.id, clock=clock)
    rr = request_refund(client, m.id, reason="Not delivered", clock=clock)
    clock.set("2026-03-06T15:00:00+00:00")  # Friday
    dispute_refund(freelancer, rr.id, "I delivered on Tuesday", clock=clock)
    window = Deadline.get((Deadline.refund_request == rr.id)
                          & (Deadline.kind == "dispute_response"))
    assert window.status == "open"
    assert window.milestone_id == m.id
    assert window.opened_at == dt.datetime(2026, 3, 6, 15, 0)
    assert window.due_at == dt.datetime(2026, 3, 13, 15, 0)  # next Friday, weekend skipped
    assert Milestone.get_by_id(m.id).status == "disputed"
