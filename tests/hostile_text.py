"""The hostile-input fuzzer's alphabet and its budgets (issue 17), shared by
tests/property/test_hostile_text.py (rules/, both databases) and
tests/tui/test_tui_hostile_fuzz.py (stored text on screen, Pilot at 80x24).

Budgets: the default profile keeps the fuzzer's share of `make test` well under a
minute; `HYPOTHESIS_PROFILE=slow` (or `long`, the state machine's name) runs at least
20,000 examples per pure test and per rules/ test, and 200 screen runs:

    HYPOTHESIS_PROFILE=slow .venv/bin/python -m pytest tests/property/test_hostile_text.py -q
"""
from __future__ import annotations

import os

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings

_SLOW = os.environ.get("HYPOTHESIS_PROFILE", "default") in ("slow", "long")


def budget(default: int, slow: int) -> settings:
    """Settings for one fuzz test: `default` examples in CI, `slow` in the slow profile."""
    return settings(max_examples=slow if _SLOW else default, deadline=None,
                    suppress_health_check=list(HealthCheck), database=None)


PURE = budget(400, 50_000)
THROUGH_RULES = budget(60, 20_000)
ON_SCREEN = budget(4, 200)

_MARKUP = ["[", "]", "[/]", "[/x]", "[bold", "[bold]", "[blink]", "[reverse]",
           "[link=file:///etc/passwd]", "[@click=app.quit]", "[on red]", "\\[", "=", "#"]
_ESCAPES = ["\x1b", "\x1b[", "\x1b[2J", "\x1b[31m", "\x1b]", "\x1b]0;title\x07",
            "\x1b]8;;file:///etc/passwd\x1b\\", "\x1b]52;c;aGk=\x07", "\x1b\\", "\x07",
            "\x9b", "\x9d", "\x9c", "\x90", "\x00", "\x7f", "\x08", "\r", "\n", "\t", "\x0b",
            "\x0c", "\x85", "\u2028", "\u2029",
            "\ud800", "\udfff"]  # lone surrogates: rare, or they would hide the rest
_BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
         "\u2069", "\u200e", "\u200f", "\u061c"]
_INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u3164",
              "\u115f", "\u2800", "\u180e", "\ufe0f", " ", "\u00a0", "\u3000"]

pieces = st.one_of(
    st.sampled_from(_MARKUP),
    st.sampled_from(_ESCAPES),
    st.sampled_from(_BIDI),
    st.sampled_from(_INVISIBLE),
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),     # combining marks
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),   # wide CJK
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.sampled_from(["e\u0301", "\U0001f469\u200d\U0001f4bb", "\U0001f1fa\U0001f1f8"]),
    st.text(alphabet="abcXYZ019 .-:/@", min_size=1, max_size=6),
)
hostile_text = st.lists(pieces, max_size=24).map("".join)
