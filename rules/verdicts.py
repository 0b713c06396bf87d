"""A verdict: may the actor take an action now, and if not, why, naming the rule. Pure;
shared by the room's verdicts (rules/availability.py) and the rules that judge one
action for the room themselves (nudges, held releases, release terms)."""
from __future__ import annotations

import re
from dataclasses import dataclass

_CATALOGUE_ID = re.compile(r"^[UFGX]-\d+$")


@dataclass(frozen=True)
class Verdict:
    """May the actor take the action now? If not, why, naming the rule."""
    allowed: bool
    rule_id: str = ""
    reason: str = ""  # plain words ending with the rule id: "... (U-03)"

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)


def refused(rule_id: str, text: str) -> Verdict:
    text = text.rstrip(". ")
    if _CATALOGUE_ID.match(rule_id):
        return Verdict(False, rule_id, f"{text} ({rule_id}).")
    return Verdict(False, rule_id, f"{text}.")
