"""rules.plan without a database: a batch of plan operations as a proposal stores it
(cleaned_ops, then ops_to_json / ops_from_json in a change request's payload), and the
refusals of apply_ops word for word (U-07, U-08, U-09, U-10, U-14). Written against the
mutants `make mutation` found alive (tests/README.md)."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from rules.errors import INPUT, RuleError
from rules.plan import (AddMilestone, DeleteMilestone, EditMilestone, PlanContext, PlanRow,
                        ReorderMilestones, apply_ops, cleaned_ops, ops_from_json,
                        ops_to_json)
from rules.policy import get_policy

DAY = dt.date(2026, 4, 1)
BATCH = [AddMilestone("Copy", 250_00, description="Two rounds", due_date=DAY, revisions=3,
                      ref="copy"),
         EditMilestone(7, {"title": "Wireframes v2", "due_date": DAY, "amount_cents": 900}),
         DeleteMilestone(8),
         ReorderMilestones(("copy", 7, 9))]


def ctx(policy: str = "upwork", *, by_freelancer: bool = False) -> PlanContext:
    return PlanContext(get_policy(policy), starts_on=dt.date(2026, 3, 1), end_date=None,
                       by_freelancer=by_freelancer)


def row(key: int, status: str = "planned", position: int | None = None) -> PlanRow:
    return PlanRow(id=key, position=position or key, title=f"M{key}", amount_cents=100_00,
                   status=status)


def refusal(saved, ops, context) -> tuple[str, str]:
    with pytest.raises(RuleError) as caught:
        apply_ops(saved, ops, context)
    return caught.value.rule_id, caught.value.message


def test_a_batch_is_stored_as_json_in_this_shape():
    assert ops_to_json(BATCH) == [
        {"op": "add", "title": "Copy", "amount_cents": 250_00, "description": "Two rounds",
         "ref": "copy", "due_date": "2026-04-01", "revisions": 3},
        {"op": "edit", "milestone_id": 7,
         "changes": {"title": "Wireframes v2", "due_date": "2026-04-01", "amount_cents": 900}},
        {"op": "delete", "milestone_id": 8},
        {"op": "reorder", "order": ["copy", 7, 9]}]


def test_a_stored_batch_reads_back_as_the_same_operations():
    stored = json.loads(json.dumps(ops_to_json(BATCH)))  # as a change request keeps it
    assert ops_from_json(stored) == BATCH


def test_an_added_milestone_stored_without_its_optional_fields_reads_back_with_defaults():
    [op] = ops_from_json([{"op": "add", "title": "Copy", "amount_cents": 500}])
    assert op == AddMilestone("Copy", 500, description="", due_date=None, revisions=None,
                              ref=None)


def test_cleaned_ops_store_text_as_it_will_be_shown():
    """T-01: NFC and stripped, titles and descriptions of adds and edits alike; the rest
    of each operation as it was."""
    decomposed = "Cafe\u0301"  # "Café" with a combining accent
    ops = [AddMilestone(f"  {decomposed} ", 500, description=f" {decomposed}\n"),
           EditMilestone(7, {"title": f"{decomposed} ", "description": f"\n{decomposed} ",
                             "amount_cents": 900}),
           DeleteMilestone(8), ReorderMilestones((7, 9))]
    assert cleaned_ops(ops) == [
        AddMilestone("Café", 500, description="Café"),
        EditMilestone(7, {"title": "Café", "description": "Café", "amount_cents": 900}),
        DeleteMilestone(8), ReorderMilestones((7, 9))]


@pytest.mark.parametrize("op", [AddMilestone("Copy", 500, description="a\x1b[2Jb"),
                                EditMilestone(7, {"description": "a\x1b[2Jb"})],
                         ids=["add", "edit"])
def test_cleaned_ops_refuse_a_control_character_in_a_description(op):
    with pytest.raises(RuleError) as caught:
        cleaned_ops([op])
    assert caught.value.rule_id == "T-02"
    assert caught.value.message.startswith("The description contains a control character")


def test_an_edit_without_a_description_is_left_without_one():
    assert cleaned_ops([EditMilestone(7, {"title": "New"})]) == [
        EditMilestone(7, {"title": "New"})]


@pytest.mark.parametrize("op,verb", [(AddMilestone("Copy", 500), "added"),
                                     (EditMilestone(1, {"title": "X"}), "edited"),
                                     (DeleteMilestone(1), "deleted")])
def test_U07_U10_plans_that_cannot_change_say_why(op, verb):
    assert refusal([row(1)], [op], ctx("fiverr-gig")) == (
        "U-07", "A Fiverr order keeps the milestones of its Gig or custom offer: "
                f"milestones cannot be {verb} after the order is placed.")
    assert refusal([row(1)], [op], ctx("upwork-compliance")) == (
        "U-10", "This compliance contract planned all its milestones at the start: "
                f"milestones cannot be {verb} (a new contract offer is needed). "
                "Reordering future milestones is still allowed.")


def test_U08_U14_an_active_milestone_is_named_with_its_status_in_words():
    saved = [row(1, "changes_requested"), row(2)]
    assert refusal(saved, [DeleteMilestone(1)], ctx()) == (
        "U-08", "“M1” is changes requested: only future milestones (not yet funded) can be "
                "deleted. An active milestone changes through a change request (U-20).")
    assert refusal(saved, [EditMilestone(1, {"title": "X"})], ctx(by_freelancer=True)) == (
        "U-14", "“M1” is changes requested: a proposal can only add, edit or delete future "
                "milestones (not yet funded).")


def test_U09_a_reorder_names_the_milestone_that_keeps_its_place():
    saved = [row(1, "funded"), row(2), row(3)]
    assert refusal(saved, [ReorderMilestones((3, 1, 2))], ctx()) == (
        "U-09", "“M1” is active or finished: its place in the list cannot change.")


@pytest.mark.parametrize("order", [(3,), (3, 2, 2), (3, 2, 4)], ids=["short", "twice",
                                                                     "unknown"])
def test_a_reorder_must_list_each_future_milestone_once(order):
    saved = [row(1, "funded"), row(2), row(3)]
    assert refusal(saved, [ReorderMilestones(order)], ctx()) == (
        INPUT, "The new order must list each future milestone exactly once.")


def test_a_reorder_keeps_active_rows_in_their_slots():
    saved = [row(1), row(2, "funded"), row(3)]
    rows, _ = apply_ops(saved, [ReorderMilestones((3, 1))], ctx())
    assert [(r.id, r.position) for r in rows] == [(3, 1), (2, 2), (1, 3)]
