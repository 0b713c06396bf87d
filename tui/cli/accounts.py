"""`milestones accounts ...`: the operator's commands for accounts, SSH keys and
passwords (rules/accounts.py). Run on the host that holds the database credentials;
every change is an audit record naming the OS user who ran it (I-09)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tui.cli.common import CommandLineError, args_url, database_option, open_db, refusals
from tui.cli.output import plain_table

ROLES = ("client", "freelancer", "agent")


def register(commands) -> None:
    db = database_option()
    accounts = commands.add_parser("accounts", parents=[db],
                                   help="add, list, disable and enable accounts; their SSH "
                                        "keys and passwords (operators)")
    verbs = accounts.add_subparsers(dest="accounts_command", metavar="ACCOUNTS_COMMAND",
                                    required=True)
    add = verbs.add_parser("add", parents=[db], help="add an account")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--name", required=True, help="the name others see")
    add.add_argument("--timezone", default=None,
                     help="e.g. Europe/Berlin (default: $MILESTONES_TIMEZONE, else the "
                          "config file's timezone, else UTC)")
    add.add_argument("--os-user", metavar="NAME",
                     help="the OS user who acts as this account in a local shell")
    add.set_defaults(func=run_add)
    listing = verbs.add_parser("list", parents=[db], help="every account")
    listing.add_argument("--json", action="store_true", help="JSON for scripts")
    listing.set_defaults(func=run_list)
    for verb, disabled in (("disable", True), ("enable", False)):
        toggle = verbs.add_parser(verb, parents=[db],
                                  help="disable an account (it cannot log in; its open "
                                       "sessions end)" if disabled else "enable it again")
        toggle.add_argument("login")
        toggle.set_defaults(func=run_toggle, disabled=disabled)
    bind = verbs.add_parser("bind", parents=[db],
                            help="bind an account to an OS user (a local shell acts as it)")
    bind.add_argument("login")
    bind.add_argument("os_user", metavar="OS_USER")
    bind.set_defaults(func=run_bind)
    password = verbs.add_parser("password", parents=[db],
                                help="set the account's password for the web login "
                                     "(prompted; read from stdin when it is not a terminal)")
    password.add_argument("login")
    password.set_defaults(func=run_password)
    register_keys(verbs, db)


def register_keys(verbs, db: argparse.ArgumentParser) -> None:
    key = verbs.add_parser("key", parents=[db], help="SSH public keys of an account")
    key_verbs = key.add_subparsers(dest="key_command", metavar="KEY_COMMAND", required=True)
    add = key_verbs.add_parser("add", parents=[db], help="add a public key (FILE.pub, or - "
                                                         "for stdin)")
    add.add_argument("login")
    add.add_argument("file", metavar="FILE.pub")
    add.set_defaults(func=run_key_add)
    listing = key_verbs.add_parser("list", parents=[db], help="the account's keys")
    listing.add_argument("login")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=run_key_list)
    remove = key_verbs.add_parser("remove", parents=[db], help="remove a key by fingerprint")
    remove.add_argument("login")
    remove.add_argument("fingerprint", metavar="SHA256:...")
    remove.set_defaults(func=run_key_remove)


def operator():
    from rules.accounts import Operator
    from tui.cli.acting import current_os_user
    return Operator(current_os_user())


@refusals
def run_add(args: argparse.Namespace) -> int:
    from rules.accounts import add_account
    open_db(args_url(args))
    account = add_account(operator(), args.login, args.role, args.name,
                          timezone=new_account_timezone(args.timezone), os_user=args.os_user)
    bound = f", bound to the OS user {account.os_user}" if account.os_user else ""
    print(f"Added {account.role} {account.login} ({account.display_name}){bound}.")
    return 0


TIMEZONE_ENV = "MILESTONES_TIMEZONE"


def new_account_timezone(given: str | None) -> str:
    """Flag > environment > config file > UTC."""
    import os

    from tui.config import load_config
    return given or os.environ.get(TIMEZONE_ENV) or load_config().timezone or "UTC"


def account_row(a) -> dict:
    return dict(login=a.login, name=a.display_name, role=a.role, timezone=a.timezone,
                os_user=a.os_user, disabled=bool(a.disabled),
                has_password=bool(a.password_hash), keys=a.key_count)


@refusals
def run_list(args: argparse.Namespace) -> int:
    from peewee import JOIN, fn

    from models.accounts import Account, AccountKey
    from models.vocabulary import Role
    open_db(args_url(args))
    rows = [account_row(a) for a in
            Account.select(Account, fn.COUNT(AccountKey.id).alias("key_count"))
            .join(AccountKey, JOIN.LEFT_OUTER).where(Account.role != Role.SYSTEM)
            .group_by(Account.id).order_by(Account.role, Account.login)]
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
        return 0
    print(plain_table(["login", "role", "name", "os user", "keys", "password", "state"],
                [[r["login"], r["role"], r["name"], r["os_user"] or "-", str(r["keys"]),
                  "yes" if r["has_password"] else "no",
                  "disabled" if r["disabled"] else "enabled"] for r in rows]))
    return 0


@refusals
def run_toggle(args: argparse.Namespace) -> int:
    from rules.accounts import set_disabled
    open_db(args_url(args))
    account = set_disabled(operator(), args.login, args.disabled)
    print(f"{account.login} is {'disabled' if account.disabled else 'enabled'}.")
    return 0


@refusals
def run_bind(args: argparse.Namespace) -> int:
    from rules.accounts import bind_os_user
    open_db(args_url(args))
    account = bind_os_user(operator(), args.login, args.os_user)
    print(f"{account.login} is bound to the OS user {account.os_user}.")
    return 0


def read_password() -> str:
    if not sys.stdin.isatty():  # a script: the first line of stdin, never an argument
        return sys.stdin.readline().rstrip("\r\n")
    import getpass
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise CommandLineError("The two passwords differ; nothing was changed.")
    return first


@refusals
def run_password(args: argparse.Namespace) -> int:
    from rules.accounts import account_named, set_password
    open_db(args_url(args))
    account_named(args.login)  # a typo is said before the password is asked for
    set_password(operator(), args.login, read_password())
    print(f"The password of {args.login} is set.")
    return 0


def read_key(name: str) -> str:
    if name == "-":
        return sys.stdin.readline()
    path = Path(name)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise CommandLineError(f"Cannot read {name}: {exc.strerror}.") from exc
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if len(lines) != 1:
        raise CommandLineError(f"{name} should hold one public key line (the .pub file); "
                               f"it has {len(lines)}.")
    return lines[0]


@refusals
def run_key_add(args: argparse.Namespace) -> int:
    from rules.accounts import add_key
    open_db(args_url(args))
    row = add_key(operator(), args.login, read_key(args.file))
    print(f"Added {row.algorithm} key {row.fingerprint} to {args.login}.")
    return 0


@refusals
def run_key_list(args: argparse.Namespace) -> int:
    from rules.accounts import list_keys
    open_db(args_url(args))
    keys = [dict(fingerprint=k.fingerprint, algorithm=k.algorithm, comment=k.comment,
                 added=k.created_at.isoformat() + "Z") for k in list_keys(args.login)]
    if args.json:
        json.dump(keys, sys.stdout, indent=2)
        print()
    else:
        print(plain_table(["fingerprint", "type", "comment", "added (UTC)"],
                    [[k["fingerprint"], k["algorithm"], k["comment"] or "-",
                      k["added"][:16].replace("T", " ")] for k in keys]))
    return 0


@refusals
def run_key_remove(args: argparse.Namespace) -> int:
    from rules.accounts import remove_key
    open_db(args_url(args))
    remove_key(operator(), args.login, args.fingerprint)
    print(f"Removed the key {args.fingerprint} from {args.login}.")
    return 0
