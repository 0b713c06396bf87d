"""The contract list's queries: every sort in SQL agrees with sorting the whole list in
Python, pages concatenate to the whole list, totals are the ledger's balances, the
filter is literal, G-07 holds, and the number of queries does not grow with the page.

Two kinds of data: a few dozen contracts made through rules/ actions (every state the
actions reach), and a few thousand written with raw SQL into the real schema by the
benchmark's builder (bench/tui.py), for what only shows at scale."""
from __future__ import annotations

import datetime as dt
import importlib.util
import random
import shutil
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest

from models.accounts import Account, system_account
from models.base import database
from models.contracts import Contract
from models.db import open_database, sqlite_url
from models.milestones import Milestone
from models.vocabulary import ACTIVE_STATUSES, FINAL_STATUSES, MilestoneStatus, Role
from rules.clock import FrozenClock
from rules.contract_view import contract_detail, timeline_page
from rules.contracts import create_contract, end_contract
from rules.errors import RuleError
from rules.ledger import A, balance, paid_balance
from rules.payments import fund_next_milestone, release
from rules.plan import AddMilestone
from rules.queries import (
    SORT_KEYS,
    contract_order,
    contract_summaries,
    count_contracts,
    list_contracts,
)
from rules.refunds import agree_refund, request_refund
from rules.work import request_changes, submit_work

ROOT = Path(__file__).resolve().parents[2]
START = "2026-03-02T09:00:00+00:00"
PEOPLE = (("client", "ada", "Ada Client", Role.CLIENT),
          ("other_client", "cy", "Cy Client", Role.CLIENT),
          ("freelancer", "bo", "Bo Freelancer", Role.FREELANCER),
          ("other_freelancer", "di", "Di Freelancer", Role.FREELANCER),
          ("agent", "sam", "Sam Support", Role.AGENT))
EVERYTHING = 10**6

TITLES = ("Website redesign", "website redesign", "Logo refresh", "api gateway", "API docs",
          "100% rewrite", "100 percent", "draft_v2", "draft v2", "Data pipeline",
          "Mobile app MVP", "Zebra campaign")


def bench_builder():
    spec = importlib.util.spec_from_file_location("bench_tui", ROOT / "bench" / "tui.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_contracts


@pytest.fixture(scope="module")
def made_file(tmp_path_factory, schema_template):
    """Thirty contracts between two clients and two freelancers, each taken through a
    random (seeded) run of actions: funded, submitted, changes requested, released in
    full or in part, refund requested, ended. Same titles in several cases: ties.
    Built once; each test reads a copy."""
    path = tmp_path_factory.mktemp("made") / "made.db"
    shutil.copyfile(schema_template, path)
    db = open_database(sqlite_url(path))
    clock = FrozenClock(START)
    accounts = {name: Account.create(login=login, display_name=display, role=role)
                for name, login, display, role in PEOPLE}
    rng = random.Random(4)
    parties = [("client", "freelancer"), ("client", "other_freelancer"),
               ("other_client", "freelancer"), ("other_client", "other_freelancer")]
    for n in range(30):
        c_actor, f_actor = (accounts[p] for p in parties[n % 4])
        policy = rng.choice(("upwork", "upwork-compliance", "fiverr-gig", "fiverr-offer"))
        count = rng.randint(1, 4)
        contract = create_contract(
            c_actor, freelancer=f_actor, title=TITLES[n % len(TITLES)], policy=policy,
            end_date=dt.date(2026, 12, 31), clock=clock, milestones=[
                AddMilestone(title=rng.choice(("Design", "build", "Launch", "Docs")),
                             amount_cents=rng.randrange(110, 900) * 100,
                             due_date=dt.date(2026, 4, 1) + dt.timedelta(days=7 * i))
                for i in range(count)])
        for _ in range(rng.randint(0, 2 * count)):
            clock.advance(minutes=rng.randint(1, 600))
            active = (Milestone.select().where((Milestone.contract == contract.id)
                                               & Milestone.status.in_(list(ACTIVE_STATUSES)))
                      .first())
            try:
                if active is None:
                    fund_next_milestone(c_actor, contract.id, clock=clock)
                elif active.status in ("funded", "changes_requested"):
                    submit_work(f_actor, active.id, "Here it is", clock=clock)
                elif active.status == "submitted":
                    choice = rng.random()
                    if choice < 0.2:
                        request_changes(c_actor, active.id, "Not quite", clock=clock)
                    elif choice < 0.3:
                        request_refund(c_actor, active.id, reason="Gone quiet", clock=clock)
                    else:
                        part = (active.amount_cents - 2000 if choice < 0.5
                                and active.amount_cents > 7000 else None)
                        release(c_actor, active.id, part, clock=clock)
            except RuleError:
                continue
        if n % 9 == 8:
            try:
                end_contract(c_actor, contract.id, clock=clock)
            except RuleError:
                pass
    db.close()
    return path


def reopen_copy(source: Path, tmp_path: Path):
    shutil.copyfile(source, tmp_path / "test.db")
    return open_database(sqlite_url(tmp_path / "test.db"))


@pytest.fixture
def made(made_file, tmp_path):
    """The accounts of `made_file`, on a fresh copy of it: {"client": Account, ...}."""
    db = reopen_copy(made_file, tmp_path)
    yield {name: Account.get(Account.login == login) for name, login, _, _ in PEOPLE} | {
        "system": system_account()}
    db.close()


@pytest.fixture(scope="module")
def many_file(tmp_path_factory, schema_template):
    """Two thousand contracts written with raw SQL by the benchmark's builder."""
    path = tmp_path_factory.mktemp("many") / "many.db"
    shutil.copyfile(schema_template, path)
    built = bench_builder()(path, 2000, fresh=False)
    return path, built


@pytest.fixture
def many(many_file, tmp_path):
    path, built = many_file
    db = reopen_copy(path, tmp_path)
    yield {role: Account.get_by_id(built[role]) for role in ("agent", "client", "freelancer")}
    db.close()


# --- what the order should be, computed in Python ------------------------------------

def key_of(sort: str, s):
    """The value a row is sorted by, as the column shows it; None sorts last."""
    return {
        "id": lambda: (),
        "title": lambda: s.title.lower(),
        "counterpart": lambda: s.counterpart.lower(),
        "policy": lambda: s.policy,
        "status": lambda: s.status,
        "current": lambda: s.current_title.lower() if s.current_title else None,
        "escrow": lambda: s.totals.in_escrow_cents,
        "paid": lambda: (s.totals.released_cents, s.totals.budget_cents),
        "deadline": lambda: s.next_deadline_at,
    }[sort]()


def sorted_in_python(summaries, sort: str, descending: bool) -> list[int]:
    present = [s for s in summaries if key_of(sort, s) is not None]
    missing = [s for s in summaries if key_of(sort, s) is None]
    present.sort(key=lambda s: (key_of(sort, s), s.id), reverse=descending)
    missing.sort(key=lambda s: s.id, reverse=descending)
    return [s.id for s in present + missing]


def everything(actor):
    return list_contracts(actor, limit=EVERYTHING)


# --- order and paging ------------------------------------------------------------------

@pytest.mark.parametrize("sort", SORT_KEYS)
@pytest.mark.parametrize("descending", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("who", ["agent", "client", "freelancer"])
def test_every_sort_agrees_with_python_and_pages_concatenate(made, sort, descending, who):
    actor = made[who]
    whole = everything(actor)
    assert [s.id for s in whole] == sorted(s.id for s in whole)  # the default: by number
    expected = sorted_in_python(whole, sort, descending)
    got = list_contracts(actor, sort=sort, descending=descending, limit=EVERYTHING)
    assert [s.id for s in got] == expected
    assert contract_order(actor, sort=sort, descending=descending) == expected
    pages = []
    for offset in range(0, len(expected) + 7, 7):
        pages += list_contracts(actor, sort=sort, descending=descending, offset=offset,
                                limit=7)
    assert [s.id for s in pages] == expected
    assert got == [by_id for i in expected for by_id in whole if by_id.id == i]


def test_the_made_contracts_cover_what_the_sorts_must_handle(made):
    whole = everything(made["agent"])
    assert len(whole) == 30
    titles = {s.title for s in whole}
    assert len({t.lower() for t in titles}) < len(titles)  # some differ only in case
    assert any(s.next_deadline_at is None for s in whole)
    assert any(s.next_deadline_at is not None for s in whole)
    assert any(s.current_title is None for s in whole)  # everything paid
    assert len({s.totals.in_escrow_cents for s in whole}) > 3
    assert any(0 < s.totals.released_cents < s.totals.budget_cents for s in whole)
    assert len({s.status for s in whole}) > 1
    assert len({s.current_status for s in whole}) > 3


@pytest.mark.parametrize("sort", SORT_KEYS)
def test_sorts_agree_with_python_at_scale(many, sort):
    agent = many["agent"]
    whole = everything(agent)
    assert len(whole) == 2000
    for descending in (False, True):
        expected = sorted_in_python(whole, sort, descending)
        assert contract_order(agent, sort=sort, descending=descending) == expected
        page = list_contracts(agent, sort=sort, descending=descending, offset=1000,
                              limit=100)
        assert [s.id for s in page] == expected[1000:1100]


def test_summaries_come_back_in_the_order_asked_and_only_what_may_be_seen(made):
    client, agent = made["client"], made["agent"]
    mine = [s.id for s in everything(client)]
    all_ids = [s.id for s in everything(agent)]
    theirs = [i for i in all_ids if i not in mine]
    asked = [mine[2], theirs[0], mine[0], 999_999, mine[1]]
    assert [s.id for s in contract_summaries(client, asked)] == [mine[2], mine[0], mine[1]]
    assert contract_summaries(client, []) == []


def test_an_unknown_sort_is_refused(made):
    with pytest.raises(ValueError, match="no such sort"):
        list_contracts(made["agent"], sort="color")


# --- totals ------------------------------------------------------------------------------

def test_totals_are_the_ledgers_balances(made):
    for s in everything(made["agent"]):
        assert s.totals.in_escrow_cents == balance(A.ESCROW, contract_id=s.id)
        assert s.totals.released_cents == paid_balance(contract_id=s.id)
        assert s.totals.project_funds_cents == balance(A.PROJECT_FUNDS, contract_id=s.id)
        milestones = list(Milestone.select().where(Milestone.contract == s.id))
        assert s.milestone_count == len(milestones)
        assert s.totals.budget_cents == sum(m.amount_cents for m in milestones
                                            if m.status != MilestoneStatus.CANCELLED)
        assert s.totals.remaining_cents == sum(
            m.amount_cents for m in milestones if m.status not in FINAL_STATUSES)


def test_totals_of_the_raw_built_data_are_the_ledgers_balances(many):
    for s in list_contracts(many["agent"], sort="escrow", descending=True, limit=200):
        assert s.totals.in_escrow_cents == balance(A.ESCROW, contract_id=s.id)
        assert s.totals.released_cents == paid_balance(contract_id=s.id)
        assert s.totals.project_funds_cents == balance(A.PROJECT_FUNDS, contract_id=s.id)


def test_each_milestone_of_the_room_carries_its_escrow_and_what_was_paid(made):
    """MilestoneView.escrow_cents and paid_cents are the ledger's balances, per milestone."""
    seen_paid = 0
    for s in everything(made["agent"]):
        for m in contract_detail(made["agent"], s.id).milestones:
            assert m.escrow_cents == balance(A.ESCROW, milestone_id=m.id)
            assert m.paid_cents == paid_balance(milestone_id=m.id)
            seen_paid += m.paid_cents > 0
    assert seen_paid  # the data has paid milestones


def test_the_raw_built_data_keeps_the_ledger_sound(many):
    from rules.invariants import ledger_problems
    assert ledger_problems() == []


# --- the filter --------------------------------------------------------------------------

def test_search_is_literal_and_ignores_case(made):
    agent = made["agent"]

    def titles(text):
        found = list_contracts(agent, search=text, limit=EVERYTHING)
        assert count_contracts(agent, text) == len(found)
        return {s.title for s in found}

    assert titles("%") == {"100% rewrite"}          # not "everything"
    assert titles("100%") == {"100% rewrite"}       # not "100 percent"
    assert titles("_") == {"draft_v2"}              # not any one character
    assert titles("t_v") == {"draft_v2"}            # not "draft v2"
    assert titles("WEBSITE") == {"Website redesign", "website redesign"}
    assert titles("api") == {"api gateway", "API docs"}
    assert titles("\\") == set()
    assert titles("  ") == titles("") == {s.title for s in everything(agent)}


def test_search_matches_the_parties_policy_and_status(made):
    agent, cy = made["agent"], made["other_client"]
    by_party = list_contracts(agent, search="cy cli", limit=EVERYTHING)
    assert by_party and all(s.client_name == "Cy Client" for s in by_party)
    assert len(by_party) == count_contracts(cy)
    fiverr = list_contracts(agent, search="FIVERR", limit=EVERYTHING)
    assert fiverr and all(s.policy.startswith("fiverr") for s in fiverr)
    ended = list_contracts(agent, search="ended", limit=EVERYTHING)
    assert all(s.status == "ended" for s in ended)


def test_a_search_sorts_and_pages_like_the_whole_list(made):
    agent = made["agent"]
    found = list_contracts(agent, search="re", limit=EVERYTHING)
    expected = sorted_in_python(found, "escrow", True)
    pages = [s.id for off in range(0, 40, 4)
             for s in list_contracts(agent, search="re", sort="escrow", descending=True,
                                     offset=off, limit=4)]
    assert pages == expected


# --- G-07 --------------------------------------------------------------------------------

@pytest.mark.parametrize("sort", SORT_KEYS)
def test_G07_parties_see_their_own_contracts_an_agent_all(made, sort):
    contracts = list(Contract.select())
    for who in ("client", "other_client", "freelancer", "other_freelancer", "agent"):
        actor = made[who]
        if actor.role == Role.AGENT:
            own = {c.id for c in contracts}
        elif actor.role == Role.CLIENT:
            own = {c.id for c in contracts if c.client_id == actor.id}
        else:
            own = {c.id for c in contracts if c.freelancer_id == actor.id}
        assert own
        seen = list_contracts(actor, sort=sort, limit=EVERYTHING)
        assert {s.id for s in seen} == own
        assert set(contract_order(actor, sort=sort)) == own
        assert count_contracts(actor) == len(own)
        for s in seen:
            if actor.role == Role.CLIENT:
                assert s.counterpart == s.freelancer_name
            elif actor.role == Role.FREELANCER:
                assert s.counterpart == s.client_name
            else:
                assert s.counterpart == f"{s.client_name} / {s.freelancer_name}"


def test_G07_someone_without_a_party_role_sees_nothing(made):
    system = made["system"]
    assert list_contracts(system) == []
    assert contract_order(system) == []
    assert count_contracts(system) == 0
    assert contract_summaries(system, [1, 2, 3]) == []


# --- a fixed number of queries ---------------------------------------------------------

@contextmanager
def statements():
    """The SQL statements run on this thread's connection, as sqlite3 traces them."""
    seen: list[str] = []
    connection = database.connection()
    connection.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        connection.set_trace_callback(None)


@pytest.mark.parametrize("sort", SORT_KEYS)
def test_the_queries_per_page_do_not_grow_with_the_page(many, sort):
    agent = many["agent"]
    counts = []
    for limit in (10, 100):
        with statements() as seen:
            page = list_contracts(agent, sort=sort, offset=50, limit=limit)
        assert len(page) == limit
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 8, counts
    ids = contract_order(agent, sort=sort)
    with statements() as few:
        contract_summaries(agent, ids[:10])
    with statements() as more:
        contract_summaries(agent, ids[10:110])
    assert len(few) == len(more) <= 7


def room_of(client, freelancer, milestones: int, released: int) -> int:
    """A contract of `milestones` milestones, the first `released` paid (the first in
    part, the second refunded in part after it was paid), the next one funded."""
    clock = FrozenClock(START)
    contract = create_contract(client, freelancer=freelancer, title="Room", policy="upwork",
                               clock=clock, milestones=[
        AddMilestone(title=f"Step {i + 1}", amount_cents=10_000 + 100 * i,
                     due_date=dt.date(2026, 4, 1) + dt.timedelta(days=i))
        for i in range(milestones)])
    for i in range(released + 1):
        clock.advance(hours=1)
        m = fund_next_milestone(client, contract.id, clock=clock)
        if i < released:
            release(client, m.id, m.amount_cents - 2_500 if i == 0 else None, clock=clock)
            if i == 1:
                rr = request_refund(client, m.id, 4_000, "Half of it was not done",
                                    clock=clock)
                agree_refund(freelancer, rr.id, clock=clock)
    return contract.id


def test_the_room_reads_a_fixed_number_of_queries_however_many_milestones(made):
    """The room's loads (contract_detail and a page of the timeline) do not query once
    per milestone: as many statements for 200 milestones (20 paid) as for 3 (2 paid)."""
    client, freelancer = made["client"], made["freelancer"]
    small, big = room_of(client, freelancer, 3, 2), room_of(client, freelancer, 200, 20)
    counts = []
    for contract_id in (small, big):
        with statements() as seen:
            detail = contract_detail(client, contract_id)
            timeline_page(client, contract_id, limit=20)
        counts.append(len(seen))
        paid = [m.paid_cents for m in detail.milestones if m.status == "released"]
        assert paid[:2] == [10_000 - 2_500, 10_100 - 4_000]  # in part; refunded in part
        assert all(m.paid_cents == paid_balance(milestone_id=m.id)
                   and m.escrow_cents == balance(A.ESCROW, milestone_id=m.id)
                   for m in detail.milestones)
    assert len(detail.milestones) == 200
    assert counts[0] == counts[1] <= 20, counts


def test_count_is_one_query_on_an_index_without_a_search(many):
    with statements() as seen:
        assert count_contracts(many["agent"]) == 2000
    counted = [s for s in seen if "COUNT(" in s.upper()]
    assert len(counted) == 1 and "JOIN" not in counted[0].upper()


def test_the_filter_finds_the_parties_among_the_accounts_without_a_join(many):
    """Names are matched once in the account table, not once per contract."""
    with statements() as seen:
        found = count_contracts(many["agent"], "Freelancer 7")
    assert found and "JOIN" not in seen[-1].upper()
    plan = plan_of(seen[-1])  # sqlite3 traces statements with their values in place
    assert "LIST SUBQUERY" in plan, plan


# --- the plans stay indexed where it matters -------------------------------------------

def plan_of(sql: str) -> str:
    connection = database.connection()
    return " | ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql))


def order_sql(actor, sort: str) -> str:
    with statements() as seen:
        contract_order(actor, sort=sort)
    return next(s for s in seen if "ORDER BY" in s)


@pytest.mark.parametrize("sort, index", [
    ("deadline", "USING COVERING INDEX deadline_contract_id_status_due_at"),
    ("escrow", "USING COVERING INDEX ledger_entry_contract_id_account_amount_cents"),
    ("paid", "USING COVERING INDEX ledger_entry_contract_id_account_amount_cents"),
    ("current", "USING INDEX milestone_contract_id_status"),
])
def test_per_contract_figures_are_read_from_an_index(many, sort, index):
    assert index in plan_of(order_sql(many["agent"], sort))


def test_a_page_of_summaries_reads_milestones_by_contract(many):
    """Never by status across every contract (the support console's (status, due_date)
    index once made the first page's current milestones walk every planned one)."""
    ids = contract_order(many["agent"])[:100]
    with statements() as seen:
        contract_summaries(many["agent"], ids)
    plans = [plan_of(s) for s in seen if '"milestone"' in s]
    assert plans and not any("(status=?)" in p for p in plans), plans


@pytest.mark.parametrize("sort", SORT_KEYS)
def test_a_partys_list_starts_from_their_index(many, sort):
    assert "contract_client_id (client_id=?)" in plan_of(order_sql(many["client"], sort))
    assert ("contract_freelancer_id (freelancer_id=?)"
            in plan_of(order_sql(many["freelancer"], sort)))


def test_the_default_order_needs_no_sort(many):
    assert "TEMP B-TREE" not in plan_of(order_sql(many["agent"], "id"))


def test_a_schema_2_file_gets_the_list_indexes(db, tmp_path):
    from models.db import SCHEMA_VERSION, open_database, schema_version, sqlite_url
    db.close()
    path = tmp_path / "test.db"
    con = sqlite3.connect(path)
    con.execute("DROP INDEX deadline_contract_id_status_due_at")
    con.execute("DROP INDEX ledger_entry_contract_id_account_amount_cents")
    con.execute("UPDATE schema_version SET version = 2")
    con.commit()
    con.close()
    reopened = open_database(sqlite_url(path))
    try:
        assert schema_version(reopened) == SCHEMA_VERSION >= 3
        names = {i.name for t in ("deadline", "ledger_entry") for i in reopened.get_indexes(t)}
        assert {"deadline_contract_id_status_due_at",
                "ledger_entry_contract_id_account_amount_cents"} <= names
    finally:
        reopened.close()


def test_F08_the_timeline_shows_the_reason_an_agent_gave(db, make_contract, client,
                                                         freelancer, agent, clock):
    """G-05/F-08: an agent's reason is on the timeline each party reads, not only in the
    audit; an entry without one has none."""
    from rules.support import cancel_milestone
    contract = make_contract("upwork", amounts=(25000, 50000))
    active = fund_next_milestone(client, contract.id, clock=clock)
    cancel_milestone(agent, active.id, "Client asked support to stop", clock=clock)
    for who in (client, freelancer, agent):
        entries, _more = timeline_page(who, contract.id)
        assert entries[0].kind == "cancel_milestone"
        assert entries[0].reason == "Client asked support to stop"
        assert {e.reason for e in entries[1:]} == {""}


def test_U31_the_timeline_is_newest_first_by_when_things_happened(db, make_contract, client,
                                                                   freelancer, clock):
    """A deadline applied late (the sweep catching up after days with no worker) is
    dated at its due time (U-06), before an action recorded earlier: the timeline lists
    it by when it happened, and its pages, however small, give each entry once."""
    from rules.deadlines import sweep
    from rules.planning import add_milestone
    contract = make_contract("upwork", amounts=(25000, 50000))
    first = fund_next_milestone(client, contract.id, clock=clock)
    submit_work(freelancer, first.id, "Done", clock=clock)
    submitted_at = clock.now()
    clock.advance(days=19)  # the review window closed 5 days ago; nothing swept it yet
    add_milestone(client, contract.id, "Extra pages", 10000, clock=clock)
    sweep(clock=clock, pause=0)
    entries = []
    before = None
    while True:
        page, more = timeline_page(client, contract.id, before_id=before, limit=2)
        entries += page
        if not more:
            break
        before = page[-1].id
    times = [e.at for e in entries]
    assert times == sorted(times, reverse=True)
    assert len({e.id for e in entries}) == len(entries) == len(timeline_page(
        client, contract.id, limit=100)[0])
    kinds = [e.kind for e in entries]
    released = next(e for e in entries if e.at == submitted_at.shift(days=14))
    assert kinds.index("save_plan") < kinds.index(released.kind) < kinds.index("submit_work")
    assert released.id > next(e.id for e in entries if e.kind == "save_plan")  # recorded later
