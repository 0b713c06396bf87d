"""The hostile-input fuzzer's own checks can fail (issue 17): text put on screen past
tui/safe_text.py reaches the frame, and hostile_helpers finds it. An SGR planted in
data looks exactly like Textual's own to the byte check (`stray_controls`); the segment
check (`stray_in_frame`) sees it, and a lone surrogate too."""
from __future__ import annotations

import asyncio

import pytest
from hostile_helpers import stray_controls, stray_in_frame, terminal_output
from rich.text import Text
from textual.app import App
from textual.widgets import Static

from tui.safe_text import user_text


def frame_of(renderable) -> tuple[list[str], list[str]]:
    class One(App):
        def compose(self):
            yield Static(renderable)

    async def go():
        async with One().run_test(size=(40, 3)) as pilot:
            await pilot.pause()
            return stray_controls(terminal_output(pilot.app)), stray_in_frame(pilot.app)
    return asyncio.run(go())


@pytest.mark.parametrize("raw, by_bytes, by_segments", [
    ("a\x1b]0;title\x07b", ["U+001B"], ["U+001B"]),  # Rich drops BEL itself, not ESC
    ("a\x1b[31mred", [], ["U+001B"]),  # TEXTUAL_OWN takes it for Textual's own colour
    ("a\ud800b", ["U+D800"], ["U+D800"]),
], ids=["OSC 0", "SGR", "lone surrogate"])
def test_the_frame_checks_find_what_bypasses_the_sanitiser(raw, by_bytes, by_segments):
    assert frame_of(Text(raw)) == (by_bytes, by_segments)
    assert frame_of(user_text(raw)) == ([], [])
