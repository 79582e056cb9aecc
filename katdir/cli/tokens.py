"""API tokens for the curator API: `katdir tokens create EMAIL` prints a new one, once, on the
last line (only its hash is kept: store it now)."""

from __future__ import annotations

import argparse
import sys

from katdir.cli.base import CommandError
from katdir.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="a new token for an enabled account")
    create.add_argument("email")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from katdir.curator.accounts import AccountError, create_token
    from katdir.store import open_store

    with open_store(settings) as store:
        try:
            token = create_token(store, args.email)
        except AccountError as err:
            raise CommandError(str(err)) from None
    print(
        f"a new API token for {args.email.strip().lower()} (shown once; send it as "
        "'Authorization: Bearer <token>'):",
        file=sys.stderr,
    )
    print(token)
    return 0
