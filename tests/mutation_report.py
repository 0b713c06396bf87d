"""`make mutation`'s score per module, from what `mutmut run` left in mutants/.

Score as mutmut counts it: (killed + timeout) / (mutants - skipped). Timeouts are shown
apart: on a busy machine a slow survivor can time out, so a score made of timeouts is
worth a second run. Not a test (pytest collects test_*.py only).

    .venv/bin/python tests/mutation_report.py [--survivors]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

KILLED = {1, 3}
TIMEOUT = {24, -24, 36, 152, 255}
SKIPPED = {34}
NOT_RUN = {None, 2}


def module_rows(root: Path) -> list[tuple[str, dict[str, int], list[str]]]:
    rows = []
    for meta in sorted(root.glob("rules/*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        count = {"mutants": len(codes), "killed": 0, "timeout": 0, "survived": 0,
                 "no tests": 0, "skipped": 0, "not run": 0, "other": 0}
        survivors = []
        for key, code in sorted(codes.items(), key=lambda kv: _order(kv[0])):
            kind = ("killed" if code in KILLED else "timeout" if code in TIMEOUT
                    else "skipped" if code in SKIPPED else "not run" if code in NOT_RUN
                    else "survived" if code == 0 else "no tests" if code in (5, 33)
                    else "other")
            count[kind] += 1
            if kind in ("survived", "no tests"):
                survivors.append(key)
        rows.append((meta.name.removesuffix(".meta"), count, survivors))
    return rows


def _order(key: str) -> tuple[str, int]:
    name, _, number = key.rpartition("__mutmut_")
    return name, int(number) if number.isdigit() else 0


def score(count: dict[str, int]) -> float | None:
    tested = count["mutants"] - count["skipped"] - count["not run"]
    return None if tested <= 0 else 100 * (count["killed"] + count["timeout"]) / tested


def main(argv: list[str]) -> int:
    rows = module_rows(Path("mutants"))
    if not rows:
        print("No results in mutants/: run `make mutation` first.")
        return 1
    print(f"{'module':<22}{'mutants':>8}{'killed':>8}{'timeout':>8}{'survived':>9}"
          f"{'no test':>8}{'not run':>8}{'score':>8}")
    for name, c, _ in rows:
        s = score(c)
        print(f"{name:<22}{c['mutants']:>8}{c['killed']:>8}{c['timeout']:>8}"
              f"{c['survived']:>9}{c['no tests']:>8}{c['not run']:>8}"
              f"{'-' if s is None else f'{s:.1f}%':>8}")
    if "--survivors" in argv:
        for name, _, survivors in rows:
            for key in survivors:
                print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
