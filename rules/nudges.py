"""Nudges (X-27, X-28): the party an open window waits for can be reminded by the other
party, at most once per 24 hours per window, with the time left before the window's
automatic outcome ("4 days 6 h before this is released automatically"). The reminders
the sweep sends (G-06) stay as they are: a nudge is a person's, on top of them.

Who waits for whom, per window: a review (U-06, F-05) and the start of the next
milestone (F-07) wait for the client; a refund request (U-32) for the freelancer; a
dispute (U-33) for the client's reply; a change request or a counter (U-24, X-22) for
the party that did not write it; an offer (O-06) for the party it was sent to.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import arrow

from models.accounts import Account
from models.change_requests import ChangeRequest
from models.contracts import Contract
from models.deadlines import Deadline
from models.milestones import Milestone
from models.nudges import Nudge
from models.vocabulary import DeadlineKind as K, DeadlineStatus
from rules.verdicts import ALLOWED, Verdict, refused
from rules.calendar import human_delta
from rules.clock import Clock
from rules.errors import RuleError
from rules.journal import record
from rules.offers import receiver_of
from rules.policy import get_policy
from rules.store import is_id, load_actor, missing, now_of, require_seen, transactional

NUDGE_EVERY_HOURS = 24


@dataclass(frozen=True)
class NudgeOption:
    """What a nudge of one window would say, or why there is none now."""
    deadline_id: int
    recipient_id: int
    text: str             # the notification: the time left and what happens then
    allowed: bool
    reason: str = ""      # why not, when not allowed
    rule_id: str = "X-27"


# Windows that wait for a party. A held release waits for nobody: it
# becomes final by itself, and only its client may take it back.
NUDGEABLE = frozenset({K.REVIEW, K.START_NEXT, K.DISPUTE_RESPONSE, K.REFUND_ANSWER,
                       K.OFFER_EXPIRY, K.CHANGE_REQUEST})


def waited_on(d: Deadline, contract: Contract, cr: ChangeRequest | None = None) -> int:
    """The account id the open window `d` waits for (see the module's docstring)."""
    if d.kind in (K.REVIEW, K.START_NEXT, K.DISPUTE_RESPONSE):
        return contract.client_id
    if d.kind == K.REFUND_ANSWER:
        return contract.freelancer_id
    if d.kind == K.OFFER_EXPIRY:
        return receiver_of(contract)
    if d.kind == K.CHANGE_REQUEST and cr is not None:
        return contract.client_id if cr.author_id == contract.freelancer_id else contract.freelancer_id
    raise AssertionError(f"no waiting party for a {d.kind} window")  # a programming error


def outcome_of(kind: str, policy: str) -> str:
    """What happens when a window of `kind` ends unanswered, as the end of a sentence."""
    fiverr = get_policy(policy).platform == "fiverr"
    return {
        K.REVIEW: ("the order is marked completed automatically" if fiverr
                   else "this is released automatically"),
        K.START_NEXT: "the order is marked completed automatically",
        K.CHANGE_REQUEST: "the change request expires",
        K.REFUND_ANSWER: "the refund is granted automatically",
        K.DISPUTE_RESPONSE: "the dispute closes and the freelancer is paid",
        K.OFFER_EXPIRY: "the offer expires",
    }[kind]


def time_left(due: arrow.Arrow, now: arrow.Arrow) -> str:
    """"4 days 6 h": the time until `due`, coarse (rules.calendar.human_delta)."""
    return human_delta(due, now).removeprefix("in ")


def sent_ago(sent: arrow.Arrow, now: arrow.Arrow) -> str:
    """"2 h ago", or "just now" within the minute it was sent."""
    return "just now" if (now - sent).total_seconds() < 60 else human_delta(sent, now)


def nudge_text(d: Deadline, contract: Contract, title: str | None, now: arrow.Arrow) -> str:
    about = f"“{title}”" if title else f"“{contract.title}”"
    return (f"Nudge about {about}: {time_left(arrow.get(d.due_at), now)} before "
            f"{outcome_of(d.kind, contract.policy)}.")


def judge(actor: Account, d: Deadline, contract: Contract, recipient: int,
          last_sent: arrow.Arrow | None, title: str | None, now: arrow.Arrow) -> NudgeOption:
    """Whether `actor` may nudge about `d` at `now`, from what is already loaded."""
    text = nudge_text(d, contract, title, now)

    def no(reason: str, rule: str = "X-27") -> NudgeOption:
        return NudgeOption(d.id, recipient, text, False, reason, rule)
    if actor.id not in (contract.client_id, contract.freelancer_id):
        return no("Only a party of the contract can nudge the other.")
    if d.status != DeadlineStatus.OPEN:
        return no("This window is closed: there is nobody to nudge.")
    if arrow.get(d.due_at) <= now:
        return no("This window's time is up: its outcome is being applied.")
    if recipient == actor.id:
        return no("This window waits for you: there is nobody to nudge.")
    if last_sent is not None and now < last_sent.shift(hours=NUDGE_EVERY_HOURS):
        again = last_sent.shift(hours=NUDGE_EVERY_HOURS)
        when = again.to(actor.timezone or "UTC").format("YYYY-MM-DD HH:mm")
        return no(f"You nudged about this window {sent_ago(last_sent, now)}: once per "
                  f"{NUDGE_EVERY_HOURS} hours, so the next one from {when}.", "X-28")
    return NudgeOption(d.id, recipient, text, True)


def last_nudges(sender_id: int, deadline_ids: list[int]) -> dict[int, arrow.Arrow]:
    """When `sender_id` last nudged about each of the windows (one query)."""
    out: dict[int, arrow.Arrow] = {}
    if deadline_ids:
        for did, at in (Nudge.select(Nudge.deadline, Nudge.sent_at)
                        .where((Nudge.sender == sender_id) & Nudge.deadline.in_(deadline_ids))
                        .order_by(Nudge.sent_at).tuples()):
            out[did] = arrow.get(at)
    return out


def nudge_options(actor: Account, deadlines: list[Deadline], contract,
                  titles: dict[int, str], requests: dict[int, ChangeRequest],
                  last: dict[int, arrow.Arrow], now: arrow.Arrow) -> list[NudgeOption]:
    """Each open window of `contract` that waits for the other party, judged for `actor`
    at `now` (no query: `last` is what last_nudges read), soonest due first."""
    out = []
    for d in sorted(deadlines, key=lambda d: arrow.get(d.due_at)):
        cr = requests.get(d.change_request_id) if d.change_request_id else None
        if d.kind not in NUDGEABLE or (d.kind == K.CHANGE_REQUEST and cr is None):
            continue
        recipient = waited_on(d, contract, cr)
        if recipient != actor.id:
            out.append(judge(actor, d, contract, recipient, last.get(d.id),
                             titles.get(d.milestone_id), now))
    return out


def room_nudges(actor: Account, detail, now: arrow.Arrow) -> list[NudgeOption]:
    """nudge_options for the contract room, from its rules.contract_view.ContractDetail."""
    contract = SimpleNamespace(id=detail.id, title=detail.title, policy=detail.policy,
                               client_id=detail.client.id, freelancer_id=detail.freelancer.id)
    return nudge_options(actor, detail.deadlines, contract,
                         {m.id: m.title for m in detail.milestones},
                         {r.id: r for r in detail.change_requests}, detail.last_nudged, now)


def room_nudge_verdict(actor: Account, detail, now: arrow.Arrow) -> Verdict:
    """Whether the room's nudge key works now: allowed when a window waits for the other
    party and may be nudged; else the reason of the soonest one (X-27, X-28)."""
    options = room_nudges(actor, detail, now)
    if any(o.allowed for o in options):
        return ALLOWED
    if options:
        return refused(options[0].rule_id, options[0].reason)
    return refused("X-27", "No open window waits for the other party.")


@transactional
def nudge(actor: Account, deadline_id: int, *, clock: Clock | None = None) -> Nudge:
    """X-27: remind the party the open window `deadline_id` waits for; X-28: once per
    24 hours per window and sender. The recipient gets a notification with the time
    left; the contract's timeline and the audit log keep it."""
    actor = load_actor(actor)
    d = Deadline.get_or_none(Deadline.id == deadline_id) if is_id(deadline_id) else None
    if d is None:
        raise missing("window", deadline_id, actor)
    contract = Contract.get_by_id(d.contract_id)
    require_seen("window", actor, contract)  # G-07: reads as an unknown id
    if d.kind not in NUDGEABLE:
        raise RuleError("X-27", "This window waits for nobody: there is nobody to nudge.")
    cr = ChangeRequest.get_by_id(d.change_request_id) if d.change_request_id else None
    recipient = waited_on(d, contract, cr)
    title = (Milestone.get_by_id(d.milestone_id).title if d.milestone_id else None)
    at = now_of(clock)
    previous = (Nudge.select().where((Nudge.deadline == d.id) & (Nudge.sender == actor.id))
                .order_by(Nudge.number.desc()).first())
    verdict = judge(actor, d, contract, recipient,
                    arrow.get(previous.sent_at) if previous else None, title, at)
    if not verdict.allowed:
        raise RuleError(verdict.rule_id, verdict.reason)
    sent = Nudge.create(deadline=d.id, sender=actor.id, recipient=recipient, sent_at=at,
                        number=previous.number + 1 if previous else 1)
    record(actor=actor, action="nudge", contract_id=contract.id, milestone_id=d.milestone_id,
           summary=verdict.text, at=at, notify=[recipient], target=f"deadline:{d.id}",
           details={"deadline_id": d.id, "kind": d.kind},
           after={"recipient_id": recipient, "number": sent.number,
                  "due_at": arrow.get(d.due_at).isoformat()})
    return sent
