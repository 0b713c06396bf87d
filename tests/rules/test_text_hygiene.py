"""T-01..T-09 (RULES-EXTRA.md): untrusted text at input, through rules/ without the TUI,
on SQLite and PostgreSQL. Every refusal names its rule and writes nothing (`refused`);
every text field of every action is checked (tests/text_fields.py)."""
from __future__ import annotations

import unicodedata
from types import SimpleNamespace

import pytest

from models.milestones import Milestone
from rules.change_requests import approve_milestone_change
from rules.contract_view import contract_detail, timeline_page
from rules.contracts import create_contract
from rules.errors import RuleError
from rules.inbox import pending_proposal, request_view
from rules.money import MAX_AMOUNT_CENTS, check_cents, parse_money
from rules.notifications import mark_read
from rules.payments import release
from rules.plan import AddMilestone
from rules.planning import add_milestone
from rules.queries import contract_summaries, find_account
from rules.refunds import agree_refund
from rules.support_search import Criteria, audit_trail, count_matches, support_rows
from rules.validation import check_link, check_name, check_text, check_title, clean_text
from rules.work import submit_work
from state_helpers import db_state
from text_fields import FIELD_IDS, FIELDS

pytestmark = pytest.mark.both_databases

SINGLE = [f for f in FIELDS if not f.multiline]
MULTI = [f for f in FIELDS if f.multiline]


@pytest.fixture
def w(client, freelancer, agent, clock):
    return SimpleNamespace(client=client, freelancer=freelancer, agent=agent, clock=clock)


# Refused in every field, single- or multi-line, by rule.
HOSTILE = {
    "T-02": ["\x1b[2J clear",                     # ESC, CSI erase screen
             "a\x00b",                            # NUL: a driver error on PostgreSQL
             "a\x07b",                            # BEL
             "\x1b]0;pwned\x07title",              # OSC 0: window title
             "\x1b]8;;file:///etc/passwd\x1b\\x",  # OSC 8 link, ST
             "\x1b]0;unterminated",
             "a\x7fb",                            # DEL
             "a\x9b31mb",                         # C1 CSI
             "a\x85b",                            # C1 NEL inside the text
             "a\x0bb",                            # vertical tab
             "a\rb",                              # a lone carriage return
             "a\u2028b"],                         # line separator
    "T-03": ["\u202egnp.exe",                     # right-to-left override
             "a\u202ab",                          # embedding
             "a\u2066b\u2069",                     # isolates
             "a\u200fb",                          # right-to-left mark
             "a\u061cb"],                         # Arabic letter mark
    "T-04": ["\u200b\u200c\u200d\ufeff",           # zero-width only
             "\u2060\u00ad",                       # word joiner, soft hyphen
             "\u3164\u115f",                       # Hangul fillers
             "\u0301\u0308",                       # combining marks with nothing to mark
             "\u2800"],                           # braille blank
    "T-05": ["x\ud800y", "\udfff"],               # lone surrogates: no encoding stores them
    "T-06": [42, b"bytes", ["a list"], 4.5],
}


def refuses_all(field, w, refused, rule, payloads, match=None):
    """Each payload, in turn, into the same prepared field: refused naming `rule`, and
    nothing written by any of them (the state compared once, around them all: the
    comparison costs more than the actions)."""
    act = field.prepare(w)
    before = db_state()
    for text in payloads:
        with pytest.raises(RuleError) as info:
            act(text)
        assert info.value.rule_id == rule, f"{text!r}: {info.value!r}"
        assert match is None or match in info.value.message, info.value.message
    assert db_state() == before, "a refused action wrote something"


WORDS = {"T-02": "control character", "T-03": "text-direction", "T-04": "no visible",
         "T-05": "broken character", "T-06": "must be text"}


@pytest.mark.parametrize("field", FIELDS, ids=FIELD_IDS)
def test_T02_T03_T04_T05_T06_hostile_text_is_refused_in_every_field(field, w, refused):
    """One prepared field takes every payload of every rule in turn (preparing a field
    costs more than the refusals): control characters (T-02), bidi controls (T-03),
    invisible-only text (T-04), lone surrogates (T-05), other types (T-06)."""
    act = field.prepare(w)
    before = db_state()
    for rule, payloads in HOSTILE.items():
        for text in payloads:
            with pytest.raises(RuleError) as info:
                act(text)
            assert info.value.rule_id == rule, f"{text!r}: {info.value!r}"
            assert WORDS[rule] in info.value.message, info.value.message
    assert db_state() == before, "a refused action wrote something"


@pytest.mark.parametrize("field", SINGLE, ids=[f.name for f in SINGLE])
def test_T02_single_line_fields_refuse_tab_and_newline(field, w, refused):
    refuses_all(field, w, refused, "T-02", ["first\nsecond", "a\tb"])


@pytest.mark.parametrize("field", MULTI, ids=[f.name for f in MULTI])
def test_T02_multi_line_fields_keep_tab_and_newline(field, w):
    read = field.prepare(w)("First line\n\tindented\r\nthird")
    assert read() == "First line\n\tindented\nthird"  # CRLF becomes LF


# Inert text: accepted as typed (markup is only text to rules/; the screens show it).
INERT = ["[/x] [bold [blink]BOOM[/] [link=file:///etc/passwd]x[/link]",
         "日本語のタイトル 🎉 launch 🚀", "e\u0301t\u0301e\u0301 Cafe\u0301"]
STORING = [f for f in FIELDS if not f.is_link]


@pytest.mark.parametrize("field", STORING, ids=[f.name for f in STORING])
def test_T01_inert_text_is_stored_as_typed_in_NFC(field, w):
    for text in INERT:
        read = field.prepare(w)(text)
        if not field.is_search:
            assert read() == unicodedata.normalize("NFC", text)


def test_T01_decomposed_accents_are_stored_composed(w):
    from text_fields import contract_title
    read = contract_title(w)("Cafe\u0301 menu")
    assert read() == "Caf\u00e9 menu" and len(read()) == 9


@pytest.mark.parametrize("value, rule", [
    ("  \u202e  ", "T-03"), ("\x1b", "T-02"), (3.5, "T-06"), (object(), "T-06"),
])
def test_T02_to_T06_the_pure_checks_name_the_rule(value, rule):
    for check in (check_title, lambda v: check_text(v, "The message"), check_link):
        with pytest.raises(RuleError) as info:
            check(value)
        assert info.value.rule_id == rule and info.value.message


@pytest.mark.parametrize("name, rule", [
    ("Bo\x1b]0;root\x07", "T-02"), ("Bo\nFreelancer", "T-02"), ("\u202eoB", "T-03"),
    ("\u3164", "T-04"), ("B\udc00", "T-05"), (7, "T-06"), ("", "input"), ("x" * 101, "input"),
])
def test_T02_to_T06_display_names_are_checked_like_titles(name, rule):
    with pytest.raises(RuleError) as info:
        check_name(name)
    assert info.value.rule_id == rule


def test_T01_display_names_are_stored_in_NFC():
    assert check_name("  Zoe\u0308 [admin]  ") == "Zo\u00eb [admin]"


def test_T04_visible_text_around_invisible_characters_is_kept():
    assert clean_text("a\u200db", "x") == "a\u200db"  # a joiner inside an emoji or a word
    assert check_title("\U0001f469\u200d\U0001f4bb") == "\U0001f469\u200d\U0001f4bb"


def test_T06_none_is_an_empty_optional_field():
    assert check_text(None, "x") == "" and check_link(None) == ""
    with pytest.raises(RuleError) as info:
        check_title(None)
    assert info.value.rule_id == "input"


# --- T-07: links ----------------------------------------------------------------------

@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JavaScript:alert(1)", "file:///etc/passwd", "data:text/html,x",
    "ftp://example.com/x", "example.com/mockups", "//example.com", "http://", "https:///x",
    "http://[", "mailto:", "mailto:nobody", "https://exa mple.com", "https://x.com/\u00a0a",
])
def test_T07_links_other_than_http_https_mailto_are_refused(link, w, refused):
    from text_fields import submission_link
    act = submission_link(w)
    with refused("T-07"):
        act(link)


@pytest.mark.parametrize("link", ["https://x.com/a\nb", "https://x.com/\x1b[2J",
                                  "https://x.com/\u202e"])
def test_T07_links_with_control_characters_are_refused(link, w, refused):
    from text_fields import submission_link
    act = submission_link(w)
    with refused("T-03" if "\u202e" in link else "T-02"):
        act(link)


@pytest.mark.parametrize("link", ["https://example.com/mockups?x=1#top",
                                  "HTTP://EXAMPLE.COM", "mailto:bo@example.com",
                                  "https://例え.jp/パス"])
def test_T07_http_https_and_mailto_links_are_stored(link, w):
    from text_fields import submission_link
    assert submission_link(w)(link)() == link


# --- T-08: ids --------------------------------------------------------------------------

BAD_IDS = [2 ** 63, 2 ** 64, 10 ** 30, -1, -(2 ** 70), 0, True, "1", 1.0, None]


def _refusal(call) -> RuleError:
    with pytest.raises(RuleError) as info:
        call()
    return info.value


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_T08_any_id_that_names_nothing_is_refused_like_an_unknown_one(bad, make_contract,
                                                                      client, freelancer,
                                                                      agent, clock, refused):
    make_contract()
    unknown = 999_999
    calls = [
        lambda i: contract_detail(client, i),
        lambda i: submit_work(freelancer, i, "Done", clock=clock),
        lambda i: release(client, i, clock=clock),
        lambda i: agree_refund(freelancer, i, clock=clock),
        lambda i: approve_milestone_change(freelancer, i, clock=clock),
        lambda i: request_view(client, i, clock=clock),
        lambda i: add_milestone(client, i, "Extra", 30000, clock=clock),
        lambda i: audit_trail(agent, i),
        lambda i: contract_detail(i, 1),  # the actor itself
        lambda i: create_contract(client, freelancer=i, title="T", policy="upwork",
                                  milestones=[AddMilestone("A", 30000)], clock=clock),
    ]
    for call in calls:
        expected = _refusal(lambda: call(unknown))
        with refused(expected.rule_id) as info:
            call(bad)
        if expected.rule_id == "G-07":  # the same words: nothing tells the ids apart
            assert info.value.message == expected.message


@pytest.mark.parametrize("bad", BAD_IDS, ids=repr)
def test_T08_lists_and_pages_skip_ids_that_name_nothing(bad, make_contract, client, agent,
                                                        clock):
    c = make_contract()
    assert [s.id for s in contract_summaries(client, [bad, c.id])] == [c.id]
    assert support_rows(agent, [bad], clock=clock) == ([], {})
    assert mark_read(client, [bad]) == 0
    assert pending_proposal(client, bad, clock=clock) is None
    if bad is not None:  # None there means "from the start", "any contract"
        assert timeline_page(client, c.id, before_id=bad) == ([], False)
        assert audit_trail(agent, c.id, before_id=bad) == ([], False)
        assert count_matches(agent, Criteria(contract_id=bad), clock=clock) == 0


def test_T08_the_largest_id_is_an_ordinary_unknown_one(make_contract, client, refused):
    make_contract()
    with refused("G-07"):
        contract_detail(client, 2 ** 63 - 1)


def test_T02_a_login_with_control_characters_is_refused_not_a_driver_error(db):
    with pytest.raises(RuleError) as info:
        find_account("ada\x00")
    assert info.value.rule_id == "T-02"


# --- T-09: amounts as typed ---------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "\u0661\u0662\u0663",            # Arabic-Indic digits
    "\uff11\uff12\uff13",            # full-width digits
    "\u0967\u0968",                  # Devanagari digits
    "1\u00a0000",                    # no-break space in the number
    "5\x1b[2J", "5\x00",
])
def test_T09_amounts_are_ascii_digits_only(text):
    with pytest.raises(RuleError) as info:
        parse_money(text)
    assert info.value.rule_id == "G-01" and "digits 0-9" in info.value.message


@pytest.mark.parametrize("text", ["9" * 5000, "9" * 41, "$" + "9" * 4400 + ".00",
                                  "1" + "0" * 39, "0" * 4000 + "5"], ids=lambda t: t[:8])
def test_T09_an_amount_of_any_length_is_refused_in_words(text):
    with pytest.raises(RuleError) as info:
        parse_money(text)
    assert info.value.rule_id == "G-01" and "limit" in info.value.message


@pytest.mark.parametrize("cents", [10 ** 5000, 2 ** 63, MAX_AMOUNT_CENTS + 1],
                         ids=["10**5000", "2**63", "limit+1"])
def test_T09_any_int_of_cents_above_the_limit_is_refused_in_words(cents):
    with pytest.raises(RuleError) as info:
        check_cents(cents)
    assert info.value.rule_id == "G-01" and "above the limit" in info.value.message


def test_T09_a_huge_amount_on_a_milestone_writes_nothing(make_contract, client, clock,
                                                        refused):
    c = make_contract()
    with refused("G-01", match="above the limit"):
        add_milestone(client, c.id, "Huge", 2 ** 70, clock=clock)
    assert Milestone.select().where(Milestone.contract == c.id).count() == 2


# --- the audit export (milestones audit export): stored text never steers a terminal ---

@pytest.mark.parametrize("value", ["x\x1b[2J", "\x9b31m", "\u202egnp.exe", "a\u2028b",
                                   "lone \ud800", "a\x7fb", "é 日本 🎉"])
def test_T02_T03_T05_the_audit_export_escapes_what_a_terminal_acts_on(value):
    import json
    import re

    from rules.audit import terminal_safe_json
    out = terminal_safe_json({"reason": value})
    assert re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2028\u2029\ud800-\udfff]", out) is None
    assert json.loads(out) == {"reason": value}  # read back unchanged
    assert "é 日本 🎉" in terminal_safe_json("é 日本 🎉")  # readable, not \u-escaped


@pytest.mark.parametrize("bad", [2 ** 64, -1, True, "1"], ids=repr)
def test_T08_exporting_a_contract_that_no_id_names(bad, db):
    import io

    from rules.audit import export_contract
    with pytest.raises(RuleError) as info:
        export_contract(bad, io.StringIO())
    assert info.value.rule_id == "not-found"
