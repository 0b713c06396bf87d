"""Exported rows as files: CSV (formula-safe), JSON and JSON lines, written a row at a
time, for `milestones export` and the TUI's `E` alike."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Iterator

FORMATS = ("csv", "json", "jsonl")
# Text a user typed: a spreadsheet would run a cell that starts like a formula.
TEXT_FIELDS = frozenset({"title", "summary", "reason", "target", "before", "after"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(name: str, value):
    if name in TEXT_FIELDS and isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(columns: tuple[str, ...], rows: Iterator[tuple], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    text = [i for i, name in enumerate(columns) if name in TEXT_FIELDS]
    n = 0
    for row in rows:
        if text:
            row = list(row)
            for i in text:
                row[i] = safe_cell(columns[i], row[i])
        writer.writerow(row)
        n += 1
    return n


def write_jsonl(columns: tuple[str, ...], rows: Iterator[tuple], out: IO[str]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(dict(zip(columns, row)), ensure_ascii=False) + "\n")
        n += 1
    return n


def write_json(columns: tuple[str, ...], rows: Iterator[tuple], out: IO[str]) -> int:
    n = 0
    out.write("[")
    for row in rows:
        out.write((",\n  " if n else "\n  ")
                  + json.dumps(dict(zip(columns, row)), ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


WRITERS = {"csv": write_csv, "json": write_json, "jsonl": write_jsonl}


class ExportFileError(Exception):
    """The file could not be written: its message says why, in a sentence."""


def write_export(actor, kind: str, fmt: str, path: str, **scope) -> int:
    """Write `kind` rows `actor` may see (rules.export, G-07) to a new file at `path`;
    the number of rows. An existing file is never replaced: a typo must not cost a
    report. The rules check (and may refuse) before the file is made."""
    from rules.export import export_table
    columns, rows = export_table(actor, kind, **scope)
    target = Path(path).expanduser()
    try:
        handle = open(target, "x", encoding="utf-8", newline="")
    except FileExistsError:
        raise ExportFileError(f"{target} exists already: choose another name.") from None
    except OSError as exc:
        raise ExportFileError(f"Cannot write {target}: {exc.strerror}.") from None
    with handle:
        return WRITERS[fmt](columns, rows, handle)


def write_evidence(actor, milestone_id: int, path: str, *, clock=None) -> tuple[bool, str]:
    """X-35 from the room: one milestone's evidence bundle (rules.evidence, G-07) as a
    new JSON file, ASCII only, as `milestones evidence` writes it. (True, what was
    written) or (False, why not); a refusal of the rules is raised."""
    from rules.evidence import evidence_bundle
    bundle = evidence_bundle(actor, milestone_id)
    target = Path(path).expanduser()
    try:
        with open(target, "x", encoding="utf-8") as handle:
            json.dump(bundle, handle, indent=2, ensure_ascii=True)
            handle.write("\n")
    except FileExistsError:
        return False, f"{target} exists already: choose another name."
    except OSError as exc:
        return False, f"Cannot write {target}: {exc.strerror}."
    return True, f"The evidence of “{bundle['milestone']['title']}” was written to {target}."
