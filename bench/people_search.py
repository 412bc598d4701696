"""Benchmark of the person search on a synthetic population: latency and recall@10.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integra_bench \
        .venv/bin/python bench/people_search.py --label "100k"

Load the population first (manage.py seed_demo --persons N --seed S). Queries are made from
persons drawn from the database with a fixed seed:

- exact code: the person's codice fiscale / STP / ENI code;
- exact name: "family given";
- one typo: one edit (substitution, deletion, insertion or swap of adjacent letters) in the
  longest word of the family or the given name (integra.people.synthetic.generator.typo);
- swapped: "given family".

Three paths, side by side:

- ``trigram``: the application's ``person_search`` (people/selectors.py) as a PUA operator
  (sees everyone), with ``matching.trigram_enabled`` forced to True (pg_trgm present);
- ``portable``: the same selector with ``matching.trigram_enabled`` forced to False (the
  path of a PostgreSQL without pg_trgm: ``search_keys``);
- ``raw_sql``: a hand-written trigram query on the normalised name
  (``search_name % q ORDER BY similarity(search_name, q) DESC LIMIT 10``; for codes an equality
  on ``people_personidentifier.value``), no scope, no access log.

recall@10: share of queries whose person is among the first 10 results. "homonym-aware"
also counts a result with exactly the person's (normalised) name: a name-only query cannot
tell apart persons with the same name, so that is the ceiling of any name search.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from _common import percentile, setup_django, write_results


@dataclass
class Target:
    person_id: int
    family: str
    given: str
    code: str | None
    search_name: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default="", help="size label in the results (e.g. 1M)")
    parser.add_argument("--queries", type=int, default=200, help="misspelled queries (recall)")
    parser.add_argument("--latency-queries", type=int, default=100, help="per other kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--paths", default="trigram,portable,raw_sql")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    setup_django()

    from django.db import connection

    from integra.accounts.models import Membership
    from integra.core.access import Actor
    from integra.organizations.search import normalize
    from integra.people import matching
    from integra.people.models import Person
    from integra.people.selectors import person_search
    from integra.people.synthetic.generator import typo_in_name

    membership = Membership.objects.select_related("user").get(
        user__username="operatore.pua", organization__code="asst-melegnano-martesana"
    )
    actor = Actor.for_membership(membership.user, membership)
    rng = random.Random(args.seed)
    total = Person.objects.count()
    with connection.cursor() as cursor:
        # Fresh statistics after the bulk load (autovacuum would get there later).
        cursor.execute("ANALYZE people_person, people_personidentifier")
        cursor.execute("SELECT min(id), max(id) FROM people_person")
        low, high = cursor.fetchone()
        wanted = max(args.queries, args.latency_queries)
        ids = sorted(rng.sample(range(low, high + 1), min(wanted * 3, high - low + 1)))
        cursor.execute(
            "SELECT p.id, p.family_names, p.given_names, p.search_name, "
            "(SELECT value FROM people_personidentifier i WHERE i.person_id = p.id "
            " ORDER BY is_primary DESC, id LIMIT 1) "
            "FROM people_person p WHERE p.id = ANY(%s) AND p.status = 'active' ORDER BY p.id",
            [ids],
        )
        rows = cursor.fetchall()
    rng.shuffle(rows)
    targets = [Target(r[0], r[1], r[2], r[4], r[3]) for r in rows]
    with_code = [t for t in targets if t.code][: args.latency_queries]
    named = targets[: args.latency_queries]
    misspelled = targets[: args.queries]
    typo_rng = random.Random(args.seed + 1)
    queries: dict[str, list[tuple[Target, str]]] = {
        "exact code": [(t, t.code or "") for t in with_code],
        "exact name": [(t, f"{t.family} {t.given}") for t in named],
        "one typo": [(t, " ".join(typo_in_name(t.family, t.given, typo_rng))) for t in misspelled],
        "swapped": [(t, f"{t.given} {t.family}") for t in named],
    }

    def app_search(query: str) -> list[tuple[int, str]]:
        matches = person_search(actor=actor, query=query, limit=10)
        found = [m.person_id for m in matches if m.person_id is not None]
        return [(pk, "") for pk in found]

    def raw_search(query: str) -> list[tuple[int, str]]:
        with connection.cursor() as cursor:
            if matching.looks_like_code(query):
                cursor.execute(
                    "SELECT person_id, '' FROM people_personidentifier WHERE value = %s",
                    [query.strip().upper()],
                )
            else:
                cursor.execute(
                    "SELECT id, search_name FROM people_person WHERE search_name %% %s "
                    "ORDER BY similarity(search_name, %s) DESC, id LIMIT 10",
                    [normalize(query)] * 2,
                )
            return list(cursor.fetchall())

    names_of: dict[int, str] = {}

    def names(ids: list[int]) -> dict[int, str]:
        missing = [pk for pk in ids if pk not in names_of]
        if missing:
            names_of.update(Person.objects.filter(pk__in=missing).values_list("pk", "search_name"))
        return {pk: names_of.get(pk, "") for pk in ids}

    original = matching.trigram_enabled
    results: dict[str, dict[str, dict[str, float]]] = {}
    for path in args.paths.split(","):
        search: Callable[[str], list[tuple[int, str]]]
        if path == "raw_sql":
            search = raw_search
        else:
            enabled = path == "trigram"
            matching.trigram_enabled = lambda enabled=enabled: enabled  # type: ignore[misc]
            search = app_search
        for warm in queries["exact name"][:5]:
            search(warm[1])
        results[path] = {}
        for kind, batch in queries.items():
            samples: list[float] = []
            hits = homonym_hits = 0
            for target, query in batch:
                start = time.perf_counter()
                found = search(query)
                samples.append((time.perf_counter() - start) * 1000)
                found_ids = [pk for pk, _name in found][:10]
                if target.person_id in found_ids:
                    hits += 1
                    homonym_hits += 1
                elif target.search_name in names(found_ids).values():
                    homonym_hits += 1
            results[path][kind] = {
                "p50": percentile(samples, 0.5),
                "p95": percentile(samples, 0.95),
                "recall": hits / len(batch) if batch else 0.0,
                "recall_h": homonym_hits / len(batch) if batch else 0.0,
                "n": len(batch),
            }
            print(path, kind, results[path][kind], flush=True)
    matching.trigram_enabled = original

    lines = [
        f"- persons in the registry: {total:,}; queries from persons drawn with seed "
        f"{args.seed}: {args.queries} misspelled, {args.latency_queries} of each other kind",
        "",
        "| path | query | n | p50 ms | p95 ms | recall@10 | recall@10 (homonym-aware) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for path, kinds in results.items():
        for kind, r in kinds.items():
            lines.append(
                f"| {path} | {kind} | {r['n']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
                f"{r['recall']:.3f} | {r['recall_h']:.3f} |"
            )
    if not args.no_write:
        write_results(f"Person search ({args.label or f'{total:,} persons'})", lines)
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
