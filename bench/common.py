"""What every benchmark shares: the machine it ran on, percentiles, results next to a baseline."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

HERE = Path(__file__).parent


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summarize(samples_ms: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(samples_ms), 3),
        "p99_ms": round(percentile(samples_ms, 99), 3),
        "mean_ms": round(statistics.fmean(samples_ms), 3),
        "n": len(samples_ms),
    }


def record(name: str, results: dict, command: str) -> Path:
    """Write results/NAME.json with the machine and command; print them beside the baseline."""
    out = HERE / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    payload = {
        "benchmark": name,
        "command": command,
        "machine": machine(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": results,
    }
    out.write_text(json.dumps(payload, indent=2) + "\n")
    baseline_path = HERE / "baseline" / f"{name}.json"
    baseline = json.loads(baseline_path.read_text()) if baseline_path.exists() else {}
    print(json.dumps({"results": results, "baseline": baseline.get("results", baseline)}, indent=2))
    return out
