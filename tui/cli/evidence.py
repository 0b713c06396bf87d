"""`milestones evidence MILESTONE [-o FILE]`: one milestone's evidence bundle (X-35) as
JSON: its acceptance criteria against the latest evidence, every submission, the
messages of its timeline and the audit records about it with their hashes, for a
dispute after the review period. For the parties and support only (G-07)."""
from __future__ import annotations

import argparse
import json
import sys

from tui.cli.common import actor_option, database_option, refusals
from tui.cli.contracts import acting
from tui.cli.export import output


def register(commands) -> None:
    evidence = commands.add_parser(
        "evidence", parents=[database_option(), actor_option()],
        help="one milestone's criteria, submissions, messages and audit records (JSON)")
    evidence.add_argument("milestone", metavar="MILESTONE", type=int)
    evidence.add_argument("-o", "--output", metavar="FILE", help="a file instead of stdout")
    evidence.set_defaults(func=run)


@refusals
def run(args: argparse.Namespace) -> int:
    from rules.evidence import evidence_bundle
    bundle = evidence_bundle(acting(args), args.milestone)
    with output(args.output) as out:
        # ASCII only: user text in the bundle cannot reach a terminal as control codes.
        json.dump(bundle, out, indent=2, ensure_ascii=True)
        out.write("\n")
    if args.output:
        print(f"The evidence of milestone #{args.milestone} was written to {args.output}.",
              file=sys.stderr)
    return 0
