"""`milestones export` (tui/cli/export.py): CSV, JSON and JSON lines, to stdout or a file,
only what the caller may see, and spreadsheet formulas kept inert."""
from __future__ import annotations

import csv
import io
import json

import pytest

from models.db import sqlite_url
from rules.timetravel import mark_demo
from tui.cli.export import with_progress
from tui.export_files import safe_cell
from tui.main import main


@pytest.fixture
def demo_url(world, tmp_path):
    mark_demo()  # --as on the world's database
    return sqlite_url(tmp_path / "test.db")


def test_csv_json_and_jsonl_carry_the_same_rows(demo_url, capsys, world):
    outputs = {}
    for fmt in ("csv", "json", "jsonl"):
        assert main(["--db", demo_url, "export", "ledger", "--as", "ada", "--format", fmt]) == 0
        outputs[fmt] = capsys.readouterr().out
    from_csv = list(csv.DictReader(io.StringIO(outputs["csv"])))
    from_json = json.loads(outputs["json"])
    from_jsonl = [json.loads(line) for line in outputs["jsonl"].splitlines()]
    assert len(from_csv) == len(from_json) == len(from_jsonl) > 0
    assert [int(r["amount_cents"]) for r in from_csv] == [r["amount_cents"] for r in from_json]
    assert from_json == from_jsonl
    assert {r["contract"] for r in from_json} <= {world.website.id, world.logo.id,
                                                  world.mobile.id}  # ada's only


def test_G07_an_export_of_another_partys_contract_is_refused(demo_url, capsys, world):
    assert main(["--db", demo_url, "export", "timeline", "--as", "ada", "--contract",
                 str(world.pipeline.id)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "[G-07]" in captured.err


def test_to_a_file_with_a_count_and_an_empty_json_list(demo_url, capsys, tmp_path):
    target = tmp_path / "audit.jsonl"
    assert main(["--db", demo_url, "export", "audit", "--as", "sam", "--format", "jsonl",
                 "-o", str(target)]) == 0
    lines = target.read_text().splitlines()
    assert lines and all(json.loads(line)["hash"] for line in lines)
    assert f"{len(lines):,} audit rows written" in capsys.readouterr().err
    assert main(["--db", demo_url, "export", "contracts", "--as", "ada", "--format", "json",
                 "--since", "2030-01-01"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_title_that_looks_like_a_formula_stays_text():
    assert safe_cell("title", "=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    assert safe_cell("title", "Logo") == "Logo"
    assert safe_cell("amount", "-12.00") == "-12.00"  # a number, not user text


def test_the_progress_bar_counts_on_stderr():
    err = io.StringIO()
    rows = list(with_progress(({"n": i} for i in range(12_000)), 12_000, err))
    assert len(rows) == 12_000
    shown = err.getvalue()
    assert "5,000 of 12,000 rows (41%)" in shown and shown.endswith("12,000 of 12,000 rows (100%)\n")
