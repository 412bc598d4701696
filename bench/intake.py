"""Benchmark of the PUA inbox: first page, filtered pages, due-soon and overdue lists and the
counts, with 1M persons and 200k open requests, through the selectors the views use.

    createdb -h 127.0.0.1 -U postgres integra_pua_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/integra_pua_bench \\
        .venv/bin/python bench/intake.py --persons 1000000 --requests 200000

The data are minimal rows written with COPY (history triggers off for the load only, like a
restore): persons with names only, requests with varied urgency, channel, state and deadlines
(from 40 days ago to 40 days ahead), all at one PUA — the worst case for one inbox — plus
closed requests. Each figure is measured first without, then with the intake indexes
(``intake_inbox``, ``intake_due``). Use a scratch database: the tables are filled.
"""

from __future__ import annotations

import argparse
import io
import random
import time
from datetime import UTC, datetime, timedelta

from _common import setup_django, time_calls, write_results

INTAKE_INDEXES = ("intake_inbox", "intake_due")


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(row) + "\n")
    buffer.seek(0)
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while chunk := buffer.read(1 << 20):
            copy.write(chunk)


def _load(args, org_id: int, membership_id: int, pua_id: int) -> None:
    from django.db import connection

    from integra.people.models import Person

    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    stamp = now.isoformat()
    with connection.cursor() as cur:
        raw = cur.cursor
        raw.execute("SET session_replication_role = replica")  # no history triggers on the load
        have = Person.objects.count()
        start = time.perf_counter()
        batch = 100_000
        for offset in range(have, args.persons, batch):
            n = min(batch, args.persons - offset)
            rows = (
                (
                    stamp,
                    stamp,
                    f"Cognome{offset + i}",
                    f"Nome{(offset + i) % 997}",
                    "X",
                    "",
                    "{}",
                    "{}",
                    "f",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "active",
                    f"cognome{offset + i} nome{(offset + i) % 997}",
                    "{}",
                    str(org_id),
                )
                for i in range(n)
            )
            _copy(
                raw,
                "people_person",
                [
                    "created_at",
                    "updated_at",
                    "family_names",
                    "given_names",
                    "sex",
                    "birth_place_code",
                    "citizenships",
                    "languages",
                    "needs_cultural_mediator",
                    "marital_status",
                    "education",
                    "employment",
                    "living_situation",
                    "residence_address",
                    "domicile_address",
                    "phone",
                    "email",
                    "legal_guardian_name",
                    "legal_guardian_kind",
                    "family_doctor_name",
                    "status",
                    "search_name",
                    "search_keys",
                    "registered_by_id",
                ],
                rows,
            )
        print(f"persons: {args.persons:,} in {time.perf_counter() - start:.1f} s", flush=True)
        cur.execute("SELECT min(id), max(id) FROM people_person")
        low, high = cur.fetchone()
        cur.execute("SELECT count(*) FROM intake_intakerequest")
        existing = cur.fetchone()[0]
        total = args.requests + args.closed
        start = time.perf_counter()
        states = ["ricevuta"] * 5 + ["pre_valutazione"] * 3 + ["inviata_uvm", "informata"]
        channels = [
            "sportello",
            "telefono",
            "email",
            "mmg_pls",
            "reparto",
            "servizi_sociali",
            "scuola",
            "tribunale",
            "terzo_settore",
            "online",
        ]
        urgencies = ["ordinaria"] * 7 + ["prioritaria"] * 2 + ["urgente"]
        today = now.date()

        def request_row(i: int) -> tuple[str, ...]:
            closed = i >= args.requests
            received = now - timedelta(minutes=rng.randint(0, 60 * 24 * 120))
            state = "chiusa" if closed else rng.choice(states)
            due = today + timedelta(days=rng.randint(-40, 40))
            uvm_due = due.isoformat() if state == "inviata_uvm" else r"\N"
            due_on = r"\N" if closed or state == "informata" else due.isoformat()
            outcome = {"inviata_uvm": "inviata_uvm", "informata": "informata"}.get(state, "")
            if closed:
                outcome = "informata"
            return (
                str(pua_id),
                str(rng.randint(low, high)),
                rng.choice(channels),
                "persona",
                "",
                "",
                "{anziani}",
                rng.choice(urgencies),
                "Richiesta sintetica.",
                state,
                received.isoformat(),
                due.isoformat(),
                uvm_due,
                due_on,
                received.isoformat() if closed else r"\N",
                outcome,
                "Informazioni date." if outcome == "informata" else "",
                "",
                "",
                "{}",
                "{}",
                "{}",
                "{}",
                "",
                str(membership_id),
                stamp,
                stamp,
            )

        for offset in range(existing, total, batch):
            n = min(batch, total - offset)
            _copy(
                raw,
                "intake_intakerequest",
                [
                    "pua_id",
                    "person_id",
                    "channel",
                    "requester_kind",
                    "requester_name",
                    "requester_contact",
                    "need_areas",
                    "urgency",
                    "description",
                    "state",
                    "received_at",
                    "pre_assessment_due",
                    "uvm_due",
                    "due_on",
                    "closed_at",
                    "outcome",
                    "information_given",
                    "triage_instrument",
                    "triage_version",
                    "triage_answers",
                    "triage_context",
                    "triage_result",
                    "triage_suggestion",
                    "decision_need",
                    "created_by_id",
                    "created_at",
                    "updated_at",
                ],
                (request_row(offset + i) for i in range(n)),
            )
        raw.execute("SET session_replication_role = origin")
        print(f"requests: {total:,} in {time.perf_counter() - start:.1f} s", flush=True)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE people_person")
        cur.execute("VACUUM ANALYZE intake_intakerequest")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200_000, help="open requests")
    parser.add_argument("--closed", type=int, default=50_000, help="closed requests")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    setup_django()

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from integra.accounts.models import Membership
    from integra.core.access import Actor
    from integra.core.permissions import Role
    from integra.intake import selectors
    from integra.intake.models import PuaPoint
    from integra.intake.views import PAGE_SIZE, CappedPaginator
    from integra.organizations.models import Organization, OrganizationKind
    from tests.factories import MembershipFactory

    # Only what the PUA needs (other apps may be mid-change in a scratch database).
    call_command("migrate", "intake", verbosity=0)
    org, _ = Organization.objects.get_or_create(
        code="bench-pua", defaults={"name": "Ambito Bench", "kind": OrganizationKind.AMBITO}
    )
    pua, _ = PuaPoint.objects.get_or_create(organization=org, name="PUA Bench")
    membership = Membership.objects.filter(organization=org).first() or MembershipFactory(
        organization=org, roles=[Role.PUA_OPERATOR], user__username="bench.pua"
    )
    _load(args, org.pk, membership.pk, pua.pk)
    actor = Actor.for_membership(membership.user, membership)

    def page(filters: selectors.InboxFilters) -> None:
        qs = selectors.request_inbox(actor=actor, filters=filters)
        result = CappedPaginator(qs, PAGE_SIZE).get_page(1)
        rows = [(r.pk, str(r.person), r.pua.name) for r in result.object_list]
        assert len(rows) <= PAGE_SIZE

    cases = {
        "inbox, first page (newest first)": selectors.InboxFilters(),
        "inbox, state = in pre-valutazione": selectors.InboxFilters(state="pre_valutazione"),
        "inbox, urgency = urgente": selectors.InboxFilters(urgency="urgente"),
        "inbox, channel = telefono, urgency = prioritaria": selectors.InboxFilters(
            channel="telefono", urgency="prioritaria"
        ),
        "due soon (by deadline)": selectors.InboxFilters(due="soon"),
        "overdue list (by deadline)": selectors.InboxFilters(due="overdue"),
    }

    def run_all(label: str) -> list[str]:
        lines = [f"**{label}** (p50 / p95 / max over {args.repeat} runs; queries per call)", ""]
        lines.append("| list | p50 ms | p95 ms | max ms | queries |")
        lines.append("|---|---:|---:|---:|---:|")
        for name, filters in cases.items():
            with CaptureQueriesContext(connection) as ctx:
                page(filters)
            timing = time_calls(lambda f=filters: page(f), args.repeat)
            lines.append(
                f"| {name} | {timing['p50_ms']:.1f} | {timing['p95_ms']:.1f} | "
                f"{timing['max_ms']:.1f} | {len(ctx.captured_queries)} |"
            )
        with CaptureQueriesContext(connection) as ctx:
            selectors.inbox_counts(actor=actor)
        timing = time_calls(lambda: selectors.inbox_counts(actor=actor), args.repeat)
        lines.append(
            f"| badges: open / due soon / overdue counts | {timing['p50_ms']:.1f} | "
            f"{timing['p95_ms']:.1f} | {timing['max_ms']:.1f} | {len(ctx.captured_queries)} |"
        )
        lines.append("")
        print("\n".join(lines), flush=True)
        return lines

    with connection.cursor() as cur:
        for name in INTAKE_INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}")
    before = run_all("Without the intake indexes")
    from integra.intake.models import IntakeRequest

    with connection.schema_editor() as editor:
        for index in IntakeRequest._meta.indexes:
            if index.name in INTAKE_INDEXES:
                editor.add_index(IntakeRequest, index)
    with connection.cursor() as cur:
        cur.execute("ANALYZE intake_intakerequest")
    after = run_all("With the intake indexes (as migrated)")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM people_person")
        persons = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FILTER (WHERE state <> 'chiusa'), count(*) FROM intake_intakerequest"
        )
        open_count, all_count = cur.fetchone()
    write_results(
        "PUA inbox and overdue list",
        [
            f"- persons: {persons:,}; requests: {all_count:,} of which {open_count:,} open, "
            f"all at one PUA (worst case for one inbox); page size {PAGE_SIZE}",
            "- measured through `integra.intake.selectors` and the view's paginator, as the "
            "inbox view calls them: each list is the page (25 rows with person and PUA) plus "
            'its count, capped at 1,001 (`COUNT_CAP`: the page then says "more than 1,000"; '
            "an exact COUNT of the 200k open requests took ~150 ms); the badges are three "
            "capped counts. The view's access-log write is not included (see the access log "
            "benchmark)",
            "",
            *before,
            *after,
        ],
    )


if __name__ == "__main__":
    main()
