"""Curators' accounts: add one (password from a prompt or stdin), list them, disable one.

katdir users add EMAIL --role curator|admin   (the password is asked for, or read from
                                               the first line of standard input)
katdir users list
katdir users disable EMAIL
"""

from __future__ import annotations

import argparse
import getpass
import sys

from katdir.cli.base import CommandError
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="add an account (the password is never an argument)")
    add.add_argument("email")
    add.add_argument("--role", choices=("curator", "admin"), required=True)
    sub.add_parser("list", help="every account: email, role, enabled or not")
    disable = sub.add_parser(
        "disable", help="disable an account: its tokens and sessions stop working at once"
    )
    disable.add_argument("email")


def read_password(prompt: str = "Password: ") -> str:
    """From the terminal (asked twice), or the first line of standard input (scripts)."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise CommandError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    if not line:
        raise CommandError("no password: type it at the prompt, or give it on standard input")
    return line.rstrip("\r\n")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from katdir.curator.accounts import (
        AccountError,
        add_account,
        disable_account,
        list_accounts,
    )
    from katdir.store import open_store

    with open_store(settings) as store:
        try:
            if args.action == "add":
                account = add_account(store, args.email, args.role, read_password())
                print(f"added {account.email} ({account.role})", file=sys.stderr)
            elif args.action == "disable":
                account = disable_account(store, args.email)
                print(f"disabled {account.email}", file=sys.stderr)
            else:
                accounts = list_accounts(store)
                for account in accounts:
                    state = "disabled" if account.disabled else "enabled"
                    print(
                        f"{account.email}\t{account.role}\t{state}\t"
                        f"{account.created_at.date().isoformat()}"
                    )
                print(f"{len(accounts)} account(s)", file=sys.stderr)
        except AccountError as err:
            raise CommandError(str(err)) from None
    return 0
