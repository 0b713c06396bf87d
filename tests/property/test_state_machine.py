"""Random sequences of every action, by every role, on contracts of every policy.

A hypothesis `RuleBasedStateMachine` drives `rules/` the way users (and the deadline
worker) would. Each step is one of:

- `probe_any_action`: any action (create, fund, submit, request changes, release with
  partial/over/bonus amounts, refunds of escrow or of paid money, disputes and their
  answers, support cancellations, client change requests, freelancer proposals, plan
  batches, held releases (undo window, scheduled, taken back: X-29..X-31), nudges
  (X-27, X-28), ending, feedback, the system's automatic actions), by any role (mostly the
  right one, sometimes the other party, an agent, the system or a stranger), on any
  target (mostly one in the state the action wants, sometimes any, sometimes none),
  with bad input some of the time;
- `natural_next_step`: a move the state of a random open contract invites, by the right
  party, so that examples reach deep states (fund, submit, release, refund, dispute,
  respond, resolve...) rather than stopping at refusals;
- `pass_time`: the FrozenClock moves on, and the deadline worker usually sweeps;
- `jump_to_a_window_boundary`: the clock jumps to an open window's due time -1 s (the
  worker ticks: nothing applied), then to the due time or +1 s (it ticks: applied once,
  as of the due time); the due time is checked against RULES.md's lengths written out
  here (U-06 14 days, F-05 8, F-07 10, U-24 7, U-32 7, U-33 5 business days; a held
  release's final_at no later than its review window, X-30), and what a
  user may still do is checked on each side of it. An off-by-one in a window fails here.

For every action: refused means a `RuleError` with a message, and not one row written
(`db_state()` and every row of every table as they were); a stranger is always refused
(G-07); a success leaves an audit record (G-05) and a timeline event notifying the other
party (U-31). Any other exception fails the test. After every step the invariants below
hold: `rules.invariants.ledger_problems() == []`, a milestone released at most once,
escrow never negative, windows open exactly while something waits on them, and more.

Each example runs on its own fresh SQLite file, made in `__init__` and deleted in
`teardown` (hypothesis examples do not mix with function fixtures).
`HYPOTHESIS_PROFILE=long` runs many more, longer examples for local bug hunting:

    HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/property -q
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import arrow
import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis import event as _event
from hypothesis import note as _note
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from peewee import CharField, fn

from models.accounts import Account, system_account
from models.audit import AuditHead, AuditRecord
from models.change_requests import ChangeRequest
from models.contracts import Contract, Feedback
from models.db import ALL_MODELS, SchemaVersion, open_database, sqlite_url
from models.deadlines import Deadline
from models.events import Event, Notification
from models.ledger import LedgerEntry, LedgerTransfer
from models.milestones import Milestone, Submission
from models.pending_releases import PendingRelease
from models.refunds import RefundRequest
from models.vocabulary import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    ChangeRequestKind,
    ChangeRequestStatus,
    ContractStatus,
    DeadlineStatus,
    LedgerAccount,
    MilestoneStatus,
    RefundSource,
    RefundStatus,
    Role,
    SubmissionStatus,
)
from rules import (
    change_requests,
    contract_view,
    counters,
    contracts,
    deadlines,
    funding_change,
    holds,
    inbox,
    nudges,
    orders,
    payments,
    pending_release,
    planning,
    queries,
    refunds,
    support,
    work,
)
from rules.calendar import add_business_days, add_days
from rules.clock import FrozenClock
from rules.errors import RuleError
from rules.evidence import EvidenceItem
from rules.funding import has_room
from rules.invariants import ledger_problems
from rules.ledger import balance, milestone_escrow, paid_balance
from rules.plan import AddMilestone, DeleteMilestone, EditMilestone, ReorderMilestones
from rules.policy import get_policy
from rules.settlement import active_milestones, unsettled


def _load_db_state():
    """`db_state()` from tests/conftest.py, loaded by path: the conftest module is not
    importable by name once other test folders have their own conftest.py."""
    path = Path(__file__).resolve().parent.parent / "conftest.py"
    spec = importlib.util.spec_from_file_location("_milestones_root_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.db_state


db_state = _load_db_state()

START = "2026-03-02T09:00:00+00:00"  # a Monday
START_DATE = dt.date(2026, 3, 2)
BOGUS_ID = 987_654

PROFILES = {
    # Fast enough for every `make test` (about 30 s of CPU), deep enough to matter.
    "default": settings(max_examples=25, stateful_step_count=40, deadline=None,
                        suppress_health_check=list(HealthCheck)),
    # Local bug hunting: HYPOTHESIS_PROFILE=long.
    "long": settings(max_examples=1000, stateful_step_count=80, deadline=None,
                     suppress_health_check=list(HealthCheck)),
}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
if PROFILE not in PROFILES:  # another suite's profile name: keep ours at its default
    PROFILE = "default"

POLICIES = ("upwork", "upwork-compliance", "fiverr-gig", "fiverr-offer")
# Upwork fixed price allows the most (change requests, proposals, partial release,
# bonuses, refunds): it gets two in five of the contracts the natural steps work on.
policy_names = st.sampled_from(("upwork", *POLICIES))
OPEN_REFUNDS = (RefundStatus.PENDING, RefundStatus.DISPUTED, RefundStatus.IN_SUPPORT)
RELEASABLE = (MilestoneStatus.FUNDED, MilestoneStatus.SUBMITTED,
              MilestoneStatus.CHANGES_REQUESTED)

# --- strategies -------------------------------------------------------------------

good_amounts = st.one_of(st.integers(500, 250_000), st.integers(500, 20_000),
                         st.sampled_from([500, 100_000_000]))
# Refused: below U-01, above G-01's limit, negative, never floats or booleans.
bad_amounts = st.sampled_from([0, 1, 499, 100_000_001, -500, 1234.5, True])
amounts = st.one_of(good_amounts, good_amounts, good_amounts, bad_amounts)
too_long = st.integers(5001, 5001).map(lambda n: "x" * n)  # a short repr in reports
messages = st.one_of(st.sampled_from(["Done, see the link.", "Please change the colours.",
                                      "", "   "]), too_long)


def first_planned(contract_id: int):
    """U-09: the next milestone to fund, or None."""
    planned, _ = unsettled(contract_id)
    return planned[0] if planned else None


# X-36: mostly one at a time (the platforms' way), often more.
fundings = st.sampled_from([1, 1, 1, 2, 3, "all"])
reasons = st.sampled_from(["Both parties agreed after review.", "", "  "])
links = st.one_of(st.sampled_from(["", "https://example.com/delivery", "two words"]),
                  st.integers(501, 501).map(lambda n: "h" * n))
good_due_dates = st.one_of(st.none(), st.integers(0, 60).map(
    lambda d: START_DATE + dt.timedelta(days=d)))
due_dates = st.one_of(good_due_dates, good_due_dates, st.integers(-3, -1).map(
    lambda d: START_DATE + dt.timedelta(days=d)), st.just("2026-04-01"))
revisions = st.one_of(st.none(), st.integers(0, 3), st.sampled_from([100, -1]))
criteria_lists = st.sampled_from([(), (), (), ("Loads fast",), ("Loads fast", "Works on phones")])
titles = st.one_of(st.sampled_from(["Design", "Build", "Launch", ""]),
                   st.integers(201, 201).map(lambda n: "t" * n))
stars = st.one_of(st.integers(1, 5), st.sampled_from([0, 6, True, 4.5]))


def window_due(kind: str, opened: arrow.Arrow, policy) -> arrow.Arrow:
    """When a window opened at `opened` closes (G-08: N days are N x 24 hours; U-33 counts
    business days)."""
    if kind == "dispute_response":
        return add_business_days(opened, policy.dispute_response_business_days)
    days = {"review": policy.review_days,
            "change_request": policy.change_request_expiry_days,
            "refund_answer": policy.refund_answer_days,
            "start_next": policy.start_next_days or 0}[kind]
    return add_days(opened, days)


# The window lengths as RULES.md states them, written here again rather than read from
# rules.policy: an off-by-one in the policy, in rules.calendar or in a rule's own check
# must not be mirrored by the test that looks for it.
WINDOW_DAYS = {
    ("review", "upwork"): 14, ("review", "upwork-compliance"): 14,           # U-06
    ("review", "fiverr-gig"): 8, ("review", "fiverr-offer"): 8,              # F-05
    ("start_next", "fiverr-gig"): 10, ("start_next", "fiverr-offer"): 10,    # F-07
    **{("change_request", p): 7 for p in POLICIES},                          # U-24
    **{("refund_answer", p): 7 for p in POLICIES},                           # U-32
}
DISPUTE_BUSINESS_DAYS = 5                                                    # U-33
RULE_OF_WINDOW = {"review": "U-06/F-05", "start_next": "F-07", "change_request": "U-24",
                  "refund_answer": "U-32", "dispute_response": "U-33",
                  "release_at": "X-29/X-30"}


def expected_due(kind: str, policy: str, opened: arrow.Arrow) -> arrow.Arrow:
    """When a window must close, computed without rules/: N days are N x 24 hours (G-08);
    U-33's 5 business days are 5 x 24 hours of Monday-to-Friday time (UTC), weekend time
    not counting, ending on a weekday (time used up at Saturday 00:00 ends on Monday
    00:00, when the next business day starts)."""
    opened = opened.to("UTC")
    if kind != "dispute_response":
        return opened.shift(seconds=WINDOW_DAYS[(kind, policy)] * 86400)
    t, left = opened, DISPUTE_BUSINESS_DAYS * 86400
    while left > 0:
        next_midnight = t.floor("day").shift(days=1)
        if t.weekday() < 5:
            used = min(left, int((next_midnight - t).total_seconds()))
            t, left = t.shift(seconds=used), left - used
        else:
            t = next_midnight
    while t.weekday() >= 5:
        t = t.floor("day").shift(days=1)
    return t


def held_release_due(d: dict) -> arrow.Arrow:
    """X-29, X-30: a held release's window closes at its final_at, which is no later
    than the milestone's open review window (U-06, F-05) would release it, and after
    the moment it was made."""
    p = PendingRelease.get((PendingRelease.milestone == d["milestone"])
                           & (PendingRelease.status == "pending"))
    final, made = arrow.get(p.final_at), arrow.get(p.created_at)
    review = Deadline.get_or_none((Deadline.milestone == d["milestone"])
                                  & (Deadline.kind == "review")
                                  & (Deadline.status == DeadlineStatus.OPEN))
    assert made < final, ("X-29/X-30: final before it was made", made, final)
    assert review is None or final <= arrow.get(review.due_at), (
        "X-30: final after the review window", final, review.due_at)
    if p.kind == "undo":
        assert final <= made.shift(days=1), ("X-30: an undo window over a day", made, final)
    return final


def note(text: str) -> None:
    if currently_in_test_context():  # the machine also runs by hand when debugging
        _note(text)


def event(text: str) -> None:
    if currently_in_test_context():
        _event(text)


def who(right: str):
    """The role that may act, most of the time; any other role some of the time."""
    others = ["client", "freelancer", "agent", "system", "outsider_client",
              "outsider_freelancer"]
    return st.sampled_from([right] * 6 + others)


def full_dump() -> dict:
    """Every row of every table (raw SQL: it runs around every step), stricter than
    db_state() for "nothing was written"."""
    db = SchemaVersion._meta.database
    return {m._meta.table_name: db.execute_sql(
        f'SELECT * FROM "{m._meta.table_name}" ORDER BY rowid').fetchall()
        for m in [SchemaVersion, *ALL_MODELS]}


# The single-action steps: `probe_any_action` draws one of them and its arguments.
PROBES: dict[str, tuple] = {}


def probe(**strategies):
    def register(method):
        PROBES[method.__name__] = (method, strategies, getattr(method, "_requires", None))
        return method
    return register


def requires(predicate: str):
    """Draw this probe only when `self.<predicate>()`: there is something to act on."""
    def mark(method):
        method._requires = predicate
        return method
    return mark


class MilestonesMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # A RAM-backed folder when there is one: synchronous=FULL fsyncs every commit.
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        self.tmp = tempfile.mkdtemp(prefix="milestones-sm-", dir=shm)
        self.db = open_database(sqlite_url(Path(self.tmp) / "machine.db"))
        self.clock = FrozenClock(START)
        self.ada = Account.create(login="ada", display_name="Ada Client", role=Role.CLIENT)
        self.cy = Account.create(login="cy", display_name="Cy Client", role=Role.CLIENT)
        self.bo = Account.create(login="bo", display_name="Bo Freelancer",
                                 role=Role.FREELANCER)
        self.di = Account.create(login="di", display_name="Di Freelancer",
                                 role=Role.FREELANCER)
        self.sam = Account.create(login="sam", display_name="Sam Support", role=Role.AGENT)
        self.system = system_account()
        self.outcomes: Counter = Counter()
        self._snapshot: tuple[int, dict, dict] | None = None
        self._checked: dict[str, int] = {}
        self._stranger = False

    def teardown(self):
        try:
            self.stored_strings_fit_their_columns()
        finally:
            self.db.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def stored_strings_fit_their_columns(self):
        """SQLite ignores a CharField's max_length; PostgreSQL refuses what does not fit
        (statuses, ledger transfer kinds, event kinds, audit actions, once keys...).
        Checked once an example ends: what matters is kept in append-only tables, and
        the statuses are checked against their columns in tests/models."""
        for model in ALL_MODELS:
            chars = [f for f in model._meta.sorted_fields
                     if isinstance(f, CharField) and f.max_length]
            if not chars:
                continue
            longest = model.select(*[fn.MAX(fn.LENGTH(f)) for f in chars]).tuples().get()
            for field, n in zip(chars, longest):
                assert (n or 0) <= field.max_length, (
                    f"{model.__name__}.{field.name} holds {n} characters; the column "
                    f"takes {field.max_length}")

    # --- helpers ------------------------------------------------------------------

    def actor(self, role: str, contract: Contract | None):
        """The account acting as `role` towards `contract`. A client or freelancer of
        another contract is a stranger here: the next attempt() must be refused (G-07)."""
        if contract is not None and role.startswith("outsider"):
            self._stranger = True
        client_id = contract.client_id if contract else self.ada.id
        freelancer_id = contract.freelancer_id if contract else self.bo.id
        clients = {self.ada.id: self.ada, self.cy.id: self.cy}
        freelancers = {self.bo.id: self.bo, self.di.id: self.di}
        if role == "client":
            return clients[client_id]
        if role == "freelancer":
            return freelancers[freelancer_id]
        if role == "outsider_client":
            return next(a for i, a in clients.items() if i != client_id)
        if role == "outsider_freelancer":
            return next(a for i, a in freelancers.items() if i != freelancer_id)
        if role == "agent":
            return self.sam
        return self.system

    def choose(self, data, preferred, everything) -> int:
        """An id: mostly one in the state the action wants, sometimes any, rarely none."""
        preferred, everything = list(preferred), list(everything)
        k = data.draw(st.integers(0, 9), label="target kind")
        if k <= 5 and preferred:
            return data.draw(st.sampled_from(sorted(preferred)), label="target")
        if k <= 8 and everything:
            return data.draw(st.sampled_from(sorted(everything)), label="target")
        return BOGUS_ID

    @staticmethod
    def ids(query) -> list[int]:
        return [r.id for r in query]

    def milestones(self, *statuses):
        q = Milestone.select(Milestone.id)
        if statuses:
            q = q.where(Milestone.status.in_(list(statuses)))
        return self.ids(q)

    def contract_of_milestone(self, milestone_id: int) -> Contract | None:
        m = Milestone.get_or_none(Milestone.id == milestone_id)
        return Contract.get_by_id(m.contract_id) if m else None

    def writes_so_far(self) -> int:
        """SQLite's count of rows written on this connection (rolled back or not): while it
        stands still, nothing can have changed."""
        return self.db.connection().total_changes

    def snapshot(self) -> tuple[dict, dict]:
        """(full_dump(), db_state()) of the database as it is now, cached while nothing
        is written."""
        writes = self.writes_so_far()
        if self._snapshot is None or self._snapshot[0] != writes:
            self._snapshot = (writes, full_dump(), db_state())
        return self._snapshot[1], self._snapshot[2]

    def attempt(self, label: str, action, *args, **kwargs):
        """Run one action. Refused: a message and nothing written. Anything but a
        RuleError propagates and fails the test."""
        dump, before = self.snapshot()
        stranger, self._stranger = self._stranger, False
        try:
            result = action(*args, **kwargs)
        except RuleError as exc:
            # G-07: strangers learn nothing about a contract, not even its state.
            assert not stranger or exc.rule_id == "G-07", (
                f"{label} by a stranger was refused with {exc!r}, telling them about it")
            assert isinstance(exc.message, str) and exc.message.strip(), repr(exc)
            assert exc.rule_id, repr(exc)
            assert not self.db.in_transaction(), f"{label} left a transaction open"
            # Every row of every table is as it was: stricter than db_state() (a function of
            # those rows), which is compared too when they differ, for a readable diff.
            after = full_dump()
            if after != dump:
                assert db_state() == before, f"{label} was refused ({exc!r}) but wrote something"
            assert after == dump, f"{label} was refused ({exc!r}) but changed a row"
            note(f"{label}: refused {exc!r}")
            event(f"{label}: refused {exc.rule_id}")
            self.outcomes[(label, exc.rule_id)] += 1
            return None
        assert not self.db.in_transaction(), f"{label} left a transaction open"
        assert not stranger, f"{label} by someone not party to the contract succeeded (G-07)"
        self.check_journal(label, args[0] if args else None, dump)
        self.check_money(label, result, before["balances"])
        note(f"{label}: ok -> {result!r}")
        event(f"{label}: ok")
        self.outcomes[(label, "ok")] += 1
        return result

    # Rules that answer something only run once there is something to answer (their
    # targets then still include wrong ones on purpose).
    def has_refunds(self) -> bool:
        return RefundRequest.select().exists()

    def has_change_requests(self) -> bool:
        return ChangeRequest.select().where(
            ChangeRequest.kind == ChangeRequestKind.CLIENT_ACTIVE).exists()

    def has_proposals(self) -> bool:
        return ChangeRequest.select().where(
            ChangeRequest.kind == ChangeRequestKind.FREELANCER_PROPOSAL).exists()

    def has_closed_contracts(self) -> bool:
        return Contract.select().where(Contract.status != ContractStatus.OPEN).exists()

    def check_journal(self, label: str, actor, dump: dict) -> None:
        """What a successful action leaves behind: at least one audit record by its
        actor (G-05) and one timeline event (U-31), each event notifying every party of
        the contract but the actor."""
        last_audit = max((r[0] for r in dump["audit_record"]), default=0)
        last_event = max((r[0] for r in dump["event"]), default=0)
        audits = list(AuditRecord.select(AuditRecord.actor).where(AuditRecord.id > last_audit)
                      .tuples())
        assert audits, f"{label} left no audit record (G-05)"
        if isinstance(actor, Account):
            assert {a for (a,) in audits} == {actor.id}, (label, audits)
        events = list(Event.select().where(Event.id > last_event))
        assert events, f"{label} left nothing on the timeline (U-31)"
        for ev in events:
            c = Contract.get_by_id(ev.contract_id)
            told = {r for (r,) in Notification.select(Notification.recipient)
                    .where(Notification.event == ev.id).tuples()}
            assert told == {c.client_id, c.freelancer_id} - {ev.actor_id}, (
                f"{label}: event “{ev.summary}” told {told}")

    def check_money(self, label: str, result, balances_before: list) -> None:
        """The money a release or a funding moved is what it says it moved (beyond the
        ledger balancing): U-25..U-28 for a release, U-03/U-04/U-05 for a funding."""
        if not isinstance(result, (payments.ReleaseResult, Milestone)):
            return
        before: Counter = Counter()
        for c, m, account, total in balances_before:
            before[(c, m, account)] += int(total)
        after: Counter = Counter()
        for c, m, account, total in (LedgerEntry.select(
                LedgerEntry.contract, LedgerEntry.milestone, LedgerEntry.account,
                fn.SUM(LedgerEntry.amount_cents)).group_by(
                LedgerEntry.contract, LedgerEntry.milestone, LedgerEntry.account).tuples()):
            after[(c, m, account)] += int(total)
        m = Milestone.get_by_id(result.milestone_id if isinstance(result, payments.ReleaseResult)
                                else result.id)
        c = m.contract_id

        def delta(account: str, milestone: int | None | bool = False) -> int:
            keys = {k for k in set(before) | set(after) if k[0] == c and k[2] == account
                    and (milestone is False or k[1] == milestone)}
            return sum(after[k] - before[k] for k in keys)

        if isinstance(result, payments.ReleaseResult):
            held = before[(c, m.id, LedgerAccount.ESCROW)]
            assert result.released_cents + result.to_project_funds_cents == (
                held + result.extra_charged_cents), (label, result, held)
            assert delta(LedgerAccount.FREELANCER, m.id) == (
                result.released_cents + result.bonus_cents), (label, result)
            assert after[(c, m.id, LedgerAccount.ESCROW)] == 0, (label, result)
            assert delta(LedgerAccount.CLIENT_PAYMENT) == -(
                result.extra_charged_cents + result.bonus_cents), (label, result)
            if not result.contract_ended:
                assert delta(LedgerAccount.PROJECT_FUNDS) == result.to_project_funds_cents
                # U-30: "the last milestone" means nothing is left to fund, nor in
                # escrow (X-37).
                assert result.is_last == (first_planned(c) is None
                                          and not active_milestones(c)), (label, result)
        elif label == "fund_next":
            funds = sum(v for k, v in before.items()
                        if k[0] == c and k[2] == LedgerAccount.PROJECT_FUNDS)
            from_funds = min(funds, m.amount_cents)
            fee = 0
            fees_before = sum(v for k, v in before.items()
                              if k[0] == c and k[2] == LedgerAccount.PLATFORM_FEES)
            if fees_before == 0:  # U-05: with the first funding only
                fee = Contract.get_by_id(c).initiation_fee_cents
            assert after[(c, m.id, LedgerAccount.ESCROW)] == m.amount_cents, (label, m.id)
            assert delta(LedgerAccount.PROJECT_FUNDS) == -from_funds, (label, funds)
            assert delta(LedgerAccount.PLATFORM_FEES) == fee, (label, fee)
            assert delta(LedgerAccount.CLIENT_PAYMENT) == -(m.amount_cents - from_funds + fee)

    # --- contracts ----------------------------------------------------------------

    def draw_plan(self, data, policy: str) -> list[AddMilestone]:
        """A plan that is valid most of the time, with one thing wrong some of the time."""
        n = data.draw(st.integers(1, 6), label="milestones")
        plan = [AddMilestone(title=f"Milestone {i + 1}",
                             amount_cents=data.draw(good_amounts, label="amount"),
                             due_date=data.draw(good_due_dates, label="due"),
                             revisions=data.draw(st.none() | st.integers(0, 3), label="revs"),
                             criteria=data.draw(criteria_lists, label="criteria"))  # X-32
                for i in range(n)]
        flaw = data.draw(st.sampled_from(["none"] * 6 + ["amount", "due", "revisions",
                                                         "empty", "too many", "criteria"]),
                         label="flaw")
        i = data.draw(st.integers(0, n - 1), label="flawed")
        if flaw == "amount":
            plan[i] = replace(plan[i], amount_cents=data.draw(bad_amounts, label="bad"))
        elif flaw == "due":
            plan[i] = replace(plan[i], due_date=data.draw(st.sampled_from(
                [START_DATE - dt.timedelta(days=1), "2026-04-01"]), label="bad due"))
        elif flaw == "revisions":
            plan[i] = replace(plan[i], revisions=data.draw(st.sampled_from([100, -1, True])))
        elif flaw == "empty":
            plan = []
        elif flaw == "criteria":  # X-32: repeated, blank, too many
            plan[i] = replace(plan[i], criteria=data.draw(st.sampled_from(
                [("Same", "same"), ("",), tuple(f"c{k}" for k in range(21))]), label="bad"))
        elif flaw == "too many":  # U-02 is 200, F-02 is 5 or 6
            plan = plan + [replace(plan[0], title="More")] * (7 if "fiverr" in policy else 200)
        return plan

    @initialize(policy=policy_names, amounts_=st.lists(
        st.integers(500, 80_000), min_size=1, max_size=5), funding=fundings)
    def first_contract(self, policy, amounts_, funding):
        """Start every example with one valid contract, so steps reach deep states."""
        if "fiverr" in policy and sum(amounts_) <= 100_00:
            amounts_ = amounts_[:-1] + [amounts_[-1] + 100_00]  # F-01: over $100
        drafts = [AddMilestone(f"Milestone {i + 1}", a) for i, a in enumerate(amounts_)]
        contract = self.attempt("create_contract", contracts.create_contract, self.ada,
                                freelancer=self.bo, title="Website redesign", policy=policy,
                                milestones=drafts, funding=funding, clock=self.clock)
        assert contract is not None, "a valid contract was refused"

    @probe(data=st.data(), policy=st.sampled_from(POLICIES),
          creator=st.sampled_from(["client"] * 5 + ["outsider_client"] * 3
                                  + ["freelancer", "agent", "system"]),
          end_in=st.one_of(st.none(), st.integers(60, 120), st.integers(-1, 45)),
          subscription=st.sampled_from([False] * 9 + [True]),
          funding=st.one_of(fundings, st.sampled_from([21, -1, "two", True])))
    def create_contract(self, data, policy, creator, end_in, subscription, funding):
        actor = self.actor(creator, None)
        freelancer = data.draw(st.sampled_from(
            [self.bo] * 4 + [self.di, "bo", self.di.id, self.ada, "nobody"]), label="freelancer")
        drafts = self.draw_plan(data, policy)
        end_date = None if end_in is None else START_DATE + dt.timedelta(days=end_in)
        self.attempt("create_contract", contracts.create_contract, actor,
                     freelancer=freelancer, title="Website redesign", policy=policy,
                     milestones=drafts, end_date=end_date, subscription=subscription,
                     funding=funding, clock=self.clock)

    @probe(data=st.data(), how=st.sampled_from(["end", "end", "cancel", "complete"]),
          reason=reasons)
    def close_contract(self, data, how, reason):
        """End (G-03), cancel through support (F-08) or complete as the system (F-05/F-07).
        One rule for the three, so contracts are not closed before anything happens."""
        open_ = self.ids(Contract.select().where(Contract.status == ContractStatus.OPEN))
        cid = self.choose(data, open_, self.ids(Contract.select()))
        contract = Contract.get_or_none(Contract.id == cid)
        right = {"end": data.draw(st.sampled_from(["client", "freelancer"]), label="ender"),
                 "cancel": "agent", "complete": "system"}[how]
        actor = self.actor(data.draw(who(right), label="actor"), contract)
        if how == "end":
            self.attempt("end_contract", contracts.end_contract, actor, cid, clock=self.clock)
        elif how == "cancel":
            self.attempt("cancel_order", support.cancel_order, actor, cid, reason,
                         clock=self.clock)
        else:
            self.attempt("complete_order", orders.complete_order, actor, cid,
                         reason="No answer within the window", clock=self.clock)

    @probe(data=st.data(), role=who("client"), stars=stars, comment=messages)
    @requires("has_closed_contracts")
    def leave_feedback(self, data, role, stars, comment):
        closed = self.ids(Contract.select().where(Contract.status != ContractStatus.OPEN))
        cid = self.choose(data, closed, self.ids(Contract.select()))
        contract = Contract.get_or_none(Contract.id == cid)
        role = data.draw(st.sampled_from([role, "freelancer"]), label="author")
        self.attempt("leave_feedback", contracts.leave_feedback, self.actor(role, contract),
                     cid, stars, comment, clock=self.clock)

    # --- funding, work, release ---------------------------------------------------

    @probe(data=st.data(), role=who("client"), explicit=st.sampled_from([False] * 4 + [True]))
    def fund_next(self, data, role, explicit):
        ready = [c.id for c in Contract.select().where(Contract.status == ContractStatus.OPEN)
                 if has_room(c.funding_limit, Milestone.select().where(
                     (Milestone.contract == c.id)
                     & (Milestone.status.in_(list(ACTIVE_STATUSES)))).count())]
        cid = self.choose(data, ready, self.ids(Contract.select()))
        contract = Contract.get_or_none(Contract.id == cid)
        milestone_id = None
        if explicit:
            milestone_id = self.choose(data, self.milestones(MilestoneStatus.PLANNED),
                                       self.milestones())
        self.attempt("fund_next", payments.fund_next_milestone, self.actor(role, contract),
                     cid, milestone_id=milestone_id, clock=self.clock)

    @probe(data=st.data(), role=who("client"))
    def fund_ahead(self, data, role):
        """X-37: fill the room a contract's funding policy leaves, in one go."""
        open_ = self.ids(Contract.select().where(Contract.status == ContractStatus.OPEN))
        cid = self.choose(data, open_, self.ids(Contract.select()))
        contract = Contract.get_or_none(Contract.id == cid)
        self.attempt("fund_ahead", payments.fund_ahead, self.actor(role, contract), cid,
                     clock=self.clock)

    @probe(data=st.data(), role=st.sampled_from(["client", "freelancer", "agent",
                                                "outsider_client"]),
           funding=st.one_of(fundings, st.sampled_from([0, 3, 99, "lots"])),
           answer=st.sampled_from(["accept", "accept", "decline", "withdraw", "none"]),
           answerer=st.sampled_from(["other", "other", "author", "agent"]))
    def change_funding(self, data, role, funding, answer, answerer):
        """X-38: one party asks for another funding policy; an answer may follow."""
        open_ = self.ids(Contract.select().where(Contract.status == ContractStatus.OPEN))
        cid = self.choose(data, open_, self.ids(Contract.select()))
        contract = Contract.get_or_none(Contract.id == cid)
        actor = self.actor(role, contract)
        cr = self.attempt("request_funding_change", funding_change.request_funding_change,
                          actor, cid, funding, "", clock=self.clock)
        if cr is None or answer == "none":
            return
        other = "freelancer" if role == "client" else "client"
        who_answers = {"other": other, "author": role, "agent": "agent"}[answerer]
        if answer == "withdraw":
            who_answers = role if answerer != "agent" else "agent"
        fn = {"accept": funding_change.accept_funding_change,
              "decline": funding_change.decline_funding_change,
              "withdraw": funding_change.withdraw_funding_change}[answer]
        self.attempt(f"{answer}_funding_change", fn, self.actor(who_answers, contract), cr.id,
                     clock=self.clock)

    @probe(data=st.data(), role=who("client"))
    def add_escrow_funds(self, data, role):
        short = [m.id for m in Milestone.select().where(Milestone.status.in_(RELEASABLE))
                 if milestone_escrow(m.id) < m.amount_cents]
        mid = self.choose(data, short, self.milestones(*ACTIVE_STATUSES))
        self.attempt("add_escrow_funds", payments.add_escrow_funds,
                     self.actor(role, self.contract_of_milestone(mid)), mid, clock=self.clock)

    @probe(data=st.data(), role=who("freelancer"), message=messages, link=links)
    def submit_work(self, data, role, message, link):
        mid = self.choose(data, self.milestones(MilestoneStatus.FUNDED,
                                                MilestoneStatus.CHANGES_REQUESTED),
                          self.milestones())
        m = Milestone.get_or_none(Milestone.id == mid)
        self.attempt("submit_work", work.submit_work,
                     self.actor(role, self.contract_of_milestone(mid)), mid, message, link,
                     evidence=self.draw_evidence(data, m.criteria if m else ()),
                     clock=self.clock)

    def draw_evidence(self, data, criteria) -> list:
        """X-33: evidence for each criterion most of the time; one short, or one empty,
        some of the time."""
        items = [EvidenceItem(link="https://example.com/e", note=f"for {c}") for c in criteria]
        flaw = data.draw(st.sampled_from(["none"] * 4 + ["short", "blank"]), label="evidence")
        if flaw == "short":
            return items[:-1] or [EvidenceItem(note="unasked")]
        if flaw == "blank" and items:
            items[0] = EvidenceItem()
        return items

    @probe(data=st.data(), role=who("client"), message=messages)
    def request_changes(self, data, role, message):
        mid = self.choose(data, self.milestones(MilestoneStatus.SUBMITTED), self.milestones())
        self.attempt("request_changes", work.request_changes,
                     self.actor(role, self.contract_of_milestone(mid)), mid, message,
                     clock=self.clock)

    def release_amounts(self, data, held: int, policy=None):
        """(amount, bonus) for a release. With the contract's `policy`: terms it allows
        (partial, over and bonus only where it has them, U-25..U-28); without: anything,
        odd amounts included."""
        if policy is not None and not policy.partial_release:
            return None, 0
        modes = ["default", "held", "less", "less", "more"] + (
            [] if policy is not None else ["odd"])
        mode = data.draw(st.sampled_from(modes), label="amount mode")
        if mode == "default":
            amount = None
        elif mode == "held":
            amount = held
        elif mode == "less" and held > 1:
            amount = data.draw(st.integers(1, held - 1), label="partial amount")
        elif mode == "more":
            amount = held + data.draw(st.integers(1, 100_000), label="extra")
        else:
            amount = data.draw(st.sampled_from([0, -1, 12.5, 100_000_001]), label="odd")
        if policy is not None and (not policy.bonus or mode in ("less", "more")):
            return amount, 0
        kinds = ["none", "none", "some"] + ([] if policy is not None else ["odd"])
        kind = data.draw(st.sampled_from(kinds), label="bonus kind")
        bonus = {"none": lambda: 0,
                 "some": lambda: data.draw(st.integers(1, 50_000), label="bonus"),
                 "odd": lambda: data.draw(st.sampled_from([-1, 2.5, 100_000_001]),
                                          label="bonus")}[kind]()
        return amount, bonus

    @probe(data=st.data(), role=who("client"),
          end=st.sampled_from([False] * 4 + [True]),
          version_mode=st.sampled_from(["none"] * 4 + ["current", "stale"]))
    def release(self, data, role, end, version_mode):
        mid = self.choose(data, self.milestones(*RELEASABLE), self.milestones())
        m = Milestone.get_or_none(Milestone.id == mid)
        held = milestone_escrow(mid) if m else 0
        amount, bonus = self.release_amounts(data, held)
        version = {"none": None, "current": m.version if m else 1,
                   "stale": (m.version - 1) if m else 0}[version_mode]
        self.attempt("release", payments.release,
                     self.actor(role, self.contract_of_milestone(mid)), mid, amount, bonus,
                     end_contract=end, version=version, clock=self.clock)

    @probe(data=st.data())
    def system_release(self, data):
        """The deadline worker paying submitted work (U-06)."""
        mid = self.choose(data, self.milestones(MilestoneStatus.SUBMITTED), self.milestones())
        self.attempt("system_release", payments.release, self.system, mid, clock=self.clock)

    # --- held releases (X-29..X-31) and nudges (X-27, X-28) -------------------------

    def has_held_releases(self) -> bool:
        return PendingRelease.select().exists()

    @probe(data=st.data(), role=who("client"),
           minutes=st.sampled_from([10, 10, 10, 1, 0, 24 * 60, -1, 24 * 60 + 1, True]),
           end=st.sampled_from([False] * 4 + [True]))
    def release_with_undo(self, data, role, minutes, end):
        """A manual release inside its undo window (X-30); 0 is release() at once."""
        mid = self.choose(data, self.milestones(*RELEASABLE), self.milestones())
        held = milestone_escrow(mid) if Milestone.get_or_none(Milestone.id == mid) else 0
        amount, bonus = self.release_amounts(data, held)
        self.attempt("release_with_undo", pending_release.release_with_undo,
                     self.actor(role, self.contract_of_milestone(mid)), mid, amount, bonus,
                     undo_minutes=minutes, end_contract=end, clock=self.clock)

    @probe(data=st.data(), role=who("client"),
           ahead=st.sampled_from([30, 61, 3600, 86400, 86400 * 3, 86400 * 20, 86400 * 400]))
    def schedule_release(self, data, role, ahead):
        """A release at a later time (X-29): too soon, past the review window or more
        than a year ahead are refused."""
        mid = self.choose(data, self.milestones(*RELEASABLE), self.milestones())
        held = milestone_escrow(mid) if Milestone.get_or_none(Milestone.id == mid) else 0
        amount, bonus = self.release_amounts(data, held)
        self.attempt("schedule_release", pending_release.schedule_release,
                     self.actor(role, self.contract_of_milestone(mid)), mid,
                     self.clock.now().shift(seconds=ahead), amount, bonus, clock=self.clock)

    @requires("has_held_releases")
    @probe(data=st.data(), role=who("client"))
    def take_back_release(self, data, role):
        mid = self.choose(data, self.milestones(MilestoneStatus.RELEASING), self.milestones())
        self.attempt("take_back_release", pending_release.take_back_release,
                     self.actor(role, self.contract_of_milestone(mid)), mid, clock=self.clock)

    @probe(data=st.data(), role=st.sampled_from(["client", "freelancer"] * 3 + [
        "agent", "system", "outsider_client", "outsider_freelancer"]))
    def nudge(self, data, role):
        """The waiting party reminds the other of an open window (X-27), once a day
        (X-28); windows that wait for nobody (a held release) are refused."""
        did = self.choose(data, self.ids(Deadline.select(Deadline.id).where(
            Deadline.status == DeadlineStatus.OPEN)), self.ids(Deadline.select(Deadline.id)))
        d = Deadline.get_or_none(Deadline.id == did)
        contract = Contract.get_by_id(d.contract_id) if d else None
        self.attempt("nudge", nudges.nudge, self.actor(role, contract), did, clock=self.clock)

    # --- refunds and disputes -----------------------------------------------------

    @probe(data=st.data(), role=who("client"), reason=reasons)
    def request_refund(self, data, role, reason):
        mid = self.choose(data, self.milestones(*RELEASABLE, MilestoneStatus.RELEASED),
                          self.milestones())
        m = Milestone.get_or_none(Milestone.id == mid)
        if m is not None and m.status == MilestoneStatus.RELEASED:
            paid = paid_balance(milestone_id=mid)  # pending or available (X-26)
            amount = data.draw(st.one_of(
                st.none(), st.just(paid), st.integers(1, max(paid, 1)),
                st.sampled_from([paid + 1, 0, -1])), label="paid refund amount")
        else:
            held = milestone_escrow(mid) if m else 0
            amount = data.draw(st.sampled_from([None, None, held, held + 1, 1]),
                               label="escrow refund amount")
        self.attempt("request_refund", refunds.request_refund,
                     self.actor(role, self.contract_of_milestone(mid)), mid, amount, reason,
                     clock=self.clock)

    def refund_ids(self, *statuses):
        q = RefundRequest.select(RefundRequest.id)
        if statuses:
            q = q.where(RefundRequest.status.in_(list(statuses)))
        return self.ids(q)

    def contract_of_refund(self, refund_id: int) -> Contract | None:
        rr = RefundRequest.get_or_none(RefundRequest.id == refund_id)
        return Contract.get_by_id(rr.contract_id) if rr else None

    @probe(data=st.data(), role=who("freelancer"))
    @requires("has_refunds")
    def agree_refund(self, data, role):
        rid = self.choose(data, self.refund_ids(RefundStatus.PENDING), self.refund_ids())
        self.attempt("agree_refund", refunds.agree_refund,
                     self.actor(role, self.contract_of_refund(rid)), rid, clock=self.clock)

    @probe(data=st.data(), role=who("freelancer"), message=messages)
    @requires("has_refunds")
    def dispute_refund(self, data, role, message):
        rid = self.choose(data, self.refund_ids(RefundStatus.PENDING), self.refund_ids())
        self.attempt("dispute_refund", refunds.dispute_refund,
                     self.actor(role, self.contract_of_refund(rid)), rid, message,
                     clock=self.clock)

    @probe(data=st.data(), role=who("client"), message=messages)
    @requires("has_refunds")
    def respond_to_dispute(self, data, role, message):
        rid = self.choose(data, self.refund_ids(RefundStatus.DISPUTED), self.refund_ids())
        self.attempt("respond_to_dispute", refunds.respond_to_dispute,
                     self.actor(role, self.contract_of_refund(rid)), rid, message,
                     clock=self.clock)

    @probe(data=st.data(), role=who("agent"), reason=reasons)
    @requires("has_refunds")
    def resolve_dispute(self, data, role, reason):
        rid = self.choose(data, self.refund_ids(RefundStatus.DISPUTED, RefundStatus.IN_SUPPORT),
                          self.refund_ids())
        rr = RefundRequest.get_or_none(RefundRequest.id == rid)
        total = rr.amount_cents if rr else 1000
        to_f = data.draw(st.one_of(st.integers(0, max(total, 0)), st.just(total), st.just(0)),
                         label="to freelancer")
        to_c = data.draw(st.sampled_from([total - to_f] * 4 + [total - to_f + 1, -1]),
                         label="to client")
        self.attempt("resolve_dispute", refunds.resolve_dispute,
                     self.actor(role, self.contract_of_refund(rid)), rid, to_f, to_c, reason,
                     clock=self.clock)

    @probe(data=st.data(), role=who("system"))
    @requires("has_refunds")
    def grant_unanswered_refund(self, data, role):
        rid = self.choose(data, self.refund_ids(RefundStatus.PENDING), self.refund_ids())
        self.attempt("grant_unanswered_refund", refunds.grant_unanswered_refund,
                     self.actor(role, self.contract_of_refund(rid)), rid, clock=self.clock)

    @probe(data=st.data(), role=who("system"))
    @requires("has_refunds")
    def close_unanswered_dispute(self, data, role):
        rid = self.choose(data, self.refund_ids(RefundStatus.DISPUTED), self.refund_ids())
        self.attempt("close_unanswered_dispute", refunds.close_unanswered_dispute,
                     self.actor(role, self.contract_of_refund(rid)), rid, clock=self.clock)

    # --- support ------------------------------------------------------------------

    @probe(data=st.data(), role=who("agent"), reason=reasons)
    def cancel_milestone(self, data, role, reason):
        final = set(self.milestones(*FINAL_STATUSES))
        unfinished = [m for m in self.milestones() if m not in final]
        mid = self.choose(data, unfinished, self.milestones())
        self.attempt("cancel_milestone", support.cancel_milestone,
                     self.actor(role, self.contract_of_milestone(mid)), mid, reason,
                     clock=self.clock)

    # --- looking (read-only) ---------------------------------------------------------

    @probe(data=st.data(), role=who("client"))
    def view_contract(self, data, role):
        """G-07: the parties and agents see a contract, nobody else; looking writes
        nothing; what the screens show of money is what the ledger holds."""
        cid = self.choose(data, self.ids(Contract.select()), [])
        contract = Contract.get_or_none(Contract.id == cid)
        viewer = self.actor(role, contract)
        stranger, self._stranger = self._stranger, False
        dump = full_dump()
        try:
            detail = contract_view.contract_detail(viewer, cid)
            timeline, _ = contract_view.timeline_page(viewer, cid)
        except RuleError as exc:
            assert full_dump() == dump, "looking at a contract wrote something"
            assert exc.message.strip()
            may_see = contract is not None and not stranger and role != "system"
            assert not may_see, f"{role} may see contract {cid} but was refused: {exc!r}"
            assert exc.rule_id in ("G-07", "not-found"), repr(exc)
            self.outcomes[("view_contract", exc.rule_id)] += 1
            return
        self.outcomes[("view_contract", "ok")] += 1
        assert full_dump() == dump, "looking at a contract wrote something"
        assert not stranger and role != "system", f"{role} saw contract {cid} (G-07)"
        escrow = self.sums_by_milestone(LedgerAccount.ESCROW)
        for mv in detail.milestones:
            assert mv.escrow_cents == escrow.get(mv.id, 0), (mv.id, mv.escrow_cents)
        assert detail.totals.in_escrow_cents == sum(escrow.get(mv.id, 0)
                                                    for mv in detail.milestones)
        assert detail.totals.project_funds_cents == balance(
            LedgerAccount.PROJECT_FUNDS, contract_id=cid)
        assert detail.totals.released_cents == paid_balance(contract_id=cid)
        assert len(timeline) == min(20, Event.select().where(Event.contract == cid).count())
        listed = {s.id for s in queries.list_contracts(viewer, limit=500)}
        visible = {c.id for c in Contract.select() if viewer.role == Role.AGENT
                   or viewer.id in (c.client_id, c.freelancer_id)}
        assert listed == visible, (viewer.login, listed, visible)

    # --- client change requests on the active milestone (U-20..U-24) ---------------

    def active_changes(self, data, m: Milestone | None, *, valid: bool = False) -> dict:
        amount = m.amount_cents if m else 10_000
        options = {
            "title": st.sampled_from(["Design, revised", "", "Design"]),
            "description": st.sampled_from(["More pages", ""]),
            "due_date": due_dates,
            "amount_cents": st.one_of(st.integers(500, 2 * amount + 500),
                                      st.sampled_from([amount, 499, amount // 2])),
        }
        if valid:
            options["due_date"] = good_due_dates
            options["amount_cents"] = st.integers(500, 2 * amount + 500)
            options["title"] = st.just("Design, revised")
        fields = sorted(options) + ([] if valid else ["status"])
        keys = data.draw(st.lists(st.sampled_from(fields), min_size=1 if valid else 0,
                                  max_size=3, unique=True), label="changed fields")
        changes = {}
        for k in keys:
            changes[k] = "released" if k == "status" else data.draw(options[k], label=k)
        return changes

    def change_request_ids(self, *statuses, kind=ChangeRequestKind.CLIENT_ACTIVE):
        q = ChangeRequest.select(ChangeRequest.id).where(ChangeRequest.kind == kind)
        if statuses:
            q = q.where(ChangeRequest.status.in_(list(statuses)))
        return self.ids(q)

    def contract_of_request(self, request_id: int) -> Contract | None:
        cr = ChangeRequest.get_or_none(ChangeRequest.id == request_id)
        return Contract.get_by_id(cr.contract_id) if cr else None

    @probe(data=st.data(), role=who("client"), message=messages)
    def request_milestone_change(self, data, role, message):
        no_work = [m.id for m in Milestone.select().where(
            Milestone.status == MilestoneStatus.FUNDED)
            if not Submission.select().where(Submission.milestone == m.id).exists()]
        mid = self.choose(data, no_work, self.milestones())
        m = Milestone.get_or_none(Milestone.id == mid)
        self.attempt("request_milestone_change", change_requests.request_milestone_change,
                     self.actor(role, self.contract_of_milestone(mid)), mid,
                     self.active_changes(data, m), message, clock=self.clock)

    @probe(data=st.data(), role=who("client"),
          version_mode=st.sampled_from(["none"] * 3 + ["current", "stale"]))
    @requires("has_change_requests")
    def edit_milestone_change(self, data, role, version_mode):
        rid = self.choose(data, self.change_request_ids(ChangeRequestStatus.PENDING),
                          self.change_request_ids())
        cr = ChangeRequest.get_or_none(ChangeRequest.id == rid)
        m = Milestone.get_or_none(Milestone.id == cr.milestone_id) if cr else None
        version = {"none": None, "current": cr.version if cr else 1,
                   "stale": (cr.version - 1) if cr else 0}[version_mode]
        self.attempt("edit_milestone_change", change_requests.edit_milestone_change,
                     self.actor(role, self.contract_of_request(rid)), rid,
                     self.active_changes(data, m), version=version, clock=self.clock)

    @probe(data=st.data(), role=who("client"))
    @requires("has_change_requests")
    def withdraw_milestone_change(self, data, role):
        rid = self.choose(data, self.change_request_ids(ChangeRequestStatus.PENDING),
                          self.change_request_ids())
        self.attempt("withdraw_milestone_change", change_requests.withdraw_milestone_change,
                     self.actor(role, self.contract_of_request(rid)), rid, clock=self.clock)

    @probe(data=st.data(), role=who("freelancer"))
    @requires("has_change_requests")
    def approve_milestone_change(self, data, role):
        rid = self.choose(data, self.change_request_ids(ChangeRequestStatus.PENDING),
                          self.change_request_ids())
        self.attempt("approve_milestone_change", change_requests.approve_milestone_change,
                     self.actor(role, self.contract_of_request(rid)), rid, clock=self.clock)

    @probe(data=st.data(), role=who("freelancer"), message=messages)
    @requires("has_change_requests")
    def reject_milestone_change(self, data, role, message):
        rid = self.choose(data, self.change_request_ids(ChangeRequestStatus.PENDING),
                          self.change_request_ids())
        self.attempt("reject_milestone_change", change_requests.reject_milestone_change,
                     self.actor(role, self.contract_of_request(rid)), rid, message,
                     clock=self.clock)

    @probe(data=st.data(), role=who("system"))
    @requires("has_change_requests")
    def expire_milestone_change(self, data, role):
        rid = self.choose(data, self.change_request_ids(ChangeRequestStatus.PENDING),
                          self.change_request_ids())
        self.attempt("expire_milestone_change", change_requests.expire_milestone_change,
                     self.actor(role, self.contract_of_request(rid)), rid, clock=self.clock)

    @probe(data=st.data(), role=who("freelancer"), message=messages)
    @requires("has_change_requests")
    def counter_milestone_change(self, data, role, message):
        """X-22: the party a change waits for answers with another (then the client
        approves it: approve_milestone_change draws the client some of the time)."""
        rid = self.choose(data, self.change_request_ids(ChangeRequestStatus.PENDING),
                          self.change_request_ids())
        cr = ChangeRequest.get_or_none(ChangeRequest.id == rid)
        m = Milestone.get_or_none(Milestone.id == cr.milestone_id) if cr else None
        self.attempt("counter_milestone_change", counters.counter_milestone_change,
                     self.actor(role, self.contract_of_request(rid)), rid,
                     self.active_changes(data, m), message, clock=self.clock)

    # --- the plan: client batches and freelancer proposals (U-07..U-16) ------------

    def plan_ops(self, data, contract_id: int, *, proposal: bool, valid: bool = False,
                 reorder_only: bool = False) -> list:
        """A batch of plan edits. `valid`: ones the plan allows (on an editable policy);
        otherwise wrong targets, bad fields and bad orders some of the time."""
        rows = list(Milestone.select().where(Milestone.contract == contract_id)
                    .order_by(Milestone.position))
        future: list[int | str] = [m.id for m in rows if m.status == MilestoneStatus.PLANNED]
        everything = [m.id for m in rows] + self.milestones()  # incl. other contracts'
        ops: list = []
        kinds = ["add", "edit", "delete"] + ([] if proposal and valid else ["reorder"])
        if not proposal:
            kinds.append("reorder")
        if reorder_only:
            kinds = ["reorder"]
        for n in range(data.draw(st.integers(1 if valid else 0, 3), label="batch size")):
            kind = data.draw(st.sampled_from(kinds), label="op")
            planned = [k for k in future if isinstance(k, int)]
            if valid and kind in ("edit", "delete") and not planned:
                kind = "add"
            if kind == "add":
                ref = f"r{n}" if valid else data.draw(st.sampled_from([None, "a", "b"]),
                                                     label="ref")
                ops.append(AddMilestone(
                    title=data.draw(st.just("Extra") if valid else titles, label="title"),
                    amount_cents=data.draw(good_amounts if valid else amounts, label="amount"),
                    due_date=data.draw(good_due_dates if valid else due_dates, label="due"),
                    revisions=data.draw(st.none() | st.integers(0, 3) if valid else revisions,
                                        label="revisions"), ref=ref,
                    criteria=data.draw(criteria_lists, label="criteria")))
                future.append(ref or f"new-{sum(isinstance(o, AddMilestone) for o in ops)}")
            elif kind == "edit":
                target = (data.draw(st.sampled_from(planned), label="edited") if valid
                          else self.choose(data, planned, everything))
                fields = {"title": st.just("Renamed"), "description": st.just("Updated"),
                          "due_date": good_due_dates, "amount_cents": good_amounts,
                          "criteria": criteria_lists}
                if not valid:
                    fields.update(title=titles, due_date=due_dates, amount_cents=amounts,
                                  revisions_allowed=revisions, position=st.just(1),
                                  criteria=st.sampled_from([("x", "X"), ("",), "one"]))
                keys = data.draw(st.lists(st.sampled_from(sorted(fields)),
                                          min_size=1 if valid else 0, max_size=3,
                                          unique=True), label="edited fields")
                ops.append(EditMilestone(target, {k: data.draw(fields[k], label=k)
                                                  for k in keys}))
            elif kind == "delete":
                target = (data.draw(st.sampled_from(planned), label="deleted") if valid
                          else self.choose(data, planned, everything))
                ops.append(DeleteMilestone(target))
                if target in future:
                    future.remove(target)
            else:
                order = data.draw(st.permutations(future), label="order")
                tweak = "none" if valid else data.draw(
                    st.sampled_from(["none"] * 4 + ["drop", "dup", "locked"]), label="tweak")
                if tweak == "drop" and order:
                    order = order[1:]
                elif tweak == "dup" and order:
                    order = order + order[:1]
                elif tweak == "locked":
                    locked = [m.id for m in rows if m.status != MilestoneStatus.PLANNED]
                    order = order + locked[:1]
                ops.append(ReorderMilestones(tuple(order)))
        return ops

    @probe(data=st.data(), role=who("client"),
          version_mode=st.sampled_from(["none"] * 3 + ["current", "stale"]),
          style=st.sampled_from(["batch"] * 3 + ["single"]))
    def save_plan(self, data, role, version_mode, style):
        open_ = self.ids(Contract.select().where(Contract.status == ContractStatus.OPEN))
        cid = self.choose(data, open_, self.ids(Contract.select()))
        contract = Contract.get_or_none(Contract.id == cid)
        actor = self.actor(role, contract)
        ops = self.plan_ops(data, cid, proposal=False)
        if style == "single" and len(ops) == 1:
            # The one-op helpers (add_milestone, edit_milestone, ...) are batches of one.
            op = ops[0]
            if isinstance(op, AddMilestone):
                self.attempt("add_milestone", planning.add_milestone, actor, cid, op.title,
                             op.amount_cents, op.description, op.due_date, op.revisions,
                             clock=self.clock)
            elif isinstance(op, EditMilestone):
                self.attempt("edit_milestone", planning.edit_milestone, actor, op.milestone_id,
                             clock=self.clock, **op.changes)
            elif isinstance(op, DeleteMilestone):
                self.attempt("delete_milestone", planning.delete_milestone, actor,
                             op.milestone_id, clock=self.clock)
            else:
                self.attempt("reorder_milestones", planning.reorder_milestones, actor, cid,
                             list(op.order), clock=self.clock)
            return
        version = {"none": None, "current": contract.version if contract else 1,
                   "stale": (contract.version - 1) if contract else 0}[version_mode]
        self.attempt("save_plan", planning.save_plan, actor, cid, ops, version=version,
                     clock=self.clock)

    @probe(data=st.data(), role=who("freelancer"), message=messages)
    def propose_milestone_changes(self, data, role, message):
        open_ = self.ids(Contract.select().where(Contract.status == ContractStatus.OPEN))
        cid = self.choose(data, open_, self.ids(Contract.select()))
        contract = Contract.get_or_none(Contract.id == cid)
        ops = self.plan_ops(data, cid, proposal=True)
        self.attempt("propose_milestone_changes", change_requests.propose_milestone_changes,
                     self.actor(role, contract), cid, ops, message, clock=self.clock)

    @probe(data=st.data(), role=who("client"))
    @requires("has_proposals")
    def accept_proposal(self, data, role):
        kind = ChangeRequestKind.FREELANCER_PROPOSAL
        rid = self.choose(data, self.change_request_ids(ChangeRequestStatus.PENDING, kind=kind),
                          self.change_request_ids(kind=kind) + self.change_request_ids())
        self.attempt("accept_proposal", change_requests.accept_proposal,
                     self.actor(role, self.contract_of_request(rid)), rid, clock=self.clock)

    @probe(data=st.data(), role=who("client"), message=messages)
    @requires("has_proposals")
    def decline_proposal(self, data, role, message):
        kind = ChangeRequestKind.FREELANCER_PROPOSAL
        rid = self.choose(data, self.change_request_ids(ChangeRequestStatus.PENDING, kind=kind),
                          self.change_request_ids(kind=kind))
        self.attempt("decline_proposal", change_requests.decline_proposal,
                     self.actor(role, self.contract_of_request(rid)), rid, message,
                     clock=self.clock)

    @probe(data=st.data(), role=who("client"), message=messages)
    @requires("has_proposals")
    def counter_proposal(self, data, role, message):
        """X-22: the client answers a proposal with an amended batch."""
        kind = ChangeRequestKind.FREELANCER_PROPOSAL
        rid = self.choose(data, self.change_request_ids(ChangeRequestStatus.PENDING, kind=kind),
                          self.change_request_ids(kind=kind))
        contract = self.contract_of_request(rid)
        ops = self.plan_ops(data, contract.id, proposal=True) if contract else []
        self.attempt("counter_proposal", counters.counter_proposal,
                     self.actor(role, contract), rid, ops, message, clock=self.clock)

    # --- the natural next step ------------------------------------------------------
    # Uniformly random rules rarely chain fund -> submit -> release -> refund -> dispute
    # -> resolve within one example. These rules take one move that the state of a
    # random open contract invites, by the right party (still through attempt(): it
    # may be refused, e.g. for an amount), so examples reach deep states.

    def moves(self, data, c: Contract) -> list[tuple[str, object]]:
        client, freelancer = self.actor("client", c), self.actor("freelancer", c)
        policy = get_policy(c.policy)
        clock = self.clock
        moves: list[tuple[str, object]] = []
        add = moves.append
        actives = active_milestones(c.id)  # several where the funding policy allows (X-36)
        m = data.draw(st.sampled_from(actives), label="active") if actives else None
        if m is not None:
            held = milestone_escrow(m.id)
            pending_cr = ChangeRequest.get_or_none(
                (ChangeRequest.milestone == m.id)
                & (ChangeRequest.status == ChangeRequestStatus.PENDING))
            rr = RefundRequest.get_or_none((RefundRequest.milestone == m.id)
                                           & RefundRequest.status.in_(list(OPEN_REFUNDS)))
            if m.status in (MilestoneStatus.FUNDED, MilestoneStatus.CHANGES_REQUESTED):
                add(("submit_work", lambda: work.submit_work(
                    freelancer, m.id, "Delivered", "https://example.com/d", clock=clock,
                    evidence=[EvidenceItem(note="see the delivery") for _ in m.criteria or ()])))
            if m.status == MilestoneStatus.SUBMITTED:
                add(("request_changes", lambda: work.request_changes(
                    client, m.id, "Please revise", clock=clock)))
                add(("system_release", lambda: payments.release(self.system, m.id,
                                                                clock=clock)))
            if m.status == MilestoneStatus.SUBMITTED or (
                    m.status in RELEASABLE and policy.release_without_submission):  # U-19
                add(("release", lambda: payments.release(
                    client, m.id, *self.release_amounts(data, held, policy), clock=clock)))
                add(("release", lambda: payments.release(
                    client, m.id, *self.release_amounts(data, held, policy), clock=clock)))
            if m.status == MilestoneStatus.SUBMITTED:  # X-30, X-29: held, final later
                add(("release_with_undo", lambda: pending_release.release_with_undo(
                    client, m.id, *self.release_amounts(data, held, policy), clock=clock)))
                add(("schedule_release", lambda: pending_release.schedule_release(
                    client, m.id, clock.now().shift(days=1), clock=clock)))
            review = Deadline.get_or_none((Deadline.milestone == m.id)
                                          & (Deadline.kind == "review")
                                          & (Deadline.status == DeadlineStatus.OPEN))
            if review is not None:  # X-27: the freelancer waits on the client's review
                add(("nudge", lambda: nudges.nudge(freelancer, review.id, clock=clock)))
            if m.status == MilestoneStatus.RELEASING:  # X-31
                add(("take_back_release", lambda: pending_release.take_back_release(
                    client, m.id, clock=clock)))
            if m.status in RELEASABLE and policy.refunds:
                add(("request_refund", lambda: refunds.request_refund(
                    client, m.id, None, "Not delivered", clock=clock)))
            if m.status in RELEASABLE and held < m.amount_cents:
                add(("add_escrow_funds", lambda: payments.add_escrow_funds(
                    client, m.id, clock=clock)))
            if m.status == MilestoneStatus.FUNDED and pending_cr is None \
                    and policy.client_change_requests:
                add(("request_milestone_change", lambda: change_requests.request_milestone_change(
                    client, m.id, self.active_changes(data, m, valid=True), "Scope changed",
                    clock=clock)))
            if pending_cr is not None:
                # X-22: a version waits for the party who did not write it.
                by_client = pending_cr.author_id == client.id
                waiting, author = (freelancer, client) if by_client else (client, freelancer)
                add(("approve_milestone_change", lambda: change_requests.approve_milestone_change(
                    waiting, pending_cr.id, clock=clock)))
                add(("approve_milestone_change", lambda: change_requests.approve_milestone_change(
                    waiting, pending_cr.id, clock=clock)))
                add(("reject_milestone_change", lambda: change_requests.reject_milestone_change(
                    waiting, pending_cr.id, "No", clock=clock)))
                add(("counter_milestone_change", lambda: counters.counter_milestone_change(
                    waiting, pending_cr.id, self.active_changes(data, m, valid=True),
                    "How about this", clock=clock)))
                add(("withdraw_milestone_change",
                     lambda: change_requests.withdraw_milestone_change(
                         author, pending_cr.id, clock=clock)))
                add(("expire_milestone_change", lambda: change_requests.expire_milestone_change(
                    self.system, pending_cr.id, clock=clock)))
                add(("edit_milestone_change", lambda: change_requests.edit_milestone_change(
                    author, pending_cr.id, self.active_changes(data, m, valid=True),
                    clock=clock)))
                # U-23: work submitted (or paid) while the request waits cancels it.
                add(("submit_work", lambda: work.submit_work(
                    freelancer, m.id, "Delivered anyway", clock=clock,
                    evidence=[EvidenceItem(note="see it") for _ in m.criteria or ()])))
            if rr is not None:
                moves += self.refund_moves(data, c, rr)
            if data.draw(st.integers(0, 4), label="cancel?") == 0:
                add(("cancel_milestone", lambda: support.cancel_milestone(
                    self.sam, m.id, "Agreed by both", clock=clock)))
        else:
            if first_planned(c.id) is not None:
                add(("fund_next", lambda: payments.fund_next_milestone(client, c.id,
                                                                       clock=clock)))
                add(("fund_next", lambda: payments.fund_next_milestone(client, c.id,
                                                                       clock=clock)))
            if data.draw(st.integers(0, 3), label="end?") == 0:
                add(("end_contract", lambda: contracts.end_contract(
                    data.draw(st.sampled_from([client, freelancer])), c.id, clock=clock)))
        if actives and has_room(c.funding_limit, len(actives)) and first_planned(c.id):
            add(("fund_next", lambda: payments.fund_next_milestone(client, c.id, clock=clock)))
            add(("fund_ahead", lambda: payments.fund_ahead(client, c.id, clock=clock)))
        if data.draw(st.integers(0, 12), label="funding?") == 0:  # X-38, then its answer
            limit = data.draw(fundings, label="new funding")
            asker, other = data.draw(st.sampled_from([(client, freelancer),
                                                      (freelancer, client)]), label="asker")

            def ask_and_answer():
                cr = funding_change.request_funding_change(asker, c.id, limit, clock=clock)
                return funding_change.accept_funding_change(other, cr.id, clock=clock)
            add(("change_funding", ask_and_answer))
        if data.draw(st.integers(0, 9), label="cancel order?") == 0:
            add(("cancel_order", lambda: support.cancel_order(
                self.sam, c.id, "Both parties asked support to stop", clock=clock)))
        for rr in RefundRequest.select().where(
                (RefundRequest.contract == c.id) & RefundRequest.status.in_(list(OPEN_REFUNDS))
                & (RefundRequest.source == RefundSource.PAID)):
            moves += self.refund_moves(data, c, rr)
        paid = [x.id for x in Milestone.select().where(
            (Milestone.contract == c.id) & (Milestone.status == MilestoneStatus.RELEASED))]
        if paid and policy.refunds:
            add(("request_refund", lambda: refunds.request_refund(
                client, data.draw(st.sampled_from(paid), label="paid milestone"),
                data.draw(st.none() | st.integers(1, 5_000), label="paid refund"),
                "Asked back", clock=clock)))
        proposal = ChangeRequest.get_or_none(
            (ChangeRequest.contract == c.id) & (ChangeRequest.status == ChangeRequestStatus.PENDING)
            & (ChangeRequest.kind == ChangeRequestKind.FREELANCER_PROPOSAL))
        if proposal is not None:
            answerer = freelancer if proposal.author_id == client.id else client  # X-22
            add(("accept_proposal", lambda: change_requests.accept_proposal(
                answerer, proposal.id, clock=clock)))
            add(("decline_proposal", lambda: change_requests.decline_proposal(
                answerer, proposal.id, clock=clock)))
            add(("counter_proposal", lambda: counters.counter_proposal(
                answerer, proposal.id, self.plan_ops(data, c.id, proposal=True, valid=True),
                "Rather this", clock=clock)))
        elif policy.freelancer_proposals:
            add(("propose_milestone_changes", lambda: change_requests.propose_milestone_changes(
                freelancer, c.id, self.plan_ops(data, c.id, proposal=True, valid=True),
                "How about this", clock=clock)))
        if policy.plan_editable or policy.reorderable:  # compliance: reordering only
            add(("save_plan", lambda: planning.save_plan(
                client, c.id, self.plan_ops(data, c.id, proposal=False, valid=True,
                                            reorder_only=not policy.plan_editable),
                clock=clock)))
        return moves

    def refund_moves(self, data, c: Contract, rr: RefundRequest) -> list:
        client, freelancer = self.actor("client", c), self.actor("freelancer", c)
        clock = self.clock
        moves = []
        if rr.status == RefundStatus.PENDING:
            moves += [("agree_refund", lambda: refunds.agree_refund(freelancer, rr.id,
                                                                    clock=clock)),
                      ("dispute_refund", lambda: refunds.dispute_refund(
                          freelancer, rr.id, "It was delivered", clock=clock)),
                      ("dispute_refund", lambda: refunds.dispute_refund(
                          freelancer, rr.id, "It was delivered", clock=clock))]
            if rr.source == RefundSource.ESCROW:
                moves.append(("grant_unanswered_refund", lambda: refunds.grant_unanswered_refund(
                    self.system, rr.id, clock=clock)))
        if rr.status == RefundStatus.DISPUTED:
            moves += [("respond_to_dispute", lambda: refunds.respond_to_dispute(
                client, rr.id, "It was not", clock=clock)),
                ("close_unanswered_dispute", lambda: refunds.close_unanswered_dispute(
                    self.system, rr.id, clock=clock))]
        if rr.status in (RefundStatus.DISPUTED, RefundStatus.IN_SUPPORT):
            def resolve():
                to_f = data.draw(st.integers(0, rr.amount_cents), label="split")
                return refunds.resolve_dispute(self.sam, rr.id, to_f, rr.amount_cents - to_f,
                                               "Split after review", clock=clock)
            moves.append(("resolve_dispute", resolve))
        return moves

    def natural_move(self, data):
        closed = [c for c in Contract.select().where(Contract.status != ContractStatus.OPEN)
                  if Feedback.select().where(Feedback.contract == c.id).count() < 2]
        if closed and data.draw(st.integers(0, 5), label="feedback?") == 0:
            c = data.draw(st.sampled_from(closed), label="closed contract")
            author = self.actor(data.draw(st.sampled_from(["client", "freelancer"])), c)
            self.attempt("leave_feedback", contracts.leave_feedback, author, c.id,
                         data.draw(st.integers(1, 5), label="stars"), "Thanks",
                         clock=self.clock)
            return
        open_ = self.ids(Contract.select().where(Contract.status == ContractStatus.OPEN))
        if not open_:
            policy = data.draw(policy_names, label="policy")
            self.first_contract(policy, [20_000, 30_000, 40_000],
                                data.draw(fundings, label="funding"))
            return
        c = Contract.get_by_id(data.draw(st.sampled_from(open_), label="contract"))
        moves = self.moves(data, c)
        if moves:
            label, move = data.draw(st.sampled_from(moves), label="move")
            self.attempt(label, move)

    @rule(data=st.data())
    def natural_next_step(self, data):
        self.natural_move(data)

    @rule(data=st.data())
    def natural_next_step_again(self, data):  # the same, to weigh it twice
        self.natural_move(data)

    # --- time -----------------------------------------------------------------------

    @rule(hours=st.sampled_from([1, 23, 24, 24 * 5, 24 * 7 + 1, 24 * 8 + 1, 24 * 14 + 1]),
          then_sweep=st.booleans())
    def pass_time(self, hours, then_sweep):
        """Advance the FrozenClock; the deadline worker usually runs right after."""
        self.clock.advance(hours=hours)
        if then_sweep:
            self.sweep()

    def open_windows_ahead(self) -> list[dict]:
        now = self.clock.now()
        return [d for d in Deadline.select(Deadline, Contract.policy.alias("policy"))
                .join(Contract, on=(Deadline.contract == Contract.id))
                .where(Deadline.status == DeadlineStatus.OPEN)
                .order_by(Deadline.due_at, Deadline.id).dicts()
                if arrow.get(d["due_at"]) > now]

    @rule(data=st.data(), late=st.sampled_from([0, 1]))
    def jump_to_a_window_boundary(self, data, late):
        """The clock jumps to an open window's due time -1 s and the worker ticks, then to
        the due time exactly or +1 s (`late`) and it ticks again: one second early nothing
        is applied; at the due time (or a second after) the window is applied, once, as of
        its due time. With the independent `expected_due`, an off-by-one anywhere
        (policy, calendar, the sweep's selection, a rule's own time check) fails here."""
        windows = self.open_windows_ahead()
        if not windows:  # nothing waits yet: move a contract on instead (a precondition
            self.natural_move(data)  # would make hypothesis give up some examples)
            return
        # A kind first, then a window of it: the rarer windows (a change request, a
        # dispute) get their boundaries tried as often as the common review windows.
        kind = data.draw(st.sampled_from(sorted({w["kind"] for w in windows})), label="kind")
        d = data.draw(st.sampled_from([w for w in windows if w["kind"] == kind]),
                      label="window")
        due = arrow.get(d["due_at"])
        expected = (held_release_due(d) if d["kind"] == "release_at" else
                    expected_due(d["kind"], d["policy"], arrow.get(d["opened_at"])))
        assert due == expected, (f"{RULE_OF_WINDOW[d['kind']]}: window {d['id']} opened "
                                 f"{d['opened_at']} is due {due}, not {expected}")
        self.tick_at_boundary(d, due, -1)
        if Deadline.get_by_id(d["id"]).status != DeadlineStatus.OPEN:
            return  # closed meanwhile by another window's automatic action
        for offset in (0, 1):  # what users may still do, at the due time and after it
            self.clock.set(due.shift(seconds=offset))
            self.check_user_side(d, offset)
        self.tick_at_boundary(d, due, late)

    @rule(data=st.data(), late=st.sampled_from([0, 1]))
    def jump_to_a_window_boundary_again(self, data, late):  # the same, to weigh it twice
        self.jump_to_a_window_boundary(data, late)

    def tick_at_boundary(self, d: dict, due: arrow.Arrow, offset: int) -> None:
        """Set the clock `offset` seconds from window `d`'s due time, check what a user
        may still do there, tick the worker, and check what it applied."""
        rule_id = RULE_OF_WINDOW[d["kind"]]
        at = due.shift(seconds=offset)
        self.clock.set(at)
        note(f"clock → {at} ({offset:+d} s from {d['kind']} window {d['id']})")
        event(f"boundary {d['kind']} {offset:+d}s")
        self.check_user_side(d, offset)
        events_before = Event.select(fn.MAX(Event.id)).scalar() or 0
        result = self.sweep()
        applied = [a for a in result.applied if a.deadline_id == d["id"]]
        assert all(a.due_at <= at for a in result.applied), (at, result.applied)
        assert len({a.deadline_id for a in result.applied}) == len(result.applied)
        row = Deadline.get_by_id(d["id"])
        if offset < 0:
            assert applied == [], f"{rule_id}: applied one second before it was due"
            assert row.status != DeadlineStatus.APPLIED, row.status
        else:
            assert row.status != DeadlineStatus.OPEN, (
                f"{rule_id}: still open {offset} s after its due time")
            if row.status == DeadlineStatus.APPLIED:  # not closed by another window's action
                assert len(applied) == 1 and applied[0].due_at == due, applied
                # The timeline records the true due time, not the sweep's.
                times = [arrow.get(t) for (t,) in Event.select(Event.occurred_at).where(
                    (Event.id > events_before) & (Event.contract == d["contract"])).tuples()]
                assert due in times and max(times) <= at, (due, times)
        again = self.sweep()  # exactly once: a second tick at the same time does nothing
        assert again.applied == [], again.applied

    def check_user_side(self, d: dict, offset: int) -> None:
        """What a user may still do `offset` seconds from window `d`'s due time, before
        the worker has applied it (read, or tried and rolled back). U-24: a change request
        can be answered until its expiry, not at it. The other windows (G-08/G-09): the
        user's action that would close the window is taken up to the due time itself
        (where user and worker race), refused with the window's rule a second after."""
        c = Contract.get_by_id(d["contract"])
        if d["kind"] == "release_at":  # X-31: taken back until final_at, not at it
            refusal = self.dry_run(pending_release.take_back_release, c.client,
                                   d["milestone"], clock=self.clock)
            if offset < 0:
                assert refusal is None, f"X-31: refused one second before final: {refusal}"
            else:
                assert refusal is not None and refusal.rule_id == "X-31", (offset, refusal)
            return
        if d["kind"] == "change_request":
            # X-22: the party who did not write the latest version answers it.
            cr = ChangeRequest.get_by_id(d["change_request"])
            answers = c.freelancer if cr.author_id == c.client_id else c.client
            # As the inbox offers it...
            view = inbox.request_view(answers, d["change_request"], clock=self.clock)
            assert bool(view.answers) == (offset < 0), ("U-24", offset, view.answers)
            # ...and as the rules answer it.
            decline = (funding_change.decline_funding_change  # X-38
                       if cr.kind == ChangeRequestKind.FUNDING
                       else change_requests.reject_milestone_change)
            refusal = self.dry_run(decline, answers, d["change_request"], clock=self.clock)
            if offset < 0:
                assert refusal is None, f"U-24: refused one second before expiry: {refusal}"
            else:
                assert refusal is not None and refusal.rule_id == "U-24", (offset, refusal)
            return
        rule_ids = {"review": ("U-06", "F-05"), "start_next": ("F-07",),
                    "refund_answer": ("U-32",), "dispute_response": ("U-33",)}[d["kind"]]
        action = {
            "review": lambda: work.request_changes(c.client, d["milestone"], "Late?",
                                                   clock=self.clock),
            "start_next": lambda: payments.fund_next_milestone(c.client, c.id,
                                                               clock=self.clock),
            "refund_answer": lambda: refunds.agree_refund(c.freelancer, d["refund_request"],
                                                          clock=self.clock),
            "dispute_response": lambda: refunds.respond_to_dispute(
                c.client, d["refund_request"], "Late?", clock=self.clock),
        }[d["kind"]]
        refusal = self.dry_run(action)
        if offset <= 0:  # refused perhaps (no revision left...), but not by the window
            assert refusal is None or refusal.rule_id not in rule_ids, (
                f"{rule_ids[0]}: refused {offset} s from the due time: {refusal}")
        else:
            assert refusal is not None and refusal.rule_id in rule_ids, (
                f"{rule_ids[0]}: still allowed {offset} s after the due time")

    def dry_run(self, action, *args, **kwargs) -> RuleError | None:
        """`action`'s refusal, or None if it would succeed; nothing it writes is kept."""
        with self.db.atomic() as txn:
            try:
                action(*args, **kwargs)
                refusal = None
            except RuleError as exc:
                refusal = exc
            txn.rollback()
        return refusal

    @rule(data=st.data())
    def probe_any_action(self, data):
        """Any action, by any role (mostly the right one), on any target (mostly one in
        the state it wants), with bad input some of the time."""
        names = [n for n, (_, _, needs) in PROBES.items()
                 if needs is None or getattr(self, needs)()]
        name = data.draw(st.sampled_from(names), label="action")
        method, strategies, _ = PROBES[name]
        kwargs = {k: data if k == "data" else data.draw(v, label=k)
                  for k, v in strategies.items()}
        method(self, **kwargs)

    @probe()
    def sweep(self):
        """The deadline worker (rules/deadlines.py) applying every window now due. A
        due window whose action is refused (skipped) is one some action forgot to close."""
        dump, before = self.snapshot()
        result = deadlines.sweep(clock=self.clock)
        assert not self.db.in_transaction(), "the sweep left a transaction open"
        for item in result.applied:
            note(f"sweep: {item}")
            event(f"sweep {item.kind}: {'skipped' if item.skipped else 'applied'}")
        skipped = [a for a in result.applied if a.skipped]
        assert skipped == [], f"due windows were left open for refused actions: {skipped}"
        assert deadlines.due_ids(self.clock.now(), 10) == [], "the sweep left due windows"
        assert holds.due_holds(self.clock.now(), 10) == [], "the sweep left holds that ended"
        if result.available:
            event("sweep: a hold ended (X-26)")
        if not result.changed:
            assert db_state() == before and full_dump() == dump, "an idle sweep wrote"
        return result

    # --- invariants (a few queries each: they run after every step) ---------------
    # Each is a function of the rows alone, so it is re-checked only after a write since
    # it last held (most steps are refusals that write nothing).

    def unchanged_since_checked(self, name: str) -> bool:
        writes = self.writes_so_far()
        if self._checked.get(name) == writes:
            return True
        self._checked[name] = writes  # if the check then fails, the example ends there
        return False

    @invariant()
    def ledger_is_sound(self):
        if self.unchanged_since_checked("ledger_is_sound"):
            return
        assert ledger_problems() == []

    @invariant()
    def each_milestone_released_at_most_once(self):
        if self.unchanged_since_checked("each_milestone_released_at_most_once"):
            return
        twice = (LedgerTransfer.select(LedgerTransfer.milestone, fn.COUNT(LedgerTransfer.id))
                 .where(LedgerTransfer.kind == "release").group_by(LedgerTransfer.milestone)
                 .having(fn.COUNT(LedgerTransfer.id) > 1).tuples())
        assert list(twice) == []

    @staticmethod
    def sums_by_milestone(account: str) -> dict[int, int]:
        return {m: int(v) for m, v in (
            LedgerEntry.select(LedgerEntry.milestone, fn.SUM(LedgerEntry.amount_cents))
            .where((LedgerEntry.account == account) & LedgerEntry.milestone.is_null(False))
            .group_by(LedgerEntry.milestone).tuples())}

    @staticmethod
    def milestone_rows() -> dict[int, dict]:
        return {r["id"]: r for r in Milestone.select().order_by(
            Milestone.contract, Milestone.position).dicts()}

    @invariant()
    def escrow_never_negative_nor_above_the_amount(self):
        if self.unchanged_since_checked("escrow_never_negative_nor_above_the_amount"):
            return
        escrow = self.sums_by_milestone(LedgerAccount.ESCROW)
        for m in self.milestone_rows().values():
            held = escrow.get(m["id"], 0)
            assert held >= 0, f"milestone {m['id']} escrow is {held}"
            assert held <= m["amount_cents"], (
                f"milestone {m['id']} ({m['status']}) holds {held}, more than its amount "
                f"{m['amount_cents']}")
        for mid, paid in self.sums_by_milestone(LedgerAccount.FREELANCER).items():
            assert paid >= 0, f"milestone {mid}: the freelancer gave back more than was paid"

    @invariant()
    def refunds_match_milestones(self):
        if self.unchanged_since_checked("refunds_match_milestones"):
            return
        ms = self.milestone_rows()
        escrow = self.sums_by_milestone(LedgerAccount.ESCROW)
        seen: set[int] = set()
        for rr in RefundRequest.select().where(
                RefundRequest.status.in_(list(OPEN_REFUNDS))).dicts():
            mid = rr["milestone"]
            assert mid not in seen, f"two open refunds on milestone {mid}"
            seen.add(mid)
            assert rr["amount_cents"] > 0, f"refund #{rr['id']} asks back {rr['amount_cents']}"
            status = ms[mid]["status"]
            if rr["source"] == RefundSource.ESCROW:
                expected = {RefundStatus.PENDING: MilestoneStatus.REFUND_REQUESTED,
                            RefundStatus.DISPUTED: MilestoneStatus.DISPUTED,
                            RefundStatus.IN_SUPPORT: MilestoneStatus.IN_SUPPORT}[rr["status"]]
                assert status == expected, (rr["id"], rr["status"], status)
                assert escrow.get(mid, 0) == rr["amount_cents"], (
                    f"escrow refund #{rr['id']} asks {rr['amount_cents']}; escrow holds "
                    f"{escrow.get(mid, 0)}")
            else:
                assert status == MilestoneStatus.RELEASED, (rr["id"], status)
        for m in ms.values():
            if m["status"] in (MilestoneStatus.REFUND_REQUESTED, MilestoneStatus.DISPUTED,
                               MilestoneStatus.IN_SUPPORT):
                assert m["id"] in seen, f"milestone {m['id']} is {m['status']}, no open refund"

    @invariant()
    def windows_match_states(self):
        """An open window always belongs to something still waiting on it, and whatever
        waits on a deadline has its window open (or the automatic action never happens)."""
        if self.unchanged_since_checked("windows_match_states"):
            return
        ms = self.milestone_rows()
        contracts_ = dict(Contract.select(Contract.id, Contract.status).tuples())
        policies = dict(Contract.select(Contract.id, Contract.policy).tuples())
        crs = dict(ChangeRequest.select(ChangeRequest.id, ChangeRequest.status).tuples())
        rrs = {r["id"]: r for r in RefundRequest.select().dicts()}
        windows = list(Deadline.select().where(Deadline.status == DeadlineStatus.OPEN).dicts())
        # X-29, X-30: a releasing milestone has one held release, and what it was before.
        pending = list(PendingRelease.select().where(PendingRelease.status == "pending").dicts())
        held = {p["milestone"]: p["previous_status"] for p in pending}
        final = {p["milestone"]: arrow.get(p["final_at"]) for p in pending}
        assert len(held) == len(pending), "a milestone with two held releases"
        assert set(held) == {m for m, r in ms.items()
                             if r["status"] == MilestoneStatus.RELEASING}, held
        for d in windows:
            assert contracts_[d["contract"]] == ContractStatus.OPEN, (
                f"window {d['id']} open on a {contracts_[d['contract']]} contract")
            if d["kind"] == "review":
                waiting = ms[d["milestone"]]["status"] == MilestoneStatus.SUBMITTED
            elif d["kind"] == "change_request":
                waiting = crs[d["change_request"]] == ChangeRequestStatus.PENDING
            elif d["kind"] == "refund_answer":
                waiting = rrs[d["refund_request"]]["status"] == RefundStatus.PENDING
            elif d["kind"] == "dispute_response":
                waiting = rrs[d["refund_request"]]["status"] == RefundStatus.DISPUTED
            elif d["kind"] == "release_at":
                waiting = ms[d["milestone"]]["status"] == MilestoneStatus.RELEASING
            else:  # F-07 waits while nothing is in escrow and a milestone is to start (X-37)
                left = [r["status"] for r in ms.values() if r["contract"] == d["contract"]]
                waiting = (d["kind"] == "start_next" and MilestoneStatus.PLANNED in left
                           and not any(s in ACTIVE_STATUSES for s in left))
            if d["kind"] == "review":  # X-30: a held release of submitted work keeps it
                waiting = waiting or held.get(d["milestone"]) == MilestoneStatus.SUBMITTED
            assert waiting, f"open {d['kind']} window {d['id']} waits on nothing"
            if d["kind"] == "release_at":
                assert arrow.get(d["due_at"]) == final[d["milestone"]], d
                continue
            expected = window_due(d["kind"], arrow.get(d["opened_at"]),
                                  get_policy(policies[d["contract"]]))
            assert arrow.get(d["due_at"]) == expected, (d["kind"], d["opened_at"], d["due_at"])
        open_windows = Counter((d["kind"], d["milestone"], d["change_request"],
                                d["refund_request"]) for d in windows)
        for mid in held:
            assert open_windows[("release_at", mid, None, None)] == 1, (mid, "release_at")
        reviews = Counter(d["milestone"] for d in windows if d["kind"] == "review")
        pending_subs = Counter(m for (m,) in Submission.select(Submission.milestone).where(
            Submission.status == SubmissionStatus.PENDING).tuples())
        for m in ms.values():
            if m["status"] == MilestoneStatus.SUBMITTED:
                assert reviews[m["id"]] == 1, (
                    f"submitted milestone {m['id']} has {reviews[m['id']]} open review windows")
                assert pending_subs[m["id"]] == 1, (
                    f"submitted milestone {m['id']} has {pending_subs[m['id']]} pending "
                    "submissions")
            elif m["status"] == MilestoneStatus.RELEASING:  # as it was before (X-30)
                subs = 1 if held[m["id"]] == MilestoneStatus.SUBMITTED else 0
                assert pending_subs[m["id"]] == subs, (m["id"], held[m["id"]], "submission")
                assert reviews[m["id"]] == subs, (m["id"], "review window while releasing")
            elif m["status"] not in (MilestoneStatus.REFUND_REQUESTED, MilestoneStatus.DISPUTED,
                                     MilestoneStatus.IN_SUPPORT):  # still under review then
                assert pending_subs[m["id"]] == 0, (m["id"], m["status"], "pending submission")
        for cr in ChangeRequest.select().where(
                (ChangeRequest.status == ChangeRequestStatus.PENDING)
                & (ChangeRequest.kind == ChangeRequestKind.CLIENT_ACTIVE)).dicts():
            assert open_windows[("change_request", cr["milestone"], cr["id"], None)] == 1, cr
        for rr in rrs.values():
            if rr["status"] == RefundStatus.PENDING and rr["source"] == RefundSource.ESCROW:
                key = ("refund_answer", rr["milestone"], None, rr["id"])
                assert open_windows[key] == 1, rr
            if rr["status"] == RefundStatus.DISPUTED:
                key = ("dispute_response", rr["milestone"], None, rr["id"])
                assert open_windows[key] == 1, rr

    @invariant()
    def change_requests_match_milestones(self):
        if self.unchanged_since_checked("change_requests_match_milestones"):
            return
        ms = self.milestone_rows()
        contracts_ = dict(Contract.select(Contract.id, Contract.status).tuples())
        with_work = {m for (m,) in Submission.select(Submission.milestone).tuples()}
        pending = list(ChangeRequest.select().where(
            ChangeRequest.status == ChangeRequestStatus.PENDING).dicts())
        per_milestone = Counter(cr["milestone"] for cr in pending
                                if cr["kind"] == ChangeRequestKind.CLIENT_ACTIVE)
        assert all(n == 1 for n in per_milestone.values()), per_milestone
        proposals = Counter(cr["contract"] for cr in pending
                            if cr["kind"] == ChangeRequestKind.FREELANCER_PROPOSAL)
        assert all(n == 1 for n in proposals.values()), proposals
        fundings_ = Counter(cr["contract"] for cr in pending
                            if cr["kind"] == ChangeRequestKind.FUNDING)
        assert all(n == 1 for n in fundings_.values()), fundings_  # X-38: one at a time
        windows = {d["change_request"] for d in Deadline.select().where(
            (Deadline.status == DeadlineStatus.OPEN) & (Deadline.kind == "change_request")
            & Deadline.milestone.is_null()).dicts()}
        assert windows == {cr["id"] for cr in pending
                           if cr["kind"] == ChangeRequestKind.FUNDING}, windows
        for cr in pending:
            assert contracts_[cr["contract"]] == ContractStatus.OPEN, cr
            if cr["kind"] == ChangeRequestKind.CLIENT_ACTIVE:
                status = ms[cr["milestone"]]["status"]
                assert status == MilestoneStatus.FUNDED, (cr["id"], status)
                assert cr["milestone"] not in with_work, cr

    @invariant()
    def contracts_are_well_formed(self):
        if self.unchanged_since_checked("contracts_are_well_formed"):
            return
        by_contract: dict[int, list[dict]] = {}
        for m in self.milestone_rows().values():
            by_contract.setdefault(m["contract"], []).append(m)
        refund_open = {c for (c,) in RefundRequest.select(RefundRequest.contract).where(
            RefundRequest.status.in_(list(OPEN_REFUNDS))).tuples()}
        fees = dict(LedgerTransfer.select(LedgerTransfer.contract, fn.COUNT(LedgerTransfer.id))
                    .where(LedgerTransfer.kind == "initiation_fee")
                    .group_by(LedgerTransfer.contract).tuples())
        for c in Contract.select().dicts():
            ms = by_contract.get(c["id"], [])
            positions = [m["position"] for m in ms]
            assert positions == list(range(1, len(ms) + 1)), (c["id"], positions)
            seen_planned = False
            for m in ms:  # U-09: activation follows the list: nothing active after planned
                if m["status"] == MilestoneStatus.PLANNED:
                    seen_planned = True
                elif m["status"] in ACTIVE_STATUSES:
                    assert not seen_planned, f"contract {c['id']}: {m['id']} active after planned"
                if m["status"] in FINAL_STATUSES:
                    assert m["finished_at"] is not None, m
                if m["status"] in ACTIVE_STATUSES:
                    assert m["funded_at"] is not None, m
                if m["revisions_allowed"] is not None:  # F-06
                    assert 0 <= m["revisions_used"] <= m["revisions_allowed"], m
            if c["status"] != ContractStatus.OPEN:
                assert c["ended_at"] is not None, c
                assert all(m["status"] in FINAL_STATUSES for m in ms), (
                    c["id"], c["status"], [m["status"] for m in ms])
                assert c["id"] not in refund_open, f"closed contract {c['id']} has open refunds"
            assert fees.get(c["id"], 0) <= 1, f"contract {c['id']}: initiation fee charged twice"
            in_escrow = sum(1 for m in ms if m["status"] in ACTIVE_STATUSES)
            assert not c["funding_limit"] or in_escrow <= c["funding_limit"], (  # X-36
                c["id"], c["funding_limit"], in_escrow)
        per_party = Counter(Feedback.select(Feedback.contract, Feedback.author).tuples())
        assert all(n == 1 for n in per_party.values()), per_party
        parties = {c["id"]: (c["client"], c["freelancer"]) for c in Contract.select().dicts()}
        for fb in Feedback.select().dicts():  # G-04: by one party, about the other
            assert {fb["author"], fb["subject"]} == set(parties[fb["contract"]]), fb
            assert 1 <= fb["stars"] <= 5, fb

    @invariant()
    def audit_log_is_a_chain(self):
        if self.unchanged_since_checked("audit_log_is_a_chain"):
            return
        roles = dict(Account.select(Account.id, Account.role).tuples())
        heads: dict[int, tuple[int, str]] = {}  # chain: (place, hash) of its newest record
        for actor, role, contract, chain, seq, prev_hash, hash_ in AuditRecord.select(
                AuditRecord.actor, AuditRecord.actor_role, AuditRecord.contract,
                AuditRecord.chain, AuditRecord.seq, AuditRecord.prev_hash,
                AuditRecord.hash).order_by(AuditRecord.id).tuples():
            place, prev = heads.get(chain, (0, ""))
            assert chain == (contract or 0) and seq == place + 1, (chain, contract, seq)
            assert prev_hash == prev
            assert role == roles[actor], (actor, role)  # G-05: who, in which capacity
            heads[chain] = (seq, hash_)
        stored = dict(AuditHead.select(AuditHead.chain, AuditHead.seq).tuples())
        assert {c: s for c, s in stored.items() if s} == {c: s for c, (s, _) in heads.items()}


MilestonesMachine.TestCase.settings = PROFILES[PROFILE]
TestMilestonesStateMachine = MilestonesMachine.TestCase
