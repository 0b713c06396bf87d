"""The policy table: every number and switch that belongs to a policy lives here."""
from __future__ import annotations

from dataclasses import dataclass

from rules.errors import INPUT, RuleError


@dataclass(frozen=True)
class Policy:
    name: str
    label: str
    platform: str                      # "upwork" | "fiverr"
    min_milestone_cents: int           # U-01
    max_milestones: int                # U-02, F-02
    min_order_total_cents: int         # F-01: the total must be over this (0: no floor)
    review_days: int                   # U-06 (14) / F-05 (8)
    review_expiry: str                 # "release" (U-06) | "complete_order" (F-05)
    start_next_days: int | None        # F-07: days to start the next milestone
    change_request_expiry_days: int    # U-24
    refund_answer_days: int            # U-32
    dispute_response_business_days: int  # U-33
    reminder_hours_before: tuple[int, ...]  # G-06
    initiation_fee_cents: int          # U-05: charged once, with the first funding
    charge_first_on_create: bool       # F-04: first milestone charged when ordered
    plan_editable: bool                # U-07/U-08: add, edit, delete after the start
    reorderable: bool                  # U-09, U-10
    due_dates_within_end_date: bool    # U-12 (compliance)
    freelancer_proposals: bool         # U-14
    client_change_requests: bool       # U-20
    partial_release: bool              # U-25/U-26/U-27: choose the amount
    bonus: bool                        # U-28
    release_without_submission: bool   # U-19
    refunds: bool                      # U-29
    default_revisions: int | None      # F-06: None means not limited
    # after a release the money is pending this many days before it is usable
    hold_days: int = 5                 # Upwork: 5-day security period; Fiverr: 14 days
    hold_days_top_rated: int | None = None  # Fiverr: 7 days for top-rated sellers
    freelancer_net_percent: int = 100  # Fiverr sellers net 80%; no fee: 100


_UPWORK = dict(
    platform="upwork", min_milestone_cents=500, max_milestones=200, min_order_total_cents=0,
    review_days=14, review_expiry="release", start_next_days=None,
    change_request_expiry_days=7, refund_answer_days=7, dispute_response_business_days=5,
    reminder_hours_before=(48, 24), initiation_fee_cents=495, charge_first_on_create=False,
    plan_editable=True, reorderable=True, due_dates_within_end_date=False,
    freelancer_proposals=True, client_change_requests=True, partial_release=True,
    bonus=True, release_without_submission=True, refunds=True, default_revisions=None)
_FIVERR = dict(
    platform="fiverr", min_milestone_cents=500, min_order_total_cents=100_00,
    review_days=8, review_expiry="complete_order", start_next_days=10,
    change_request_expiry_days=7, refund_answer_days=7, dispute_response_business_days=5,
    reminder_hours_before=(48, 24), initiation_fee_cents=0, charge_first_on_create=True,
    plan_editable=False, reorderable=False, due_dates_within_end_date=False,
    freelancer_proposals=False, client_change_requests=False, partial_release=False,
    bonus=False, release_without_submission=False, refunds=False, default_revisions=2,
    hold_days=14, hold_days_top_rated=7, freelancer_net_percent=80,
)

POLICIES: dict[str, Policy] = {
    "upwork": Policy(name="upwork", label="Upwork fixed price", **_UPWORK),
    "upwork-compliance": Policy(**{
        **_UPWORK, "name": "upwork-compliance", "label": "Upwork compliance (WPP)",
        "plan_editable": False, "due_dates_within_end_date": True,
        "freelancer_proposals": False, "client_change_requests": False}),
    "fiverr-gig": Policy(name="fiverr-gig", label="Fiverr Gig milestones",
                         max_milestones=5, **_FIVERR),
    "fiverr-offer": Policy(name="fiverr-offer", label="Fiverr custom offer",
                           max_milestones=6, **_FIVERR),
}


def get_policy(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError:
        raise RuleError(INPUT, f"Unknown policy “{name}”: choose one of "
                               f"{', '.join(POLICIES)}.") from None
