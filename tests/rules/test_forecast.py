"""Payout forecast (X-24 hold, X-25 net): pure policy arithmetic at a frozen time."""
import arrow

from rules.forecast import bar_chart, net_of, payout_forecast, weekly_buckets
from rules.policy import get_policy

NOW = arrow.get("2026-03-02T12:00:00+00:00")
UPWORK = get_policy("upwork")
FIVERR = get_policy("fiverr-gig")


def test_x25_fiverr_seller_nets_80_percent_rounded_down():
    assert net_of(FIVERR, 100_00) == (80_00, 20_00)
    net, fee = net_of(FIVERR, 1_01)  # 80.8 cents: the net rounds down
    assert (net, fee) == (80, 21) and net + fee == 1_01


def test_x25_upwork_policy_has_no_fee():
    assert net_of(UPWORK, 123_45) == (123_45, 0)


def test_x24_upwork_in_review_released_after_14_days_then_5_day_hold():
    f = payout_forecast(UPWORK, 500_00, now=NOW, review_opened_at=NOW.shift(days=-10))
    assert f.release_at == NOW.shift(days=4)
    assert f.release_countdown == "in 4 days"
    assert f.available_at == NOW.shift(days=9)
    assert f.available_countdown == "in 9 days"
    assert f.net_cents == 500_00


def test_x24_fiverr_review_8_days_then_14_days_clearance():
    f = payout_forecast(FIVERR, 100_00, now=NOW, review_opened_at=NOW)
    assert f.release_at == NOW.shift(days=8)
    assert f.available_at == NOW.shift(days=22)
    assert f.net_cents == 80_00


def test_x24_fiverr_top_rated_seller_clears_in_7_days():
    f = payout_forecast(FIVERR, 100_00, now=NOW, released_at=NOW, top_rated=True)
    assert f.available_at == NOW.shift(days=7)
    # Upwork has no top-rated hold: the flag changes nothing there
    g = payout_forecast(UPWORK, 100_00, now=NOW, released_at=NOW, top_rated=True)
    assert g.available_at == NOW.shift(days=5)


def test_x24_released_money_after_the_hold_is_available():
    f = payout_forecast(UPWORK, 100_00, now=NOW, released_at=NOW.shift(days=-5))
    assert f.available_countdown == "available"
    assert f.release_countdown == ""


def test_x24_not_submitted_has_no_forecast():
    f = payout_forecast(UPWORK, 100_00, now=NOW)
    assert f.release_at is None and f.available_at is None


def test_x24_weekly_buckets_and_chart_fit_80_columns():
    forecasts = [
        payout_forecast(UPWORK, 100_00, now=NOW, released_at=NOW),           # day 5: week 0
        payout_forecast(UPWORK, 300_00, now=NOW, released_at=NOW.shift(days=3)),  # day 8: wk 1
        payout_forecast(UPWORK, 50_00, now=NOW, released_at=NOW.shift(days=-9)),  # available
        payout_forecast(UPWORK, 70_00, now=NOW, released_at=NOW.shift(days=60)),  # beyond
    ]
    buckets = weekly_buckets(forecasts, NOW)
    assert buckets == [100_00, 300_00, 0, 0, 0, 0, 0, 0]
    lines = bar_chart(buckets, NOW)
    assert len(lines) == 8 and all(len(line) <= 80 for line in lines)
    assert lines[1].count("█") == 40 and lines[0].count("█") == 13
    assert lines[2].count("█") == 0 and "$300.00" in lines[1]
