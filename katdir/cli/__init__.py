"""The `katdir` command: the top layer, which may call every stage.

Each command is one module of this package (like Scrapy's `commands/`): a docstring whose
first line is its help, `add_arguments(parser)` and `run(args, settings) -> exit status`.
`COMMANDS` is the table of names and modules; nothing below the CLI imports it.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from types import ModuleType

from katdir.cli.base import CommandError

log = logging.getLogger("katdir")

# command name → module in katdir.cli, in the order `katdir --help` lists them
COMMANDS: dict[str, str] = {
    "demo": "demo",
    "crawl": "crawl",
    "extract": "extract",
    "index": "index",
    "queue": "queue",
    "dedupe-eval": "dedupe_eval",
    "import": "import_clinics",
    "export": "export",
    "geocode": "geocode",
    "serve": "serve",
    "evaluate": "evaluate",
    "rebuild": "rebuild",
    "config": "config",
    "users": "users",
    "tokens": "tokens",
    "refresh": "refresh",
    "backup": "backup",
    "restore": "restore",
}


def command_module(name: str) -> ModuleType:
    return importlib.import_module(f"katdir.cli.{COMMANDS[name]}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="katdir",
        description="A directory and near-me search for ketamine-assisted therapy clinics. "
        "Settings come from KATDIR_* environment variables: `katdir config` "
        "lists them with their values.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = command_module(name)
        summary = (module.__doc__ or "").strip().splitlines()[0].rstrip(".")
        command = sub.add_parser(
            name,
            help=summary,
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from katdir.settings import SettingsError, load_settings

    try:
        return args.run(args, load_settings())
    except KeyboardInterrupt:
        return 130
    except Exception as err:
        # Only a command that opened a store can raise a StoreError, and importing the store
        # (the pydantic model with it) costs commands like `katdir geocode` ~0.1 s at start.
        store = sys.modules.get("katdir.store")
        if not isinstance(err, (CommandError, SettingsError, OSError)) and (
            store is None or not isinstance(err, store.StoreError)
        ):
            raise
        if isinstance(err, BrokenPipeError):
            return _reader_went_away()
        print(f"katdir {args.command}: {err}", file=sys.stderr)
        return 2


def _reader_went_away() -> int:
    """`katdir export | head`: the reader closed the pipe; stop quietly, as `cat` does.
    Standard output is pointed at /dev/null so that flushing it at exit raises nothing."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a command stopped by a closed pipe
