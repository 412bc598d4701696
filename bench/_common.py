"""Helpers shared by the benchmarks: Django setup, timing, and RESULTS.md writing."""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def setup_django() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integra.settings")
    os.environ.setdefault("INTEGRA_ALLOW_INSECURE_KEY", "1")
    import django

    django.setup()


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def time_calls(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "p50_ms": statistics.median(samples),
        "p95_ms": percentile(samples, 0.95),
        "max_ms": max(samples),
    }


def write_results(title: str, lines: list[str]) -> None:
    """Append a dated section with the exact command that produced the figures."""
    database = "DATABASE_URL=<scratch database> " if os.environ.get("DATABASE_URL") else ""
    if os.environ.get("DATABASE_OWNER_URL"):
        database += "DATABASE_OWNER_URL=<its owner> "
    command = f"{database}.venv/bin/python " + " ".join(shlex.quote(a) for a in sys.argv)
    header = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    section = [
        f"## {title} — {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        f"Command: `{command}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        *lines,
        "",
    ]
    RESULTS.write_text(header.rstrip("\n") + "\n\n" + "\n".join(section))
    print("\n".join(section))
