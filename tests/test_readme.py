"""The README documents the repository from inside it: every link and picture it shows
is a file of the repository (a clone has nothing beside it), and none is missing."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def test_every_link_of_the_readme_is_a_file_of_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)
               and not t.startswith("#")]
    assert len([t for t in targets if t.endswith(".svg")]) >= 5  # the screenshots
    for target in targets:
        path = (ROOT / unquote(target.split("#")[0])).resolve()
        assert path.is_relative_to(ROOT), f"README points outside the repository: {target}"
        assert path.is_file(), f"README shows a file that is not there: {target}"
