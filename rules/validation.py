"""Pure checks on what a user typed for a milestone or a contract.

Every text a user types is shown to someone else, maybe a support agent over SSH, so it
is hostile until checked here (RULES-EXTRA.md, T-01..T-07): NFC (T-01); no control
characters, tab and newline only in multi-line fields (T-02); no bidi controls, which
reorder what the reader sees (T-03); something visible once invisible characters are
set aside (T-04); no lone surrogates, which neither driver can write (T-05); text, not
another type (T-06); links http(s) or mailto only (T-07).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import urlsplit

from rules.errors import INPUT, RuleError
from rules.money import check_cents, format_money
from rules.policy import Policy

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_MESSAGE = 5000
MAX_LINK = 500
MAX_SEARCH = 200
MAX_NAME = 100

# T-02: C0 (tab and newline are kept apart: multi-line fields allow them), DEL, C1, and
# the Unicode line and paragraph separators (a line break no terminal expects).
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# T-03: embeddings and overrides, isolates, and the directional marks.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # T-05
# T-04: letters that draw nothing (Hangul fillers, braille blank); categories below.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
_LINK_SCHEMES = ("http", "https", "mailto")
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?P<rest>.*)$", re.DOTALL)


def _where(value: str, pos: int) -> str:
    return f"U+{ord(value[pos]):04X} at character {pos + 1}"


def clean_text(value: object, what: str, *, multiline: bool = False) -> str:
    """T-01..T-06 on one piece of user text: the text, NFC and stripped, or a RuleError
    naming the rule. None reads as "" (an empty optional field). Callers then check
    emptiness and length, which depend on the field."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RuleError("T-06", f"{what} must be text, not {type(value).__name__}.")
    if (bad := _SURROGATE.search(value)) is not None:
        raise RuleError("T-05", f"{what} has a broken character ({_where(value, bad.start())}); "
                                "type or paste it again.")
    if multiline:
        value = value.replace("\r\n", "\n")
    value = unicodedata.normalize("NFC", value).strip()
    if (bad := (_CONTROL_MULTILINE if multiline else _CONTROL_LINE).search(value)) is not None:
        allowed = "only tab and newline are allowed" if multiline else "it is one line"
        raise RuleError("T-02", f"{what} contains a control character "
                                f"({_where(value, bad.start())}); {allowed}.")
    if (bad := _BIDI.search(value)) is not None:
        raise RuleError("T-03", f"{what} contains a text-direction control "
                                f"({_where(value, bad.start())}), which can disguise what "
                                "it says.")
    if value and not any(is_visible(ch) for ch in value):
        raise RuleError("T-04", f"{what} has no visible characters.")
    return value


def is_visible(ch: str) -> bool:
    """T-04: a character that draws something on its own."""
    return unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANK_LETTERS


def check_title(title: str, what: str = "Title") -> str:
    text = clean_text(title, what)
    if not text:
        raise RuleError(INPUT, f"{what} cannot be empty.")
    if len(text) > MAX_TITLE:
        raise RuleError(INPUT, f"{what} is {len(text)} characters; at most {MAX_TITLE}.")
    return text


def check_text(text: str | None, what: str, *, required: bool = False,
               limit: int = MAX_DESCRIPTION, rule: str = INPUT) -> str:
    """A multi-line field (description, message, reason, comment)."""
    value = clean_text(text, what, multiline=True)
    if required and not value:
        raise RuleError(rule, f"{what} is required.")
    if len(value) > limit:
        raise RuleError(INPUT, f"{what} is {len(value)} characters; at most {limit}.")
    return value


def check_name(name: str | None, what: str = "The name") -> str:
    """A person's display name (shown beside everything they do): one line, T-01..T-06,
    not empty, at most MAX_NAME characters. For whatever creates or renames accounts."""
    value = clean_text(name, what)
    if not value:
        raise RuleError(INPUT, f"{what} cannot be empty.")
    if len(value) > MAX_NAME:
        raise RuleError(INPUT, f"{what} is {len(value)} characters; at most {MAX_NAME}.")
    return value


def check_search(text: str | None, what: str = "The search") -> str:
    """What a user types to find something: one line, "" for no search."""
    value = clean_text(text, what)
    if len(value) > MAX_SEARCH:
        raise RuleError(INPUT, f"{what} is {len(value)} characters; at most {MAX_SEARCH}.")
    return value


MAX_CRITERIA = 20  # a checklist, not a specification


def check_criteria(criteria: object) -> tuple[str, ...]:
    """X-32: a milestone's acceptance criteria: a list of at most MAX_CRITERIA lines,
    each one line of text (T-01..T-06), not empty, at most MAX_TITLE characters, no two
    the same. None or an empty list: no criteria."""
    if criteria is None:
        return ()
    if isinstance(criteria, str) or not isinstance(criteria, (list, tuple)):
        raise RuleError("X-32", "Acceptance criteria are a list, one criterion per line.")
    if len(criteria) > MAX_CRITERIA:
        raise RuleError("X-32", f"A milestone has at most {MAX_CRITERIA} acceptance "
                                f"criteria; this one has {len(criteria)}.")
    out: list[str] = []
    for i, item in enumerate(criteria, 1):
        text = clean_text(item, f"Criterion {i}")
        if not text:
            raise RuleError("X-32", f"Criterion {i} is empty: say what must be true, or "
                                    "leave it out.")
        if len(text) > MAX_TITLE:
            raise RuleError("X-32", f"Criterion {i} is {len(text)} characters; at most "
                                    f"{MAX_TITLE}.")
        if text.casefold() in (o.casefold() for o in out):
            raise RuleError("X-32", f"Criterion {i} repeats an earlier one: “{text}”.")
        out.append(text)
    return tuple(out)


def check_link(link: str | None) -> str:
    """T-07: "" (no link), or one http, https or mailto address, no whitespace."""
    value = clean_text(link, "The link")
    if not value:
        return ""
    if len(value) > MAX_LINK:
        raise RuleError(INPUT, f"The link is {len(value)} characters; at most {MAX_LINK}.")
    if any(ch.isspace() for ch in value):
        raise RuleError("T-07", "The link must be one address, with no spaces in it.")
    found = _URL.match(value)
    scheme = found["scheme"].lower() if found else ""
    if scheme not in _LINK_SCHEMES:
        raise RuleError("T-07", "Links must start with http://, https:// or mailto:.")
    if scheme in ("http", "https"):
        try:
            host = urlsplit(value).hostname
        except ValueError:  # e.g. an unclosed "[" of an IPv6 address
            host = None
        if not host:
            raise RuleError("T-07", "The link needs a host name after http:// or https://.")
    elif "@" not in found["rest"]:
        raise RuleError("T-07", "A mailto: link needs an address, like mailto:ada@example.com.")
    return value


def check_milestone_amount(cents: int, policy: Policy) -> int:
    """U-01: at least the policy's minimum; G-01: whole cents, not absurd."""
    check_cents(cents)
    if cents < policy.min_milestone_cents:
        raise RuleError("U-01", f"Milestones must be at least "
                                f"{format_money(policy.min_milestone_cents)}.")
    return cents


def check_due_date(due: dt.date | None, *, starts_on: dt.date, end_date: dt.date | None,
                   policy: Policy) -> dt.date | None:
    if due is None:
        return None
    if not isinstance(due, dt.date) or isinstance(due, dt.datetime):
        raise RuleError(INPUT, "The due date must be a date (YYYY-MM-DD).")
    if due < starts_on:
        raise RuleError(INPUT, f"The due date {due.isoformat()} is before the contract "
                               f"starts ({starts_on.isoformat()}).")
    if policy.due_dates_within_end_date and end_date is not None and due > end_date:
        raise RuleError("U-12", f"On a compliance contract due dates must fall within the "
                                f"contract's end date ({end_date.isoformat()}); request an "
                                "extension or start a new contract.")
    return due


def check_revisions(revisions: int | None, policy: Policy) -> int | None:
    if policy.default_revisions is None:
        return None
    if revisions is None:
        return policy.default_revisions
    if isinstance(revisions, bool) or not isinstance(revisions, int) or not 0 <= revisions <= 99:
        raise RuleError("F-06", "Revisions per milestone must be a whole number from 0 to 99.")
    return revisions


def check_milestone_count(count: int, policy: Policy) -> None:
    """U-02 (200 a contract) and F-02 (5 on a Gig order, 6 on a custom offer)."""
    if count > policy.max_milestones:
        rule = "F-02" if policy.platform == "fiverr" else "U-02"
        where = {"fiverr-gig": "a Gig order", "fiverr-offer": "a custom offer"}.get(
            policy.name, "a contract")
        raise RuleError(rule, f"At most {policy.max_milestones} milestones are allowed on "
                              f"{where}; this plan has {count}.")


def check_order_total(total_cents: int, policy: Policy) -> None:
    """F-01: milestones only on orders whose total is over $100."""
    if policy.min_order_total_cents and total_cents <= policy.min_order_total_cents:
        raise RuleError("F-01", f"Milestones are only allowed on orders over "
                                f"{format_money(policy.min_order_total_cents)}; this order "
                                f"totals {format_money(total_cents)}.")


def parse_date(text: str) -> dt.date | None:
    """'2026-12-01' -> date; '' -> None; anything else is refused."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise RuleError(INPUT, f"“{value}” is not a date: use YYYY-MM-DD.") from None
