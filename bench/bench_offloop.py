"""Where a slow page's extraction may run without stalling the crawl (issue 11, item 2).

    python -m bench offloop [--repeat 4000]

On the crawler's reactor (Twisted on asyncio, as the crawl runs it), a timer ticks every
10 ms while one slow page is extracted: a page of "1," runs that the extractor's quadratic
patterns take seconds over (``--repeat`` sets its length). Three ways are measured: in the
reactor's thread, in a thread (``deferToThread``), and in a worker process
(``crawler.extraction.Extraction``, the crawl's way). The figure is the longest gap between
two ticks: how long every other site's downloads would have waited.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time

from bench.common import record

PAGE = (
    "<html><head><title>Slow Ketamine</title></head><body><main><h1>Slow Ketamine</h1>"
    "<p>IV ketamine infusions.</p><p>{run}</p></main></body></html>"
)
URL = "http://127.0.0.1:1/"


def measure(mode: str, page: str, timeout: float) -> dict:
    from twisted.internet import asyncioreactor

    asyncioreactor.install()
    from twisted.internet import reactor, task, threads
    from twisted.internet.defer import Deferred, ensureDeferred

    from crawler.extract import extract_page
    from crawler.extraction import Extraction, ExtractionFailed

    extraction = (
        Extraction("crawler.extract.extract_page", workers=1, timeout=timeout)
        if mode == "process"
        else None
    )
    gaps: list[float] = []
    last = [time.monotonic()]

    def tick() -> None:
        now = time.monotonic()
        gaps.append(now - last[0])
        last[0] = now

    async def run() -> str:
        if mode == "inline":
            extract_page(page, URL)
            return "done"
        if mode == "thread":
            await threads.deferToThread(extract_page, page, URL)
            return "done"
        try:
            await Deferred.fromFuture(
                asyncio.ensure_future(extraction.page(page, URL, "text/html"))
            )
            return "done"
        except ExtractionFailed as exc:
            return exc.kind

    outcome: dict = {}
    started = time.monotonic()
    timer = task.LoopingCall(tick)

    def begin() -> None:
        last[0] = time.monotonic()
        timer.start(0.01, now=False)
        d = ensureDeferred(run())
        d.addCallback(lambda result: outcome.update(result=result))
        d.addBoth(lambda _: reactor.callLater(0.05, reactor.stop))

    reactor.callWhenRunning(begin)
    reactor.run()
    if extraction is not None:
        extraction.close()
    return {
        "mode": mode,
        "outcome": outcome.get("result"),
        "elapsed_s": round(time.monotonic() - started, 2),
        "longest_tick_gap_s": round(max(gaps), 3) if gaps else None,
        "ticks": len(gaps),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench offloop",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--repeat", type=int, default=4000, help="'1,' repeated this many times")
    parser.add_argument("--timeout", type=float, default=2.0, help="the worker's time budget (s)")
    parser.add_argument(
        "--mode", choices=("inline", "thread", "process"), help="(internal) one mode"
    )
    args = parser.parse_args(argv)
    page = PAGE.format(run="1," * args.repeat)
    if args.mode:  # one mode per process: a reactor runs once per process
        print(json.dumps(measure(args.mode, page, args.timeout)))
        return 0
    rows = []
    for mode in ("inline", "thread", "process"):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench",
                "offloop",
                "--repeat",
                str(args.repeat),
                "--timeout",
                str(args.timeout),
                "--mode",
                mode,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    record(
        "offloop",
        {"repeat": args.repeat, "page_chars": len(page), "timeout_s": args.timeout, "runs": rows},
        f"python -m bench offloop --repeat {args.repeat} --timeout {args.timeout}",
    )
    return 0
