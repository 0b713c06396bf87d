"""`milestones config path | show`: where the config file is, and what is in force."""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from tui.cli.common import refusals


def register(commands) -> None:
    config = commands.add_parser("config", help="where the config file is (path), and the "
                                                "settings in force (show)")
    verbs = config.add_subparsers(dest="config_command", metavar="CONFIG_COMMAND",
                                  required=True)
    verbs.add_parser("path", help="print the config file's path").set_defaults(func=run_path)
    show = verbs.add_parser("show", help="print the settings in force, with where each "
                                         "comes from")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)


@refusals
def run_path(args: argparse.Namespace) -> int:
    from tui.config import config_path
    print(config_path())
    return 0


@refusals
def run_show(args: argparse.Namespace) -> int:
    from tui.cli.common import database_url
    from tui.cli.start import sweep_every
    from tui.config import load_config
    config = load_config()
    settings = asdict(config)
    settings["path"] = str(config.path)
    settings["exists"] = config.path.is_file()
    settings["in_force"] = {"database": database_url(None), "sweep_every": sweep_every(None)}
    if args.json:
        print(json.dumps(settings, indent=2))
        return 0
    print(f"# {config.path}" + ("" if settings["exists"] else " (not there: defaults)"))
    for key in ("database", "theme", "timezone", "sweep_every"):
        print(f"{key} = {settings[key]!r}")
    for table in ("ssh", "web", "keymap"):
        print(f"[{table}]")
        for key, value in settings[table].items():
            print(f"{key} = {value!r}")
    print("# in force (flags aside):")
    for key, value in settings["in_force"].items():
        print(f"{key} = {value!r}")
    return 0
