"""Releases that become final later: scheduled (X-29) and undoable (X-30), and taking
one back (X-31).

A held release checks everything `rules.payments.release` checks, at the time it is
asked for (who, the state, U-19, the amounts U-25..U-28, the review window), then puts
the milestone in `releasing`: its money stays in escrow, nothing moves in the ledger,
every other action on it is refused (X-31), and a `release_at` window is opened for
`final_at`. When that window falls due, the deadline worker claims it exactly once
(G-09, rules/deadlines.py) and `apply_held_release` returns the milestone to the state
it had and releases it through `release()` itself, as the client, at `final_at`: the
same transfers, timeline and audit rows as a release made then. Until `final_at` the
client may take it back with `take_back_release`; at `final_at` the release is owed
even if no worker has applied it yet. The worker and a take-back race on the window's
row and the milestone's version: whoever commits first wins, the other changes nothing.

A held release always becomes final no later than the milestone's review window would
have released it (U-06, F-05), so a take-back can never leave a milestone whose review
window has gone by.
"""
from __future__ import annotations

import re

import arrow

from models.accounts import Account
from models.base import database
from models.deadlines import Deadline
from models.milestones import Milestone
from models.pending_releases import PendingRelease
from models.vocabulary import DeadlineKind as K
from models.vocabulary import DeadlineStatus
from models.vocabulary import MilestoneStatus as S
from models.vocabulary import PendingReleaseKind as Kind
from models.vocabulary import PendingReleaseStatus as P
from rules import access
from rules.availability import actor_id_of
from rules.verdicts import ALLOWED, Verdict, refused
from rules.clock import Clock
from rules.errors import INPUT, RuleError, someone_acted_first
from rules.journal import record
from rules.ledger import milestone_escrow
from rules.money import format_money
from rules.payments import (ReleaseResult, check_releasable, plan_release,
                            refuse_after_review_window, release)
from rules.release_terms import MAX_SCHEDULE_DAYS, MAX_UNDO_MINUTES, UNDO_MINUTES
from rules.store import (authorize, cas_update, check_expected_version, load_actor,
                         load_milestone, now_of, transactional)
from rules.windows import close_windows, open_window



def stamp(at: arrow.Arrow, actor: Account) -> str:
    """A time in the reader's zone, as the refusals and the timeline say it."""
    zone = actor.timezone or "UTC"
    return f"{at.to(zone).format('YYYY-MM-DD HH:mm')} {'UTC' if zone == 'UTC' else zone}"


_OFFSET_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})\Z",
                          re.ASCII)
_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}\Z", re.ASCII)
_CLOCK_TIME = re.compile(r"\d{1,2}:\d{2}\Z", re.ASCII)


def parse_release_at(text: object, timezone: str, now: arrow.Arrow) -> arrow.Arrow | None:
    """X-29: what a person types as "Release at", read in their own zone: "2026-03-12
    14:30", or "14:30" for the next such time; an ISO time with its offset is taken as
    it says. Empty: None (release now). The range is schedule_release's to judge."""
    if not isinstance(text, str):
        raise RuleError(INPUT, "The release time must be text: YYYY-MM-DD HH:mm.")
    value = " ".join(text.split())
    if not value:
        return None
    zone = timezone or "UTC"
    try:
        if _OFFSET_TIME.match(value):
            return arrow.get(value).to("UTC")
        if _LOCAL_TIME.match(value):
            return arrow.get(value.replace("T", " "), "YYYY-MM-DD H:mm", tzinfo=zone).to("UTC")
        if _CLOCK_TIME.match(value):  # the next time the clock says it, in the reader's zone
            hour, minute = map(int, value.split(":"))
            today = now.to(zone).replace(hour=hour, minute=minute, second=0, microsecond=0)
            return (today if today > now else today.shift(days=1)).to("UTC")
    except (ValueError, arrow.parser.ParserError):
        pass
    raise RuleError(INPUT, f"“{value[:40]}” is not a date and time: use YYYY-MM-DD HH:mm "
                           f"({zone}), or HH:mm for the next such time.")


def take_back_verdict(detail, capacity: str, milestone_id: int | None,
                      now: arrow.Arrow) -> Verdict:
    """X-31 for the room (pure, from a loaded ContractDetail): may the actor take back
    the highlighted milestone's release now? The same order of checks as
    `take_back_release`."""
    m = next((m for m in detail.milestones if m.id == milestone_id), None)
    if m is None:
        return refused(INPUT, "Choose a milestone first")
    try:
        access.check("hold_release", actor_id_of(detail, capacity), capacity, detail.client.id, detail.freelancer.id)
    except RuleError as exc:
        return refused(exc.rule_id, exc.message)
    held = detail.held_releases.get(m.id) if m.status == S.RELEASING else None
    if held is None:
        return refused("X-31", f"“{m.title}” has no release to take back")
    if now >= held.final_at:
        return refused("X-31", f"The release of “{m.title}” is final: it can no longer "
                               "be taken back")
    return ALLOWED


def review_due(milestone_id: int) -> arrow.Arrow | None:
    """When the milestone's open review window closes (U-06, F-05), if one is open."""
    d = (Deadline.select(Deadline.due_at)
         .where((Deadline.milestone == milestone_id) & (Deadline.kind == K.REVIEW)
                & (Deadline.status == DeadlineStatus.OPEN)).first())
    return arrow.get(d.due_at) if d else None


def pending_of(milestone_id: int) -> PendingRelease | None:
    return (PendingRelease.select()
            .where((PendingRelease.milestone == milestone_id)
                   & (PendingRelease.status == P.PENDING))
            .order_by(PendingRelease.id.desc()).first())


def _hold(actor: Account, milestone_id: int, *, kind: str, final_at, amount_cents: int | None,
          bonus_cents: int, end_contract: bool, version: int | None,
          clock: Clock | None) -> PendingRelease:
    """The checks of `release()`, then the milestone `releasing` until `final_at`, which
    is a function of (now, the review window's end) and may refuse."""
    actor = load_actor(actor)  # the stored role decides (G-07)
    m, contract = load_milestone(milestone_id, actor)
    authorize("hold_release", actor, contract)
    check_releasable(actor, m, contract, version)
    at = now_of(clock)
    plan = plan_release(actor, m, contract, held=milestone_escrow(m.id), at=at,
                        amount_cents=amount_cents, bonus_cents=bonus_cents)
    refuse_after_review_window(actor, m, contract, at)
    final = final_at(at, review_due(m.id))
    before = m.status
    cas_update(m, "This milestone", status=S.RELEASING)
    held = PendingRelease.create(milestone=m.id, contract=contract.id, client=actor.id,
                                 kind=kind, amount_cents=plan.amount, bonus_cents=plan.bonus,
                                 end_contract=end_contract, previous_status=before,
                                 created_at=at, final_at=final, status=P.PENDING)
    # No reminders: a held release waits for nobody (G-06 reminders are for parties).
    open_window(K.RELEASE_AT, contract=contract, milestone_id=m.id, opened_at=at,
                due_at=final, remind=False)
    money = format_money(plan.amount) + (f" with a {format_money(plan.bonus)} bonus"
                                         if plan.bonus else "")
    if kind == Kind.SCHEDULED:
        text = f"Release of {money} for “{m.title}” scheduled for {stamp(final, actor)}"
    else:
        text = (f"Released {money} for “{m.title}”: final at {stamp(final, actor)}, "
                "until then the client can take it back")
    record(actor=actor, action=f"hold_release_{kind}", contract_id=contract.id,
           milestone_id=m.id, summary=text, at=at, notify=[contract.freelancer_id],
           details={"released_cents": plan.amount, "bonus_cents": plan.bonus,
                    "final_at": final.isoformat(), "kind": kind},
           target=f"milestone:{m.id}", before={"status": before},
           after={"status": S.RELEASING, "final_at": final.isoformat(),
                  "released_cents": plan.amount, "bonus_cents": plan.bonus})
    return held


@transactional
def schedule_release(actor: Account, milestone_id: int, release_at: arrow.Arrow,
                     amount_cents: int | None = None, bonus_cents: int = 0, *,
                     end_contract: bool = False, version: int | None = None,
                     clock: Clock | None = None) -> PendingRelease:
    """X-29: release `milestone_id` at `release_at`, a later time before its review
    window closes; applied by the worker then, exactly once; cancellable until then."""
    def final_at(now: arrow.Arrow, review_end: arrow.Arrow | None) -> arrow.Arrow:
        # Judged once the actor may act here: a stranger learns nothing but G-07.
        if not isinstance(release_at, arrow.Arrow):
            raise RuleError(INPUT, "The release time must be a date and time.")
        when = release_at.to("UTC")
        if when <= now.shift(minutes=1):
            raise RuleError("X-29", "A scheduled release needs a time at least a minute "
                                    "from now: to release now, release.")
        if review_end is not None and when > review_end:
            raise RuleError("X-29", f"The review window closes at {stamp(review_end, actor)}"
                                    " and releases the payment then by itself: schedule the "
                                    "release before that.")
        if when > now.shift(days=MAX_SCHEDULE_DAYS):
            raise RuleError("X-29", f"A release can be scheduled at most {MAX_SCHEDULE_DAYS} "
                                    "days ahead.")
        return when
    return _hold(actor, milestone_id, kind=Kind.SCHEDULED, final_at=final_at,
                 amount_cents=amount_cents, bonus_cents=bonus_cents,
                 end_contract=end_contract, version=version, clock=clock)


@transactional
def release_with_undo(actor: Account, milestone_id: int, amount_cents: int | None = None,
                      bonus_cents: int = 0, *, undo_minutes: int = UNDO_MINUTES,
                      end_contract: bool = False, version: int | None = None,
                      clock: Clock | None = None) -> ReleaseResult | PendingRelease:
    """X-30: a manual release that becomes final `undo_minutes` later (or when the review
    window would have released it, if sooner); 0 releases at once, as `release()`."""
    valid = not isinstance(undo_minutes, bool) and isinstance(undo_minutes, int) \
        and 0 <= undo_minutes <= MAX_UNDO_MINUTES
    if valid and undo_minutes == 0:
        return release(actor, milestone_id, amount_cents, bonus_cents,
                       end_contract=end_contract, version=version, clock=clock)

    def final_at(now: arrow.Arrow, review_end: arrow.Arrow | None) -> arrow.Arrow:
        if not valid:  # judged once the actor may act here: a stranger learns only G-07
            raise RuleError("X-30", f"The undo window is a whole number of minutes from 0 "
                                    f"(off) to {MAX_UNDO_MINUTES}.")
        when = now.to("UTC").shift(minutes=undo_minutes)
        return min(when, review_end) if review_end is not None else when
    return _hold(actor, milestone_id, kind=Kind.UNDO, final_at=final_at,
                 amount_cents=amount_cents, bonus_cents=bonus_cents,
                 end_contract=end_contract, version=version, clock=clock)


@transactional
def take_back_release(actor: Account, milestone_id: int, *, version: int | None = None,
                      clock: Clock | None = None) -> PendingRelease:
    """X-31: before it is final, the client takes a held release back: the milestone
    returns to the state it had, its window closes, nothing was paid."""
    actor = load_actor(actor)
    m, contract = load_milestone(milestone_id, actor)
    authorize("hold_release", actor, contract)
    check_expected_version(m, version, "This milestone")
    held = pending_of(m.id) if m.status == S.RELEASING else None
    if held is None:
        text = (f"“{m.title}” was already released: its release is final." if
                m.status == S.RELEASED else f"“{m.title}” has no release to take back.")
        raise RuleError("X-31", text)
    at = now_of(clock)
    final = arrow.get(held.final_at)
    if at >= final:
        raise RuleError("X-31", f"The release of “{m.title}” became final at "
                                f"{stamp(final, actor)}: it can no longer be taken back.")
    cas_update(m, "This milestone", status=held.previous_status)
    cas_update(held, "This release", status=P.TAKEN_BACK, closed_at=at,
               outcome="taken back by the client")
    if close_windows(at=at, contract_id=contract.id, kind=K.RELEASE_AT, milestone_id=m.id) != 1:
        raise someone_acted_first("This release")  # the worker applied it first
    state = held.previous_status.replace("_", " ")
    record(actor=actor, action="take_back_release", contract_id=contract.id,
           milestone_id=m.id, at=at, notify=[contract.freelancer_id],
           summary=f"Took back the release of {format_money(held.amount_cents)} for "
                   f"“{m.title}”: nothing was paid, it is {state} again",
           details={"released_cents": held.amount_cents, "final_at": final.isoformat()},
           target=f"milestone:{m.id}", before={"status": S.RELEASING},
           after={"status": held.previous_status})
    return held


def apply_held_release(system: Account, d: Deadline, clock: Clock) -> str:
    """The worker's side (a `release_at` window it has claimed, G-09): release as the
    client at `final_at`. If the state no longer allows it, the milestone returns to the
    state it had, the client is told why, and nothing is paid."""
    held = pending_of(d.milestone_id)
    m = Milestone.get_by_id(d.milestone_id)
    if held is None or m.status != S.RELEASING:
        raise RuleError("X-29", f"“{m.title}” has no release waiting to become final.")
    at = now_of(clock)
    cas_update(m, "This milestone", status=held.previous_status)
    try:
        with database.atomic():
            result = release(held.client_id, m.id, held.amount_cents, held.bonus_cents,
                             end_contract=held.end_contract, clock=clock)
    except RuleError as exc:
        cas_update(held, "This release", status=P.FAILED, closed_at=at,
                   outcome=exc.message[:200])
        record(actor=system, action="held_release_failed", contract_id=d.contract_id,
               milestone_id=m.id, at=at, notify=[held.client_id],
               summary=f"The release of “{m.title}” could not be made final: {exc.message}",
               details={"rule": exc.rule_id}, target=f"milestone:{m.id}",
               before={"status": S.RELEASING}, after={"status": held.previous_status})
        return f"The release of “{m.title}” could not be made final ({exc.rule_id})"
    cas_update(held, "This release", status=P.APPLIED, closed_at=at, outcome="released")
    return f"Released {format_money(result.released_cents)} for “{m.title}” (held release)"


def close_held_release(milestone_id: int, at: arrow.Arrow, outcome: str) -> None:
    """A releasing milestone settled another way (support cancelling it, F-08): its held
    release will never be applied. The caller closes the milestone's windows."""
    PendingRelease.update(status=P.CLOSED, closed_at=at, outcome=outcome[:200],
                          version=PendingRelease.version + 1).where(
        (PendingRelease.milestone == milestone_id)
        & (PendingRelease.status == P.PENDING)).execute()


__all__ = ["schedule_release", "release_with_undo", "take_back_release",
           "apply_held_release", "close_held_release", "pending_of", "UNDO_MINUTES",
           "parse_release_at", "take_back_verdict"]
