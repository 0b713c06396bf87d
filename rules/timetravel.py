"""Time travel for demos and support: a clock offset stored with the data, so the TUI,
`milestones worker` and `milestones demo --advance 15d` all see the same "now"."""
from __future__ import annotations

import re

from models.base import database
from models.settings import Setting
from rules.clock import SYSTEM_CLOCK, Clock, OffsetClock
from rules.errors import INPUT, RuleError

KEY = "clock_offset_seconds"
DEMO_KEY = "demo"
_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_SPEC = re.compile(r"^\s*(-?\d+)\s*([wdhms])\s*$")


def parse_duration(spec: str) -> int:
    """'15d' -> seconds. Units: w, d, h, m, s."""
    match = _SPEC.match(spec or "")
    if not match:
        raise RuleError(INPUT, f"“{spec}” is not a duration: use a number and a unit, "
                               "like 15d, 36h, 90m or 2w.")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _put(key: str, value: str) -> None:
    """Insert or update a setting (an upsert both SQLite and PostgreSQL understand)."""
    (Setting.insert(key=key, value=value)
     .on_conflict(conflict_target=[Setting.key], update={Setting.value: value}).execute())


def stored_offset() -> float:
    row = Setting.get_or_none(Setting.key == KEY)
    return float(row.value) if row else 0.0


def stored_clock() -> Clock:
    """The real clock, moved by the stored offset if time travel was used."""
    offset = stored_offset()
    return OffsetClock(offset) if offset else SYSTEM_CLOCK


class StoredClock:
    """Reads the stored offset on every call: for the long-lived worker process, which
    must follow `milestones demo --advance` run from another shell. (One query a call:
    not for the TUI, which keeps an OffsetClock and updates it when it travels.)"""

    def now(self):
        return OffsetClock(stored_offset()).now()


def advance(spec: str) -> OffsetClock:
    """Move the stored clock forward (or back) by `spec`; returns the new clock."""
    seconds = parse_duration(spec)
    with database.atomic():
        offset = stored_offset() + seconds
        _put(KEY, str(offset))
    return OffsetClock(offset)


def mark_demo() -> None:
    """Remember that this database holds demo data: the TUI then offers time travel."""
    _put(DEMO_KEY, "1")


def is_demo() -> bool:
    return Setting.select().where(Setting.key == DEMO_KEY).exists()
