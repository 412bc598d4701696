"""The name search's candidate SQL on the person table against the same on the search table
(``PersonSearchName``, people migration 0015): latency and identical results.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integra_bench \\
        .venv/bin/python bench/people_search_table.py --label "1M"

The queries are those of bench/people_search.py (one typo anywhere, at a first letter, swapped
names: the same seed gives the same queries). Both statements are the application's own, as a
PUA operator sees the registry (``TRIGRAM_CANDIDATE_CAP`` candidates, most similar first, at
``SEARCH_TRIGRAM_THRESHOLD``), compiled before the clock starts and run interleaved, query by
query, the order alternating. The person table's trigram index (migration 0002) is still there
for the comparison.

Since people migration 0016 the application's statement (``_closest_name_candidates``, the
"search table" column) is the word search, no longer the trigram condition: this now compares
the former trigram statement (on the person table, identical candidates to 0015's search table)
with the word search, and "same candidates" is no longer expected to be 100 %.
"""

from __future__ import annotations

import argparse
import os
import random
import time

from _common import percentile, setup_django, write_results
from people_search import typo_anywhere


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default="", help="size label in the results (e.g. 1M)")
    parser.add_argument("--queries", type=int, default=200, help="per kind of query")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    setup_django()

    from django.contrib.postgres.search import TrigramSimilarity
    from django.db import connection, transaction

    from integra.accounts.models import Membership
    from integra.core.access import Actor, scoped
    from integra.organizations.search import normalize
    from integra.people import matching
    from integra.people.models import Person, PersonStatus
    from integra.people.selectors import _closest_name_candidates

    membership = Membership.objects.select_related("user").get(
        user__username="operatore.pua", organization__code="asst-melegnano-martesana"
    )
    actor = Actor.for_membership(membership.user, membership)
    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person, people_personsearchname")
        cursor.execute("SELECT min(id), max(id) FROM people_person")
        low, high = cursor.fetchone()
        ids = sorted(rng.sample(range(low, high + 1), min(args.queries * 3, high - low + 1)))
        cursor.execute(
            "SELECT family_names, given_names FROM people_person "
            "WHERE id = ANY(%s) AND status = 'active' ORDER BY id",
            [ids],
        )
        rows = cursor.fetchall()
    rng.shuffle(rows)
    named = rows[: args.queries]
    typo_rng = random.Random(args.seed + 1)
    queries = {
        "one typo": [typo_anywhere(f, g, typo_rng, first=False) for f, g in named],
        "typo, first letter": [typo_anywhere(f, g, typo_rng, first=True) for f, g in named],
        "swapped": [f"{g} {f}" for f, g in named],
    }
    base = scoped(actor, Person.objects.filter(status=PersonStatus.ACTIVE))
    cap = matching.TRIGRAM_CANDIDATE_CAP
    fields = ("pk", "family_names", "given_names")

    def person_table(text: str) -> tuple[str, tuple[object, ...]]:
        words = normalize(text).split()
        rows = base.filter(matching.name_candidates_filter(text)).annotate(
            closeness=TrigramSimilarity("search_name", " ".join(words))
        )
        return rows.order_by("-closeness", "pk").values_list(*fields)[:cap].query.sql_with_params()

    def search_table(text: str) -> tuple[str, tuple[object, ...]]:
        return (
            _closest_name_candidates(base, text).values_list(*fields)[:cap].query.sql_with_params()
        )

    statements = {"person table": person_table, "search table": search_table}

    def run(sql: tuple[str, tuple[object, ...]]) -> list[int]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                [str(matching.SEARCH_TRIGRAM_THRESHOLD)],
            )
            cursor.execute(*sql)
            return [r[0] for r in cursor.fetchall()]

    load_before = os.getloadavg()[0]
    lines = [
        "| query | n | person table p50 ms | p95 ms | search table p50 ms | p95 ms | "
        "same candidates |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, batch in queries.items():
        compiled = [{name: build(q) for name, build in statements.items()} for q in batch]
        samples: dict[str, list[float]] = {name: [] for name in statements}
        same = 0
        for number, sqls in enumerate(compiled):
            order = list(statements) if number % 2 == 0 else list(reversed(statements))
            found = {}
            for name in order:
                start = time.perf_counter()
                found[name] = run(sqls[name])
                samples[name].append((time.perf_counter() - start) * 1000)
            same += found["person table"] == found["search table"]
        a, b = samples["person table"], samples["search table"]
        lines.append(
            f"| {kind} | {len(batch)} | {percentile(a, 0.5):.1f} | {percentile(a, 0.95):.1f} | "
            f"{percentile(b, 0.5):.1f} | {percentile(b, 0.95):.1f} | {same}/{len(batch)} |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        f"- load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end",
    ]
    if not args.no_write:
        write_results(f"Person search: person table vs search table ({args.label})", lines)
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
