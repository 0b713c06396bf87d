"""The one error a user sees when an action is refused."""
from __future__ import annotations

# Refusals that no catalogue rule names: bad input, unknown ids, a stale view.
INPUT = "input"
NOT_FOUND = "not-found"
CONFLICT = "conflict"


class RuleError(Exception):
    """An action was refused. `rule_id` names the rule (e.g. "U-01"); `message` is
    what the user reads, in plain words. Nothing was written."""

    def __init__(self, rule_id: str, message: str):
        super().__init__(f"{message} [{rule_id}]")
        self.rule_id = rule_id
        self.message = message

    def __repr__(self) -> str:
        return f"RuleError({self.rule_id!r}, {self.message!r})"


def someone_acted_first(what: str = "This item") -> RuleError:
    return RuleError(CONFLICT, f"{what} was changed by someone else a moment ago "
                               "(someone acted first). Reload and try again.")
