"""The one way user text reaches the screen (DESIGN.md, "Untrusted text").

Whatever a user typed is shown as `rich.text.Text` or `textual.content.Content`, never as
a markup string: `[bold` or `[/x]` would crash the screen, `[blink]` would blink. And
text stored before rules/validation refused control characters (older rows, imports)
must never reach the terminal as bytes: ESC starts an escape sequence (clear the
screen, set the window title, plant an OSC 8 link), so every control, C1 and bidi
character is shown as a visible placeholder: ESC as ␛, NUL as ␀, U+202E as ⟨U+202E⟩.
"""
from __future__ import annotations

from rich.text import Text
from textual.content import Content


def _placeholders(*, multiline: bool) -> dict[int, str]:
    table: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20)}  # ␀ … ␟
    table[0x7F] = "\u2421"  # ␡
    if multiline:  # tab and newline keep their meaning where a field is multi-line
        del table[0x09], table[0x0A]
    for c in [*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A),
              0x200E, 0x200F, 0x061C, 0x2028, 0x2029, *range(0xD800, 0xE000)]:
        table[c] = f"⟨U+{c:04X}⟩"
    return table


_LINE = _placeholders(multiline=False)
_MULTI = _placeholders(multiline=True)


def shown(text: object, *, multiline: bool = False) -> str:
    """`text` with every control, C1, bidi and lone-surrogate character replaced by a
    visible placeholder. Still a plain string: wrap it in Text or Content, never markup."""
    if text is None:
        return ""
    return str(text).translate(_MULTI if multiline else _LINE)


def user_text(text: object, style: str = "", *, multiline: bool = False, **kwargs) -> Text:
    """User text as a Rich `Text` (for DataTable cells, Rich tables, Static)."""
    return Text(shown(text, multiline=multiline), style=style, **kwargs)


def user_content(text: object, style: str = "", *, multiline: bool = False) -> Content:
    """User text as Textual `Content` (for Static, Label, Option prompts)."""
    plain = shown(text, multiline=multiline)
    return Content.styled(plain, style) if style else Content(plain)


def notify_plain(node, message: object, **kwargs) -> None:
    """`node.notify` for a message that may hold user text (a title in a summary, a
    refusal quoting what was typed): no markup, placeholders for control characters."""
    title = kwargs.pop("title", "")
    node.notify(shown(message, multiline=True), title=shown(title), markup=False, **kwargs)
