"""Payout forecast (X-24, X-25): when released money becomes usable, and how much.

Pure arithmetic over the policy table, no database: the same function answers for a
milestone in review (released at the latest when its review window closes, U-06/F-05),
one already released (usable when the post-release hold ends), and a week-by-week view.
Windows are exact multiples of 24 hours (G-08, rules/calendar.add_days).

Rounding (X-25): the freelancer's net is `gross * net_percent // 100`, rounded down to
the cent; the platform's fee is the rest, so net + fee == gross exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import arrow

from rules.calendar import add_days, human_delta
from rules.money import format_money
from rules.policy import Policy


@dataclass(frozen=True)
class PayoutForecast:
    gross_cents: int
    net_cents: int
    fee_cents: int
    release_at: arrow.Arrow | None    # None: not submitted, so no window runs yet
    available_at: arrow.Arrow | None
    release_countdown: str            # "" once released or when unknown
    available_countdown: str          # "" when unknown; "available" once the hold ended


def net_of(policy: Policy, gross_cents: int) -> tuple[int, int]:
    """X-25: (net, fee) in integer cents; the net rounds down, the fee takes the rest."""
    net = gross_cents * policy.freelancer_net_percent // 100
    return net, gross_cents - net


def hold_days_for(policy: Policy, *, top_rated: bool = False) -> int:
    """X-24: the post-release hold; the shorter top-rated hold where the policy has one."""
    if top_rated and policy.hold_days_top_rated is not None:
        return policy.hold_days_top_rated
    return policy.hold_days


def payout_forecast(policy: Policy, gross_cents: int, *, now: arrow.Arrow,
                    released_at: arrow.Arrow | None = None,
                    review_opened_at: arrow.Arrow | None = None,
                    top_rated: bool = False,
                    hold_ends_at: arrow.Arrow | None = None) -> PayoutForecast:
    """X-24: released money is usable `hold_days` after its release; money in review is
    released at the latest when the review window closes, then held the same way.
    `hold_ends_at`: the end the ledger's hold row keeps (X-26), which then decides."""
    net, fee = net_of(policy, gross_cents)
    release_at = released_at
    release_countdown = ""
    if release_at is None and review_opened_at is not None:
        release_at = add_days(review_opened_at, policy.review_days)
        release_countdown = human_delta(release_at, now)
    if release_at is None:
        return PayoutForecast(gross_cents, net, fee, None, None, "", "")
    available_at = hold_ends_at or add_days(release_at, hold_days_for(policy,
                                                                      top_rated=top_rated))
    countdown = "available" if available_at <= now else human_delta(available_at, now)
    return PayoutForecast(gross_cents, net, fee, release_at, available_at,
                          release_countdown, countdown)


def weekly_buckets(forecasts: list[PayoutForecast], now: arrow.Arrow,
                   weeks: int = 8) -> list[int]:
    """Net cents becoming available in each of the next `weeks` 7-day spans from `now`
    (week 0 is [now, now + 7 days)). Money already available or not yet forecast is not
    counted; money beyond the last week neither."""
    buckets = [0] * weeks
    for f in forecasts:
        if f.available_at is None or f.available_at <= now:
            continue
        index = int((f.available_at - now).total_seconds() // (7 * 86400))
        if index < weeks:
            buckets[index] += f.net_cents
    return buckets


def bar_chart(buckets: list[int], now: arrow.Arrow, width: int = 40) -> list[str]:
    """Plain-text bars (█), one line per week, no colour needed; fits 80 columns."""
    top = max(buckets, default=0)
    lines = []
    for i, cents in enumerate(buckets):
        start = now.shift(days=7 * i).format("MMM D")
        bar = "█" * (0 if top == 0 else max(1 if cents else 0, cents * width // top))
        lines.append(f"{start:>6}  {bar:<{width}}  {format_money(cents):>12}")
    return lines
