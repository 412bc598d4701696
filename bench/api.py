"""Benchmark of the API's hot paths through gunicorn — the person list (first page and keyset
pages), the person detail, the person search and the PUA inbox — each side by side with a bare
handler replaying the same SQL (``bench/bare_api.py``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integra_bench1m \\
        .venv/bin/python bench/api.py --label 1M --seconds 10 --rounds 3

The request set of each endpoint is drawn with ``--seed`` (persons among the active ones;
search queries as ``bench/people_search.py`` makes them: the names with one typo anywhere,
and the exact codes), as the operators of the demo data:

- ``operatore.pua`` of the ASST (PUA operator: the whole registry is visible), for every
  endpoint;
- ``medico`` of the ASST (a doctor: the persons the ASST has in care), for the person list.

Before the measured rounds, every request of every set is sent once through the application
in-process (warm-up) and once more with its statements captured (``bench.bare_api.capture``: the
SQL with its parameters and the transaction boundaries); the bare server replays them for the
same path and token. The ratio Integra ÷ bare is then the application's own overhead.

Both servers run under gunicorn with the project's configuration (``integra.gunicorn_config``,
``--workers`` sync workers, access log discarded), Integra as ``make serve`` starts it
(``integra.wsgi``, DEBUG off). The load: ``--clients`` processes × ``--threads`` threads, each
an HTTP/1.1 connection (``http.client``; a sync worker closes it after each answer), choosing
at random among the endpoint's requests. Targets are measured in interleaved rounds, the order
of Integra and bare swapped every round; ``null`` (the bare server answering without the
database) once per round: the ceiling of the load generator. Requests go only to 127.0.0.1.

``bench/person_detail.py`` and its hand-written ``bench/bare_detail.py`` stay as they are
(earlier results cite them); this benchmark's detail row replays the application's own
statements instead.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import re
import secrets
import signal
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from _common import setup_django, write_results
from person_detail import _source_label, free_port, start_server

REPO = Path(__file__).resolve().parent.parent
ALLOWED_HOSTS = "127.0.0.1,localhost,testserver"


@dataclass
class Endpoint:
    name: str
    requests: list[tuple[str, str]]  # (path with query, Authorization header)


def _client(
    port: int, requests: list[tuple[str, str]], threads: int, seconds: float, seed: int, out: Any
) -> None:
    counts: dict[str, Any] = {"ok": 0, "error": 0, "latencies": []}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        ok = error = 0
        latencies = []
        while time.monotonic() < stop_at:
            path, authorization = rng.choice(requests)
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Authorization": authorization})
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
    requests: list[tuple[str, str]],
    *,
    clients: int,
    threads: int,
    seconds: float,
    seed: int,
) -> dict[str, float]:
    """Requests per second (200 answers), latency percentiles and the load average."""
    queue: Any = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(
            target=_client, args=(port, requests, threads, seconds, seed + n, queue)
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
        "load": os.getloadavg()[0],
    }


def _token(username: str) -> str:
    from integra.accounts.models import Membership
    from integra.accounts.services import api_token_create

    membership = Membership.objects.select_related("user").get(
        user__username=username, organization__code="asst-melegnano-martesana"
    )
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name=f"bench api {secrets.token_hex(4)}"
    )
    return f"Bearer {raw}"


def _keyset_pages(client: Any, authorization: str, depth: int) -> list[str]:
    """The paths of pages 2 … ``depth`` + 1 of the person list, following ``next``."""
    paths = []
    path = "/api/v1/persons?limit=25"
    for _ in range(depth):
        response = client.get(path, HTTP_AUTHORIZATION=authorization)
        cursor = response.json().get("next")
        if not cursor:
            break
        path = "/api/v1/persons?" + urlencode({"limit": 25, "after": cursor})
        paths.append(path)
    return paths


def prepare(args: argparse.Namespace) -> tuple[list[Endpoint], dict[str, Any]]:
    """The request set of each endpoint and facts about the data."""
    from django.db import connection
    from people_search import typo_anywhere

    pua = _token("operatore.pua")
    doctor = _token("medico")
    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id), count(*) FROM people_person")
        low, high, total = cursor.fetchone()
        sample = rng.sample(range(low, high + 1), min(args.persons * 3, high - low + 1))
        cursor.execute(
            "SELECT p.id, p.family_names, p.given_names, "
            "(SELECT value FROM people_personidentifier i WHERE i.person_id = p.id "
            " ORDER BY is_primary DESC, id LIMIT 1) "
            "FROM people_person p WHERE p.id = ANY(%s) AND p.status = 'active' ORDER BY p.id",
            [sample],
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM intake_intakerequest")
        intake_requests = cursor.fetchone()[0]
    rng.shuffle(rows)
    detail_rows = rows[: args.persons]
    typo_rng = random.Random(args.seed + 1)
    typos = [
        typo_anywhere(family, given, typo_rng, first=False)
        for _pk, family, given, _code in rows[: args.queries]
    ]
    codes = [code for *_rest, code in rows if code][: args.queries]

    from django.test import Client

    client = Client()
    endpoints: list[Endpoint] = []
    for who, authorization in (("doctor", doctor), ("PUA operator", pua)):
        endpoints.append(
            Endpoint(f"list, first page ({who})", [("/api/v1/persons?limit=25", authorization)])
        )
        pages = _keyset_pages(client, authorization, args.pages)
        endpoints.append(
            Endpoint(
                f"list, keyset pages 2-{len(pages) + 1} ({who})",
                [(p, authorization) for p in pages],
            )
        )
    endpoints.append(
        Endpoint("detail (PUA operator)", [(f"/api/v1/persons/{r[0]}", pua) for r in detail_rows])
    )

    def search(query: str) -> str:
        return "/api/v1/persons/search?" + urlencode({"q": query})

    endpoints.append(Endpoint("search, name with one typo", [(search(q), pua) for q in typos]))
    endpoints.append(Endpoint("search, exact code", [(search(c), pua) for c in codes]))
    endpoints.append(Endpoint("PUA inbox, first page", [("/api/v1/pua/requests?limit=25", pua)]))
    facts = {"persons": total, "intake_requests": intake_requests}
    return [e for e in endpoints if e.requests], facts


def capture_all(endpoints: list[Endpoint]) -> dict[str, list[Any]]:
    """Every request sent once (warm-up) and once more captured; refuses a non-200 answer."""
    from django.test import Client

    from bench.bare_api import capture

    client = Client()
    captured: dict[str, list[Any]] = {}
    for endpoint in endpoints:
        captured[endpoint.name] = []
        for path, authorization in endpoint.requests:
            client.get(path, HTTP_AUTHORIZATION=authorization)
            result = capture(client, path, authorization)
            if result.status != 200:
                raise RuntimeError(f"{path} answered {result.status} in the capture")
            captured[endpoint.name].append(result)
    return captured


def _spread(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low}" if low == high else f"{low}–{high} (median {statistics.median(values):g})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default="", help="size label in the results (e.g. 1M)")
    parser.add_argument("--persons", type=int, default=200, help="distinct persons (detail)")
    parser.add_argument("--queries", type=int, default=100, help="search queries of each kind")
    parser.add_argument("--pages", type=int, default=10, help="keyset pages after the first")
    parser.add_argument("--seconds", type=float, default=10.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured load, seconds")
    parser.add_argument("--clients", type=int, default=2, help="load-generator processes")
    parser.add_argument("--threads", type=int, default=4, help="connections per process")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--endpoints", default="", help="only endpoints whose name has this")
    parser.add_argument("--binding", choices=["client", "server"], default="client")
    parser.add_argument("--note", default="", help="a line added to the results")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    secret_key = secrets.token_urlsafe(50)
    checkpoints = str(Path(tempfile.gettempdir()) / "bench-api-checkpoints.jsonl")
    # The same settings in-process (capture) and in the server: the list's cursors are signed
    # with SECRET_KEY.
    integra_env = {
        "DEBUG": "0",
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": ALLOWED_HOSTS,
        "SECURE_SSL_REDIRECT": "0",
        "AUDIT_CHECKPOINT_FILE": checkpoints,
    }
    os.environ.update(integra_env)
    setup_django()
    from bench.bare_api import save

    endpoints, facts = prepare(args)
    if args.endpoints:
        endpoints = [e for e in endpoints if args.endpoints in e.name]
    load_before_capture = os.getloadavg()[0]
    started = time.perf_counter()
    captured = capture_all(endpoints)
    capture_seconds = time.perf_counter() - started
    capture_file = Path(tempfile.gettempdir()) / f"bench-api-capture-{os.getpid()}.pickle"
    save([c for batch in captured.values() for c in batch], capture_file)
    for endpoint in endpoints:
        batch = captured[endpoint.name]
        print(
            endpoint.name,
            len(batch),
            "requests; statements",
            _spread([c.queries for c in batch]),
            flush=True,
        )

    bare_env = {
        "BENCH_DATABASE_URL": os.environ["DATABASE_URL"],
        "BENCH_CAPTURE_FILE": str(capture_file),
        "BENCH_BINDING": args.binding,
    }
    ports = {"integra": free_port(), "bare": free_port()}
    servers = {
        "integra": start_server("integra.wsgi", ports["integra"], args.workers, integra_env),
        "bare": start_server("bench.bare_api", ports["bare"], args.workers, bare_env),
    }
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    nulls: list[dict[str, float]] = []
    load_kw = {"clients": args.clients, "threads": args.threads}
    try:
        _wait(ports, servers, endpoints[0].requests[0])
        sizes = {e.name: _body_sizes(ports, e.requests[0]) for e in endpoints}
        for endpoint in endpoints:
            for target in ("integra", "bare"):
                load(ports[target], endpoint.requests, seconds=args.warmup, seed=0, **load_kw)
        for round_number in range(args.rounds):
            order = ["integra", "bare"] if round_number % 2 == 0 else ["bare", "integra"]
            for endpoint in endpoints:
                for target in order:
                    figures = load(
                        ports[target],
                        endpoint.requests,
                        seconds=args.seconds,
                        seed=args.seed + round_number,
                        **load_kw,
                    )
                    results.setdefault((endpoint.name, target), []).append(figures)
                    print(round_number, endpoint.name, target, _short(figures), flush=True)
            figures = load(
                ports["bare"],
                [("/null", "")],
                seconds=args.seconds,
                seed=args.seed + round_number,
                **load_kw,
            )
            nulls.append(figures)
            print(round_number, "null", _short(figures), flush=True)
    finally:
        for process in servers.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        capture_file.unlink(missing_ok=True)

    write(
        args,
        endpoints,
        captured,
        results,
        nulls,
        facts,
        capture_seconds,
        load_before_capture,
        sizes,
    )


def _wait(ports: dict[str, int], servers: dict[str, Any], request: tuple[str, str]) -> None:
    from person_detail import get

    path, authorization = request
    token = authorization.removeprefix("Bearer ")
    for name in ("integra", "bare"):
        deadline = time.monotonic() + 120
        while True:
            try:
                status, body = get(ports[name], path, token)
                if status != 200:
                    raise RuntimeError(f"{name}: {path} answered {status}: {body[:300]!r}")
                break
            except OSError:
                if servers[name].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} server did not start") from None
                time.sleep(0.3)


def _body_sizes(ports: dict[str, int], request: tuple[str, str]) -> dict[str, int]:
    """The size of each server's answer to the endpoint's first request."""
    from person_detail import get

    path, authorization = request
    token = authorization.removeprefix("Bearer ")
    return {name: len(get(ports[name], path, token)[1]) for name in ("integra", "bare")}


def _shape(statement: Any) -> str:
    """A statement in a few words: its verb and first table."""
    sql = " ".join(statement.sql.split())
    if statement.marker:
        return sql
    if "audit_access_log_append" in sql:
        return "audit_access_log_append(…)"
    if "set_config(" in sql:
        return "set_config(…)"
    table = re.search(r'FROM \(?\s*(?:SELECT .*? FROM )?"?(\w+)"?', sql)
    verb = "SELECT COUNT" if sql.startswith("SELECT COUNT(") else sql.split(" ", 1)[0]
    return f"{verb} {table.group(1) if table else ''}".strip()


def _short(figures: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 1) for k, v in figures.items()}


def write(
    args: argparse.Namespace,
    endpoints: list[Endpoint],
    captured: dict[str, list[Any]],
    results: dict[tuple[str, str], list[dict[str, float]]],
    nulls: list[dict[str, float]],
    facts: dict[str, Any],
    capture_seconds: float,
    load_before: float,
    sizes: dict[str, dict[str, int]],
) -> None:
    def med(name: str, target: str, key: str) -> float:
        return statistics.median(r[key] for r in results[(name, target)])

    loads = [r["load"] for rounds in results.values() for r in rounds] + [r["load"] for r in nulls]
    lines = [
        f"- persons in the registry: {facts['persons']:,}; PUA requests: "
        f"{facts['intake_requests']:,}; requests drawn with seed {args.seed}",
        f"- gunicorn with integra.gunicorn_config, {args.workers} sync workers per server; "
        f"load: {args.clients} processes × {args.threads} connections (http.client), "
        f"{args.seconds:g} s per endpoint and target, {args.rounds} interleaved rounds (Integra "
        f"and bare swapped each round) after {args.warmup:g} s of warm-up each",
        f"- bare: the statements captured from the application for each request (in "
        f"{capture_seconds:.0f} s, load average {load_before:.1f}), replayed over psycopg "
        f"with {args.binding}-side binding"
        + (
            " (as Django's psycopg backend does: values interpolated, no prepared statements)"
            if args.binding == "client"
            else " (psycopg prepares a statement after its fifth use)"
        )
        + "; the access-log append replayed with a fresh time and request id",
        f"- Integra served from: {_source_label(REPO)}",
        f"- load average (1 min) during the rounds: {min(loads):.1f}–{max(loads):.1f} "
        f"(median {statistics.median(loads):.1f}); the machine has 2 cores shared with other "
        "sessions",
    ]
    if args.note:
        lines.append(f"- {args.note}")
    lines += [
        "",
        "| endpoint | requests | SQL statements per request (transactions) | Integra req/s "
        "| bare req/s | bare ÷ Integra req/s (per round) | Integra p50 / p95 ms "
        "| bare p50 / p95 ms | p50 ratio | body bytes Integra / bare "
        "| in-process ms: request / of it in SQL | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for endpoint in endpoints:
        name = endpoint.name
        batch = captured[name]
        integra, bare = results[(name, "integra")], results[(name, "bare")]
        ratios = [b["rps"] / i["rps"] for i, b in zip(integra, bare, strict=True) if i["rps"]]
        transactions = _spread([c.transactions for c in batch])
        ratio = (
            f"**{statistics.median(ratios):.2f}×** ({', '.join(f'{r:.2f}' for r in ratios)})"
            if ratios
            else "–"
        )
        lines.append(
            f"| {name} | {len(batch)} | {_spread([c.queries for c in batch])} ({transactions}) "
            f"| {med(name, 'integra', 'rps'):.0f} | {med(name, 'bare', 'rps'):.0f} "
            f"| {ratio} "
            f"| {med(name, 'integra', 'p50_ms'):.1f} / {med(name, 'integra', 'p95_ms'):.1f} "
            f"| {med(name, 'bare', 'p50_ms'):.1f} / {med(name, 'bare', 'p95_ms'):.1f} "
            f"| {med(name, 'integra', 'p50_ms') / med(name, 'bare', 'p50_ms'):.2f} "
            f"| {sizes[name]['integra']:,} / {sizes[name]['bare']:,} "
            f"| {1000 * statistics.median(c.seconds for c in batch):.1f} / "
            f"{1000 * statistics.median(c.sql_seconds for c in batch):.1f} "
            f"| {sum(r['errors'] for r in integra + bare):.0f} |"
        )
    lines += [
        "",
        "In-process: the median, over the endpoint's requests, of the captured request's time "
        "through the application (django.test.Client, one at a time, no HTTP) and of its "
        "time inside the database calls (one sample per request, during the capture).",
    ]
    lines += ["", "Statements of each endpoint's first request, in order (from the capture):", ""]
    for endpoint in endpoints:
        shapes = [_shape(s) for s in captured[endpoint.name][0].statements]
        lines.append(f"- {endpoint.name}: " + "; ".join(shapes))
    null_rounds = ", ".join(f"{r['rps']:.0f}" for r in nulls)
    lines += [
        "",
        f"null (load-generator ceiling): {statistics.median(r['rps'] for r in nulls):.0f} req/s "
        f"(per round: {null_rounds}), p50 "
        f"{statistics.median(r['p50_ms'] for r in nulls):.1f} ms.",
    ]
    if args.no_write:
        print("\n".join(lines))
    else:
        write_results(f"API hot paths vs the same SQL replayed bare ({args.label})", lines)


if __name__ == "__main__":
    main()
