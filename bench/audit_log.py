"""Benchmark of the hash-chained access log.

Logged reads per second with concurrent writers: ``--writers`` processes (each with its own
database connection, like web workers) append one entry per transaction, as a request writes
its buffer, for ``--seconds``; first with one chain (``--shards 1``: every writer waits for the
one lock, as before the chains were sharded), then with ``--shards N``, interleaved over
``--rounds`` so that the machine's noise falls on both alike. Optionally (``--rows``) the bulk
append rate and the time ``verify_audit`` needs to walk the whole log.

    DATABASE_URL=postgres://integra_app@127.0.0.1:5432/integra_bench \\
    DATABASE_OWNER_URL=postgres://integra_owner@127.0.0.1:5432/integra_bench \\
        .venv/bin/python bench/audit_log.py --writers 8 --seconds 10 --rounds 3

Rows are appended to the real table of the database in DATABASE_URL (use a scratch database).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from typing import Any

from _common import setup_django, time_calls, write_results


def entry(i: int, organization_id: int) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "at": timezone.now(),
        "user_id": 1 + i % 50,
        "username": f"operatore{i % 50}",
        "membership_id": 1 + i % 50,
        "organization_id": organization_id,
        "client_ip": "10.0.0.1",
        "request_id": f"bench{i:012d}",
        "action": "view",
        "outcome": "allowed" if i % 97 else "denied",
        "subject_type": "people.person",
        "subject_id": str(i),
        "subject_label": f"Persona n. {i}",
        "subject_organization_id": organization_id,
        "person_id": i,
        "detail": {"tab": "anagrafica"},
        "purpose": "presa in carico",
    }


def _writer(number: int, shards: int, seconds: float, ready: Any, results: Any) -> None:
    setup_django()
    from django.db import connection

    from integra.audit.services import access_log_write

    organization_id = 1 + number % 7  # seven organisations, as in a district's day
    connection.ensure_connection()
    ready.wait()  # every writer set up and connected: start together
    stop_at = time.monotonic() + seconds
    written, i = 0, number * 10_000_000
    while time.monotonic() < stop_at:
        access_log_write(entries=[entry(i, organization_id)], shards=shards)
        written += 1
        i += 1
    connection.close()
    results.put(written)


def concurrent_rate(*, writers: int, shards: int, seconds: float) -> float:
    """Entries per second written by ``writers`` processes in ``seconds``."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    ready = context.Barrier(writers)
    processes = [
        context.Process(target=_writer, args=(n, shards, seconds, ready, results))
        for n in range(writers)
    ]
    for process in processes:
        process.start()
    total = sum(results.get(timeout=seconds + 300) for _ in processes)
    for process in processes:
        process.join()
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shards", type=int, default=16, help="chains in the 'after' runs")
    parser.add_argument("--rows", type=int, default=0, help="also bulk-append this many rows")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection

    from integra.audit.models import AccessLog
    from integra.audit.selectors import access_log_verify
    from integra.audit.services import access_log_write

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_setting('server_version')")
        role, version = cursor.fetchone()
    connection.close()
    load_before = os.getloadavg()[0]
    lines: list[str] = []

    if args.writers:
        before: list[float] = []
        after: list[float] = []
        for _round in range(args.rounds):
            before.append(concurrent_rate(writers=args.writers, shards=1, seconds=args.seconds))
            after.append(
                concurrent_rate(writers=args.writers, shards=args.shards, seconds=args.seconds)
            )
            print(
                f"round {_round + 1}: 1 chain {before[-1]:,.0f}/s, "
                f"{args.shards} chains {after[-1]:,.0f}/s",
                flush=True,
            )
        ratios = [a / b for a, b in zip(after, before, strict=True)]
        lines += [
            f"- {args.writers} writer processes, each with its own connection, one entry per "
            f"transaction (one logged read per request), {args.seconds:g} s per run, "
            f"{args.rounds} rounds interleaved (1 chain, then {args.shards} chains)",
            "",
            "| round | 1 chain (before): logged reads/s | "
            f"{args.shards} chains (after): logged reads/s | after / before |",
            "| ---: | ---: | ---: | ---: |",
            *(
                f"| {n + 1} | {b:,.0f} | {a:,.0f} | {a / b:.2f} |"
                for n, (b, a) in enumerate(zip(before, after, strict=True))
            ),
            f"| median | {statistics.median(before):,.0f} | {statistics.median(after):,.0f} | "
            f"{statistics.median(ratios):.2f} |",
            "",
        ]

    if args.rows:
        existing = AccessLog.objects.count()
        start = time.perf_counter()
        written = 0
        while written < args.rows:
            n = min(args.batch, args.rows - written)
            access_log_write(entries=[entry(existing + written + k, 1 + k % 7) for k in range(n)])
            written += n
        append_s = time.perf_counter() - start
        single = time_calls(lambda: access_log_write(entries=[entry(0, 1)]), repeat=200)
        lines += [
            f"- bulk append: {args.rows:,} rows in {append_s:.1f} s "
            f"({args.rows / append_s:,.0f} rows/s, batches of {args.batch:,})",
            f"- one entry per transaction, alone: p50 {single['p50_ms']:.2f} ms, "
            f"p95 {single['p95_ms']:.2f} ms",
        ]

    start = time.perf_counter()
    report = access_log_verify()
    verify_s = time.perf_counter() - start
    assert report.ok, report.first_break
    total = report.rows_checked
    lines.append(
        f"- verify over the whole log afterwards: {total:,} rows in {len(report.chains)} chains, "
        f"{verify_s:.1f} s ({total / verify_s:,.0f} rows/s), intact"
    )
    lines.append(
        f"- PostgreSQL {version}, connected as `{role}`; load average (1 min) "
        f"{load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (other "
        "jobs share the 2 cores: compare the ratios, not the absolute rates)"
    )
    title = "Access log: logged reads per second, one chain vs sharded chains"
    write_results(title + (f" ({args.label})" if args.label else ""), lines)


if __name__ == "__main__":
    main()
