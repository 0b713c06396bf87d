"""Text fields that never echo a control character to the terminal (issue 17).

Input and TextArea draw their value as it is: a pasted ESC (or one in a stored value
they start with) would reach the terminal as a byte. These keep tab and newline where
they mean something and turn every other control, C1 and bidi character into the
visible placeholder of tui/safe_text.py; what is sent to rules/ is then visible text.
"""
from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea

from tui.safe_text import shown


class PlainInput(Input):
    def __init__(self, value: str | None = None, *args, **kwargs) -> None:
        super().__init__(shown(value) if value else value, *args, **kwargs)

    # Textual calls the handler of each class in the MRO, this one first: it rewrites the
    # pasted text that Input's own handler then inserts (so no super() call here).
    def _on_paste(self, event: events.Paste) -> None:
        first, *_ = (event.text or "").splitlines() or [""]  # Input keeps the first line
        event.text = shown(first)


class PlainTextArea(TextArea):
    def __init__(self, text: str = "", *args, **kwargs) -> None:
        super().__init__(shown(text, multiline=True), *args, **kwargs)

    def _on_paste(self, event: events.Paste) -> None:  # before TextArea's, as above
        event.text = shown(event.text.replace("\r\n", "\n"), multiline=True)
