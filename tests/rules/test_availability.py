"""rules/availability.py agrees with the actions themselves.

For a spread of contract states, every action is judged for each role, then really
called (and rolled back): an action reported available succeeds, one reported
unavailable is refused by rules/ naming the same rule.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

import arrow
import pytest

from models.accounts import Account
from models.base import database
from rules.availability import (CONTRACT_ACTIONS, MILESTONE_ACTIONS, availability,
                                open_refund, refused)
from rules.change_requests import (approve_milestone_change, edit_milestone_change,
                                   request_milestone_change)
from rules.clock import FrozenClock
from rules.contract_view import ContractDetail, contract_detail
from rules.contracts import end_contract, leave_feedback
from rules.errors import RuleError
from rules.ledger import A, balance, paid_balance
from rules.payments import add_escrow_funds, fund_next_milestone, release
from rules.policy import POLICIES
from rules.refunds import (agree_refund, dispute_refund, request_refund, resolve_dispute,
                           respond_to_dispute)
from rules.release_terms import changes_message, release_terms
from rules.support import cancel_milestone, cancel_order
from rules.work import request_changes, submit_work

NOT_CALLABLE = object()


@dataclass
class Parties:
    client: Account
    freelancer: Account
    agent: Account
    make_contract: Callable
    clock: FrozenClock

    def by(self, capacity: str) -> Account:
        return getattr(self, capacity)

    def first(self, contract_id: int):
        return contract_detail(self.client, contract_id).milestones[0]


@pytest.fixture
def parties(client, freelancer, agent, make_contract, clock) -> Parties:
    return Parties(client, freelancer, agent, make_contract, clock)


# --- the states: each returns the contract and the time to judge it at -----------------

STATES: dict[str, Callable[[Parties], tuple[int, arrow.Arrow]]] = {}


def state(fn):
    STATES[fn.__name__] = fn
    return fn


def _funded(p: Parties, policy: str = "upwork", amounts=(250_00, 500_00), **kw):
    c = p.make_contract(policy, amounts, **kw)
    if policy.startswith("fiverr"):
        return c, p.first(c.id)  # F-04: the first milestone started with the order
    return c, fund_next_milestone(p.client, c.id, clock=p.clock)


def _submitted(p: Parties, **kw):
    c, m = _funded(p, **kw)
    submit_work(p.freelancer, m.id, "Done", "https://example.com", clock=p.clock)
    return c, m


def _refund_pending(p: Parties):
    c, m = _submitted(p)
    return c, m, request_refund(p.client, m.id, clock=p.clock)


@state
def planned(p):
    return p.make_contract().id, p.clock.now()


@state
def funded(p):
    return _funded(p)[0].id, p.clock.now()


@state
def submitted(p):
    return _submitted(p)[0].id, p.clock.now()


@state
def changes_requested(p):
    c, m = _submitted(p)
    request_changes(p.client, m.id, "Bigger logo", clock=p.clock)
    return c.id, p.clock.now()


@state
def refund_pending(p):
    return _refund_pending(p)[0].id, p.clock.now()


@state
def disputed(p):
    c, m, rr = _refund_pending(p)
    dispute_refund(p.freelancer, rr.id, "The work was delivered", clock=p.clock)
    return c.id, p.clock.now()


@state
def in_support(p):
    c, m, rr = _refund_pending(p)
    dispute_refund(p.freelancer, rr.id, "The work was delivered", clock=p.clock)
    respond_to_dispute(p.client, rr.id, "It was not", clock=p.clock)
    return c.id, p.clock.now()


@state
def partly_released(p):
    c, m = _submitted(p)
    release(p.client, m.id, 200_00, clock=p.clock)  # $50.00 to project funds
    return c.id, p.clock.now()


@state
def all_released(p):
    c, m = _submitted(p, amounts=(250_00,))
    release(p.client, m.id, clock=p.clock)
    return c.id, p.clock.now()


@state
def ended_with_feedback_from_the_client(p):
    c, m = _submitted(p, amounts=(250_00,))
    release(p.client, m.id, end_contract=True, clock=p.clock)
    leave_feedback(p.client, c.id, 5, "Great", clock=p.clock)
    return c.id, p.clock.now()


@state
def paid_amount_refunded_in_full(p):
    c, m = _submitted(p, amounts=(250_00,))
    release(p.client, m.id, clock=p.clock)
    rr = request_refund(p.client, m.id, clock=p.clock)
    agree_refund(p.freelancer, rr.id, clock=p.clock)
    return c.id, p.clock.now()


@state
def review_window_over(p):
    c, _ = _submitted(p)
    return c.id, p.clock.now().shift(days=15)  # U-06: nobody swept yet


@state
def refund_answer_over(p):
    c, _, _ = _refund_pending(p)
    return c.id, p.clock.now().shift(days=8)  # U-32


@state
def dispute_response_over(p):
    c, m, rr = _refund_pending(p)
    dispute_refund(p.freelancer, rr.id, "Delivered", clock=p.clock)
    return c.id, p.clock.now().shift(days=10)  # U-33: five business days


@state
def change_pending(p):
    c, m = _funded(p)
    request_milestone_change(p.client, m.id, {"title": "Wireframes v2"}, clock=p.clock)
    return c.id, p.clock.now()


@state
def change_pending_expired(p):
    c, m = _funded(p)
    request_milestone_change(p.client, m.id, {"title": "Wireframes v2"}, clock=p.clock)
    return c.id, p.clock.now().shift(days=8)  # U-24


@state
def higher_amount_approved(p):
    c, m = _funded(p)
    cr = request_milestone_change(p.client, m.id, {"amount_cents": 300_00}, clock=p.clock)
    approve_milestone_change(p.freelancer, cr.id, clock=p.clock)  # U-22: $50.00 missing
    return c.id, p.clock.now()


@state
def fiverr_started(p):
    return _funded(p, "fiverr-gig", (80_00, 60_00))[0].id, p.clock.now()


@state
def fiverr_delivered(p):
    return _submitted(p, policy="fiverr-offer", amounts=(80_00, 60_00))[0].id, p.clock.now()


@state
def fiverr_review_over(p):
    c, _ = _submitted(p, policy="fiverr-offer", amounts=(80_00, 60_00))
    return c.id, p.clock.now().shift(days=9)  # F-05: eight days


@state
def fiverr_no_revisions_left(p):
    c, m = _submitted(p, policy="fiverr-gig", amounts=(80_00, 60_00))
    for _ in range(2):
        request_changes(p.client, m.id, "Another revision", clock=p.clock)
        submit_work(p.freelancer, m.id, "Revised", clock=p.clock)
    return c.id, p.clock.now()


@state
def fiverr_start_next_over(p):
    c, m = _submitted(p, policy="fiverr-gig", amounts=(80_00, 60_00))
    release(p.client, m.id, clock=p.clock)
    return c.id, p.clock.now().shift(days=11)  # F-07


@state
def compliance_funded(p):
    return _funded(p, "upwork-compliance", end_date=dt.date(2026, 12, 31))[0].id, p.clock.now()


# --- calling the real actions ------------------------------------------------------------

def call(action: str, actor: Account, d: ContractDetail, m, clock: FrozenClock):
    """Take `action` as `actor` through rules/, the way the TUI would."""
    kw = {"clock": clock}
    if action == "fund_next":
        return fund_next_milestone(actor, d.id, **kw)
    if action == "end_contract":
        return end_contract(actor, d.id, **kw)
    if action == "leave_feedback":
        return leave_feedback(actor, d.id, 4, "Good work", **kw)
    if action == "cancel_order":
        return cancel_order(actor, d.id, "Both parties asked", **kw)
    if action == "manage_milestones":
        return NOT_CALLABLE  # a screen of its own, with its own actions
    if action == "submit_work":
        return submit_work(actor, m.id, "Here it is", **kw)
    if action == "release":
        return release(actor, m.id, **kw)
    if action == "request_changes":
        return request_changes(actor, m.id, "Please change the colours", **kw)
    if action == "add_escrow_funds":
        return add_escrow_funds(actor, m.id, **kw)
    if action == "change_milestone":
        pending = next((c for c in d.change_requests if c.milestone_id == m.id
                        and c.status == "pending"), None)
        if pending is not None:
            return edit_milestone_change(actor, pending.id, {"title": "Renamed"}, **kw)
        return request_milestone_change(actor, m.id, {"title": "Renamed"}, **kw)
    if action == "request_refund":
        return request_refund(actor, m.id, **kw)
    if action == "cancel_milestone":
        return cancel_milestone(actor, m.id, "Asked by both parties", **kw)
    rr = open_refund(d, m.id)
    if rr is None:
        return NOT_CALLABLE  # nothing to answer: there is no request to call it on
    if action == "agree_refund":
        return agree_refund(actor, rr.id, **kw)
    if action == "dispute_refund":
        return dispute_refund(actor, rr.id, "It was delivered", **kw)
    if action == "respond_to_dispute":
        return respond_to_dispute(actor, rr.id, "It was not", **kw)
    if action == "resolve_dispute":
        return resolve_dispute(actor, rr.id, rr.amount_cents, 0, "Work delivered", **kw)
    raise AssertionError(action)


def attempt(fn) -> RuleError | None | object:
    """Run an action and undo whatever it wrote; its refusal, or None."""
    outcome: RuleError | None | object = None
    with database.atomic() as txn:
        try:
            if fn() is NOT_CALLABLE:
                outcome = NOT_CALLABLE
        except RuleError as exc:
            outcome = exc
        txn.rollback()
    return outcome


# Where every role refusal (G-07) is checked against the action too; elsewhere the
# actions another role may take are judged but not called (they fail on the same
# first check, whatever the state).
ROLE_STATES = {"submitted", "refund_pending", "in_support", "partly_released",
               "ended_with_feedback_from_the_client", "higher_amount_approved"}


def observe(p: Parties, name: str, wrong: list[str]) -> list[tuple[str, str, bool, str]]:
    """(capacity, action, allowed, rule) for every action of the state, checked against
    the real action; mismatches go to `wrong`."""
    contract_id, now = STATES[name](p)
    clock = FrozenClock(now)
    seen = []
    for capacity in ("client", "freelancer", "agent"):
        actor = p.by(capacity)
        d = contract_detail(actor, contract_id)
        # What is left of each payment comes with the milestones (U-29), exact.
        assert all(m.paid_cents == paid_balance(milestone_id=m.id)
                   for m in d.milestones)
        av = availability(d, d.capacity, now)
        targets = [(a, None) for a in CONTRACT_ACTIONS]
        targets += [(a, m) for m in d.milestones for a in MILESTONE_ACTIONS]
        for action, m in targets:
            verdict = av.of(action, m.id if m else None)
            assert verdict.allowed or verdict.reason, (action, verdict)
            if verdict.rule_id == "G-07" and name not in ROLE_STATES:
                continue  # the role check comes first everywhere: a few states show it
            outcome = attempt(lambda: call(action, actor, d, m, clock))
            if outcome is NOT_CALLABLE:
                continue
            where = f"{name} · {capacity} · {action}" + (f" · {m.title}" if m else "")
            if verdict.allowed and outcome is not None:
                wrong.append(f"{where}: reported available, refused {outcome!r}")
            elif not verdict.allowed and outcome is None:
                wrong.append(f"{where}: reported unavailable ({verdict.reason}), succeeded")
            elif not verdict.allowed and outcome.rule_id != verdict.rule_id:
                wrong.append(f"{where}: reported {verdict.rule_id}, refused {outcome!r}")
            seen.append((capacity, action, verdict.allowed, verdict.rule_id))
    return seen


def test_availability_agrees_with_the_actions(parties):
    """G-07 and every state rule, over every state at once (each one a contract of its
    own): what is offered works, what is hidden is refused by the action itself with
    the same rule id. And the states cover every action, both ways."""
    wrong: list[str] = []
    seen = [o for name in STATES for o in observe(parties, name, wrong)]
    assert wrong == []
    allowed = {a for _, a, ok, _ in seen if ok}
    hidden = {a for _, a, ok, _ in seen if not ok}
    every = (set(CONTRACT_ACTIONS) | set(MILESTONE_ACTIONS)) - {"manage_milestones"}
    assert every <= allowed and every <= hidden
    rules = {r for *_, ok, r in seen if not ok}
    for rule in ("G-07", "G-03", "G-04", "U-03", "U-06", "U-09", "U-10", "U-17", "U-18",
                 "U-19", "U-20", "U-22", "U-24", "U-29", "U-32", "U-33", "F-05", "F-06",
                 "F-07", "G-02"):
        assert rule in rules, rule


def test_U03_reasons_are_plain_words_naming_the_rule(parties):
    c, _ = _funded(parties)
    d = contract_detail(parties.client, c.id)
    verdict = availability(d, "client", parties.clock.now()).of("fund_next")
    assert not verdict
    assert verdict.rule_id == "U-03"
    assert verdict.reason == ("Only one milestone is funded at a time: “Milestone 1” must "
                              "be released or refunded first (U-03).")
    hidden = availability(d, "freelancer", parties.clock.now()).of("fund_next")
    assert hidden.reason == "Only the client may fund or start milestones (G-07)."


def test_milestone_actions_need_a_milestone(parties):
    d = contract_detail(parties.client, parties.make_contract().id)
    verdict = availability(d, "client", parties.clock.now()).of("release", None)
    assert not verdict and "Choose a milestone" in verdict.reason


@pytest.mark.parametrize("policy", ["upwork", "fiverr-gig"])
@pytest.mark.parametrize("amount,bonus", [(250_00, 0), (200_00, 0), (300_00, 0),
                                          (250_00, 20_00), (200_00, 20_00), (0, 0),
                                          (250_00, -5)])
def test_U25_U28_release_terms_agree_with_release(parties, policy, amount, bonus):
    amounts = (250_00, 500_00) if policy == "upwork" else (250_00, 60_00)
    c, m = _submitted(parties, policy=policy, amounts=amounts)
    verdict = release_terms(POLICIES[policy], 250_00, amount, bonus)
    outcome = attempt(lambda: release(parties.client, m.id, amount, bonus,
                                      clock=parties.clock))
    if verdict:
        assert outcome is None, outcome
    else:
        assert isinstance(outcome, RuleError) and outcome.rule_id == verdict.rule_id, (
            verdict, outcome)


@pytest.mark.parametrize("message", ["", "   ", "Bigger headings", "x" * 5_001])
def test_U18_the_changes_message_is_checked_as_request_changes_checks_it(parties, message):
    c, m = _submitted(parties)
    verdict = changes_message(message)
    outcome = attempt(lambda: request_changes(parties.client, m.id, message,
                                              clock=parties.clock))
    if verdict:
        assert outcome is None, outcome
    else:
        assert isinstance(outcome, RuleError) and outcome.rule_id == verdict.rule_id, (
            verdict, outcome)
        assert verdict.reason == refused(outcome.rule_id, outcome.message).reason


def test_refused_names_catalogue_rules_only():
    assert refused("U-03", "Only one at a time.").reason == "Only one at a time (U-03)."
    assert refused("conflict", "Already released").reason == "Already released."
