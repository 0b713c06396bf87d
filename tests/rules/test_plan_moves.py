"""rules.plan.diff_plans names as "moved" only the milestones whose order relative to
the other kept milestones changed, and as few as explain the new order (U-11)."""
from __future__ import annotations

import bisect

import hypothesis.strategies as st
from hypothesis import given, settings

from rules.plan import PlanRow, diff_plans


def plan(*keys: int) -> list[PlanRow]:
    return [PlanRow(id=k, position=i + 1, title=f"M{k}", amount_cents=5000)
            for i, k in enumerate(keys)]


def moved(saved: list[PlanRow], rows: list[PlanRow]) -> list[int]:
    return [c.key for c in diff_plans(saved, rows) if c.kind == "moved"]


def test_carrying_the_last_row_to_the_top_moves_only_it():
    assert moved(plan(1, 2, 3, 4, 5), plan(5, 1, 2, 3, 4)) == [5]
    change = [c for c in diff_plans(plan(1, 2, 3, 4, 5), plan(5, 1, 2, 3, 4))][0]
    assert change.fields == {"position": (5, 1)}


def test_carrying_the_first_row_to_the_bottom_moves_only_it():
    assert moved(plan(1, 2, 3, 4, 5), plan(2, 3, 4, 5, 1)) == [1]


def test_rows_making_room_for_an_added_row_did_not_move():
    saved = plan(1, 2, 3)
    rows = [PlanRow(id=None, ref="new", position=1, title="New", amount_cents=5000),
            *[PlanRow(id=r.id, position=r.position + 1, title=r.title,
                      amount_cents=r.amount_cents) for r in saved]]
    assert [(c.kind, c.key) for c in diff_plans(saved, rows)] == [("added", "new")]


def test_rows_closing_the_gap_of_a_deleted_row_did_not_move():
    assert [(c.kind, c.key) for c in diff_plans(plan(1, 2, 3, 4), plan(1, 3, 4))] == [
        ("deleted", 2)]


def test_a_delete_and_a_move_name_only_the_moved_row():
    # [1 2 3 4] → delete 1, put 2 after 3: the row whose number changed most (3: 3 → 1)
    # is named, not 2, whose number stays 2.
    assert moved(plan(1, 2, 3, 4), plan(3, 2, 4)) == [3]


def test_a_swap_names_one_row():
    assert len(moved(plan(1, 2, 3, 4), plan(1, 3, 2, 4))) == 1


def test_reversing_names_all_but_one():
    assert len(moved(plan(1, 2, 3, 4, 5), plan(5, 4, 3, 2, 1))) == 4


def lis_length(values: list[int]) -> int:
    """An independent O(n log n) longest strictly increasing subsequence."""
    tails: list[int] = []
    for v in values:
        i = bisect.bisect_left(tails, v)
        tails[i:i + 1] = [v]
    return len(tails)


@st.composite
def edited_plans(draw):
    n = draw(st.integers(1, 25))
    saved = plan(*range(1, n + 1))
    kept = draw(st.lists(st.sampled_from(range(1, n + 1)), unique=True, max_size=n))
    kept = draw(st.permutations(kept))
    adds = draw(st.integers(0, 3))
    order: list[int | str] = list(kept)
    for a in range(adds):
        order.insert(draw(st.integers(0, len(order))), f"new-{a}")
    rows = [PlanRow(id=k if isinstance(k, int) else None,
                    ref=k if isinstance(k, str) else None, position=i + 1,
                    title=f"M{k}", amount_cents=5000) for i, k in enumerate(order)]
    return saved, rows


@settings(max_examples=300, deadline=None)
@given(edited_plans())
def test_moves_are_a_minimal_set_that_explains_the_new_order(case):
    saved, rows = case
    old = {r.id: r.position for r in saved}
    kept = [r for r in rows if r.id is not None]
    changes = diff_plans(saved, rows)
    named = {c.key for c in changes if c.kind == "moved"}
    # Every move is reported with its true positions.
    for c in changes:
        if c.kind == "moved":
            new = next(r.position for r in rows if r.id == c.key)
            assert c.fields == {"position": (old[c.key], new)}
    # The rows not named keep their relative order (so the names explain the change)...
    still = [old[r.id] for r in kept if r.id not in named]
    assert still == sorted(still)
    # ...and no smaller set would: as many stay as the longest increasing run allows.
    assert len(named) == len(kept) - lis_length([old[r.id] for r in kept])
    # In particular: relative order unchanged, nothing moved.
    if [old[r.id] for r in kept] == sorted(old[r.id] for r in kept):
        assert not named
