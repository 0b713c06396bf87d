"""rules/export.py: what each party may take out (G-07), paged, money in cents and as
decimals, times in UTC."""
from __future__ import annotations

import pytest

from rules import export
from rules.payments import fund_next_milestone, release


@pytest.fixture
def books(make_contract, client, freelancer, other_client, other_freelancer, clock):
    mine = make_contract("upwork", amounts=(250_00, 500_00))
    first = fund_next_milestone(client, mine.id, clock=clock)
    clock.advance(days=1)
    release(client, first.id, clock=clock)
    theirs = make_contract("upwork", amounts=(100_00,), actor=other_client,
                           other=other_freelancer, title="Someone else's")
    fund_next_milestone(other_client, theirs.id, clock=clock)
    return mine, theirs


def rows(actor, kind, **kw):
    return list(export.export_rows(actor, kind, **kw))


def test_G07_each_party_exports_only_its_own_contracts(books, client, freelancer, agent,
                                                       other_client):
    mine, theirs = books
    for kind in export.KINDS:
        own = {r["contract"] if kind != "contracts" else r["id"] for r in rows(client, kind)}
        assert own == {mine.id}, kind
        assert {r["contract"] if kind != "contracts" else r["id"]
                for r in rows(freelancer, kind)} == {mine.id}, kind
        assert {r["contract"] if kind != "contracts" else r["id"]
                for r in rows(agent, kind)} == {mine.id, theirs.id}, kind


def test_G07_one_contract_that_is_not_yours_is_refused_as_unknown(books, client, refused):
    mine, theirs = books
    assert {r["contract"] for r in rows(client, "ledger", contract_id=mine.id)} == {mine.id}
    with refused("G-07"):
        export.export_rows(client, "ledger", contract_id=theirs.id)
    with refused("G-07"):
        export.export_rows(client, "ledger", contract_id=2**70)


def test_money_in_cents_and_decimals_and_times_in_utc(books, client):
    ledger = rows(client, "ledger")
    assert sum(r["amount_cents"] for r in ledger) == 0  # double entry: every pair nets out
    fund = next(r for r in ledger if r["kind"] == "fund" and r["amount_cents"] > 0)
    assert (fund["amount_cents"], fund["amount"]) == (250_00, "250.00")
    assert any(r["amount"].startswith("-") for r in ledger)
    assert all(r["at"].endswith("Z") for r in ledger)
    milestone = rows(client, "milestones")[0]
    assert milestone["amount"] == "250.00" and milestone["due_date"] == "2026-03-09"


def test_since_and_bad_input(books, client, clock, refused):
    everything = rows(client, "timeline")
    later = rows(client, "timeline", since="2026-03-03")
    assert 0 < len(later) < len(everything)
    assert all(r["at"] >= "2026-03-03" for r in later)
    with refused("input"):
        export.export_rows(client, "timeline", since="last tuesday")
    with refused("input"):
        export.export_rows(client, "passwords")


def test_paging_yields_every_row_once_in_order(books, agent, monkeypatch):
    whole = rows(agent, "ledger")
    monkeypatch.setattr(export, "PAGE", 3)
    paged = rows(agent, "ledger")
    assert paged == whole and [r["id"] for r in paged] == sorted(r["id"] for r in whole)
    assert export.count_rows(agent, "ledger") == len(whole)


def test_G07_search_exports_what_the_list_filter_finds_of_ones_own(books, agent, client):
    """The TUI's `E` on a filtered list: the contracts its filter finds, and for a
    party only among their own (the filter never widens what may be seen)."""
    mine, theirs = books
    assert [r["id"] for r in rows(agent, "contracts", search="someone")] == [theirs.id]
    assert rows(client, "contracts", search="someone") == []
    assert {r["contract"] for r in rows(agent, "ledger", search="else")} == {theirs.id}
