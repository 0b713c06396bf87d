"""`import contracts` (rules/importer.py, import_rows.py, import_check.py): a file of
milestone rows made into contracts through create_contract, all or nothing; every bad
row reported at once with its line and column; a dry run writes nothing."""
from __future__ import annotations

import json

import pytest

from models.contracts import Contract
from models.milestones import Milestone
from rules.importer import import_contracts
from state_helpers import db_state

HEAD = "contract,title,policy,counterpart,end_date,milestone_title,amount,due\n"
GOOD = ("shop,Shop rebuild,upwork,bo,,Design,300.00,2026-04-01\n"
        "shop,Shop rebuild,upwork,bo,,Build,900.00,2026-05-01\n"
        "docs,Docs,upwork,di,,Outline,200.00,2026-04-10\n")


def run(actor, text: str, clock, fmt="csv", **kw):
    return import_contracts(actor, text.encode("utf-8") if isinstance(text, str) else text,
                            fmt=fmt, clock=clock, **kw)


def test_a_good_file_makes_its_contracts_through_create_contract(client, freelancer,
                                                                 other_freelancer, clock):
    result = run(client, HEAD + GOOD, clock)
    assert (result.ok, result.contracts, result.milestones) == (True, 2, 3)
    shop = Contract.get(Contract.title == "Shop rebuild")
    assert (shop.client_id, shop.freelancer_id, shop.status) == (client.id, freelancer.id,
                                                                "open")
    assert [(m.title, m.amount_cents) for m in Milestone.select().where(
        Milestone.contract == shop.id).order_by(Milestone.position)] == [
        ("Design", 300_00), ("Build", 900_00)]


def test_json_rows_work_the_same(client, freelancer, clock):
    rows = [{"contract": "a", "title": "Logo", "policy": "upwork", "counterpart": "bo",
             "milestone_title": "Concepts", "amount": "150.00", "due": "2026-04-01"}]
    result = run(client, json.dumps(rows), clock, fmt="json")
    assert (result.ok, result.contracts) == (True, 1), result.problems


def test_a_dry_run_writes_nothing(client, freelancer, other_freelancer, clock):
    before = db_state()
    result = run(client, HEAD + GOOD, clock, dry_run=True)
    assert (result.ok, result.contracts, result.ids) == (True, 2, [])
    assert db_state() == before


BAD_ROWS = [  # (the row, the column named, what the message says)
    ("shop,Shop rebuild,upwork,bo,,,300.00,2026-04-01", "milestone_title", ""),
    ("shop,Another title,upwork,bo,,Design 2,300.00,2026-04-01", "title", ""),
    ("shop,Shop rebuild,upwork,bo,,Design 2,3OO.00,2026-04-01", "amount", ""),
    ("shop,Shop,upwork,bo,,Design,-5.00,2026-04-01", "amount", ""),
    ("shop,Shop,upwork,bo,,Design,300.00,2026-02-30", "due", ""),
    ("shop,Shop,nowhere,bo,,Design,300.00,2026-04-01", "policy", ""),
    ("shop,Shop,upwork,nobody,,Design,300.00,2026-04-01", "counterpart", ""),
    ("shop,Shop,upwork,ada,,Design,300.00,2026-04-01", "counterpart", ""),
    ("shop,Sh\x1b[31mop,upwork,bo,,Design,300.00,2026-04-01", "title", "T-02"),
    ("shop,Shop,fiverr-gig,ada,,Design,20.00,2026-04-01", "", ""),
    ("shop,Shop,upwork,bo,,Design,300.00", "", ""),
]


@pytest.mark.parametrize("row, column, says", BAD_ROWS)
def test_each_kind_of_bad_row_is_reported_with_its_line_and_nothing_is_written(
        client, freelancer, clock, row, column, says):
    before = db_state()
    text = HEAD + GOOD.splitlines(keepends=True)[0] + row + "\n"
    result = run(client, text, clock)
    assert not result.ok and result.contracts == 0
    lines = [p.render("f.csv") for p in result.problems]
    assert any(p.line == 3 for p in result.problems), lines
    if column:
        assert any(p.column == column for p in result.problems), lines
    if says:
        assert any(says in line for line in lines), lines
    assert db_state() == before


def test_every_problem_comes_at_once(client, freelancer, clock):
    text = HEAD + ("a,,upwork,bo,,M,1.00,2026-04-01\n"
                   "b,B,upwork,nobody,,M,abc,2026-04-01\n")
    result = run(client, text, clock)
    assert {p.line for p in result.problems} == {2, 3}
    assert len(result.problems) >= 3


def test_X36_X32_a_funding_column_and_a_criteria_column_are_read(client, freelancer, clock):
    text = ("contract,title,policy,counterpart,funding,milestone_title,amount,due,criteria\n"
            "shop,Shop,upwork,bo,all,Design,300.00,2026-04-01,Mobile first; Two themes\n"
            "shop,Shop,upwork,bo,,Build,900.00,2026-05-01,\n")
    result = run(client, text, clock)
    assert result.ok, [p.render("f.csv") for p in result.problems]
    shop = Contract.get(Contract.title == "Shop")
    assert shop.funding_limit == 0
    assert [list(m.criteria or ()) for m in Milestone.select().where(
        Milestone.contract == shop.id).order_by(Milestone.position)] == [
        ["Mobile first", "Two themes"], []]


@pytest.mark.parametrize("funding, criteria, column, rule", [
    ("lots", "", "funding", "X-36"), ("one", "Same; same", "criteria", "X-32")])
def test_X36_X32_a_bad_funding_or_criteria_cell_is_reported_and_nothing_written(
        client, freelancer, clock, funding, criteria, column, rule):
    before = db_state()
    text = ("contract,title,policy,counterpart,funding,milestone_title,amount,due,criteria\n"
            f"shop,Shop,upwork,bo,{funding},Design,300.00,2026-04-01,{criteria}\n")
    result = run(client, text, clock)
    assert not result.ok
    assert [(p.line, p.column, p.rule) for p in result.problems] == [(2, column, rule)]
    assert db_state() == before


# --- --as-offers: rows sent as offers through rules.offers.send_offer (O-01..O-06) -------

def test_O06_rows_become_offers_sent_by_the_caller_through_send_offer(
        client, freelancer, other_freelancer, clock):
    from models.deadlines import Deadline
    from rules.importer import SEND_OFFERS
    from rules.offers import list_offers
    result = run(client, HEAD + GOOD, clock, creator=SEND_OFFERS)
    assert (result.ok, result.contracts, result.milestones) == (True, 2, 3)
    shop = Contract.get(Contract.title == "Shop rebuild")
    assert (shop.client_id, shop.freelancer_id, shop.status) == (client.id, freelancer.id,
                                                                "offered")
    assert [o.id for o in list_offers(freelancer)] == [shop.id]
    windows = Deadline.select().where(Deadline.kind == "offer_expiry")
    assert sorted(w.contract_id for w in windows) == sorted(result.ids)
    assert {str(w.due_at)[:10] for w in windows} == {"2026-03-16"}  # 14 days after sending


def test_O06_a_fiverr_seller_imports_custom_offers_to_buyers(client, freelancer, clock):
    from rules.importer import SEND_OFFERS
    rows = "a,Logo,fiverr-offer,ada,,Concepts,150.00,2026-04-01\n"
    result = run(freelancer, HEAD + rows, clock, creator=SEND_OFFERS)
    assert result.ok, result.problems
    logo = Contract.get(Contract.title == "Logo")
    assert (logo.client_id, logo.freelancer_id, logo.status) == (client.id, freelancer.id,
                                                                "offered")


def test_O01_an_offer_row_its_rules_refuse_is_a_problem_and_nothing_is_written(
        client, freelancer, clock):
    from rules.importer import SEND_OFFERS
    rows = ("a,Logo,upwork,ada,,Concepts,150.00,2026-04-01\n"  # on Upwork the client sends
            "b,Icons,fiverr-offer,ada,2026-06-01,Set,150.00,2026-04-01\n")  # no end date
    before = db_state()
    result = run(freelancer, HEAD + rows, clock, creator=SEND_OFFERS)
    assert [(p.line, p.rule) for p in result.problems] == [(2, "O-01"), (3, "input")]
    assert "end date" in result.problems[1].message
    assert db_state() == before
