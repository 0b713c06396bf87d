"""The stored vocabulary: short status strings. Which transitions are allowed is decided in rules/."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLIENT = "client"
    FREELANCER = "freelancer"
    AGENT = "agent"
    SYSTEM = "system"  # the deadline worker acting on expired windows


class ContractStatus(StrEnum):
    OPEN = "open"
    ENDED = "ended"          # ended by a party (G-03)
    COMPLETED = "completed"  # Fiverr order marked completed (F-05, F-07)
    CANCELLED = "cancelled"  # whole order cancelled through support (F-08)
    OFFERED = "offered"      # an offer waiting for its receiver (O-01..O-05)
    DECLINED = "declined"    # an offer its receiver declined (O-03)
    WITHDRAWN = "withdrawn"  # an offer its sender withdrew while pending (O-04)
    EXPIRED = "expired"      # an offer left unanswered until its expiry (O-06)


class MilestoneStatus(StrEnum):
    PLANNED = "planned"                  # future: not yet activated and funded
    FUNDED = "funded"                    # active, money in escrow, work in progress
    SUBMITTED = "submitted"              # work submitted, review window open
    CHANGES_REQUESTED = "changes_requested"
    REFUND_REQUESTED = "refund_requested"
    DISPUTED = "disputed"                # freelancer disputed; client's response window (U-33)
    IN_SUPPORT = "in_support"            # client responded; a support agent decides (G-02)
    RELEASING = "releasing"              # released, not final yet
    RELEASED = "released"
    REFUNDED = "refunded"
    RESOLVED = "resolved"                # split by a support agent
    CANCELLED = "cancelled"


ACTIVE_STATUSES = frozenset({
    MilestoneStatus.FUNDED, MilestoneStatus.SUBMITTED, MilestoneStatus.CHANGES_REQUESTED,
    MilestoneStatus.REFUND_REQUESTED, MilestoneStatus.DISPUTED, MilestoneStatus.IN_SUPPORT,
    MilestoneStatus.RELEASING,  # its money is still in escrow until the release is final
})
FINAL_STATUSES = frozenset({
    MilestoneStatus.RELEASED, MilestoneStatus.REFUNDED, MilestoneStatus.RESOLVED,
    MilestoneStatus.CANCELLED,
})


class ChangeRequestKind(StrEnum):
    CLIENT_ACTIVE = "client_active"              # U-20: client edits the active milestone
    FREELANCER_PROPOSAL = "freelancer_proposal"  # U-14: freelancer edits future milestones
    FUNDING = "funding"                          # either party, the funding policy


class ChangeRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"  # U-23, or the contract ended
    EXPIRED = "expired"      # U-24
    COUNTERED = "countered"  # answered with an amended version (its `previous`)


class RefundSource(StrEnum):
    ESCROW = "escrow"  # money still in the milestone's escrow
    PAID = "paid"      # money already released to the freelancer


class RefundStatus(StrEnum):
    PENDING = "pending"
    DISPUTED = "disputed"
    IN_SUPPORT = "in_support"
    AGREED = "agreed"          # freelancer agreed: money back to the client
    GRANTED = "granted"        # U-32: unanswered for 7 days
    KEPT = "kept"              # U-33: client did not respond, the freelancer keeps it
    RESOLVED = "resolved"      # G-02: split by support
    CANCELLED = "cancelled"    # F-08 cancellation superseded it


class SubmissionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    CLOSED = "closed"  # milestone refunded, cancelled or resolved while under review


class DeadlineKind(StrEnum):
    REVIEW = "review"                    # U-06 / F-05
    START_NEXT = "start_next"            # F-07
    CHANGE_REQUEST = "change_request"    # U-24
    REFUND_ANSWER = "refund_answer"      # U-32
    DISPUTE_RESPONSE = "dispute_response"  # U-33
    OFFER_EXPIRY = "offer_expiry"        # O-06
    RELEASE_AT = "release_at"            # a held release becomes final


class PendingReleaseKind(StrEnum):
    SCHEDULED = "scheduled"  # "release at" a time the client chose
    UNDO = "undo"            # a manual release inside its undo window


class PendingReleaseStatus(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"        # the worker released it at final_at
    TAKEN_BACK = "taken_back"  # the client took it back in time
    FAILED = "failed"          # the state no longer allowed it at final_at (the reason kept)
    CLOSED = "closed"          # the milestone was settled another way (support, F-08)


class DeadlineStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"    # closed by a user action before it was due
    APPLIED = "applied"  # the automatic action ran


class LedgerAccount(StrEnum):
    CLIENT_PAYMENT = "client_payment"    # the client's payment method (negative: charged)
    PROJECT_FUNDS = "project_funds"      # leftover funds held on the contract (U-04)
    ESCROW = "escrow"                    # one milestone's escrow
    # Paid to the freelancer and pending: the policy's hold has not ended.
    FREELANCER = "freelancer_earnings"
    FREELANCER_AVAILABLE = "freelancer_available"  # paid, hold over: usable
    PLATFORM_FEES = "platform_fees"
    CLIENT_REFUNDS = "client_refunds"    # money returned to the client


# Everything paid to the freelancer, pending or available.
PAID_ACCOUNTS = (LedgerAccount.FREELANCER, LedgerAccount.FREELANCER_AVAILABLE)


class HoldStatus(StrEnum):
    PENDING = "pending"      # released, the hold runs
    AVAILABLE = "available"  # moved to freelancer_available by the sweep, exactly once
    REFUNDED = "refunded"    # a paid refund took all of it back while pending (U-29)
