"""Print the effective settings, each with where its value came from.

Every setting is an environment variable; `default` means it is not set (or empty)."""

from __future__ import annotations

import argparse
import json

from katdir.settings import Settings, describe


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="as JSON, one object per setting")


def run(args: argparse.Namespace, settings: Settings) -> int:
    rows = describe(settings)
    if args.json:
        print(
            json.dumps(
                [
                    {"variable": env, "value": value, "source": source, "help": text}
                    for env, value, source, text in rows
                ],
                indent=2,
            )
        )
        return 0
    width = max(len(env) for env, *_ in rows)
    for env, value, source, text in rows:
        print(f"{env:<{width}}  {value or '(empty)'}  [{source}]\n{'':<{width}}  {text}")
    return 0
