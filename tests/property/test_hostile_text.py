"""The hostile-input fuzzer, rules/ side (issue 17; RULES-EXTRA.md T-01..T-07): text
drawn from markup brackets, ESC/CSI/OSC/BEL/ST, NUL, C1, bidi controls, zero-width and
other invisible characters, lone surrogates, combining marks, wide CJK and emoji.

Pure checks first (many examples, no database), then every text field of every action
(tests/text_fields.py) on SQLite and PostgreSQL: each input is either refused, naming a
T-rule (or the field's own "required" rule) and writing nothing, or stored clean: NFC,
no control, C1 or bidi character, something visible. Budgets: tests/hostile_text.py.
"""
from __future__ import annotations

import re
import unicodedata
from types import SimpleNamespace

import hypothesis.strategies as st
import pytest
from hypothesis import event, given

from hostile_text import PURE, THROUGH_RULES, hostile_text
from rules.errors import RuleError
from rules.validation import clean_text, is_visible
from state_helpers import db_state
from text_fields import FIELDS
from tui.safe_text import shown

pytestmark = pytest.mark.both_databases

# What stored text may never hold; newline and tab only where a field is multi-line.
FORBIDDEN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                            "\u200e\u200f\u061c\ud800-\udfff]")
FORBIDDEN_MULTI = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e"
                             "\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")
TEXT_RULES = {"T-02", "T-03", "T-04", "T-05"}
# Refusals a field may give besides the T-rules: too long or empty ("input"), a required
# message missing (U-17, U-18, U-33, F-08, G-02), a link that is no link (T-07), a proposal
# whose title is blank, an acceptance criterion empty or too long.
FIELD_RULES = {"input", "U-17", "U-18", "U-33", "F-08", "G-02", "T-07", "X-32"}


def assert_clean(value: str, multiline: bool) -> None:
    forbidden = FORBIDDEN_MULTI if multiline else FORBIDDEN_LINE
    assert forbidden.search(value) is None, repr(value)
    assert unicodedata.is_normalized("NFC", value), repr(value)
    assert value == value.strip()
    assert value == "" or any(is_visible(c) for c in value), repr(value)


@PURE
@given(text=hostile_text, multiline=st.booleans())
def test_T01_to_T05_clean_text_refuses_or_returns_clean_text(text, multiline):
    try:
        value = clean_text(text, "The text", multiline=multiline)
    except RuleError as exc:
        assert exc.rule_id in TEXT_RULES and exc.message
    else:
        assert_clean(value, multiline)
        assert clean_text(value, "The text", multiline=multiline) == value  # idempotent


@PURE
@given(text=hostile_text, multiline=st.booleans())
def test_shown_never_leaves_a_control_or_bidi_character(text, multiline):
    """The render side (tui/safe_text.py) for anything stored: every character that
    could steer the terminal or reorder the line becomes a visible placeholder."""
    forbidden = FORBIDDEN_MULTI if multiline else FORBIDDEN_LINE
    out = shown(text, multiline=multiline)
    assert forbidden.search(out) is None, repr(out)
    if forbidden.search(text) is None:  # nothing to replace: shown exactly as stored
        assert out == text


@THROUGH_RULES
@given(field=st.sampled_from(FIELDS), text=hostile_text)
def test_T01_to_T07_every_text_field_refuses_or_stores_clean_text(field, text, client,
                                                                   freelancer, agent, clock):
    w = SimpleNamespace(client=client, freelancer=freelancer, agent=agent, clock=clock)
    act = field.prepare(w)
    before = db_state()
    try:
        read = act(text)
    except RuleError as exc:
        assert exc.rule_id in TEXT_RULES | FIELD_RULES, f"{field.name}: {exc!r}"
        assert exc.message
        event(f"refused {exc.rule_id}")
        assert db_state() == before, f"{field.name}: a refusal wrote something"
    else:
        event("accepted")
        if not field.is_search:
            assert_clean(read(), field.multiline)
