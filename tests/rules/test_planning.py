"""Planning and editing future milestones: U-07, U-08, U-09, U-10, U-11, U-12, with the
timeline and notifications they leave (U-31) and bad input."""
from __future__ import annotations

import datetime as dt
import json

import arrow
import pytest

from models.audit import AuditRecord
from models.contracts import Contract
from models.events import Event, Notification
from models.milestones import Milestone
from models.vocabulary import MilestoneStatus as S
from rules.contracts import end_contract
from rules.errors import RuleError
from rules.payments import fund_next_milestone, release
from rules.plan import (AddMilestone, DeleteMilestone, EditMilestone, PlanContext, PlanRow,
                        ReorderMilestones, apply_ops, diff_plans)
from rules.planning import (add_milestone, delete_milestone, edit_milestone,
                            reorder_milestones, save_plan)
from rules.policy import get_policy
from rules.work import submit_work

D = dt.date


def milestones(contract) -> list[Milestone]:
    return list(Milestone.select().where(Milestone.contract == contract.id)
                .order_by(Milestone.position))


def titles(contract) -> list[str]:
    return [m.title for m in milestones(contract)]


def events(contract, kind: str | None = None) -> list[Event]:
    q = Event.select().where(Event.contract == contract.id)
    if kind:
        q = q.where(Event.kind == kind)
    return list(q.order_by(Event.id))


def recipients(event: Event) -> set[int]:
    return {n.recipient_id for n in Notification.select().where(Notification.event == event.id)}


def audits(contract, action: str) -> list[AuditRecord]:
    return list(AuditRecord.select().where((AuditRecord.contract == contract.id)
                                           & (AuditRecord.action == action)))


# --- U-07: adding milestones --------------------------------------------------------

def test_U07_client_adds_a_milestone_at_the_end(make_contract, client, freelancer, clock):
    c = make_contract()
    m = add_milestone(client, c.id, "Launch", 12000, "Go live", D(2026, 4, 20), clock=clock)
    assert titles(c) == ["Milestone 1", "Milestone 2", "Launch"]
    row = Milestone.get_by_id(m.id)
    assert (row.status, row.position, row.amount_cents, row.description, row.due_date) == (
        S.PLANNED, 3, 12000, "Go live", D(2026, 4, 20))
    ev = events(c, "save_plan")[-1]
    assert "Launch" in ev.summary and recipients(ev) == {freelancer.id}
    assert json.loads(ev.details)["changes"][0]["kind"] == "added"
    assert len(audits(c, "save_plan")) == 1


def test_U07_a_new_milestone_is_stamped_with_the_action_time(make_contract, client, clock):
    c = make_contract()
    clock.advance(days=3, hours=2)
    m = add_milestone(client, c.id, "Later", 5000, clock=clock)
    assert arrow.get(Milestone.get_by_id(m.id).created_at) == clock.now()
    assert arrow.get(events(c, "save_plan")[-1].occurred_at) == clock.now()


def test_U07_client_adds_while_a_milestone_is_active_and_after_releases(make_contract, client,
                                                                         clock, invariants):
    c = make_contract(amounts=(25000,))
    m = fund_next_milestone(client, c.id, clock=clock)
    add_milestone(client, c.id, "During", 5000, clock=clock)
    release(client, m.id, clock=clock)
    add_milestone(client, c.id, "After", 6000, clock=clock)
    assert [(x.title, x.status) for x in milestones(c)] == [
        ("Milestone 1", S.RELEASED), ("During", S.PLANNED), ("After", S.PLANNED)]
    invariants()


def test_U07_no_adding_once_the_contract_has_ended(make_contract, client, refused, clock):
    c = make_contract()
    end_contract(client, c.id, clock=clock)
    with refused("G-03"):
        add_milestone(client, c.id, "Late", 5000, clock=clock)


def test_U07_fiverr_orders_keep_their_milestones(make_contract, client, refused, clock):
    c = make_contract("fiverr-offer", amounts=(6000, 6000))
    with refused("U-07", match="cannot be added"):
        add_milestone(client, c.id, "More", 5000, clock=clock)


def test_U07_only_the_client_adds_milestones(make_contract, freelancer, agent, refused, clock):
    c = make_contract()
    with refused("G-07", match="only the client"):
        add_milestone(freelancer, c.id, "Mine", 5000, clock=clock)
    with refused("G-07", match="only the client"):
        add_milestone(agent, c.id, "Support's", 5000, clock=clock)


def test_U07_an_outsider_gets_G07_and_learns_nothing(make_contract, other_client,
                                                     other_freelancer, refused, clock):
    c = make_contract(title="Secret rebrand")
    for outsider in (other_client, other_freelancer):
        with refused("G-07") as info:
            add_milestone(outsider, c.id, "Intrude", 5000, clock=clock)
        assert info.value.message == "No such contract, or it is not yours to see."


def test_U07_unknown_contract_reads_as_not_yours_and_unknown_user_is_not_found(
        make_contract, client, refused, clock):
    c = make_contract()
    with refused("G-07", match="no such contract, or it is not yours to see"):
        add_milestone(client, 424242, "Nowhere", 5000, clock=clock)
    with refused("not-found"):
        add_milestone(424242, c.id, "Nobody", 5000, clock=clock)


def test_U07_title_must_be_1_to_200_characters(make_contract, client, refused, clock):
    c = make_contract()
    for title in ("", "   ", None, "x" * 201):
        with refused("input", match="title"):
            add_milestone(client, c.id, title, 5000, clock=clock)


def test_U07_title_of_200_characters_is_allowed_and_trimmed(make_contract, client, clock):
    c = make_contract()
    m = add_milestone(client, c.id, "  " + "x" * 200 + " ", 5000, clock=clock)
    assert Milestone.get_by_id(m.id).title == "x" * 200


def test_U07_due_date_before_the_contract_starts_is_refused(make_contract, client, refused,
                                                            clock):
    c = make_contract()
    with refused("input", match="before the contract starts"):
        add_milestone(client, c.id, "Past", 5000, due_date=D(2026, 3, 1), clock=clock)
    m = add_milestone(client, c.id, "Today", 5000, due_date=D(2026, 3, 2), clock=clock)
    assert Milestone.get_by_id(m.id).due_date == D(2026, 3, 2)


# --- U-08: editing and deleting future milestones -----------------------------------

def test_U08_client_edits_every_field_of_a_future_milestone(make_contract, client, freelancer,
                                                            clock):
    c = make_contract()
    second = milestones(c)[1]
    m = edit_milestone(client, second.id, title="Design", description="Figma files",
                       due_date=D(2026, 5, 1), amount_cents=42000, clock=clock)
    assert (m.title, m.description, m.due_date, m.amount_cents, m.status) == (
        "Design", "Figma files", D(2026, 5, 1), 42000, S.PLANNED)
    assert m.version == second.version + 1
    ev = events(c, "save_plan")[-1]
    assert recipients(ev) == {freelancer.id}
    change = json.loads(ev.details)["changes"][0]
    assert change["kind"] == "edited" and change["fields"]["amount_cents"] == [50000, 42000]
    assert change["fields"]["title"] == ["Milestone 2", "Design"]
    assert "amount: $500.00 → $420.00" in ev.summary


def test_U08_client_deletes_a_future_milestone(make_contract, client, freelancer, clock):
    c = make_contract(amounts=(25000, 50000, 10000))
    second = milestones(c)[1]
    delete_milestone(client, second.id, clock=clock)
    assert Milestone.get_or_none(Milestone.id == second.id) is None
    assert [(m.title, m.position) for m in milestones(c)] == [("Milestone 1", 1),
                                                              ("Milestone 3", 2)]
    ev = events(c, "save_plan")[-1]
    assert "deleted “Milestone 2”" in ev.summary and recipients(ev) == {freelancer.id}


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_U08_an_active_milestone_cannot_be_edited_or_deleted(make_contract, client, freelancer,
                                                             refused, clock, action):
    c = make_contract()
    m = fund_next_milestone(client, c.id, clock=clock)
    with refused("U-08", match="change request"):
        if action == "edit":
            edit_milestone(client, m.id, title="Renamed", clock=clock)
        else:
            delete_milestone(client, m.id, clock=clock)
    submit_work(freelancer, m.id, "Done", clock=clock)
    with refused("U-08"):
        edit_milestone(client, m.id, amount_cents=1000, clock=clock)


def test_U08_a_released_milestone_cannot_be_edited_or_deleted(make_contract, client, refused,
                                                              clock):
    c = make_contract()
    m = fund_next_milestone(client, c.id, clock=clock)
    release(client, m.id, clock=clock)
    with refused("U-08", match="released"):
        edit_milestone(client, m.id, title="Rewrite history", clock=clock)
    with refused("U-08"):
        delete_milestone(client, m.id, clock=clock)


def test_U08_only_the_client_edits_or_deletes(make_contract, freelancer, agent, refused, clock):
    c = make_contract()
    second = milestones(c)[1]
    for actor in (freelancer, agent):
        with refused("G-07"):
            edit_milestone(actor, second.id, amount_cents=90000, clock=clock)
        with refused("G-07"):
            delete_milestone(actor, second.id, clock=clock)


def test_U08_an_outsider_learns_nothing_even_with_a_stale_version(make_contract, other_client,
                                                                  refused, clock):
    c = make_contract(title="Secret rebrand")
    second = milestones(c)[1]
    for kwargs in ({}, {"version": 0}):
        with refused("G-07") as info:
            edit_milestone(other_client, second.id, title="Mine", clock=clock, **kwargs)
        assert "Milestone 2" not in info.value.message
        with refused("G-07") as info:
            delete_milestone(other_client, second.id, clock=clock, **kwargs)
        assert "Milestone 2" not in info.value.message


def test_U08_unknown_milestone_reads_as_not_yours(make_contract, client, refused, clock):
    c = make_contract()
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        edit_milestone(client, 98765, title="Ghost", clock=clock)
    with refused("G-07", match="no such milestone, or it is not yours to see"):
        delete_milestone(client, 98765, clock=clock)
    with refused("not-found"):
        save_plan(client, c.id, [DeleteMilestone(98765)], clock=clock)


def test_U08_a_milestone_of_another_contract_is_not_found(make_contract, client, refused, clock):
    a, b = make_contract(), make_contract(title="Other")
    foreign = milestones(b)[0]
    with refused("not-found"):
        save_plan(client, a.id, [EditMilestone(foreign.id, {"title": "Moved"})], clock=clock)


BAD_EDITS = [
    ({"title": ""}, "input", "empty"),
    ({"title": "y" * 201}, "input", "at most 200"),
    ({"due_date": D(2026, 2, 28)}, "input", "before the contract starts"),
    ({"due_date": "2026-04-01"}, "input", "YYYY-MM-DD"),
    ({"amount_cents": 499}, "U-01", "$5.00"),
    ({"amount_cents": 100_000_001}, "G-01", "limit"),
    ({"position": 1}, "input", "not a milestone field"),
    ({"status": "released"}, "input", "not a milestone field"),
    ({}, "input", "nothing"),
]


def test_U08_bad_edits_are_refused(make_contract, client, refused, clock):
    c = make_contract()
    second = milestones(c)[1]
    for changes, rule, match in BAD_EDITS:
        with refused(rule, match=match):
            edit_milestone(client, second.id, clock=clock, **changes)


def test_U08_stale_version_is_a_conflict(make_contract, client, refused, clock):
    c = make_contract()
    second = milestones(c)[1]
    edit_milestone(client, second.id, title="First edit", version=second.version, clock=clock)
    with refused("conflict", match="someone acted first"):
        edit_milestone(client, second.id, title="Second edit", version=second.version,
                       clock=clock)
    with refused("conflict"):
        delete_milestone(client, second.id, version=second.version, clock=clock)
    current = Milestone.get_by_id(second.id)
    assert current.title == "First edit"
    delete_milestone(client, second.id, version=current.version, clock=clock)
    assert Milestone.get_or_none(Milestone.id == second.id) is None


def test_U08_editing_to_the_same_values_saves_nothing(make_contract, client, refused, clock):
    c = make_contract()
    second = milestones(c)[1]
    with refused("input", match="nothing"):
        edit_milestone(client, second.id, title=second.title, clock=clock)


# --- U-09: reordering future milestones ---------------------------------------------

def test_U09_future_milestones_are_reordered(make_contract, client, freelancer, clock):
    c = make_contract(amounts=(25000, 50000, 10000))
    one, two, three = milestones(c)
    reorder_milestones(client, c.id, [three.id, one.id, two.id], clock=clock)
    assert [(m.title, m.position) for m in milestones(c)] == [
        ("Milestone 3", 1), ("Milestone 1", 2), ("Milestone 2", 3)]
    ev = events(c, "save_plan")[-1]
    assert "moved" in ev.summary and recipients(ev) == {freelancer.id}


def test_U09_active_and_finished_milestones_keep_their_place(make_contract, client, refused,
                                                             clock, invariants):
    c = make_contract(amounts=(25000, 50000, 10000, 8000))
    one, two, three, four = milestones(c)
    release(client, fund_next_milestone(client, c.id, clock=clock).id, clock=clock)
    fund_next_milestone(client, c.id, clock=clock)
    with refused("U-09", match="cannot change"):
        reorder_milestones(client, c.id, [two.id, four.id, three.id], clock=clock)
    with refused("U-09"):
        reorder_milestones(client, c.id, [four.id, one.id, three.id], clock=clock)
    reorder_milestones(client, c.id, [four.id, three.id], clock=clock)
    assert [(m.title, m.status) for m in milestones(c)] == [
        ("Milestone 1", S.RELEASED), ("Milestone 2", S.FUNDED),
        ("Milestone 4", S.PLANNED), ("Milestone 3", S.PLANNED)]
    invariants()


def test_U09_next_to_fund_follows_the_new_order(make_contract, client, clock, invariants):
    c = make_contract(amounts=(25000, 50000, 10000))
    one, two, three = milestones(c)
    m = fund_next_milestone(client, c.id, clock=clock)
    reorder_milestones(client, c.id, [three.id, two.id], clock=clock)
    release(client, m.id, clock=clock)
    assert fund_next_milestone(client, c.id, clock=clock).id == three.id
    invariants()


def test_U09_the_new_order_must_list_each_future_milestone_once(make_contract, client, refused,
                                                                clock):
    c = make_contract(amounts=(25000, 50000, 10000))
    one, two, three = (m.id for m in milestones(c))
    for bad in ([two, one], [one, two, two, three], [one, two, three, 777], []):
        with refused("input", match="exactly once"):
            reorder_milestones(client, c.id, bad, clock=clock)


def test_U09_same_order_saves_nothing(make_contract, client, refused, clock):
    c = make_contract()
    with refused("input"):
        reorder_milestones(client, c.id, [m.id for m in milestones(c)], clock=clock)


def test_U09_fiverr_orders_cannot_be_reordered(make_contract, client, refused, clock):
    c = make_contract("fiverr-offer", amounts=(6000, 6000, 6000))
    _, two, three = milestones(c)
    with refused("U-09"):
        reorder_milestones(client, c.id, [three.id, two.id], clock=clock)


def test_U09_only_the_client_reorders(make_contract, freelancer, refused, clock):
    c = make_contract()
    one, two = milestones(c)
    with refused("G-07"):
        reorder_milestones(freelancer, c.id, [two.id, one.id], clock=clock)


# --- U-10: compliance contracts plan everything at the start ----------------------

def test_U10_compliance_contract_refuses_add_edit_delete(make_contract, client, refused, clock):
    c = make_contract("upwork-compliance", amounts=(25000, 50000, 10000))
    second = milestones(c)[1]
    with refused("U-10", match="new contract offer"):
        add_milestone(client, c.id, "More", 5000, clock=clock)
    with refused("U-10"):
        edit_milestone(client, second.id, amount_cents=60000, clock=clock)
    with refused("U-10"):
        delete_milestone(client, second.id, clock=clock)
    one, _, three = milestones(c)
    with refused("U-10"):
        save_plan(client, c.id, [ReorderMilestones((three.id, second.id, one.id)),
                                 AddMilestone("Sneaky", 5000)], clock=clock)


def test_U10_compliance_contract_still_reorders_future_milestones(make_contract, client, clock):
    c = make_contract("upwork-compliance", amounts=(25000, 50000, 10000))
    one, two, three = milestones(c)
    fund_next_milestone(client, c.id, clock=clock)
    reorder_milestones(client, c.id, [three.id, two.id], clock=clock)
    assert titles(c) == ["Milestone 1", "Milestone 3", "Milestone 2"]


# --- U-11: a batch of changes, all at once or none --------------------------------

def test_U11_batch_is_applied_as_one_event_and_one_audit_record(make_contract, client,
                                                                freelancer, clock):
    c = make_contract(amounts=(25000, 50000, 10000))
    one, two, three = milestones(c)
    events_before, audits_before = Event.select().count(), AuditRecord.select().count()
    version = Contract.get_by_id(c.id).version
    ids = save_plan(client, c.id, [
        AddMilestone("QA", 7000, ref="qa"),
        EditMilestone(one.id, {"title": "Kickoff", "amount_cents": 20000}),
        DeleteMilestone(two.id),
        ReorderMilestones(("qa", three.id, one.id)),
    ], version=version, clock=clock)
    assert [(m.title, m.amount_cents, m.position) for m in milestones(c)] == [
        ("QA", 7000, 1), ("Milestone 3", 10000, 2), ("Kickoff", 20000, 3)]
    assert Milestone.get_by_id(ids["qa"]).title == "QA"
    assert Event.select().count() == events_before + 1
    assert AuditRecord.select().count() == audits_before + 1
    ev = events(c)[-1]
    assert ev.kind == "save_plan" and recipients(ev) == {freelancer.id}
    kinds = sorted(ch["kind"] for ch in json.loads(ev.details)["changes"])
    # [1, 2, 3] became [qa, 3, 1]: only "Kickoff" (1) changed its order relative to
    # the other kept milestone; 3 just closed the gap left by 2.
    assert kinds == ["added", "deleted", "edited", "moved"]
    audit = audits(c, "save_plan")[0]
    assert audit.actor_id == client.id
    assert len(json.loads(audit.after)["changes"]) == 4
    assert Contract.get_by_id(c.id).version == version + 1


def test_U11_one_invalid_change_saves_none_of_them(make_contract, client, refused, clock):
    c = make_contract(amounts=(25000, 50000, 10000))
    one, two, three = milestones(c)
    for bad_op, rule in [(EditMilestone(three.id, {"amount_cents": 100}), "U-01"),
                         (AddMilestone("", 5000), "input"),
                         (DeleteMilestone(-1), "not-found"),
                         (ReorderMilestones(("nope",)), "input")]:
        with refused(rule):
            save_plan(client, c.id, [AddMilestone("QA", 7000), DeleteMilestone(two.id),
                                     EditMilestone(one.id, {"title": "Kickoff"}), bad_op],
                      clock=clock)
    assert [m.title for m in milestones(c)] == ["Milestone 1", "Milestone 2", "Milestone 3"]


def test_U11_a_batch_touching_an_active_milestone_saves_nothing(make_contract, client, refused,
                                                                clock):
    c = make_contract(amounts=(25000, 50000))
    one, two = milestones(c)
    fund_next_milestone(client, c.id, clock=clock)
    with refused("U-08"):
        save_plan(client, c.id, [AddMilestone("QA", 7000), EditMilestone(two.id, {"title": "B"}),
                                 DeleteMilestone(one.id)], clock=clock)


def test_U11_stale_contract_version_is_a_conflict(make_contract, client, refused, clock):
    c = make_contract()
    stale = Contract.get_by_id(c.id).version
    add_milestone(client, c.id, "Someone else's", 5000, clock=clock)
    with refused("conflict", match="someone acted first"):
        save_plan(client, c.id, [AddMilestone("Mine", 5000)], version=stale, clock=clock)


def test_U11_an_empty_batch_is_refused(make_contract, client, refused, clock):
    c = make_contract()
    with refused("input", match="no changes"):
        save_plan(client, c.id, [], clock=clock)


def _ctx(policy="upwork", **kw) -> PlanContext:
    return PlanContext(policy=get_policy(policy), starts_on=D(2026, 3, 2), end_date=None, **kw)


SAVED = [PlanRow(id=1, position=1, title="Brief", amount_cents=10000, status="released"),
         PlanRow(id=2, position=2, title="Design", amount_cents=20000, status="funded"),
         PlanRow(id=3, position=3, title="Build", amount_cents=30000),
         PlanRow(id=4, position=4, title="Test", amount_cents=40000,
                 due_date=D(2026, 4, 1)),
         PlanRow(id=5, position=5, title="Ship", amount_cents=5000)]


def test_U11_show_changes_lists_each_change_before_and_after():
    rows, changes = apply_ops(SAVED, [
        AddMilestone("Docs", 6000, ref="docs"),
        EditMilestone(4, {"amount_cents": 45000, "due_date": D(2026, 4, 8)}),
        DeleteMilestone(3),
        ReorderMilestones(("docs", 5, 4)),
    ], _ctx())
    assert [(r.key, r.position) for r in rows] == [(1, 1), (2, 2), ("docs", 3), (5, 4), (4, 5)]
    by_kind = {(ch.kind, ch.key): ch for ch in changes}
    # Test and Ship swapped: one of them moved relative to the other, not both. On a
    # tie the earlier row stays and the later one is named.
    assert set(by_kind) == {("added", "docs"), ("edited", 4), ("deleted", 3), ("moved", 4)}
    assert by_kind[("edited", 4)].fields == {"amount_cents": (40000, 45000),
                                             "due_date": (D(2026, 4, 1), D(2026, 4, 8))}
    assert by_kind[("moved", 4)].fields == {"position": (4, 5)}
    assert by_kind[("edited", 4)].describe() == (
        "edited “Test” (due date: 2026-04-01 → 2026-04-08, amount: $400.00 → $450.00)")
    assert by_kind[("deleted", 3)].describe() == "deleted “Build”"
    assert by_kind[("added", "docs")].describe() == "added “Docs”"
    assert by_kind[("moved", 4)].describe() == "moved “Test” from 4 to 5"
    assert [r.title for r in SAVED] == ["Brief", "Design", "Build", "Test", "Ship"]


def test_U11_diff_of_identical_plans_is_empty():
    assert diff_plans(SAVED, list(SAVED)) == []


def test_U11_deleting_before_a_locked_row_does_not_count_as_moving_it():
    saved = [PlanRow(id=1, position=1, title="A", amount_cents=5000),
             PlanRow(id=2, position=2, title="B", amount_cents=5000, status="funded")]
    rows, changes = apply_ops(saved, [DeleteMilestone(1)], _ctx())
    assert [(r.key, r.position) for r in rows] == [(2, 1)]
    assert [(c.kind, c.key) for c in changes] == [("deleted", 1)]


def test_U11_a_new_row_can_be_edited_and_deleted_in_the_same_batch():
    rows, changes = apply_ops(SAVED, [AddMilestone("Tmp", 6000, ref="t"),
                                      EditMilestone("t", {"title": "Temp"}),
                                      AddMilestone("Keep", 7000, ref="k"),
                                      DeleteMilestone("t")], _ctx())
    assert [r.title for r in rows][-1] == "Keep"
    assert [(c.kind, c.key, c.title) for c in changes] == [("added", "k", "Keep")]


def test_U11_two_new_rows_with_the_same_ref_are_refused():
    with pytest.raises(RuleError) as info:
        apply_ops(SAVED, [AddMilestone("A", 6000, ref="x"), AddMilestone("B", 6000, ref="x")],
                  _ctx())
    assert info.value.rule_id == "input"


@pytest.mark.parametrize("op, rule", [
    (EditMilestone(2, {"title": "Active"}), "U-08"),
    (DeleteMilestone(1), "U-08"),
    (ReorderMilestones((3, 2, 4, 5)), "U-09"),
    (EditMilestone(99, {"title": "Ghost"}), "not-found"),
])
def test_U11_apply_ops_refuses_changes_to_locked_or_unknown_rows(op, rule):
    with pytest.raises(RuleError) as info:
        apply_ops(SAVED, [op], _ctx())
    assert info.value.rule_id == rule


# --- U-12: due dates -----------------------------------------------------------------

def test_U12_the_due_date_of_an_active_milestone_cannot_be_changed(make_contract, client,
                                                                   refused, clock):
    c = make_contract()
    m = fund_next_milestone(client, c.id, clock=clock)
    with refused("U-08", match="change request"):
        edit_milestone(client, m.id, due_date=D(2026, 6, 1), clock=clock)
    assert Milestone.get_by_id(m.id).due_date == D(2026, 3, 9)


def test_U12_a_future_milestone_due_date_can_be_changed(make_contract, client, clock):
    c = make_contract()
    second = milestones(c)[1]
    assert edit_milestone(client, second.id, due_date=D(2026, 7, 1),
                          clock=clock).due_date == D(2026, 7, 1)
    assert edit_milestone(client, second.id, due_date=None, clock=clock).due_date is None


def test_U12_compliance_due_dates_must_fall_within_the_end_date(make_contract, refused):
    with refused("U-12", match="end date"):
        make_contract("upwork-compliance", amounts=(25000, 50000),
                      end_date=D(2026, 3, 10))
    c = make_contract("upwork-compliance", amounts=(25000, 50000), end_date=D(2026, 3, 16))
    assert [m.due_date for m in milestones(c)] == [D(2026, 3, 9), D(2026, 3, 16)]


def test_U12_other_policies_are_not_bound_by_the_end_date(make_contract):
    c = make_contract("upwork", amounts=(25000, 50000), end_date=D(2026, 3, 10))
    assert milestones(c)[1].due_date == D(2026, 3, 16)


def test_U12_end_date_before_the_start_is_refused(make_contract, refused):
    with refused("input", match="end date"):
        make_contract("upwork-compliance", end_date=D(2026, 3, 1))


def test_U12_due_date_must_be_a_date(make_contract, client, refused, clock):
    c = make_contract()
    with refused("input", match="YYYY-MM-DD"):
        add_milestone(client, c.id, "When", 5000, due_date=dt.datetime(2026, 4, 1, 12),
                      clock=clock)

