"""Time travel for demos and support (issue: deadline worker)."""
import pytest

from rules.errors import RuleError
from rules.timetravel import advance, parse_duration, stored_clock, stored_offset


@pytest.mark.parametrize("spec,seconds", [("15d", 15 * 86400), ("36h", 36 * 3600),
                                          ("90m", 5400), ("2w", 14 * 86400), ("-1d", -86400)])
def test_parse_duration(spec, seconds):
    assert parse_duration(spec) == seconds


@pytest.mark.parametrize("spec", ["", "15", "d", "1.5d", "15 days", "abc"])
def test_parse_duration_refuses_what_is_not_a_duration(spec):
    with pytest.raises(RuleError) as info:
        parse_duration(spec)
    assert info.value.rule_id == "input" and "duration" in info.value.message


def test_advance_is_stored_and_shared(db):
    before = stored_clock().now()
    advance("15d")
    advance("12h")
    assert stored_offset() == 15 * 86400 + 12 * 3600
    moved = stored_clock().now()
    assert 15.4 * 86400 < (moved - before).total_seconds() < 15.6 * 86400
