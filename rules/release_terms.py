"""What a release and a request for changes must say (G-01, U-18, U-25, U-28), checked
once: `rules.payments.release` and `rules.work.request_changes` call these, and the
review dialog calls them as the user types (no database is read)."""
from __future__ import annotations

from rules.verdicts import ALLOWED, Verdict, refused
from rules.errors import RuleError
from rules.money import check_cents, format_money
from rules.policy import Policy, get_policy
from rules.validation import check_text

UNDO_MINUTES = 10              # the default undo window
MAX_UNDO_MINUTES = 24 * 60     # an undo window is for second thoughts, not a plan
MAX_SCHEDULE_DAYS = 365        # a scheduled release without a review window


def check_release_terms(policy: Policy | str, held_cents: int, amount_cents: int | None,
                        bonus_cents: int = 0) -> tuple[int, int]:
    """G-01, U-25, U-28: the amount (None: what escrow holds) and bonus of a release of a
    milestone whose escrow holds `held_cents`, or a RuleError. The one check, for
    `rules.payments.release` and for a dialog that checks as the user types."""
    policy = get_policy(policy) if isinstance(policy, str) else policy
    amount = held_cents if amount_cents is None else check_cents(amount_cents)
    bonus = check_cents(bonus_cents, allow_zero=True)
    if amount != held_cents and not policy.partial_release:
        raise RuleError("U-25", f"On {policy.label} the funded amount "
                                f"({format_money(held_cents)}) is released in full.")
    if bonus and not policy.bonus:
        raise RuleError("U-28", f"Bonuses are not available on {policy.label}.")
    if bonus and amount < held_cents:
        raise RuleError("U-28", f"A bonus can be added only when the full amount "
                                f"({format_money(held_cents)}) is released.")
    return amount, bonus


def release_terms(policy: Policy | str, held_cents: int, amount_cents: int,
                  bonus_cents: int = 0) -> Verdict:
    """`check_release_terms` as a verdict, for a dialog that checks as the user types."""
    try:
        check_release_terms(policy, held_cents, amount_cents, bonus_cents)
    except RuleError as exc:
        return refused(exc.rule_id, exc.message.rstrip("."))
    return ALLOWED


def changes_message(message: str | None) -> Verdict:
    """The message of a request for changes as `rules.work.request_changes` checks it
    (U-18), for a dialog that refuses it before anything is sent."""
    try:
        check_text(message, "A message saying what needs changing", required=True,
                   rule="U-18")
    except RuleError as exc:
        return refused(exc.rule_id, exc.message)
    return ALLOWED
