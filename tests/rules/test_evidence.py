"""Acceptance criteria and evidence (X-32..X-35): criteria agreed in the plan (created,
edited, proposed, in revisions and diffs), evidence for each when work is submitted,
the table of criteria against evidence, and one milestone's evidence bundle. Refusals
name their rule and write nothing."""
from __future__ import annotations

import datetime as dt

import pytest

from models.audit import AuditRecord
from models.milestones import Milestone, Submission
from rules.audit_verify import verify_log
from rules.contract_view import contract_detail
from rules.evidence import EvidenceItem, criteria_table, evidence_bundle
from rules.payments import fund_next_milestone
from rules.plan import AddMilestone, EditMilestone
from rules.plan_revisions import list_revisions, revision_diff
from rules.planning import save_plan
from rules.work import request_changes, submit_work

pytestmark = pytest.mark.both_databases

CRITERIA = ("Home page loads in under 2 s", "Works on phones", "Passes the a11y check")
DUE = dt.date(2026, 3, 16)


@pytest.fixture
def with_criteria(make_contract, client, clock):
    """An Upwork contract whose first milestone has three criteria, funded."""
    c = make_contract("upwork", milestones=[
        AddMilestone("Build", 500_00, due_date=DUE, criteria=CRITERIA),
        AddMilestone("Launch", 300_00, due_date=DUE + dt.timedelta(days=14))])
    m = fund_next_milestone(client, c.id, clock=clock)
    return c, m


def evidence(*notes: str) -> list[EvidenceItem]:
    return [EvidenceItem(link=f"https://example.com/{i}", note=n) for i, n in enumerate(notes)]


# --- criteria in the plan -------------------------------------------------------


def test_X32_criteria_are_part_of_the_plan_when_the_contract_is_made(with_criteria, client):
    c, m = with_criteria
    assert Milestone.get_by_id(m.id).criteria == CRITERIA
    views = contract_detail(client, c.id).milestones
    assert [v.criteria for v in views] == [CRITERIA, ()]


@pytest.mark.parametrize("criteria, says", [
    ("Fast", "a list"),
    (["ok"] * 2, "repeats an earlier one"),
    (["Fast", "fast"], "repeats an earlier one"),
    ([""], "Criterion 1 is empty"),
    (["x" * 201], "Criterion 1 is 201 characters; at most 200"),
    ([f"c{i}" for i in range(21)], "at most 20 acceptance criteria"),
    ([3], "must be text"),
])
def test_X32_criteria_that_are_not_a_checklist_are_refused(make_contract, client,
                                                             criteria, says):
    from rules.errors import RuleError
    from state_helpers import db_state
    before = db_state()
    with pytest.raises(RuleError, match=says) as exc:
        make_contract("upwork", milestones=[AddMilestone("Build", 500_00, due_date=DUE,
                                                         criteria=criteria)])
    assert exc.value.rule_id in ("X-32", "T-06") and db_state() == before


def test_X32_control_characters_in_a_criterion_are_refused(make_contract, refused):
    with refused("T-02"):
        make_contract("upwork", milestones=[AddMilestone("Build", 500_00, due_date=DUE,
                                                         criteria=["ok\x1b[2J"])])


def test_X32_criteria_of_a_future_milestone_change_with_the_plan_and_are_kept_in_revisions(
        with_criteria, client):
    c, m = with_criteria
    launch = Milestone.get((Milestone.contract == c.id) & (Milestone.title == "Launch"))
    save_plan(client, c.id, [EditMilestone(launch.id, {"criteria": [" DNS switched ",
                                                                    "Backups on"]})])
    assert Milestone.get_by_id(launch.id).criteria == ("DNS switched", "Backups on")
    newest, first = list_revisions(client, c.id)[0].number, 1
    changes = revision_diff(client, c.id, first, newest)
    assert [ch.describe() for ch in changes] == [
        "edited “Launch” (acceptance criteria: — → DNS switched; Backups on)"]


def test_X32_an_active_milestone_s_criteria_do_not_change_with_the_plan(with_criteria,
                                                                          client, refused):
    c, m = with_criteria
    with refused("U-08"):
        save_plan(client, c.id, [EditMilestone(m.id, {"criteria": ["Anything goes"]})])


# --- evidence with the submission ------------------------------------------------


def test_X33_a_submission_shows_evidence_for_each_criterion(with_criteria, freelancer,
                                                            client):
    c, m = with_criteria
    sub = submit_work(freelancer, m.id, "Done", evidence=[
        EvidenceItem(link="https://example.com/lighthouse"),
        EvidenceItem(note="Tried on an iPhone 12 and a Pixel 7"),
        EvidenceItem(link="https://example.com/axe", note=" 0 issues ")])
    stored = Submission.get_by_id(sub.id).evidence
    assert stored == (
        {"criterion": CRITERIA[0], "link": "https://example.com/lighthouse", "note": ""},
        {"criterion": CRITERIA[1], "link": "", "note": "Tried on an iPhone 12 and a Pixel 7"},
        {"criterion": CRITERIA[2], "link": "https://example.com/axe", "note": "0 issues"})
    view = contract_detail(client, c.id).milestones[0]
    rows = criteria_table(view.criteria, view.last_submission["evidence"])
    assert [(r.position, r.criterion, r.link, r.note, r.shown) for r in rows] == [
        (1, CRITERIA[0], "https://example.com/lighthouse", "", True),
        (2, CRITERIA[1], "", "Tried on an iPhone 12 and a Pixel 7", True),
        (3, CRITERIA[2], "https://example.com/axe", "0 issues", True)]


@pytest.mark.parametrize("items, rule, says", [
    (None, "X-33", "has 3 acceptance criteria: show evidence for each (0 given)"),
    (evidence("a", "b"), "X-33", "(2 given)"),
    ([EvidenceItem(), *evidence("b", "c")], "X-33", "Criterion 1 (“Home page loads in "
                                                   "under 2 s”) needs evidence"),
    ([EvidenceItem(link="javascript:alert(1)"), *evidence("b", "c")], "T-07", "http"),
    ([EvidenceItem(note="x" * 1001), *evidence("b", "c")], "input", "at most 1000"),
    (["https://example.com"] * 3, "X-33", "one link or note per"),
    ("https://example.com", "X-33", "one link or note per"),
])
def test_X33_missing_or_bad_evidence_is_refused(with_criteria, freelancer, refused,
                                                items, rule, says):
    c, m = with_criteria
    with refused(rule, says):
        submit_work(freelancer, m.id, "Done", evidence=items)


def test_X33_no_evidence_for_a_milestone_without_criteria(make_contract, client,
                                                         freelancer, clock, refused):
    c = make_contract("upwork")
    m = fund_next_milestone(client, c.id, clock=clock)
    with refused("X-33", "no acceptance criteria"):
        submit_work(freelancer, m.id, "Done", evidence=evidence("a"))
    assert submit_work(freelancer, m.id, "Done").evidence == ()


def test_X34_a_criterion_whose_words_changed_shows_no_evidence():
    rows = criteria_table(("Fast", "Mobile"), [{"criterion": "Fast", "link": "", "note": "ok"},
                                               {"criterion": "Old", "link": "x", "note": ""}])
    assert [(r.criterion, r.note, r.shown) for r in rows] == [("Fast", "ok", True),
                                                             ("Mobile", "", False)]
    assert criteria_table((), None) == []


# --- the evidence bundle -----------------------------------------------------------


def test_X35_the_bundle_holds_criteria_submissions_messages_and_hashed_audit_records(
        with_criteria, client, freelancer, agent, clock):
    c, m = with_criteria
    submit_work(freelancer, m.id, "First cut", evidence=evidence("a", "b", "c"), clock=clock)
    request_changes(client, m.id, "Phones break", clock=clock)
    submit_work(freelancer, m.id, "Fixed", evidence=evidence("a", "fixed", "c"), clock=clock)
    for who in (client, freelancer, agent):
        bundle = evidence_bundle(who, m.id)
        assert bundle["milestone"]["title"] == "Build"
        assert [r["note"] for r in bundle["criteria"]] == ["a", "fixed", "c"]
        assert [s["message"] for s in bundle["submissions"]] == ["First cut", "Fixed"]
        assert [s["status"] for s in bundle["submissions"]] == ["changes_requested", "pending"]
        kinds = [e["kind"] for e in bundle["messages"]]
        assert kinds == ["fund_milestone", "submit_work", "request_changes", "submit_work"]
        assert bundle["messages"][2]["details"]["message"] == "Phones break"
    stored = {a.id: (a.prev_hash, a.hash) for a in AuditRecord.select()}
    actions = [a["action"] for a in bundle["audit"]]
    assert actions == ["fund_milestone", "submit_work", "request_changes", "submit_work"]
    assert all(stored[a["id"]] == (a["prev_hash"], a["hash"]) for a in bundle["audit"])
    assert verify_log().sound


def test_X35_a_stranger_learns_nothing_from_the_bundle(with_criteria, other_client, refused):
    c, m = with_criteria
    with refused("G-07", "not yours to see"):
        evidence_bundle(other_client, m.id)
    with refused("G-07", "not yours to see"):
        evidence_bundle(other_client, 10**6)


def test_X33_evidence_as_typed_is_a_link_a_note_or_both():
    from rules.evidence import evidence_from_text
    assert evidence_from_text(["https://x.test | ran it", "HTTPS://y.test", "mailto:a@b.c",
                               "On two phones", "not a link | but a note"]) == [
        EvidenceItem("https://x.test", "ran it"), EvidenceItem("HTTPS://y.test"),
        EvidenceItem("mailto:a@b.c"), EvidenceItem(note="On two phones"),
        EvidenceItem("not a link", "but a note")]


def test_X32_an_offer_s_criteria_are_the_contract_s_once_accepted(client, freelancer, clock):
    from rules.offers import accept_offer, send_offer
    offer = send_offer(client, freelancer, "upwork", "Landing page", "", [
        AddMilestone("Page", 400_00, due_date=DUE, criteria=["Loads fast", "Works on phones"])],
        clock=clock)
    accept_offer(freelancer, offer.id, clock=clock)
    (page,) = contract_detail(client, offer.id).milestones
    assert page.criteria == ("Loads fast", "Works on phones")
