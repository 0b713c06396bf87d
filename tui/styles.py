"""Where screens.css is: the one file of styles, at the top of a checkout, or where the
wheel put it (`<prefix>/share/milestones/`, pyproject's data-files)."""
from __future__ import annotations

import site
import sys
import sysconfig
from pathlib import Path

NAME = "screens.css"


def stylesheet_path() -> Path:
    checkout = Path(__file__).resolve().parent.parent / NAME
    if checkout.is_file():
        return checkout
    bases = [sys.prefix, sysconfig.get_path("data"), getattr(site, "USER_BASE", None)]
    for base in filter(None, bases):
        installed = Path(base) / "share" / "milestones" / NAME
        if installed.is_file():
            return installed
    return checkout  # Textual's error then names the file it looked for
