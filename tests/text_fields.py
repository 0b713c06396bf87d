"""Every text field a user fills in, as one table: how to reach it through rules/ and how
to read back what was stored. Shared by the T-rule tests (tests/rules/test_text_hygiene.py)
and the hostile-input fuzzer (tests/property/test_hostile_text.py), so a new field is
added once and both check it.

`prepare(w)` builds what the action needs (a contract, a funded milestone...) and returns
`act(text)`, which calls the action with `text` in that field and returns a function that
reads the stored value back. A top-level module of its own, like state_helpers.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Callable

from models.change_requests import ChangeRequest
from models.contracts import Contract, Feedback
from models.events import Event
from models.milestones import Milestone, Submission
from models.refunds import RefundRequest
from rules.change_requests import (propose_milestone_changes, reject_milestone_change,
                                   request_milestone_change)
from rules.contracts import create_contract, end_contract, leave_feedback
from rules.evidence import EvidenceItem
from rules.funding_change import decline_funding_change, request_funding_change
from rules.payments import fund_next_milestone
from rules.plan import AddMilestone
from rules.planning import add_milestone, edit_milestone
from rules.queries import count_contracts
from rules.refunds import dispute_refund, request_refund, resolve_dispute, respond_to_dispute
from rules.support import cancel_milestone, cancel_order
from rules.support_search import Criteria, count_matches
from rules.work import request_changes, submit_work

Reader = Callable[[], str]


@dataclass(frozen=True)
class TextField:
    name: str
    multiline: bool
    prepare: Callable[[SimpleNamespace], Callable[[object], Reader]]
    is_link: bool = False
    is_search: bool = False  # nothing is stored: accepted means it ran


def _last_detail(key: str) -> Reader:
    """What the newest timeline event recorded under `key` (messages kept only there)."""
    return lambda: json.loads(Event.select().order_by(Event.id.desc()).first().details)[key]


def _found_title(payload: str) -> str:
    """The first "title" anywhere in a change request's JSON payload."""
    todo = [json.loads(payload)]
    while todo:
        item = todo.pop(0)
        if isinstance(item, dict):
            if isinstance(item.get("title"), str):
                return item["title"]
            todo += list(item.values())
        elif isinstance(item, list):
            todo += item
    raise AssertionError(f"no title in {payload}")


def _milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def _drafts(title="Design", description=""):
    return [AddMilestone(title=title, amount_cents=25000, description=description,
                         due_date=dt.date(2026, 3, 9)),
            AddMilestone(title="Build", amount_cents=50000, due_date=dt.date(2026, 3, 16))]


def _contract(w, policy="upwork", **kw):
    kw.setdefault("milestones", _drafts())
    kw.setdefault("title", "Website redesign")
    return create_contract(w.client, freelancer=w.freelancer, policy=policy,
                           clock=w.clock, **kw)


def _funded(w):
    c = _contract(w)
    fund_next_milestone(w.client, c.id, clock=w.clock)
    return c, _milestones(c)[0]


def _submitted(w):
    c, m = _funded(w)
    submit_work(w.freelancer, m.id, "Done", clock=w.clock)
    return c, m


def _disputed(w):
    c, m = _funded(w)
    rr = request_refund(w.client, m.id, reason="Missing pages", clock=w.clock)
    dispute_refund(w.freelancer, rr.id, "All there", clock=w.clock)
    return rr


def contract_title(w):
    def act(text):
        c = _contract(w, title=text)
        return lambda: Contract.get_by_id(c.id).title
    return act


def new_contract_milestone_title(w):
    def act(text):
        c = _contract(w, milestones=_drafts(title=text))
        return lambda: _milestones(c)[0].title
    return act


def new_contract_milestone_description(w):
    def act(text):
        c = _contract(w, milestones=_drafts(description=text))
        return lambda: _milestones(c)[0].description
    return act


def added_milestone_title(w):
    c = _contract(w)

    def act(text):
        m = add_milestone(w.client, c.id, text, 30000, clock=w.clock)
        return lambda: Milestone.get_by_id(m.id).title
    return act


def added_milestone_description(w):
    c = _contract(w)

    def act(text):
        m = add_milestone(w.client, c.id, "Extra", 30000, description=text, clock=w.clock)
        return lambda: Milestone.get_by_id(m.id).description
    return act


def edited_milestone_title(w):
    m = _milestones(_contract(w))[1]

    def act(text):
        edit_milestone(w.client, m.id, title=text, clock=w.clock)
        return lambda: Milestone.get_by_id(m.id).title
    return act


def submission_message(w):
    _, m = _funded(w)

    def act(text):
        sub = submit_work(w.freelancer, m.id, text, clock=w.clock)
        return lambda: Submission.get_by_id(sub.id).message
    return act


def submission_link(w):
    _, m = _funded(w)

    def act(text):
        sub = submit_work(w.freelancer, m.id, "Done", text, clock=w.clock)
        return lambda: Submission.get_by_id(sub.id).link
    return act


def acceptance_criterion(w):
    def act(text):
        c = _contract(w, milestones=[replace(_drafts()[0], criteria=["Loads fast", text]),
                                     _drafts()[1]])
        return lambda: _milestones(c)[0].criteria[1]
    return act


def _with_criteria(w):
    c = _contract(w, milestones=[replace(_drafts()[0], criteria=["Loads fast"]),
                                 _drafts()[1]])
    return fund_next_milestone(w.client, c.id, clock=w.clock)


def evidence_note(w):
    m = _with_criteria(w)

    def act(text):
        item = EvidenceItem(link="https://example.com/report", note=text)
        sub = submit_work(w.freelancer, m.id, "Done", evidence=[item], clock=w.clock)
        return lambda: Submission.get_by_id(sub.id).evidence[0]["note"]
    return act


def evidence_link(w):
    m = _with_criteria(w)

    def act(text):
        item = EvidenceItem(link=text, note="See the report")
        sub = submit_work(w.freelancer, m.id, "Done", evidence=[item], clock=w.clock)
        return lambda: Submission.get_by_id(sub.id).evidence[0]["link"]
    return act


def changes_requested_message(w):
    _, m = _submitted(w)

    def act(text):
        request_changes(w.client, m.id, text, clock=w.clock)
        return _last_detail("message")
    return act


def change_request_title(w):
    _, m = _funded(w)

    def act(text):
        cr = request_milestone_change(w.client, m.id, {"title": text}, clock=w.clock)
        return lambda: _found_title(ChangeRequest.get_by_id(cr.id).payload)
    return act


def change_request_message(w):
    _, m = _funded(w)

    def act(text):
        cr = request_milestone_change(w.client, m.id, {"title": "Design v2"}, text,
                                      clock=w.clock)
        return lambda: ChangeRequest.get_by_id(cr.id).message
    return act


def change_rejection_message(w):
    _, m = _funded(w)
    cr = request_milestone_change(w.client, m.id, {"title": "Design v2"}, clock=w.clock)

    def act(text):
        reject_milestone_change(w.freelancer, cr.id, text, clock=w.clock)
        return lambda: ChangeRequest.get_by_id(cr.id).answer_message
    return act


def funding_request_message(w):
    c = _contract(w)

    def act(text):
        cr = request_funding_change(w.freelancer, c.id, "all", text, clock=w.clock)
        return lambda: ChangeRequest.get_by_id(cr.id).message
    return act


def funding_decline_message(w):
    c = _contract(w)
    cr = request_funding_change(w.freelancer, c.id, "all", clock=w.clock)

    def act(text):
        decline_funding_change(w.client, cr.id, text, clock=w.clock)
        return lambda: ChangeRequest.get_by_id(cr.id).answer_message
    return act


def proposal_title(w):
    c = _contract(w)

    def act(text):
        cr = propose_milestone_changes(w.freelancer, c.id, [AddMilestone(text, 30000)],
                                       clock=w.clock)
        return lambda: _found_title(ChangeRequest.get_by_id(cr.id).payload)
    return act


def refund_reason(w):
    _, m = _funded(w)

    def act(text):
        rr = request_refund(w.client, m.id, reason=text, clock=w.clock)
        return lambda: RefundRequest.get_by_id(rr.id).reason
    return act


def dispute_message(w):
    _, m = _funded(w)
    rr = request_refund(w.client, m.id, reason="Missing pages", clock=w.clock)

    def act(text):
        dispute_refund(w.freelancer, rr.id, text, clock=w.clock)
        return _last_detail("message")
    return act


def dispute_response(w):
    rr = _disputed(w)

    def act(text):
        respond_to_dispute(w.client, rr.id, text, clock=w.clock)
        return _last_detail("message")
    return act


def resolution_reason(w):
    rr = _disputed(w)
    respond_to_dispute(w.client, rr.id, "Pages 3 to 5", clock=w.clock)

    def act(text):
        resolve_dispute(w.agent, rr.id, 12500, 12500, text, clock=w.clock)
        return _last_detail("reason")
    return act


def _gig_order(w):
    return _contract(w, policy="fiverr-gig",
                     milestones=[AddMilestone(f"Part {i}", 8000 + 1000 * i) for i in range(3)])


def cancel_milestone_reason(w):
    m = _milestones(_gig_order(w))[0]

    def act(text):
        cancel_milestone(w.agent, m.id, text, clock=w.clock)
        return _last_detail("reason")
    return act


def cancel_order_reason(w):
    c = _gig_order(w)

    def act(text):
        cancel_order(w.agent, c.id, text, clock=w.clock)
        return _last_detail("reason")
    return act


def feedback_comment(w):
    c = _contract(w)
    end_contract(w.client, c.id, clock=w.clock)

    def act(text):
        fb = leave_feedback(w.client, c.id, 5, text, clock=w.clock)
        return lambda: Feedback.get_by_id(fb.id).comment
    return act


def contract_search(w):
    def act(text):
        count_contracts(w.client, search=text)
        return lambda: ""
    return act


def support_party_search(w):
    def act(text):
        count_matches(w.agent, Criteria(party=text), clock=w.clock)
        return lambda: ""
    return act


def support_title_search(w):
    def act(text):
        count_matches(w.agent, Criteria(title=text), clock=w.clock)
        return lambda: ""
    return act


FIELDS = [
    TextField("contract title", False, contract_title),
    TextField("milestone title (new contract)", False, new_contract_milestone_title),
    TextField("milestone description (new contract)", True, new_contract_milestone_description),
    TextField("milestone title (added)", False, added_milestone_title),
    TextField("milestone description (added)", True, added_milestone_description),
    TextField("milestone title (edited)", False, edited_milestone_title),
    TextField("submission message", True, submission_message),
    TextField("submission link", False, submission_link, is_link=True),
    TextField("acceptance criterion", False, acceptance_criterion),
    TextField("evidence note", True, evidence_note),
    TextField("evidence link", False, evidence_link, is_link=True),
    TextField("changes requested message", True, changes_requested_message),
    TextField("change request title", False, change_request_title),
    TextField("change request message", True, change_request_message),
    TextField("change rejection message", True, change_rejection_message),
    TextField("funding request message", True, funding_request_message),
    TextField("funding decline message", True, funding_decline_message),
    TextField("proposal milestone title", False, proposal_title),
    TextField("refund reason", True, refund_reason),
    TextField("dispute message", True, dispute_message),
    TextField("dispute response", True, dispute_response),
    TextField("dispute resolution reason", True, resolution_reason),
    TextField("cancel milestone reason", True, cancel_milestone_reason),
    TextField("cancel order reason", True, cancel_order_reason),
    TextField("feedback comment", True, feedback_comment),
    TextField("contract list search", False, contract_search, is_search=True),
    TextField("support party search", False, support_party_search, is_search=True),
    TextField("support title search", False, support_title_search, is_search=True),
]
FIELD_IDS = [f.name for f in FIELDS]
