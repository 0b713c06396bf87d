"""The demo's contracts (rules/demo.py runs them): each a short script, a generator that
acts through rules/ and yields the moment of its next step, so that the scripts run
interleaved in time order (rules.demo_world.DemoWorld is what they share)."""
from __future__ import annotations

from typing import Callable

from rules.change_requests import (accept_proposal, propose_milestone_changes,
                                   request_milestone_change)
from rules.contracts import create_contract, leave_feedback
from rules.demo_world import DemoWorld, Script, ms
from rules.evidence import evidence_from_text
from rules.payments import fund_next_milestone, release
from rules.plan import AddMilestone, EditMilestone, ReorderMilestones
from rules.planning import add_milestone, save_plan
from rules.refunds import (agree_refund, dispute_refund, request_refund, resolve_dispute,
                           respond_to_dispute)
from rules.support import cancel_order
from rules.work import request_changes, submit_work

# --- the contracts ---------------------------------------------------------------------
# Hours are UTC, chosen inside each person's working day: ada 8-18, grace 13-22,
# linus 16-24, bo 0-9 (Tokyo), mia 7-17 (Madrid), raj 4-13 (Kolkata), sam any.


def _brand_refresh(d: DemoWorld) -> Script:
    """Upwork. A partial release leaves project funds that fund the next milestone (U-04,
    U-26); the client has a pending change request on the active one (U-20)."""
    ada, bo = d.who["ada"], d.who["bo"]
    yield d.ago(38, 10, 12)
    c = create_contract(ada, freelancer=bo, title="Brand refresh for Lovelace Analytics",
                        policy="upwork", clock=d.clock, milestones=[
        ms("Logo concepts", 600, d.due(-29), "Three logo directions with rationale, "
            "in colour and monochrome."),
        ms("Brand guidelines", 800, d.due(3), "Typography, palette, logo usage and tone "
            "of voice, delivered as a 20-page PDF."),
        ms("Stationery and slide templates", 400, d.due(20), "Letterhead, business "
            "cards and a 16:9 slide master.")])
    fund_next_milestone(ada, c.id, clock=d.clock)
    yield d.ago(30, 1, 40)
    submit_work(bo, d.milestone(c, 1).id, "Three directions attached: Engine, Loom and "
                "Notation. I would go with Loom.", "https://figma.com/file/lovelace-logos",
                clock=d.clock)
    yield d.ago(28, 11, 5)
    release(ada, d.milestone(c, 1).id, 450_00, clock=d.clock)  # only two directions used
    yield d.ago(27, 9, 30)
    fund_next_milestone(ada, c.id, clock=d.clock)  # $150 of it from project funds
    yield d.ago(1, 14, 10)
    request_milestone_change(ada, d.milestone(c, 2).id, {
        "due_date": d.due(10), "amount_cents": 950_00,
        "description": "Typography, palette (with a dark-mode variant), logo usage and "
                       "tone of voice, delivered as a 24-page PDF."},
        "Marketing wants a dark-mode palette too; happy to pay for the extra pages.",
        clock=d.clock)


MIGRATION_CRITERIA = ("Every wiki page has a home", "Code samples run as shown",
                      "No broken links")  # what the demo's docs migration must meet


def _docs_site(d: DemoWorld) -> Script:
    """Upwork. A full release with a bonus (U-28); a milestone added later (U-07);
    changes requested and the work resubmitted, now in review (U-18, U-06)."""
    ada, mia = d.who["ada"], d.who["mia"]
    yield d.ago(36, 9, 0)
    c = create_contract(ada, freelancer=mia, title="Analytical Engine documentation site",
                        policy="upwork", clock=d.clock, milestones=[
        ms("Information architecture", 1200, d.due(-25), "Sitemap, navigation and page "
            "templates for the reference and the tutorials."),
        ms("Content migration", 2000, d.due(-5), "Move the 140 wiki pages into the new "
            "structure, with code samples checked.", criteria=MIGRATION_CRITERIA)])
    fund_next_milestone(ada, c.id, clock=d.clock)
    yield d.ago(27, 15, 30)
    submit_work(mia, d.milestone(c, 1).id, "Sitemap and templates are in the repo; the "
                "preview is live.", "https://docs-preview.example.com", clock=d.clock)
    yield d.ago(26, 10, 0)
    release(ada, d.milestone(c, 1).id, bonus_cents=200_00, clock=d.clock)
    add_milestone(ada, c.id, "Search, redirects and launch", 900_00,
                  "Full-text search, redirects from the old wiki, launch checklist.",
                  d.due(14), clock=d.clock)
    yield d.ago(25, 9, 15)
    fund_next_milestone(ada, c.id, clock=d.clock)
    yield d.ago(12, 16, 45)
    submit_work(mia, d.milestone(c, 2).id, "All 140 pages migrated; broken links report "
                "attached.", "https://docs-preview.example.com/reference", clock=d.clock,
                evidence=evidence_from_text(["https://docs-preview.example.com/pages | 140 "
                                             "of 140", "Ran every sample", "Report: 0 broken"]))
    yield d.ago(10, 11, 20)
    request_changes(ada, d.milestone(c, 2).id, "The code samples in chapter 3 lost their "
                    "syntax highlighting, and the Bernoulli example is cut off.",
                    clock=d.clock)
    yield d.ago(3, 14, 5)
    submit_work(mia, d.milestone(c, 2).id, "Fixed the highlighting and restored the full "
                "Bernoulli example; checked every chapter again.",
                "https://docs-preview.example.com/reference/chapter-3", clock=d.clock,
                evidence=evidence_from_text([
                    "https://docs-preview.example.com/pages | 140 of 140",
                    "https://docs-preview.example.com/reference/chapter-3 | highlighted",
                    "https://docs-preview.example.com/links-report"]))


def _compliance_audit(d: DemoWorld) -> Script:
    """Upwork compliance (U-10, U-12): the second milestone is funded and overdue (U-13)."""
    ada, raj = d.who["ada"], d.who["raj"]
    yield d.ago(35, 8, 30)
    c = create_contract(ada, freelancer=raj, title="Data pipeline compliance audit",
                        policy="upwork-compliance", end_date=d.due(60), clock=d.clock,
                        milestones=[
        ms("Current-state assessment", 3000, d.due(-22), "Interviews and a map of every "
            "personal-data flow in the pipeline."),
        ms("Gap analysis report", 2500, d.due(-4), "Findings against GDPR articles 5, 25 "
            "and 32, ranked by risk."),
        ms("Remediation roadmap", 2000, d.due(25), "A costed plan for the next two "
            "quarters.")])
    fund_next_milestone(ada, c.id, clock=d.clock)
    yield d.ago(23, 6, 20)
    submit_work(raj, d.milestone(c, 1).id, "Assessment and data-flow map attached; 37 "
                "flows, 4 of them undocumented until now.",
                "https://share.example.com/audit/assessment.pdf", clock=d.clock)
    yield d.ago(21, 9, 40)
    release(ada, d.milestone(c, 1).id, clock=d.clock)
    yield d.ago(20, 8, 55)
    fund_next_milestone(ada, c.id, clock=d.clock)


def _onboarding_art(d: DemoWorld) -> Script:
    """Fiverr Gig: the order started the first milestone (F-04); a revision requested
    after its delivery (F-06)."""
    ada, bo = d.who["ada"], d.who["bo"]
    yield d.ago(9, 11, 0)
    c = create_contract(ada, freelancer=bo, title="Illustrated onboarding screens",
                    policy="fiverr-gig", clock=d.clock, milestones=[
        ms("Character sketches", 120, d.due(-4), "Pencil sketches of the guide "
            "character in five poses."),
        ms("Final illustrations", 180, d.due(6), "Five coloured screens, SVG and PNG "
            "at 1x, 2x and 3x.")])
    yield d.ago(5, 7, 30)
    submit_work(bo, d.milestone(c, 1).id, "Five poses attached. The waving one is my "
                "favourite.", "https://fiverr.example.com/delivery/8812", clock=d.clock)
    yield d.ago(3, 12, 15)
    request_changes(ada, d.milestone(c, 1).id, "Lovely! Could the character look "
                    "friendlier, with rounder eyes, and hold a punched card?", clock=d.clock)


def _newsletter(d: DemoWorld) -> Script:
    """Upwork. Paid in full, ended with the last release (U-30, G-03), feedback from
    both sides (G-04)."""
    ada, mia = d.who["ada"], d.who["mia"]
    yield d.ago(40, 10, 30)
    c = create_contract(ada, freelancer=mia, title="Quarterly newsletter templates",
                        policy="upwork", clock=d.clock, milestones=[
        ms("Template design", 350, d.due(-30), "Two responsive layouts in the new "
            "brand."),
        ms("Mailchimp build and test sends", 450, d.due(-20), "Coded templates, tested "
            "in Gmail, Outlook and Apple Mail.")])
    fund_next_milestone(ada, c.id, clock=d.clock)
    yield d.ago(33, 14, 0)
    submit_work(mia, d.milestone(c, 1).id, "Both layouts are in Figma.",
                "https://figma.com/file/newsletter", clock=d.clock)
    yield d.ago(32, 9, 10)
    release(ada, d.milestone(c, 1).id, clock=d.clock)
    fund_next_milestone(ada, c.id, clock=d.clock)
    yield d.ago(22, 13, 25)
    submit_work(mia, d.milestone(c, 2).id, "Templates are live in Mailchimp; test "
                "sends look right everywhere.", clock=d.clock)
    yield d.ago(21, 10, 0)
    release(ada, d.milestone(c, 2).id, end_contract=True, clock=d.clock)
    leave_feedback(ada, c.id, 5, "Fast, careful and a pleasure to work with.",
                   clock=d.clock)
    yield d.ago(20, 8, 45)
    leave_feedback(mia, c.id, 5, "Clear brief and quick reviews. Thank you, Ada!",
                   clock=d.clock)


def _cobol_migration(d: DemoWorld) -> Script:
    """Upwork. The client asks the escrow back; the freelancer has not answered yet
    (U-29, U-32)."""
    grace, raj = d.who["grace"], d.who["raj"]
    yield d.ago(34, 14, 0)
    c = create_contract(grace, freelancer=raj, title="COBOL payroll migration to Python",
                        policy="upwork", clock=d.clock, milestones=[
        ms("Inventory of COBOL modules", 1500, d.due(-24), "Every program, copybook "
            "and JCL job, with call graph."),
        ms("Core payroll port", 4000, d.due(5), "Gross-to-net calculation in Python "
            "with golden-file tests."),
        ms("Parallel run and cutover", 2500, d.due(30), "Two pay cycles side by side, "
            "then switch over.")])
    fund_next_milestone(grace, c.id, clock=d.clock)
    yield d.ago(25, 5, 30)
    submit_work(raj, d.milestone(c, 1).id, "212 programs and 96 copybooks catalogued; "
                "call graph attached.", "https://git.example.com/payroll/inventory",
                clock=d.clock)
    yield d.ago(23, 15, 10)
    release(grace, d.milestone(c, 1).id, clock=d.clock)
    yield d.ago(22, 14, 30)
    fund_next_milestone(grace, c.id, clock=d.clock)
    yield d.ago(2, 16, 0)
    request_refund(grace, d.milestone(c, 2).id, reason="After the budget review we are "
                   "moving the port in-house; please agree to return the escrow.",
                   clock=d.clock)


def _test_harness(d: DemoWorld) -> Script:
    """Upwork. A refund the freelancer disputes; the client's 5 business days to respond
    are running (U-33)."""
    grace, bo = d.who["grace"], d.who["bo"]
    yield d.ago(24, 15, 0)
    c = create_contract(grace, freelancer=bo, title="Compiler test harness",
                        policy="upwork", clock=d.clock, milestones=[
        ms("Test corpus and runner", 900, d.due(-10), "800 conformance programs and a "
            "parallel runner with JUnit output."),
        ms("CI integration", 600, d.due(10), "Run the harness on every merge request.")])
    fund_next_milestone(grace, c.id, clock=d.clock)
    yield d.ago(9, 2, 15)
    submit_work(bo, d.milestone(c, 1).id, "Corpus and runner pushed; README explains "
                "the flags.", "https://git.example.com/harness", clock=d.clock)
    yield d.ago(5, 19, 40)
    m = d.milestone(c, 1)
    request_refund(grace, m.id, reason="The runner fails on half the corpus on our "
                   "build machines; this is not usable.", clock=d.clock)
    yield d.ago(2, 1, 30)
    dispute_refund(bo, d.latest_refund(m).id, "The failures come from the old compiler "
                   "on their machines; with the pinned version all 800 pass. Logs "
                   "attached.", clock=d.clock)


def _slide_deck(d: DemoWorld) -> Script:
    """Fiverr custom offer: the first delivery accepted; the buyer has 10 days to start
    the next milestone (F-07)."""
    grace, mia = d.who["grace"], d.who["mia"]
    yield d.ago(18, 14, 20)
    c = create_contract(grace, freelancer=mia, title="Conference talk slide deck",
                    policy="fiverr-offer", clock=d.clock, milestones=[
        ms("Outline and storyboard", 150, d.due(-12), "A one-page outline and a rough "
            "storyboard for 30 minutes."),
        ms("Slide design", 250, d.due(3), "About 40 slides in the conference template."),
        ms("Speaker notes and rehearsal call", 100, d.due(8), "Notes for every slide "
            "and a one-hour rehearsal.")])
    yield d.ago(10, 9, 0)
    submit_work(mia, d.milestone(c, 1).id, "Outline and storyboard attached: three acts, "
                "with the nanosecond wire as the opener.", clock=d.clock)
    yield d.ago(4, 15, 0)
    release(grace, d.milestone(c, 1).id, clock=d.clock)


def _payroll_dashboard(d: DemoWorld) -> Script:
    """Upwork. Released without a submission (U-19); the freelancer's proposal to change
    future milestones waits for the client (U-14, U-16)."""
    grace, raj = d.who["grace"], d.who["raj"]
    yield d.ago(15, 13, 30)
    c = create_contract(grace, freelancer=raj, title="Payroll analytics dashboard",
                        policy="upwork", clock=d.clock, milestones=[
        ms("Data model and ETL", 1800, d.due(-6), "Nightly load from the payroll "
            "database into a star schema."),
        ms("Dashboard UI", 2200, d.due(9), "Headcount, cost and overtime views with "
            "drill-down."),
        ms("Access control and handover", 1000, d.due(20), "Row-level security and a "
            "runbook.")])
    fund_next_milestone(grace, c.id, clock=d.clock)
    yield d.ago(7, 17, 0)
    release(grace, d.milestone(c, 1).id, clock=d.clock)  # delivered in their own GitLab
    yield d.ago(6, 13, 45)
    fund_next_milestone(grace, c.id, clock=d.clock)
    yield d.ago(1, 6, 30)
    propose_milestone_changes(raj, c.id, [
        AddMilestone("CSV and PDF exports", 600_00, "Scheduled exports of every view.",
                     d.due(15)),
        EditMilestone(d.milestone(c, 3).id, {"due_date": d.due(24)})],
        "Finance asked for exports in our call; adding them pushes the handover by four "
        "days.", clock=d.clock)


def _lab_inventory(d: DemoWorld) -> Script:
    """Upwork. A dispute split by support earlier (G-02); now a second dispute the client
    answered, waiting for support (U-33)."""
    linus, mia, sam = d.who["linus"], d.who["mia"], d.who["sam"]
    yield d.ago(37, 17, 0)
    c = create_contract(linus, freelancer=mia, title="Lab inventory web app",
                        policy="upwork", clock=d.clock, milestones=[
        ms("Barcode scanning prototype", 700, d.due(-27), "Scan reagent bottles with a "
            "phone camera and look them up."),
        ms("Inventory web app", 2400, d.due(-8), "Stock levels, expiry alerts and "
            "reorder list.")])
    fund_next_milestone(linus, c.id, clock=d.clock)
    yield d.ago(28, 11, 0)
    m1 = d.milestone(c, 1)
    submit_work(mia, m1.id, "Prototype works on Android and iOS; demo video attached.",
                "https://video.example.com/scan-demo", clock=d.clock)
    yield d.ago(26, 18, 30)
    request_refund(linus, m1.id, reason="It cannot read the small labels on our 2 ml "
                   "vials, which are most of our stock.", clock=d.clock)
    yield d.ago(25, 8, 0)
    dispute_refund(mia, d.latest_refund(m1).id, "Small vial labels were not in the "
                   "brief; everything in the brief works.", clock=d.clock)
    yield d.ago(24, 19, 0)
    respond_to_dispute(linus, d.latest_refund(m1).id, "The brief says 'all reagent "
                       "containers'. The vials are containers.", clock=d.clock)
    yield d.ago(21, 12, 0)
    resolve_dispute(sam, d.latest_refund(m1).id, 500_00, 200_00, "The brief covered "
                    "all containers, but the vials need a macro lens the client did not "
                    "mention; most of the work was delivered as agreed.", clock=d.clock)
    yield d.ago(20, 17, 30)
    fund_next_milestone(linus, c.id, clock=d.clock)
    yield d.ago(9, 10, 0)
    m2 = d.milestone(c, 2)
    submit_work(mia, m2.id, "The app is deployed on the lab server; login details sent "
                "by email.", "https://inventory.lab.example.com", clock=d.clock)
    yield d.ago(7, 20, 15)
    request_refund(linus, m2.id, reason="Expiry alerts never fire and the reorder list "
                   "is empty.", clock=d.clock)
    yield d.ago(6, 9, 20)
    dispute_refund(mia, d.latest_refund(m2).id, "Alerts need the mail relay the lab "
                   "has not opened yet; the reorder list fills once stock falls below "
                   "the thresholds.", clock=d.clock)
    yield d.ago(5, 18, 0)
    respond_to_dispute(linus, d.latest_refund(m2).id, "We opened the relay on Monday "
                       "and still get nothing. Please have support look at it.",
                       clock=d.clock)


def _protein_viewer(d: DemoWorld) -> Script:
    """Upwork, planning only: an accepted proposal (U-15) and a batch edit with a reorder
    (U-09, U-11); nothing funded yet."""
    linus, raj = d.who["linus"], d.who["raj"]
    yield d.ago(6, 18, 0)
    c = create_contract(linus, freelancer=raj, title="Protein folding visualizer",
                        policy="upwork", clock=d.clock, milestones=[
        ms("WebGL renderer spike", 800, d.due(10), "Ribbon and ball-and-stick views "
            "at 60 fps for 10,000 atoms."),
        ms("PDB file import", 1100, d.due(24), "Parse PDB and mmCIF, with secondary "
            "structure."),
        ms("Annotation tools", 1300, d.due(38), "Label residues, measure distances, "
            "export images.")])
    yield d.ago(5, 7, 0)
    cr = propose_milestone_changes(raj, c.id, [
        EditMilestone(d.milestone(c, 1).id, {"amount_cents": 950_00}),
        AddMilestone("Performance benchmarks", 400_00, "Frame times on three reference "
                     "proteins and five browsers.", d.due(45), ref="bench")],
        "The spike needs a WebGL 1 fallback for older lab machines; and I suggest "
        "benchmarks before we build on it.", clock=d.clock)
    yield d.ago(4, 16, 30)
    accept_proposal(linus, cr.id, clock=d.clock)
    yield d.ago(3, 17, 10)
    m1, m2, m3, m4 = (d.milestone(c, i) for i in (1, 2, 3, 4))
    save_plan(linus, c.id, [EditMilestone(m4.id, {"due_date": d.due(31)}),
                            EditMilestone(m3.id, {"due_date": d.due(45)}),
                            ReorderMilestones((m1.id, m2.id, m4.id, m3.id))], clock=d.clock)


def _molecule_icons(d: DemoWorld) -> Script:
    """Fiverr custom offer cancelled through support with a reason (F-08)."""
    linus, sam = d.who["linus"], d.who["sam"]
    yield d.ago(16, 19, 0)
    c = create_contract(linus, freelancer=d.who["bo"], title="Molecule icon set",
                        policy="fiverr-offer", clock=d.clock, milestones=[
        ms("20 line icons", 160, d.due(-9), "Amino acids and common reagents, 24 px "
            "grid."),
        ms("Filled variants and SVG sprite", 140, d.due(-2), "Filled style for all 20 "
            "and one SVG sprite.")])
    yield d.ago(8, 10, 0)
    cancel_order(sam, c.id, "The seller has not replied for 8 days since the order "
                 "started and the buyer asked to cancel; the escrow goes back in full.",
                 clock=d.clock)


def _grant_pipeline(d: DemoWorld) -> Script:
    """Upwork compliance: a refund agreed by the freelancer (U-29), then the next
    milestone funded and in progress, on time."""
    linus, bo = d.who["linus"], d.who["bo"]
    yield d.ago(30, 17, 45)
    c = create_contract(linus, freelancer=bo, title="Grant report data pipeline",
                        policy="upwork-compliance", end_date=d.due(45), clock=d.clock,
                        milestones=[
        ms("Source system survey", 1000, d.due(-20), "Which instruments and LIMS "
            "tables feed the NIH report."),
        ms("Pipeline build", 3200, d.due(12), "Airflow DAGs from the LIMS to the "
            "report tables."),
        ms("Validation and handover", 1500, d.due(30), "Reconcile last year's report "
            "and document the runbook.")])
    fund_next_milestone(linus, c.id, clock=d.clock)
    yield d.ago(26, 20, 0)
    m1 = d.milestone(c, 1)
    request_refund(linus, m1.id, reason="Our IT team finished the survey themselves; "
                   "as agreed on the call, please return this escrow.", clock=d.clock)
    yield d.ago(25, 0, 30)
    agree_refund(bo, d.latest_refund(m1).id, clock=d.clock)
    yield d.ago(24, 18, 0)
    fund_next_milestone(linus, c.id, clock=d.clock)


SCRIPTS: tuple[Callable[[DemoWorld], Script], ...] = (
    _brand_refresh, _docs_site, _compliance_audit, _onboarding_art, _newsletter,
    _cobol_migration, _test_harness, _slide_deck, _payroll_dashboard,
    _lab_inventory, _protein_viewer, _molecule_icons, _grant_pipeline,
)
