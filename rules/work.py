"""Submitting work and asking for changes (U-13, U-17, U-18, F-06)."""
from __future__ import annotations

from models.accounts import Account
from models.milestones import Submission
from models.vocabulary import MilestoneStatus as S
from models.vocabulary import SubmissionStatus
from rules.calendar import add_days, is_overdue
from rules.clock import Clock
from rules.errors import RuleError
from rules.evidence import check_evidence
from rules.journal import record
from rules.payments import refuse_after_review_window, refuse_state
from rules.settlement import cancel_pending_change_requests
from rules.store import (authorize, cas_update, check_expected_version, load_actor,
                         load_milestone, now_of, other_parties, policy_of, require_open,
                         transactional)
from rules.validation import check_link, check_text
from rules.windows import close_windows, open_window


@transactional
def submit_work(actor: Account, milestone_id: int, message: str, link: str = "", *,
                evidence=None, version: int | None = None,
                clock: Clock | None = None) -> Submission:
    """U-17: the freelancer submits work for the active milestone, late or not (U-13).
    Opens the client's review window (U-06: 14 days; F-05: 8 days) and cancels a pending
    change request on the milestone (U-23). A milestone with acceptance criteria needs
    `evidence`, one rules.evidence.EvidenceItem per criterion (X-33)."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    authorize("submit_work", actor, contract)
    require_open(contract)
    check_expected_version(m, version, "This milestone")
    if m.status == S.SUBMITTED:
        raise RuleError("U-17", f"Work for “{m.title}” is already submitted and waiting for "
                                "the client's review.")
    if m.status not in (S.FUNDED, S.CHANGES_REQUESTED):
        raise refuse_state(m, "submitted")
    text = check_text(message, "A message describing the work", required=True, rule="U-17")
    url = check_link(link)
    shown = check_evidence(m.criteria or (), evidence)
    policy = policy_of(contract)
    at = now_of(clock)
    overdue = is_overdue(m.due_date, m.status, at)  # U-13: shown, never refused
    before = {"status": m.status}
    cas_update(m, "This milestone", status=S.SUBMITTED)
    sub = Submission.create(milestone=m.id, author=actor.id, message=text, link=url,
                            evidence=shown, submitted_at=at, status=SubmissionStatus.PENDING)
    due = add_days(at, policy.review_days)
    open_window("review", contract=contract, milestone_id=m.id, opened_at=at, due_at=due)
    cancelled = cancel_pending_change_requests(contract.id, at, milestone_id=m.id)
    summary = f"Submitted work for “{m.title}”" + (" (after its due date)" if overdue else "")
    record(actor=actor, action="submit_work", contract_id=contract.id, milestone_id=m.id,
           summary=summary, at=at, notify=other_parties(contract, actor),
           details={"message": text, "link": url, "review_due_at": due.isoformat(),
                    "overdue": overdue, "change_requests_cancelled": cancelled,
                    **({"evidence": list(shown)} if shown else {})},
           target=f"milestone:{m.id}", before=before,
           after={"status": m.status, "submission": sub.id})
    return sub


@transactional
def request_changes(actor: Account, milestone_id: int, message: str, *,
                    version: int | None = None, clock: Clock | None = None) -> None:
    """U-18 (Fiverr: a revision, F-06): send submitted work back with a message."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    authorize("request_changes", actor, contract)
    require_open(contract)
    check_expected_version(m, version, "This milestone")
    if m.status == S.RELEASING:
        raise refuse_state(m, "sent back for changes")
    if m.status != S.SUBMITTED:
        raise RuleError("U-18", f"Changes can be requested only on submitted work; "
                                f"“{m.title}” is {m.status.replace('_', ' ')}.")
    text = check_text(message, "A message saying what needs changing", required=True,
                      rule="U-18")
    at = now_of(clock)
    # The window first: once the review period is over, no revision count matters (the
    # state machine's boundary probe found the other order naming F-06 there).
    refuse_after_review_window(actor, m, contract, at)
    if m.revisions_allowed is not None and m.revisions_used >= m.revisions_allowed:
        raise RuleError("F-06", f"All {m.revisions_allowed} revisions of “{m.title}” are "
                                "used: accept the delivery or contact support.")
    before = {"status": m.status, "revisions_used": m.revisions_used}
    cas_update(m, "This milestone", status=S.CHANGES_REQUESTED,
               revisions_used=m.revisions_used + 1)
    Submission.update(status=SubmissionStatus.CHANGES_REQUESTED,
                      version=Submission.version + 1).where(
        (Submission.milestone == m.id) & (Submission.status == SubmissionStatus.PENDING)
    ).execute()
    close_windows(at=at, contract_id=contract.id, milestone_id=m.id, kind="review")
    word = "a revision" if policy_of(contract).platform == "fiverr" else "changes"
    record(actor=actor, action="request_changes", contract_id=contract.id, milestone_id=m.id,
           summary=f"Requested {word} on “{m.title}”", at=at,
           notify=other_parties(contract, actor),
           details={"message": text, "revisions_used": m.revisions_used,
                    "revisions_allowed": m.revisions_allowed},
           target=f"milestone:{m.id}", before=before,
           after={"status": m.status, "revisions_used": m.revisions_used})
