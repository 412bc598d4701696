"""Old candidate condition (whole name % query at 0.5, as 0015's search table; here on the
person table's own trigram index, identical candidates) against the word search (people 0016),
both capped at 100 and ranked by search_score: queries whose person (or a homonym) is in one
top 10 and not the other. PUA operator's scope, as bench/people_search.py.

    cd bench && DATABASE_URL=... ../.venv/bin/python people_search_words_diff.py SEED N
"""

# Django is set up before the application's modules are imported.
# ruff: noqa: E402

import random
import sys

from _common import setup_django

setup_django()
import people_search as ps
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection, transaction

from integra.accounts.models import Membership
from integra.core.access import Actor, scoped
from integra.organizations.search import normalize
from integra.people import matching
from integra.people.matching import SEARCH_MIN_SCORE, search_score
from integra.people.models import Person, PersonStatus
from integra.people.selectors import _closest_name_candidates

m = Membership.objects.select_related("user").get(
    user__username="operatore.pua", organization__code="asst-melegnano-martesana"
)
actor = Actor.for_membership(m.user, m)
base = scoped(actor, Person.objects.filter(status=PersonStatus.ACTIVE))
seed, n = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
with connection.cursor() as c:
    c.execute("SELECT min(id), max(id) FROM people_person")
    lo, hi = c.fetchone()
    c.execute(
        "SELECT id, family_names, given_names, search_name FROM people_person WHERE id = ANY(%s) AND status='active'",
        [rng.sample(range(lo, hi + 1), n * 2)],
    )
    rows = c.fetchall()[:n]


def old_qs(text):
    words = normalize(text).split()
    cl = (
        TrigramWordSimilarity(words[0], "search_name")
        if len(words) == 1
        else TrigramSimilarity("search_name", " ".join(words))
    )
    return (
        base.filter(matching.name_candidates_filter(text))
        .annotate(closeness=cl)
        .order_by("-closeness", "pk")
    )


def top(qs, text):
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT set_config('pg_trgm.similarity_threshold', '0.5', true)")
        cands = list(qs.values_list("pk", "family_names", "given_names", "search_name")[:100])
    scored = []
    for pk, f, g, sn in cands:
        sc = search_score(text, family_names=f, given_names=g)[0]
        if sc >= SEARCH_MIN_SCORE:
            scored.append((-sc, f, g, pk, sn))
    scored.sort()
    return [(pk, sn) for _s, _f, _g, pk, sn in scored[:10]]


trng = random.Random(seed + 5)


def two_typos(f, g):
    q = ps.typo_anywhere(f, g, trng, first=False)
    parts = q.split()
    nf = len(f.split())
    return ps.typo_anywhere(" ".join(parts[:nf]), " ".join(parts[nf:]), trng, first=False)


def truncated(f, g):
    w = f"{f} {g}".split()
    if len(w[-1]) > 5:
        w[-1] = w[-1][: len(w[-1]) - 2]
    return " ".join(w)


kinds = {
    "two typos": two_typos,
    "last word cut by 2": truncated,
    "one typo": lambda f, g: ps.typo_anywhere(f, g, trng, first=False),
}
for kind, make in kinds.items():
    both = old_only = new_only = neither = 0
    examples = []
    for pk, f, g, sn in rows:
        q = make(f, g)
        o = top(old_qs(q), q)
        w = top(_closest_name_candidates(base, q), q)
        ho = any(p == pk or s == sn for p, s in o)
        hw = any(p == pk or s == sn for p, s in w)
        both += ho and hw
        old_only += ho and not hw
        new_only += hw and not ho
        neither += not (ho or hw)
        if ho and not hw and len(examples) < 4:
            examples.append((q, sn))
    print(
        f"{kind}: n={len(rows)} both={both} old only={old_only} new only={new_only} neither={neither}; old only e.g. {examples}",
        flush=True,
    )
