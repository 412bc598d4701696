"""Benchmark of the hash-chained access log: append throughput, single-entry latency under the
chain lock, and the time `verify_audit` needs to walk the whole chain.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integra_bench \
        .venv/bin/python bench/audit_log.py --rows 1000000

Rows are appended to the real table of the database in DATABASE_URL (use a scratch database).
"""

from __future__ import annotations

import argparse
import time

from _common import setup_django, time_calls, write_results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.utils import timezone

    from integra.audit.models import AccessLog
    from integra.audit.selectors import access_log_verify
    from integra.audit.services import access_log_write

    call_command("migrate", verbosity=0)
    existing = AccessLog.objects.count()

    def entry(i: int) -> dict:
        return {
            "at": timezone.now(),
            "user_id": 1 + i % 50,
            "username": f"operatore{i % 50}",
            "membership_id": 1 + i % 50,
            "organization_id": 1 + i % 7,
            "client_ip": "10.0.0.1",
            "request_id": f"bench{i:012d}",
            "action": "view",
            "outcome": "allowed" if i % 97 else "denied",
            "subject_type": "people.person",
            "subject_id": str(i),
            "subject_label": f"Persona {i}",
            "subject_organization_id": 1 + i % 7,
            "person_id": i,
            "detail": {"tab": "anagrafica"},
            "purpose": "presa in carico",
        }

    start = time.perf_counter()
    written = 0
    while written < args.rows:
        n = min(args.batch, args.rows - written)
        access_log_write(entries=[entry(existing + written + k) for k in range(n)])
        written += n
    append_s = time.perf_counter() - start

    single = time_calls(lambda: access_log_write(entries=[entry(0)]), repeat=200)

    start = time.perf_counter()
    report = access_log_verify()
    verify_s = time.perf_counter() - start
    assert report.ok, report.first_break

    total = report.rows_checked
    write_results(
        "Access log (hash chain)",
        [
            f"- rows in the chain: {total:,}",
            f"- bulk append: {args.rows:,} rows in {append_s:.1f} s "
            f"({args.rows / append_s:,.0f} rows/s, batches of {args.batch:,})",
            f"- one entry per transaction (as a request writes it): p50 {single['p50_ms']:.2f} ms, "
            f"p95 {single['p95_ms']:.2f} ms",
            f"- verify_audit over the whole chain: {verify_s:.1f} s "
            f"({total / verify_s:,.0f} rows/s)",
        ],
    )


if __name__ == "__main__":
    main()
