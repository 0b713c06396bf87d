"""Reading an import file into rows (pure: no database). rules/import_check.py checks
the rows; rules/importer.py writes them.

A file is CSV (a header line, then one milestone a line) or JSON (a list of objects
with the same keys as the CSV's columns, one object a milestone). Every problem is
collected with where it is, never raised: the user gets all of them at once.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from rules.errors import INPUT

FORMATS = ("csv", "json")
MAX_ROWS = 100_000  # a bound on memory; 10x the size the issue asks to import at once
MAX_FIELD = 100_000  # characters in one CSV field (csv's own default limit is 131,072)

# Contract-level columns repeat on every row of a contract (a later row may leave them
# empty); the others describe the row's milestone.
CONTRACT_COLUMNS = ("contract", "title", "policy", "counterpart", "end_date", "funding")
MILESTONE_COLUMNS = ("milestone_title", "amount", "due", "milestone_description",
                     "revisions", "criteria")
OPTIONAL_CONTRACT_COLUMNS = ("end_date", "funding")  # funding: one at a time when empty
COLUMNS = CONTRACT_COLUMNS + MILESTONE_COLUMNS
REQUIRED = ("contract", "title", "policy", "counterpart", "milestone_title", "amount")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, and where: `line` (1-based, 0 for the file as a
    whole); for CSV the column's number and name, for JSON the row's index and key."""
    line: int
    message: str
    rule: str = INPUT
    column: str = ""     # the column name (CSV) or key (JSON)
    number: int = 0      # CSV: the column's 1-based number
    index: int = -1      # JSON: the row's 0-based index in the list

    def where(self, name: str) -> str:
        at = f"{name}:{self.line}" if self.line else name
        if self.number:
            return f"{at}:{self.number}: {self.column}"
        if self.index >= 0:
            return f"{at}: [{self.index}]" + (f".{self.column}" if self.column else "")
        return f"{at}: {self.column}" if self.column else at

    def render(self, name: str) -> str:
        """`contracts.csv:14:6: amount: message [G-01]`."""
        return f"{self.where(name)}: {self.message} [{self.rule}]"


@dataclass
class Row:
    """One milestone row: its values by column (stripped text, "" when absent), the line
    it starts on, and how to name one of its cells in a Problem."""
    line: int
    values: dict[str, str]
    numbers: dict[str, int] = field(default_factory=dict)  # CSV: column -> number
    index: int = -1                                          # JSON: position in the list
    broken: set[str] = field(default_factory=set)  # cells already reported: check no more

    def problem(self, column: str, message: str, rule: str = INPUT) -> Problem:
        return Problem(self.line, message, rule, column=column,
                       number=self.numbers.get(column, 0), index=self.index)


def detect_format(name: str, given: str | None = None) -> str | None:
    """`given` (--format), else the file's extension; None if neither says."""
    if given:
        return given
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix if suffix in FORMATS else None


def decode(data: bytes) -> tuple[str, list[Problem]]:
    """UTF-8 with or without a BOM. Each line holding bytes that are not UTF-8 is a
    problem (at the first such byte); they read as U+FFFD so the rest is still checked."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    problems = []
    for n, line in enumerate(data.split(b"\n"), 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(n, f"byte 0x{line[exc.start]:02X} at column "
                                       f"{exc.start + 1} is not UTF-8: save the file as "
                                       "UTF-8", "T-05"))
    return data.decode("utf-8", errors="replace"), problems


def read_rows(text: str, fmt: str) -> tuple[list[Row], list[Problem]]:
    rows, problems = (read_csv if fmt == "csv" else read_json)(text)
    if len(rows) > MAX_ROWS:
        problems.append(Problem(0, f"the file has {len(rows):,} rows; at most {MAX_ROWS:,} "
                                   "are imported at once: split it"))
    return rows, problems


def _header(names: list[str], line: int) -> tuple[dict[str, int], list[Problem]]:
    """Column name -> 0-based position; unknown, repeated and missing columns."""
    positions: dict[str, int] = {}
    problems = []
    for i, raw in enumerate(names):
        name = raw.strip().lower()
        if name not in COLUMNS:
            problems.append(Problem(line, f"unknown column (the columns are "
                                          f"{', '.join(COLUMNS)})", column=name[:40],
                                    number=i + 1))
        elif name in positions:
            problems.append(Problem(line, "this column appears twice", column=name,
                                    number=i + 1))
        else:
            positions[name] = i
    problems += [Problem(line, f"missing column “{name}”") for name in REQUIRED
                 if name not in positions]
    return positions, problems


def read_csv(text: str) -> tuple[list[Row], list[Problem]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[Row] = []
    problems: list[Problem] = []
    positions: dict[str, int] | None = None
    width = 0
    last_line = 0
    csv.field_size_limit(MAX_FIELD)
    while True:
        start = last_line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(start, f"malformed CSV: {exc}"))
            last_line = reader.line_num
            continue
        last_line = reader.line_num
        if not record or record == [""]:
            continue  # a blank line
        if positions is None:
            positions, found = _header(record, start)
            problems += found
            width = len(record)
            continue
        if len(record) != width:
            problems.append(Problem(start, f"this row has {len(record)} fields; the header "
                                           f"has {width}"))
            continue
        rows.append(Row(start, {name: record[i] for name, i in positions.items()},
                        numbers={name: i + 1 for name, i in positions.items()}))
    if positions is None and not problems:
        problems.append(Problem(0, "the file is empty: it needs a header line and a row "
                                   "per milestone"))
    return rows, problems


def _line_of(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _cell(row: Row, key: str, value: object) -> tuple[str, Problem | None]:
    """A JSON value as the text a CSV cell would hold: numbers as written (parsed as
    text, never through float), null as empty; anything else is a problem (T-06)."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    what = {bool: "true or false", list: "a list", dict: "an object"}.get(type(value),
                                                                       type(value).__name__)
    return "", row.problem(key, f"must be text or a number, not {what}", "T-06")


def read_json(text: str) -> tuple[list[Row], list[Problem]]:
    """A JSON list of row objects. Each row is decoded on its own (raw_decode) so that
    its line is known; an invalid document is one problem at its line and column."""
    decoder = json.JSONDecoder(parse_float=str, parse_int=str)
    ws = " \t\r\n"
    pos = len(text) - len(text.lstrip(ws))
    if not text.startswith("[", pos):
        return [], [Problem(_line_of(text, pos)[0] if text.strip() else 0,
                            "the JSON file must be a list of rows: [{\"contract\": ..., "
                            "\"milestone_title\": ...}, ...]")]
    rows: list[Row] = []
    problems: list[Problem] = []
    pos += 1
    index = 0
    try:
        while True:
            while pos < len(text) and text[pos] in ws:
                pos += 1
            if text.startswith("]", pos) and index == 0:
                pos += 1
                break
            line, _ = _line_of(text, pos)
            value, pos = decoder.raw_decode(text, pos)
            row = Row(line, {}, index=index)
            if not isinstance(value, dict):
                problems.append(Problem(line, "each row must be an object", index=index))
            else:
                problems += _json_row(row, value)
                rows.append(row)
            index += 1
            while pos < len(text) and text[pos] in ws:
                pos += 1
            if text.startswith(",", pos):
                pos += 1
            elif text.startswith("]", pos):
                pos += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
        if text[pos:].strip(ws):
            raise json.JSONDecodeError("Extra data", text, pos + len(text[pos:]) -
                                       len(text[pos:].lstrip(ws)))
    except json.JSONDecodeError as exc:
        problems.append(Problem(exc.lineno, f"invalid JSON at column {exc.colno}: {exc.msg}"))
    if not rows and not problems:
        problems.append(Problem(0, "the file has no rows"))
    return rows, problems


def _json_row(row: Row, obj: dict) -> list[Problem]:
    problems = []
    for key, value in obj.items():
        if key not in COLUMNS:
            problems.append(row.problem(str(key)[:40], f"unknown key (the keys are "
                                                       f"{', '.join(COLUMNS)})"))
            continue
        row.values[key], bad = _cell(row, key, value)
        if bad:
            row.broken.add(key)
            problems.append(bad)
    return problems  # a key left out is an empty cell: rules/import_check.py says if it may be
