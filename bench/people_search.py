"""Benchmark of the person search on a synthetic population: latency and recall@10, against
the application's own SQL run bare.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integra_bench \
        .venv/bin/python bench/people_search.py --label "1M"

Load the population first (manage.py seed_demo --persons N --seed S). Queries are made from
persons drawn from the database with a fixed seed:

- exact code: the person's codice fiscale / STP / ENI code;
- one typo: one edit (substitution, deletion, insertion or swap of adjacent letters) at any
  position of any word of the family or given names;
- typo, first letter: the same, at the first letter of a word;
- swapped: "given family".

Two paths, interleaved query by query (the order alternating), so that a load from other
processes falls on both alike:

- ``app``: the application's ``person_search`` (people/selectors.py) as a PUA operator (sees
  everyone), ten results: scope, ranking, hydration through the gate, access log;
- ``sql``: the application's candidate statement (``selectors._closest_name_candidates``,
  compiled by the application for each query, PUA scope) run bare: the persons whose name words
  are one edit from each query word (search table ``words`` and the vocabulary, people migration
  0016), most similar first, ``TRIGRAM_CANDIDATE_CAP`` rows (its first ten are its results); for
  codes, the equality on ``people_personidentifier.value``.

recall@10: share of queries whose person is among the first 10 results. "homonym-aware"
also counts a result with exactly the person's (normalised) name: a name-only query cannot
tell apart persons with the same name, so that is the ceiling of any name search.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import dataclass

from _common import percentile, setup_django, write_results

_LETTERS = "abcdefghilmnoprstuvz"


@dataclass
class Target:
    person_id: int
    family: str
    given: str
    code: str | None
    search_name: str


def typo_anywhere(family: str, given: str, rng: random.Random, *, first: bool) -> str:
    """One edit in a random word of "family given": at its first letter (``first``) or at any
    position."""
    words = f"{family} {given}".split()
    index = rng.randrange(len(words))
    chars = list(words[index].lower())
    position = 0 if first else rng.randrange(len(chars))
    edit = rng.randrange(4)
    if edit == 3 and position + 1 < len(chars) and chars[position] != chars[position + 1]:
        chars[position], chars[position + 1] = chars[position + 1], chars[position]
    elif edit == 1 and len(chars) > 3:
        del chars[position]
    elif edit == 2:
        chars.insert(position, rng.choice(_LETTERS))
    else:
        chars[position] = rng.choice([c for c in _LETTERS if c != chars[position]])
    words[index] = "".join(chars)
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default="", help="size label in the results (e.g. 1M)")
    parser.add_argument("--queries", type=int, default=200, help="per kind of query")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--note", default="", help="a line added under the figures")
    args = parser.parse_args()
    setup_django()

    from django.db import connection, transaction

    from integra.accounts.models import Membership
    from integra.core.access import Actor, scoped
    from integra.people import matching
    from integra.people.models import Person, PersonStatus
    from integra.people.selectors import _closest_name_candidates, person_search

    membership = Membership.objects.select_related("user").get(
        user__username="operatore.pua", organization__code="asst-melegnano-martesana"
    )
    actor = Actor.for_membership(membership.user, membership)
    rng = random.Random(args.seed)
    total = Person.objects.count()
    with connection.cursor() as cursor:
        # Fresh statistics after the bulk load (autovacuum would get there later).
        cursor.execute(
            "ANALYZE people_person, people_personidentifier, people_personsearchname, "
            "people_personsearchword"
        )
        cursor.execute("SELECT min(id), max(id) FROM people_person")
        low, high = cursor.fetchone()
        ids = sorted(rng.sample(range(low, high + 1), min(args.queries * 3, high - low + 1)))
        cursor.execute(
            "SELECT p.id, p.family_names, p.given_names, p.search_name, "
            "(SELECT value FROM people_personidentifier i WHERE i.person_id = p.id "
            " ORDER BY is_primary DESC, id LIMIT 1) "
            "FROM people_person p WHERE p.id = ANY(%s) AND p.status = 'active' ORDER BY p.id",
            [ids],
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    rng.shuffle(rows)
    targets = [Target(r[0], r[1], r[2], r[4], r[3]) for r in rows]
    with_code = [t for t in targets if t.code][: args.queries]
    named = targets[: args.queries]
    typo_rng = random.Random(args.seed + 1)
    queries: dict[str, list[tuple[Target, str]]] = {
        "exact code": [(t, t.code or "") for t in with_code],
        "one typo": [(t, typo_anywhere(t.family, t.given, typo_rng, first=False)) for t in named],
        "typo, first letter": [
            (t, typo_anywhere(t.family, t.given, typo_rng, first=True)) for t in named
        ],
        "swapped": [(t, f"{t.given} {t.family}") for t in named],
    }

    def app_search(query: str) -> list[int]:
        matches = person_search(actor=actor, query=query, limit=10)
        return [m.person_id for m in matches if m.person_id is not None]

    def candidate_sql(query: str) -> tuple[str, tuple[object, ...]]:
        """The SQL the application runs for the name candidates of ``query`` (PUA scope)."""
        base = scoped(actor, Person.objects.filter(status=PersonStatus.ACTIVE))
        rows = _closest_name_candidates(base, query).values_list(
            "pk", "family_names", "given_names"
        )[: matching.TRIGRAM_CANDIDATE_CAP]
        return rows.query.sql_with_params()

    # Compiled before the clock starts: the bare SQL is timed, not Django's compiler.
    compiled = {
        query: candidate_sql(query)
        for kind, batch in queries.items()
        if kind != "exact code"
        for _target, query in batch
    }

    def sql_search(query: str) -> list[int]:
        with transaction.atomic(), connection.cursor() as cursor:
            if query not in compiled:
                cursor.execute(
                    "SELECT person_id FROM people_personidentifier WHERE value = %s",
                    [query.strip().upper()],
                )
                return [r[0] for r in cursor.fetchall()]
            cursor.execute(*compiled[query])
            return [r[0] for r in cursor.fetchall()][:10]

    names_of: dict[int, str] = {}

    def names(ids: list[int]) -> dict[int, str]:
        missing = [pk for pk in ids if pk not in names_of]
        if missing:
            names_of.update(Person.objects.filter(pk__in=missing).values_list("pk", "search_name"))
        return {pk: names_of.get(pk, "") for pk in ids}

    paths = {"app": app_search, "sql": sql_search}
    for _target, query in queries["swapped"][:5]:
        for search in paths.values():
            search(query)
    load_before = os.getloadavg()[0]
    results: dict[str, dict[str, dict[str, float]]] = {path: {} for path in paths}
    for kind, batch in queries.items():
        samples: dict[str, list[float]] = {path: [] for path in paths}
        hits = dict.fromkeys(paths, 0)
        homonym_hits = dict.fromkeys(paths, 0)
        for number, (target, query) in enumerate(batch):
            order = list(paths) if number % 2 == 0 else list(reversed(paths))
            for path in order:
                start = time.perf_counter()
                found_ids = paths[path](query)[:10]
                samples[path].append((time.perf_counter() - start) * 1000)
                if target.person_id in found_ids:
                    hits[path] += 1
                    homonym_hits[path] += 1
                elif target.search_name in names(found_ids).values():
                    homonym_hits[path] += 1
        for path in paths:
            results[path][kind] = {
                "p50": percentile(samples[path], 0.5),
                "p95": percentile(samples[path], 0.95),
                "recall": hits[path] / len(batch) if batch else 0.0,
                "recall_h": homonym_hits[path] / len(batch) if batch else 0.0,
                "n": len(batch),
            }
            print(path, kind, results[path][kind], flush=True)
    load_after = os.getloadavg()[0]

    lines = [
        f"- persons in the registry: {total:,}; {args.queries} queries of each kind from persons "
        f"drawn with seed {args.seed}; {version}; load average (1 min) {load_before:.1f} at the "
        f"start, {load_after:.1f} at the end",
        "",
        "| query | app p50 ms | app p95 ms | SQL p50 ms | SQL p95 ms | p50 ratio | p95 ratio "
        "| app recall@10 (homonym-aware) | SQL recall@10 (homonym-aware) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in queries:
        a, r = results["app"][kind], results["sql"][kind]
        lines.append(
            f"| {kind} | {a['p50']:.1f} | {a['p95']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{a['p50'] / r['p50']:.2f} | {a['p95'] / r['p95']:.2f} | "
            f"{a['recall']:.3f} ({a['recall_h']:.3f}) | {r['recall']:.3f} ({r['recall_h']:.3f}) |"
        )
    if args.note:
        lines += ["", args.note]
    if not args.no_write:
        write_results(f"Person search ({args.label or f'{total:,} persons'})", lines)
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
