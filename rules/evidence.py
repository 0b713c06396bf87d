"""Acceptance criteria and evidence (X-32..X-35).

A milestone may carry a checklist of acceptance criteria, agreed as part of the plan
(X-32: rules.validation.check_criteria, through the plan's add and edit operations, so
proposals, revisions and diffs carry them like any other field). A submission for such a
milestone shows evidence for each criterion: a link, a note or both (X-33,
`check_evidence`, called by rules.work.submit_work). Review, a refund dispute and the
support console show the criteria against the latest evidence (X-34, `criteria_table`).
`evidence_bundle` gathers one milestone's criteria, submissions, messages and audit
records with their hashes, for a dispute after the review period (X-35).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Sequence

import arrow

from models.accounts import Account
from models.audit import AuditRecord
from models.change_requests import ChangeRequest
from models.events import Event
from models.milestones import Submission
from models.refunds import RefundRequest
from rules import access
from rules.errors import RuleError
from rules.store import load_actor, load_milestone
from rules.validation import check_link, check_text

MAX_NOTE = 1000  # a note says where to look, the work itself is linked


@dataclass(frozen=True)
class EvidenceItem:
    """What a submission shows for one criterion: a link, a note, or both."""
    link: str = ""
    note: str = ""


@dataclass(frozen=True)
class CriterionRow:
    """X-34: one criterion against the latest submission's evidence for it."""
    position: int
    criterion: str
    link: str
    note: str

    @property
    def shown(self) -> bool:
        return bool(self.link or self.note)


def evidence_from_text(texts: Sequence[str]) -> list[EvidenceItem]:
    """Evidence as a person types it, one text per criterion: "URL | NOTE", a link
    alone (it starts with http://, https:// or mailto:), or a note alone. The CLI's
    `--evidence` and the submit dialog's fields both read it so."""
    items = []
    for text in texts:
        head, bar, tail = str(text).partition(" | ")
        if bar:
            items.append(EvidenceItem(link=head.strip(), note=tail))
        elif head.strip().lower().startswith(("http://", "https://", "mailto:")):
            items.append(EvidenceItem(link=head.strip()))
        else:
            items.append(EvidenceItem(note=head))
    return items


def check_evidence(criteria: Sequence[str], items: object) -> tuple[dict, ...]:
    """X-33: one EvidenceItem per criterion, in order, each with a valid link (T-07) or
    a note; none for a milestone without criteria. Returns what is stored: each item
    with its criterion's words as they are now."""
    items = () if items is None else items
    if not isinstance(items, (list, tuple)) or not all(
            isinstance(i, EvidenceItem) for i in items):
        raise RuleError("X-33", "Evidence is one link or note per acceptance criterion.")
    if not criteria:
        if items:
            raise RuleError("X-33", "This milestone has no acceptance criteria to show "
                                    "evidence for.")
        return ()
    if len(items) != len(criteria):
        raise RuleError("X-33", f"This milestone has {len(criteria)} acceptance criteria: "
                                f"show evidence for each ({len(items)} given).")
    stored = []
    for n, (criterion, item) in enumerate(zip(criteria, items), 1):
        link = check_link(item.link)
        note = check_text(item.note, f"The note for criterion {n}", limit=MAX_NOTE)
        if not link and not note:
            raise RuleError("X-33", f"Criterion {n} (“{criterion}”) needs evidence: a link "
                                    "or a note.")
        stored.append({"criterion": criterion, "link": link, "note": note})
    return tuple(stored)


def criteria_table(criteria: Sequence[str], evidence: Sequence[dict] | None
                   ) -> list[CriterionRow]:
    """X-34 (pure): each criterion with the evidence the latest submission showed for
    it, matched by its words (a criterion changed since shows none)."""
    given = {e.get("criterion"): e for e in (evidence or ()) if isinstance(e, dict)}
    rows = []
    for n, criterion in enumerate(criteria, 1):
        e = given.get(criterion, {})
        rows.append(CriterionRow(n, criterion, str(e.get("link") or ""),
                                 str(e.get("note") or "")))
    return rows


def _iso(value) -> str | None:
    return arrow.get(value).isoformat() if value is not None else None


def evidence_bundle(actor: Account, milestone_id: int) -> dict:
    """X-35: one milestone's criteria, every submission with its evidence, the
    messages of its timeline and the audit records about it (with their hashes, so
    `audit verify` on the full log can vouch for them). For the parties and support
    (G-07: anyone else learns nothing)."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    access.check("view_contract", actor.id, actor.role, contract.client_id,
                 contract.freelancer_id)
    submissions = [
        {"id": s.id, "submitted_at": _iso(s.submitted_at), "status": s.status,
         "message": s.message, "link": s.link, "evidence": list(s.evidence or ())}
        for s in Submission.select().where(Submission.milestone == m.id)
        .order_by(Submission.submitted_at, Submission.id)]
    messages = [
        {"id": e.id, "at": _iso(e.occurred_at), "by": e.display_name, "kind": e.kind,
         "summary": e.summary, "details": json.loads(e.details or "{}")}
        for e in Event.select(Event, Account.display_name).join(Account)
        .where(Event.milestone == m.id).order_by(Event.occurred_at, Event.id).objects()]
    targets = [f"milestone:{m.id}"]
    targets += [f"refund:{r}" for (r,) in RefundRequest.select(RefundRequest.id)
                .where(RefundRequest.milestone == m.id).tuples()]
    targets += [f"change_request:{r}" for (r,) in ChangeRequest.select(ChangeRequest.id)
                .where(ChangeRequest.milestone == m.id).tuples()]
    audit = [
        {"id": a.id, "at": _iso(a.occurred_at), "actor": a.actor_id, "role": a.actor_role,
         "action": a.action, "target": a.target, "before": json.loads(a.before),
         "after": json.loads(a.after), "reason": a.reason, "seq": a.seq,
         "prev_hash": a.prev_hash, "hash": a.hash}
        for a in AuditRecord.select().where((AuditRecord.contract == contract.id)
                                            & AuditRecord.target.in_(targets))
        .order_by(AuditRecord.id)]
    latest = submissions[-1]["evidence"] if submissions else []
    return {
        "milestone": {"id": m.id, "title": m.title, "status": m.status,
                      "amount_cents": m.amount_cents,
                      "due_date": m.due_date.isoformat() if m.due_date else None},
        "contract": {"id": contract.id, "title": contract.title, "policy": contract.policy},
        "criteria": [{"position": r.position, "criterion": r.criterion, "link": r.link,
                      "note": r.note} for r in criteria_table(m.criteria or (), latest)],
        "submissions": submissions, "messages": messages, "audit": audit,
    }
