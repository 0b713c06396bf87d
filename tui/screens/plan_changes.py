"""Show changes (U-11) in the milestone manager: the saved plan beside the plan after
saving, then each change as before → after per field; and the short marks the list shows
beside a changed row ("new", "edited", "moved"). What changed is `rules.plan.diff_plans`'s
answer; only the layout is decided here.
"""
from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from rules.plan import PlanChange, PlanRow, describe_field, show_value
from tui.format import clip, format_money
from tui.safe_text import shown


def count_text(changes: list[PlanChange]) -> str:
    """"3 changes", "1 change"."""
    n = len(changes)
    return f"{n} change{'s' if n != 1 else ''}"


def marks_of(changes: list[PlanChange]) -> dict[int | str, list[str]]:
    marks: dict[int | str, list[str]] = {}
    for c in changes:
        word = {"added": "new"}.get(c.kind, c.kind)
        marks.setdefault(c.key, []).append(word)
    return marks


def diff_view(saved: list[PlanRow], rows: list[PlanRow], changes: list[PlanChange],
              width: int) -> Group:
    """U-11: the saved plan beside the plan after saving, then each change as
    before → after per field."""
    marks = marks_of(changes)
    removed = {c.key for c in changes if c.kind == "deleted"}
    col = max((width - 3) // 2, 20)
    money = max((len(format_money(r.amount_cents)) for r in [*saved, *rows]), default=5)
    number = len(str(max(len(saved), len(rows), 1)))

    marks_width = max([len(", ".join(m)) for m in marks.values()] + [len("removed")])
    longest = max((len(r.title) for r in [*saved, *rows]), default=4)
    # Titles as wide as the longest (a wide terminal need not spread the columns).
    title_room = max(min(col - number - money - marks_width - 3, longest), 4)

    def line(pos: int, r: PlanRow, mark: str) -> Text:
        text = Text(f"{pos:>{number}} ")
        text.append(clip(shown(r.title), title_room).ljust(title_room),
                    style="strike" if mark == "removed" else "")
        text.append(f" {format_money(r.amount_cents):>{money}}")
        if mark:
            text.append(f" {mark}", style="bold")
        return text

    left = Text("\n").join(
        [Text("Saved plan", style="bold underline")]
        + [line(r.position, r, "removed" if r.key in removed else
                ("locked" if not r.is_future else "")) for r in saved])
    right = Text("\n").join(
        [Text("After saving", style="bold underline")]
        + [line(i + 1, r, ("locked" if not r.is_future else
                           ", ".join(marks.get(r.key, [])))) for i, r in enumerate(rows)])
    side = Table.grid(padding=(0, 3))
    side.add_column(width=col, no_wrap=True)
    side.add_column(width=col, no_wrap=True)
    side.add_row(left, right)

    listed = Table.grid(padding=(0, 1))
    listed.add_column(no_wrap=True, style="bold")
    listed.add_column(ratio=1)
    order = {"added": 0, "deleted": 1, "moved": 2, "edited": 3}
    for c in sorted(changes, key=lambda c: order.get(c.kind, 9)):
        if c.kind == "moved":
            b, a = c.fields["position"]
            what = Text.assemble(f"“{shown(c.title)}”: ", (f"{b} → {a}", "bold"))
        elif c.kind == "edited":
            what = Text(f"“{shown(c.title)}”")
            for name, (b, a) in c.fields.items():
                what.append("\n  " + shown(describe_field(name, b, a)))
        elif c.kind == "added":
            r = next((r for r in rows if r.key == c.key), None)
            what = Text(f"“{shown(c.title)}”")
            if r is not None:
                what.append(f"  {show_value('amount_cents', r.amount_cents)}, due "
                            f"{show_value('due_date', r.due_date)}")
        else:
            what = Text(f"“{shown(c.title)}”")
        listed.add_row({"deleted": "removed"}.get(c.kind, c.kind), what)
    n = len(changes)
    heading = Text(f"{n} pending change{'s' if n != 1 else ''}" if n else
                   "No pending changes: the plan is as saved.", style="bold")
    intro = Text("Show changes (U-11): the saved plan beside the plan after saving; "
                 "c or escape goes back to the list.", style="dim")
    return Group(intro, Text(""), side, Text(""), heading, listed)
