"""Benchmark of the person detail (``GET /api/v1/persons/{id}`` with a Bearer token): Integra
against a bare handler running the same statements (``bench/bare_detail.py``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integra_bench1m \\
        .venv/bin/python bench/person_detail.py --label 1M --seconds 10 --rounds 3

Both are served by gunicorn with the project's configuration (``integra.gunicorn_config``:
sync workers, ``--workers`` of them, access log to stdout, here discarded), on the loopback:
Integra as ``make serve`` starts it (``integra.wsgi``, DEBUG off), the bare handler as
``bench.bare_detail``. The load comes from ``--clients`` processes of ``--threads`` threads each,
every thread one HTTP/1.1 connection (``http.client``; a sync worker closes it after each
answer, so it reconnects), asking for persons drawn with ``--seed`` among the registry's active
persons, as the operator ``operatore.pua`` of the ASST (who knows every person: the answers
mix the full and the limited form, as the registry holds them).

The machine is shared, so the targets are measured in interleaved rounds (their order swapped
every round) and the figure to read is the ratio Integra ÷ bare in the same run. ``null`` (the
bare server answering without the database) shows the ceiling of the load generator.
Requests are sent only to 127.0.0.1, for ``--seconds`` per target and round.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import setup_django, write_results

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    app: str, port: int, workers: int, env: dict[str, str], source: Path = REPO
) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "gunicorn", "-c", "python:integra.gunicorn_config", app],
        cwd=source,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def get(port: int, path: str, token: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def wait_ready(port: int, process: subprocess.Popen[bytes], path: str, token: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            status, body = get(port, path, token)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not start") from None
            time.sleep(0.3)


def _client(
    port: int, paths: list[str], token: str, threads: int, seconds: float, seed: int, out: Any
) -> None:
    counts = {"ok": 0, "error": 0, "latencies": []}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}"}
        ok = error = 0
        latencies = []
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                connection.request("GET", rng.choice(paths), headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    ok += 1
                    latencies.append(time.perf_counter() - start)
                else:
                    error += 1
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                error += 1
                connection.close()
        connection.close()
        with lock:
            counts["ok"] += ok
            counts["error"] += error
            counts["latencies"].extend(latencies)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put(counts)


def load(
    port: int,
    paths: list[str],
    token: str,
    *,
    clients: int,
    threads: int,
    seconds: float,
    seed: int,
) -> dict[str, float]:
    """Requests per second (200 answers) and latency percentiles over ``seconds``."""
    queue: Any = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(
            target=_client, args=(port, paths, token, threads, seconds, seed + n, queue)
        )
        for n in range(clients)
    ]
    start = time.perf_counter()
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    elapsed = time.perf_counter() - start
    for process in processes:
        process.join()
    ok = sum(r["ok"] for r in results)
    latencies = sorted(x for r in results for x in r["latencies"])
    return {
        "rps": ok / elapsed,
        "errors": sum(r["error"] for r in results),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
    }


def prepare(args: argparse.Namespace) -> tuple[str, list[int], int, dict[str, int]]:
    """A token for operatore.pua at the ASST, the persons to ask for, the registry's size and
    how many of them the operator reads in full."""
    setup_django()
    from django.db import connection

    from integra.accounts.models import Membership
    from integra.accounts.services import api_token_create
    from integra.core.access import Actor, scoped
    from integra.people.models import Person

    membership = Membership.objects.select_related("user").get(
        user__username="operatore.pua", organization__code="asst-melegnano-martesana"
    )
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name=f"bench {secrets.token_hex(4)}"
    )
    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM people_person")
        low, high, total = cursor.fetchone()
        sample = rng.sample(range(low, high + 1), min(args.persons * 3, high - low + 1))
        cursor.execute(
            "SELECT id FROM people_person WHERE id = ANY(%s) AND status = 'active' ORDER BY id",
            [sample],
        )
        ids = [row[0] for row in cursor.fetchall()]
    rng.shuffle(ids)
    ids = ids[: args.persons]
    actor = Actor.for_membership(membership.user, membership)
    full = scoped(actor, Person.objects.filter(pk__in=ids)).count()
    return raw, ids, total, {"full": full, "limited": len(ids) - full}


def _source_label(source: Path) -> str:
    if source.resolve() == REPO:
        head = subprocess.run(  # noqa: S603 - git, fixed arguments
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return f"this checkout ({head or 'unknown commit'})"
    return str(source)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default="", help="size label in the results (e.g. 1M)")
    parser.add_argument("--persons", type=int, default=1000, help="distinct persons asked for")
    parser.add_argument("--seconds", type=float, default=10.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured load, seconds")
    parser.add_argument("--clients", type=int, default=2, help="load-generator processes")
    parser.add_argument("--threads", type=int, default=4, help="connections per process")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--targets", default="integra,bare,null")
    parser.add_argument("--bare-log", choices=["statements", "function"], default="statements")
    parser.add_argument(
        "--integra-source",
        type=Path,
        default=REPO,
        help="checkout whose integra/ is served (e.g. the code before a change)",
    )
    parser.add_argument("--note", default="", help="a line added to the results")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    token, ids, total, forms = prepare(args)
    database_url = os.environ["DATABASE_URL"]
    paths = [f"/api/v1/persons/{pk}" for pk in ids]
    integra_env = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "AUDIT_CHECKPOINT_FILE": str(
            Path(tempfile.gettempdir()) / "bench-detail-checkpoints.jsonl"
        ),
    }
    bare_env = {"BENCH_DATABASE_URL": database_url, "BENCH_BARE_LOG": args.bare_log}
    ports = {"integra": free_port(), "bare": free_port()}
    servers = {
        "integra": start_server(
            "integra.wsgi", ports["integra"], args.workers, integra_env, args.integra_source
        ),
        "bare": start_server("bench.bare_detail", ports["bare"], args.workers, bare_env),
    }
    targets = args.targets.split(",")
    results: dict[str, list[dict[str, float]]] = {t: [] for t in targets}
    try:
        wait_ready(ports["integra"], servers["integra"], paths[0], token)
        wait_ready(ports["bare"], servers["bare"], paths[0], token)
        for name in ("integra", "bare"):
            # Every worker connected, its statements compiled, its first checkpoint written.
            load(
                ports[name],
                paths,
                token,
                clients=args.clients,
                threads=args.threads,
                seconds=args.warmup,
                seed=args.seed,
            )
        for round_number in range(args.rounds):
            order = targets if round_number % 2 == 0 else list(reversed(targets))
            for target in order:
                port = ports["integra" if target == "integra" else "bare"]
                target_paths = ["/null"] if target == "null" else paths
                figures = load(
                    port,
                    target_paths,
                    token,
                    clients=args.clients,
                    threads=args.threads,
                    seconds=args.seconds,
                    seed=args.seed + round_number,
                )
                results[target].append(figures)
                print(
                    round_number, target, {k: round(v, 1) for k, v in figures.items()}, flush=True
                )
    finally:
        for process in servers.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)

    def rps(target: str) -> list[float]:
        return [r["rps"] for r in results.get(target, [])]

    lines = [
        f"- persons in the registry: {total:,}; {len(ids)} persons asked for (seed {args.seed}): "
        f"{forms['full']} read in full, {forms['limited']} in the limited form, by operatore.pua "
        "(ASST)",
        f"- gunicorn with integra.gunicorn_config, {args.workers} sync workers per server; load: "
        f"{args.clients} processes × {args.threads} connections (http.client), {args.seconds:g} s "
        f"per target, {args.rounds} interleaved rounds after {args.warmup:g} s of warm-up each; "
        f"bare access-log write: {args.bare_log}",
        f"- Integra served from: {_source_label(args.integra_source)}",
    ]
    if args.note:
        lines.append(f"- {args.note}")
    lines += [
        "",
        "| target | req/s per round | median req/s | p50 ms | p95 ms | errors |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for target in targets:
        rounds = results[target]
        lines.append(
            f"| {target} | {', '.join(f'{r:.0f}' for r in rps(target))} | "
            f"{statistics.median(rps(target)):.0f} | "
            f"{statistics.median(r['p50_ms'] for r in rounds):.1f} | "
            f"{statistics.median(r['p95_ms'] for r in rounds):.1f} | "
            f"{sum(r['errors'] for r in rounds):.0f} |"
        )
    if "integra" in results and "bare" in results:
        ratios = [b / i for i, b in zip(rps("integra"), rps("bare"), strict=True) if i]
        lines += [
            "",
            f"**bare ÷ Integra: {statistics.median(ratios):.2f}×** (per round: "
            f"{', '.join(f'{r:.2f}' for r in ratios)}); target ≤ 2×",
        ]
    if args.no_write:
        print("\n".join(lines))
    else:
        write_results(
            f"Person detail API vs bare handler ({args.label or f'{total:,} persons'})", lines
        )


if __name__ == "__main__":
    main()
