"""The support console's reads (rules/support_search.py): search every contract by
party, title, number, status and time windows, combined and paged; a contract's audit
trail newest first; agents only (G-07). And every agent action needs a reason, which
the audit and the timeline both carry (G-02, F-08, G-05)."""
from __future__ import annotations

import datetime as dt

import arrow
import pytest
from peewee import PostgresqlDatabase

from models.accounts import Account
from models.audit import AuditRecord
from models.deadlines import Deadline
from models.events import Event
from models.milestones import Milestone
from models.vocabulary import Role
from rules import access
from rules.payments import fund_next_milestone
from rules.refunds import (
    dispute_refund,
    request_refund,
    resolve_dispute,
    respond_to_dispute,
)
from rules.support import cancel_milestone, cancel_order
from rules.support_search import (
    Criteria,
    audit_trail,
    count_matches,
    matching_ids,
    require_agent,
    search_contracts,
    support_rows,
)
from rules.work import submit_work

pytestmark = pytest.mark.both_databases


def ids(page) -> list[int]:
    return [r.id for r in page.rows]


def first_milestone(contract) -> Milestone:
    return (Milestone.select().where(Milestone.contract == contract.id)
            .order_by(Milestone.position).first())


@pytest.fixture
def shop(make_contract, client, other_client, freelancer, other_freelancer, clock):
    """Four contracts: ada/bo with work under review; cy/di "Logo_100%" untouched; ada/di
    with a dispute waiting for support; cy/bo cancelled. Milestones fall due weekly from
    2026-03-09 (make_contract)."""
    website = make_contract(title="Website redesign")
    m = fund_next_milestone(client, website.id, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)  # a review window opens (U-06)
    logo = make_contract(title="Logo_100%", actor=other_client, other=other_freelancer)
    app = make_contract(title="Mobile app", other=other_freelancer)
    m2 = fund_next_milestone(client, app.id, clock=clock)
    rr = request_refund(client, m2.id, reason="Nothing delivered", clock=clock)
    dispute_refund(other_freelancer, rr.id, "Half of it is there", clock=clock)
    respond_to_dispute(client, rr.id, "It is not", clock=clock)
    gone = make_contract(title="Old website", actor=other_client)
    return dict(website=website, logo=logo, app=app, gone=gone, refund=rr)


@pytest.fixture
def cancelled(shop, agent, clock):
    cancel_order(agent, shop["gone"].id, "Duplicate order", clock=clock)
    return shop


def test_an_empty_search_lists_every_contract_by_number(cancelled, agent, clock):
    page = search_contracts(agent, Criteria(), clock=clock)
    assert ids(page) == sorted(c.id for c in cancelled.values() if hasattr(c, "title"))
    assert page.total == 4 and not page.has_more


@pytest.mark.parametrize("party, expected", [
    ("ada", {"website", "app"}),            # a login
    ("Cy Cli", {"logo", "gone"}),           # part of a name, any case
    ("FREELANCER", {"website", "logo", "app", "gone"}),
    ("di", {"logo", "app"}),
    ("nobody", set()),
])
def test_by_party_name_or_login(cancelled, agent, clock, party, expected):
    page = search_contracts(agent, Criteria(party=party), clock=clock)
    assert set(ids(page)) == {cancelled[k].id for k in expected}


def test_by_title_literally(shop, agent, clock):
    assert ids(search_contracts(agent, Criteria(title="WEBSITE"), clock=clock)) == [
        shop["website"].id, shop["gone"].id]
    # % and _ are letters of the title, not wildcards.
    assert ids(search_contracts(agent, Criteria(title="o_1"), clock=clock)) == [shop["logo"].id]
    assert ids(search_contracts(agent, Criteria(title="100%"), clock=clock)) == [shop["logo"].id]
    assert ids(search_contracts(agent, Criteria(title="e%"), clock=clock)) == []


def test_by_number(shop, agent, clock):
    assert ids(search_contracts(agent, Criteria(contract_id=shop["app"].id), clock=clock)) == [
        shop["app"].id]
    assert search_contracts(agent, Criteria(contract_id=9999), clock=clock).rows == []


def test_by_contract_or_milestone_status(cancelled, agent, clock, refused):
    assert ids(search_contracts(agent, Criteria(status="cancelled"), clock=clock)) == [
        cancelled["gone"].id]
    # A milestone status finds the contracts with a milestone in it: disputes for support.
    assert ids(search_contracts(agent, Criteria(status="In support"), clock=clock)) == [
        cancelled["app"].id]
    assert ids(search_contracts(agent, Criteria(status="submitted"), clock=clock)) == [
        cancelled["website"].id]
    with refused("input", match="no status"):
        search_contracts(agent, Criteria(status="lost"), clock=clock)


def test_overdue_by_more_than_n_days(cancelled, agent, clock, refused):
    """U-13: unfinished milestones past their due date (the first ones: 2026-03-09)."""
    clock.advance(days=10)  # 2026-03-12: the first milestones are three days late
    def found(n):
        return set(ids(search_contracts(agent, Criteria(overdue_days=n), clock=clock)))
    live = {cancelled[k].id for k in ("website", "logo", "app")}  # not the cancelled one
    assert found(0) == found(2) == live
    assert found(3) == set()  # three days late is not more than three
    page = search_contracts(agent, Criteria(overdue_days=1), clock=clock)
    assert page.overdue[cancelled["logo"].id] == ("Milestone 1", 3)
    for bad in (-1, 1.5, "3"):
        with refused("input", match="days"):
            search_contracts(agent, Criteria(overdue_days=bad), clock=clock)


def test_window_closing_within_n_days(shop, agent, clock):
    review = Deadline.get((Deadline.contract == shop["website"].id) & (Deadline.kind == "review"))
    days = (arrow.get(review.due_at) - clock.now()).days
    assert days >= 2

    def found(n):
        return set(ids(search_contracts(agent, Criteria(closing_days=n), clock=clock)))
    assert shop["website"].id in found(days + 1)
    assert shop["website"].id not in found(days - 1)
    # Every contract found has an open window due by then.
    for cid in found(days + 1):
        assert Deadline.select().where((Deadline.contract == cid) & (Deadline.status == "open")
                                       & (Deadline.due_at <= clock.now().shift(days=days + 1)
                                          .naive)).exists()


def test_criteria_combine(cancelled, agent, clock):
    clock.advance(days=10)
    both = Criteria(party="ada", overdue_days=1, status="open")
    assert ids(search_contracts(agent, both, clock=clock)) == [cancelled["website"].id,
                                                               cancelled["app"].id]
    narrower = Criteria(party="ada", title="mobile", status="in_support", overdue_days=1)
    assert ids(search_contracts(agent, narrower, clock=clock)) == [cancelled["app"].id]
    assert search_contracts(agent, Criteria(party="cy", title="mobile"), clock=clock).rows == []
    assert count_matches(agent, both, clock=clock) == 2


def test_pages_follow_each_other(make_contract, agent, clock):
    made = [make_contract(title=f"Job {i}", amounts=(1000,)).id for i in range(7)]
    seen, offset = [], 0
    while True:
        page = search_contracts(agent, Criteria(title="job"), offset=offset, limit=3,
                                clock=clock)
        assert page.total == 7
        seen += ids(page)
        if not page.has_more:
            break
        offset += 3
    assert seen == made
    assert search_contracts(agent, Criteria(), offset=50, limit=3, clock=clock).total == 7


def test_a_page_costs_the_same_queries_whatever_its_size(make_contract, agent, clock, db):
    for i in range(12):
        make_contract(title=f"Job {i}", amounts=(1000, 2000))

    def queries(limit):
        executed = []
        original = db.execute_sql

        def spy(sql, *args, **kwargs):
            executed.append(sql)
            return original(sql, *args, **kwargs)
        db.execute_sql = spy
        try:
            search_contracts(agent, Criteria(party="bo"), limit=limit, clock=clock)
        finally:
            del db.execute_sql
        return len(executed)
    assert queries(2) == queries(10)


@pytest.mark.parametrize("who", ["client", "freelancer", "system"])
def test_G07_only_agents_use_the_console(shop, who, request, clock, refused):
    actor = request.getfixturevalue(who)
    with refused("G-07", match="support agents"):
        require_agent(actor)
    with refused("G-07", match="support agents"):
        search_contracts(actor, Criteria(), clock=clock)
    with refused("G-07", match="support agents"):
        count_matches(actor, Criteria(), clock=clock)
    with refused("G-07", match="support agents"):
        matching_ids(actor, Criteria(), clock=clock)
    with refused("G-07", match="support agents"):
        support_rows(actor, [shop["website"].id], clock=clock)
    with refused("G-07", match="support agents"):
        audit_trail(actor, shop["website"].id)


# --- the audit trail -------------------------------------------------------------------

def test_audit_trail_newest_first_paged_with_every_detail(shop, agent, clock, refused):
    app = shop["app"]
    resolve_dispute(agent, shop["refund"].id, 10000, 15000, "Half delivered", clock=clock)
    everything = list(AuditRecord.select().where(AuditRecord.contract == app.id)
                      .order_by(AuditRecord.id.desc()))
    assert len(everything) >= 5
    seen, before = [], None
    while True:
        entries, more = audit_trail(agent, app.id, before_id=before, limit=2)
        seen += entries
        if not more:
            break
        before = entries[-1].id
    assert [e.id for e in seen] == [r.id for r in everything]
    newest = seen[0]
    assert (newest.action, newest.actor_login, newest.actor_role) == (
        "resolve_dispute", "sam", "agent")
    assert newest.reason == "Half delivered"
    assert newest.after["to_freelancer_cents"] == 10000
    assert newest.before["status"] == "in_support"
    assert newest.at == clock.now()
    assert all(e.intact for e in seen)
    with refused("not-found"):
        audit_trail(agent, 9999)


def test_audit_trail_marks_a_record_changed_behind_its_back(shop, agent, db):
    rec = (AuditRecord.select().where(AuditRecord.contract == shop["website"].id)
           .order_by(AuditRecord.id.desc()).first())
    forge = "UPDATE audit_record SET reason = 'forged' WHERE id = %s"
    if isinstance(db, PostgresqlDatabase):  # the trigger refuses it: nothing is forged
        with pytest.raises(Exception, match="append-only|audit"):
            with db.atomic():
                db.execute_sql(forge, (rec.id,))
        forged = set()
    else:
        db.execute_sql(forge.replace("%s", "?"), (rec.id,))
        forged = {rec.id}
    entries, _ = audit_trail(agent, shop["website"].id)
    assert {e.id for e in entries if not e.intact} == forged


# --- every agent action: a reason, in the audit and on the timeline ----------------------

def agent_actions() -> set[str]:
    return {a for a, roles in access.ACCESS.items() if roles == {access.AGENT}}


def test_the_agent_only_actions_are_the_ones_checked_below():
    # A new agent action must join AGENT_ACTIONS (and so the reason checks) below.
    assert agent_actions() == {"resolve_dispute", "cancel"}


AGENT_ACTIONS = {
    "resolve_dispute": ("G-02", lambda s, agent, reason, clock: resolve_dispute(
        agent, s["refund"].id, 10000, 15000, reason, clock=clock), "resolve_dispute"),
    "cancel_milestone": ("F-08", lambda s, agent, reason, clock: cancel_milestone(
        agent, first_milestone(s["website"]).id, reason, clock=clock), "cancel_milestone"),
    "cancel_order": ("F-08", lambda s, agent, reason, clock: cancel_order(
        agent, s["logo"].id, reason, clock=clock), "contract_cancelled"),
}


@pytest.mark.parametrize("name", sorted(AGENT_ACTIONS))
def test_every_agent_action_needs_a_reason(shop, agent, clock, refused, name):
    rule, act, _ = AGENT_ACTIONS[name]
    for blank in ("", "   ", None):
        with refused(rule, match="reason"):
            act(shop, agent, blank, clock)


@pytest.mark.parametrize("name", sorted(AGENT_ACTIONS))
def test_every_agent_action_shows_in_the_audit_and_on_the_timeline(shop, agent, clock, name):
    _, act, action = AGENT_ACTIONS[name]
    act(shop, agent, f"Reason for {name}", clock)
    records = list(AuditRecord.select().where((AuditRecord.action == action)
                                              & (AuditRecord.actor == agent.id)))
    assert records and all(r.reason == f"Reason for {name}" for r in records)
    assert all(r.actor_role == Role.AGENT for r in records)
    contract_id = records[-1].contract_id
    # On the timeline (U-31), as the agent's: the parties see who did it.
    assert Event.select().where((Event.actor == agent.id) & (Event.kind == action)
                                & (Event.contract == contract_id)).exists()
    # And the trail the console shows has it on top, with the reason.
    [top], _ = audit_trail(agent, contract_id, limit=1)
    assert top.reason == f"Reason for {name}" and top.actor_login == agent.login


def test_system_account_is_never_a_party_match(shop, agent, clock):
    system_login = Account.get(Account.role == Role.SYSTEM).login
    assert search_contracts(agent, Criteria(party=system_login), clock=clock).rows == []


def test_due_dates_are_utc_days(make_contract, agent, clock):
    """A milestone due on the 9th is one day late all through the 10th (UTC)."""
    make_contract(title="Late", amounts=(1000,))
    clock.advance(days=8, hours=14)  # 2026-03-10 23:00 UTC
    assert clock.now().date() == dt.date(2026, 3, 10)
    assert len(search_contracts(agent, Criteria(overdue_days=0), clock=clock).rows) == 1
    assert search_contracts(agent, Criteria(overdue_days=1), clock=clock).rows == []
