"""Issue 17, a lint: no screen hands a string built from user data to an API that parses
markup. Static/Label/Option/Static.update, DataTable and Rich table cells (add_row,
update_cell) and notify (unless markup=False) read a str as markup, so `[/x]` in a title
crashes the screen and `[blink]` blinks. User text goes through tui/safe_text.py
(`user_text`, `user_content`, `notify_plain`) or is escaped.

"Built from user data" is judged by name: an f-string, a `+` or a `.format` whose parts
read a field that holds user text (a title, a name, a message...). A plain variable is
let through (it is usually a Text already); an f-string part wrapped in escape() or
shown()... is still flagged for notify unless markup=False, since notify parses markup.
"""
from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "tui"

# Calls that parse a str argument as markup.
MARKUP_CALLS = {"Static", "Label", "Option", "update", "add_row", "update_cell", "notify",
                "add_option"}
# Fields and names that hold what users typed (rules' views: ContractSummary,
# MilestoneView, RequestView, TimelineEntry, AuditEntry, NotificationView, Account).
USER_FIELDS = {"title", "display_name", "message", "summary", "reason", "description",
               "link", "login", "search", "target", "comment", "author_name",
               "contract_title", "actor_name", "actor_login", "client_name",
               "freelancer_name", "current_title", "answer_message", "milestone_title",
               "party", "claims"}
# Wrappers that make user text safe inside markup.
ESCAPES = {"escape", "_escape"}
KNOWN: set[tuple[str, str, str]] = set()  # none left: tui/app.py's notifications are plain


def _reads_user_field(node: ast.AST) -> str | None:
    # `message.travelled_to` reads travelled_to: a name counts only as the whole value.
    owners = {id(sub.value) for sub in ast.walk(node) if isinstance(sub, ast.Attribute)}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in USER_FIELDS:
            return ast.unparse(sub)
        if isinstance(sub, ast.Name) and sub.id in USER_FIELDS and id(sub) not in owners:
            return sub.id
    return None


def _escaped(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in ESCAPES)


def _user_markup(arg: ast.AST, *, escapes_count: bool) -> str | None:
    """The user field a str argument is built from, unescaped; None if it is not."""
    if isinstance(arg, ast.JoinedStr):
        for part in arg.values:
            if isinstance(part, ast.FormattedValue):
                if escapes_count and _escaped(part.value):
                    continue
                if (found := _reads_user_field(part.value)) is not None:
                    return found
        return None
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Add):
        return (_user_markup(arg.left, escapes_count=escapes_count)
                or _user_markup(arg.right, escapes_count=escapes_count)
                or (None if escapes_count and (_escaped(arg.left) or _escaped(arg.right))
                    else _bare_user_field(arg)))
    if (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute)
            and arg.func.attr == "format"):
        return next(filter(None, (_reads_user_field(a) for a in arg.args)), None)
    return None


def _bare_user_field(node: ast.BinOp) -> str | None:
    for side in (node.left, node.right):
        if isinstance(side, (ast.Attribute, ast.Name)):
            if (found := _reads_user_field(side)) is not None:
                return found
    return None


def findings() -> set[tuple[str, str, str]]:
    out = set()
    for path in sorted(TUI.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in MARKUP_CALLS:
                continue
            plain = any(k.arg == "markup" and isinstance(k.value, ast.Constant)
                        and k.value.value is False for k in call.keywords)
            if plain:
                continue
            args = list(call.args) + [k.value for k in call.keywords
                                      if k.arg in ("title", "prompt", "content")]
            for arg in args:
                # notify has no markup=False here: even an escaped part is parsed, but
                # escape() keeps it text, so escapes count everywhere.
                found = _user_markup(arg, escapes_count=True)
                if name == "notify" and found is None and isinstance(arg, (ast.Attribute, ast.Name)):
                    found = _reads_user_field(arg)
                if found is not None:
                    out.add((str(path.relative_to(TUI)), name, found))
    return out


def test_no_screen_hands_user_text_to_a_markup_parser():
    found = findings() - KNOWN
    assert found == set(), ("user text passed as markup (use tui/safe_text.py, or "
                            f"escape): {sorted(found)}")


def test_the_lint_catches_what_it_is_for(tmp_path, monkeypatch):
    """It must fail on the bug of the issue: a title handed to Static, notify, add_row."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def show(self, m, d, s):\n"
        "    self.query_one(Static).update(f'#{d.id} {d.title}')\n"
        "    self.notify(s.summary)\n"
        "    table.add_row('x' + m.title)\n"
        "    Static(f'{escape(m.title)}')\n"             # escaped: fine
        "    self.notify(f'{m.title}', markup=False)\n")  # no markup: fine
    monkeypatch.setattr(__import__(__name__), "TUI", tmp_path)
    assert findings() == {("bad.py", "update", "d.title"), ("bad.py", "notify", "s.summary"),
                          ("bad.py", "add_row", "m.title")}
