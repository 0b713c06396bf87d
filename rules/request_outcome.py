"""How a change request stands or how it ended, in the inbox's words: the event that
answered or cancelled it (U-23 automatic cancellations named by what caused them), and the
sentence and reason shown with it."""
from __future__ import annotations

import json
from typing import Any

import arrow

from models.events import Event
from models.vocabulary import ChangeRequestKind as K
from models.vocabulary import ChangeRequestStatus as CS
from rules.funding_change import funding_outcome
from rules.plan import show_value

# What cancelled a request automatically (U-23), by the kind of the event that did it.
CANCELLED_BY = {
    "submit_work": "the freelancer submitted work",
    "release": "payment was released",
    "request_refund": "the client asked for a refund",
    "cancel_milestone": "support cancelled the milestone",
    "cancel_order": "support cancelled the order",
    "end_contract": "the contract ended",
    "complete_order": "the order was completed",
}


def answer_events(rows: list[dict]) -> dict[tuple[int, Any], list[tuple]]:
    """The events written when each request was answered or cancelled: one query for the
    page. An action records its event at the same instant it closes the request."""
    answered = [r for r in rows if r["answered_at"] is not None]
    if not answered:
        return {}
    out: dict[tuple[int, Any], list[tuple]] = {}
    for c, m, kind, details, at in (
            Event.select(Event.contract, Event.milestone, Event.kind, Event.details,
                         Event.occurred_at)
            .where(Event.contract.in_({r["contract"] for r in answered})
                   & Event.occurred_at.in_({r["answered_at"] for r in answered}))
            .order_by(Event.id).tuples()):
        out.setdefault((c, at), []).append((m, kind, details))
    return out


def _answer_event(row: dict, events: dict) -> tuple[str, dict] | None:
    """(kind, details) of the event that answered or cancelled this request. Other
    events may share its instant (a funding, the request itself): only the kinds that
    can end a request count, the latest of them."""
    wanted = {CS.APPROVED: ("approve_milestone_change", "accept_proposal"),
              CS.REJECTED: ("reject_milestone_change", "decline_proposal"),
              CS.WITHDRAWN: ("withdraw_milestone_change",),
              CS.EXPIRED: ("expire_milestone_change",),
              CS.CANCELLED: tuple(CANCELLED_BY)}.get(row["status"], ())
    found = None
    for m, kind, details in events.get((row["contract"], row["answered_at"]), []):
        if kind not in wanted:
            continue
        if row["milestone"] is not None and m is not None and m != row["milestone"]:
            continue
        found = (kind, details)
    if found is None:
        return None
    try:
        return found[0], json.loads(found[1] or "{}")
    except ValueError:
        return found[0], {}


def request_outcome(row: dict, now: arrow.Arrow, events: dict, funds_needed: int) -> tuple[str, str]:
    """(sentence, reason given with the answer)."""
    status, proposal = row["status"], row["kind"] == K.FREELANCER_PROPOSAL
    if row["kind"] == K.FUNDING:
        expired = row["expires_at"] is not None and now >= arrow.get(row["expires_at"])
        return (funding_outcome(CS.EXPIRED if expired else status,
                                row["author"] == row["client_id"]),
                str(row.get("answer_message") or ""))
    other = "the client" if proposal else "the freelancer"
    if status == CS.PENDING:
        if row["expires_at"] is not None and now >= arrow.get(row["expires_at"]):
            return ("Expired unanswered after 7 days (U-24); it can no longer be answered.",
                    "")
        verbs = "accept or decline" if proposal else "approve or reject"
        return f"Waiting for {other} to {verbs} it.", ""
    found = _answer_event(row, events)
    details = found[1] if found else {}
    # Stored on the request since schema 4; older answers have it only in their event.
    reason = str(row.get("answer_message") or details.get("message") or "")
    if status == CS.APPROVED:
        if proposal:
            return "Accepted by the client: every change was applied at once (U-15).", ""
        text = "Approved by the freelancer: the change was applied (U-22)."
        moved = int(details.get("to_project_funds_cents") or 0)
        if moved:
            text += f" {show_value('amount_cents', moved)} moved to project funds."
        if funds_needed:
            text += (f" The new amount needs {show_value('amount_cents', funds_needed)} more "
                     "in escrow: the client adds funds.")
        return text, ""
    if status == CS.REJECTED:
        who = "Declined by the client" if proposal else "Rejected by the freelancer"
        return f"{who}: nothing changed.", reason
    if status == CS.WITHDRAWN:
        return "Withdrawn by the client before an answer.", ""
    if status == CS.EXPIRED:
        return "Expired unanswered after 7 days (U-24): nothing changed.", ""
    if status == CS.CANCELLED:
        if found is not None:
            why = CANCELLED_BY.get(found[0])
            if why:
                return f"Cancelled automatically: {why} while it was pending (U-23).", ""
        return "Cancelled automatically while it was pending (U-23).", ""
    return status.replace("_", " ").capitalize() + ".", reason
