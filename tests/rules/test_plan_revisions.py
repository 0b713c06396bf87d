"""Plan revisions (rules/plan_revisions.py): X-20 every change to a plan is a numbered
revision with its author and time, in the same transaction; X-21 either party sees any
revision as it was and the diff between any two, a stranger nothing (G-07)."""
from __future__ import annotations

import datetime as dt

from models.plan_revisions import PlanRevision
from rules.change_requests import (accept_proposal, approve_milestone_change,
                                   propose_milestone_changes, request_milestone_change)
from rules.contract_view import contract_detail
from rules.payments import fund_next_milestone
from rules.plan import AddMilestone, DeleteMilestone, EditMilestone
from rules.plan_revisions import get_revision, list_revisions, revision_diff
from rules.planning import save_plan


def numbers(actor, contract) -> list[tuple[int, str, str]]:
    return [(r.number, r.author, r.source) for r in list_revisions(actor, contract.id)]


def test_X20_creation_is_revision_1_by_its_author(make_contract, client, freelancer, clock):
    c = make_contract("upwork", amounts=(250_00, 500_00))
    (only,) = list_revisions(freelancer, c.id)
    assert (only.number, only.author, only.source, only.in_force) == (
        1, client.display_name, "contract created", True)
    assert (only.milestones, only.total_cents, only.created_at) == (2, 750_00, clock.now())
    rows = get_revision(client, c.id, 1).rows
    assert [(r.title, r.amount_cents) for r in rows] == [("Milestone 1", 250_00),
                                                         ("Milestone 2", 500_00)]


def test_X20_each_saved_batch_is_the_next_revision_and_the_diff_says_what_changed(
        make_contract, client, freelancer, clock):
    c = make_contract("upwork", amounts=(250_00, 500_00, 300_00))
    m1, m2, m3 = (m.id for m in contract_detail(client, c.id).milestones)
    clock.advance(hours=2)
    save_plan(client, c.id, [EditMilestone(m2, {"amount_cents": 450_00}),
                             AddMilestone("Launch", 100_00, due_date=dt.date(2026, 5, 1))],
              clock=clock)
    clock.advance(hours=1)
    save_plan(client, c.id, [DeleteMilestone(m3)], clock=clock)
    assert numbers(client, c) == [(3, client.display_name, "plan saved"),
                                  (2, client.display_name, "plan saved"),
                                  (1, client.display_name, "contract created")]
    assert [r.in_force for r in list_revisions(client, c.id)] == [True, False, False]
    # Revision 2 as it was: four milestones, the second at $450.
    two = get_revision(freelancer, c.id, 2)
    assert [(r.title, r.amount_cents) for r in two.rows] == [
        ("Milestone 1", 250_00), ("Milestone 2", 450_00), ("Milestone 3", 300_00),
        ("Launch", 100_00)]
    assert two.info.created_at == clock.now().shift(hours=-1)
    said = [c.describe() for c in revision_diff(client, c.id, 1, 3)]
    assert said == ["edited “Milestone 2” (amount: $500.00 → $450.00)", "added “Launch”",
                    "deleted “Milestone 3”"]
    # Read backwards, the same two revisions say the opposite.
    assert [c.describe() for c in revision_diff(client, c.id, 3, 1)] == [
        "edited “Milestone 2” (amount: $450.00 → $500.00)", "added “Milestone 3”",
        "deleted “Launch”"]
    assert revision_diff(client, c.id, 2, 2) == []


def test_X20_an_accepted_proposal_and_an_accepted_change_are_revisions_too(
        make_contract, client, freelancer, clock):
    c = make_contract("upwork", amounts=(250_00, 500_00))
    m1, m2 = (m.id for m in contract_detail(client, c.id).milestones)
    request = propose_milestone_changes(freelancer, c.id,
                                        [EditMilestone(m2, {"title": "Design system"})],
                                        clock=clock)
    assert len(list_revisions(client, c.id)) == 1  # a proposal is not a plan yet
    accept_proposal(client, request.id, clock=clock)
    fund_next_milestone(client, c.id, clock=clock)  # funding changes no term: no revision
    change = request_milestone_change(client, m1, {"amount_cents": 300_00}, clock=clock)
    approve_milestone_change(freelancer, change.id, clock=clock)
    assert numbers(client, c)[:2] == [(3, freelancer.display_name, "change accepted"),
                                      (2, client.display_name, "proposal accepted")]
    assert [x.describe() for x in revision_diff(client, c.id, 1, 3)] == [
        "edited “Milestone 1” (amount: $250.00 → $300.00)",
        "edited “Milestone 2” (title: Milestone 2 → Design system)"]


def test_X20_a_refused_save_writes_no_revision(make_contract, client, freelancer, refused):
    c = make_contract("upwork", amounts=(250_00,))
    with refused("G-07"):  # the freelancer edits the plan only by proposal (U-14)
        save_plan(freelancer, c.id, [AddMilestone("More", 10_00)])
    assert PlanRevision.select().where(PlanRevision.contract == c.id).count() == 1


def test_X21_G07_a_stranger_reads_no_revision_and_a_missing_one_is_named(
        make_contract, other_client, agent, client, refused):
    c = make_contract("upwork", amounts=(250_00,))
    assert len(list_revisions(agent, c.id)) == 1  # support reads them
    for call in (lambda: list_revisions(other_client, c.id),
                 lambda: get_revision(other_client, c.id, 1),
                 lambda: revision_diff(other_client, c.id, 1, 1)):
        with refused("G-07"):
            call()
    with refused("not-found"):
        get_revision(client, c.id, 2)
    with refused("not-found"):
        get_revision(client, c.id, 2**70)
