"""Run benchmarks by name: `python -m bench search`, `python -m bench index`, or all."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )


def main(argv: list[str]) -> int:
    names = argv[:1] or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(
            f"unknown benchmark {unknown[0]!r}; available: {', '.join(available())}",
            file=sys.stderr,
        )
        return 2
    status = 0
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        status |= module.main(argv[1:] if argv else [])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
