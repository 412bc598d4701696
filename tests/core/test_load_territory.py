"""manage.py load_territory on the real ISTAT list (loaded once for this module).

Expected values are read by hand from integra/core/data/comuni_istat.csv, e.g. the row
``015140,Melegnano,,03,Lombardia,215,Milano,MI,F100,17964``.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integra.core.models import Ambito, District, HealthAuthority, Municipality, Region
from integra.core.services import DEMO_TERRITORY_JSON

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_territory")]

DEMO_AMBITI = {
    "Ambito Alta Martesana": (
        "Distretto Alta Martesana",
        "Cernusco sul Naviglio",
        [
            "Bellinzago Lombardo", "Bussero", "Cambiago", "Carugate", "Cassina de' Pecchi",
            "Cernusco sul Naviglio", "Gessate", "Gorgonzola", "Pessano con Bornago",
        ],
    ),
    "Ambito di Melzo": (
        "Distretto Adda",
        "Melzo",
        [
            "Cassano d'Adda", "Inzago", "Liscate", "Melzo", "Pozzuolo Martesana", "Settala",
            "Truccazzano", "Vignate",
        ],
    ),
    "Ambito di Trezzo sull'Adda": (
        "Distretto Adda",
        "Trezzo sull'Adda",
        [
            "Basiano", "Grezzago", "Masate", "Pozzo d'Adda", "Trezzano Rosa", "Trezzo sull'Adda",
            "Vaprio d'Adda",
        ],
    ),
    "Ambito di Pioltello": (
        "Distretto Bassa Martesana – Paullese",
        "Pioltello",
        ["Pioltello", "Rodano", "Segrate", "Vimodrone"],
    ),
    "Ambito di Paullo": (
        "Distretto Bassa Martesana – Paullese",
        "Paullo",
        [
            "Colturano", "Dresano", "Mediglia", "Pantigliate", "Paullo", "Peschiera Borromeo",
            "Tribiano",
        ],
    ),
    "Ambito Sud Est Milano": (
        "Distretto Sud Est Milano",
        "San Giuliano Milanese",
        [
            "Carpiano", "Cerro al Lambro", "Melegnano", "San Donato Milanese",
            "San Giuliano Milanese", "San Zenone al Lambro", "Vizzolo Predabissi",
        ],
    ),
    "Ambito Visconteo Sud Milano": (
        "Distretto Visconteo",
        "Rozzano",
        [
            "Basiglio", "Binasco", "Casarile", "Lacchiarella", "Locate di Triulzi", "Noviglio",
            "Opera", "Pieve Emanuele", "Rozzano", "Vernate", "Zibido San Giacomo",
        ],
    ),
}  # fmt: skip


def run(*args: str, **kwargs: object) -> str:
    out = StringIO()
    call_command("load_territory", *args, stdout=out, **kwargs)
    return out.getvalue()


def event_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM core_municipalityevent)"
            " + (SELECT count(*) FROM core_regionevent)"
            " + (SELECT count(*) FROM core_ambitoevent)"
            " + (SELECT count(*) FROM core_districtevent)"
            " + (SELECT count(*) FROM core_healthauthorityevent)"
        )
        return cursor.fetchone()[0]


def test_loads_every_region_and_comune() -> None:
    assert Region.objects.count() == 20
    assert Municipality.objects.count() == 7896
    melegnano = Municipality.objects.select_related("region").get(name="Melegnano")
    assert melegnano.istat_code == "015140"
    assert melegnano.belfiore_code == "F100"
    assert melegnano.province_code == "MI"
    assert melegnano.province_name == "Milano"
    assert melegnano.region.name == "Lombardia"
    assert (melegnano.population, melegnano.population_year) == (17964, 2023)
    bolzano = Municipality.objects.get(istat_code="021008")
    assert (bolzano.name, bolzano.name_other_language) == ("Bolzano", "Bozen")
    # A Comune created after 1/1/2023 has no population figure in the file.
    misiliscemi = Municipality.objects.get(istat_code="081025")
    assert (misiliscemi.population, misiliscemi.population_year) == (None, None)


def test_demo_configuration_assigns_the_53_comuni() -> None:
    ats = HealthAuthority.objects.get(name="ATS della Città Metropolitana di Milano")
    asst = HealthAuthority.objects.get(name="ASST Melegnano e della Martesana")
    assert (ats.kind, ats.region.name, ats.parent) == ("ats", "Lombardia", None)
    assert (asst.kind, asst.parent) == ("asst", ats)
    assert sorted(asst.districts.values_list("name", flat=True)) == [
        "Distretto Adda",
        "Distretto Alta Martesana",
        "Distretto Bassa Martesana – Paullese",
        "Distretto Sud Est Milano",
        "Distretto Visconteo",
    ]
    assert Ambito.objects.count() == 7
    assert Municipality.objects.filter(ambito__isnull=False).count() == 53
    assert Municipality.objects.filter(district__isnull=False).count() == 53
    for ambito_name, (district_name, lead, comuni) in DEMO_AMBITI.items():
        ambito = Ambito.objects.select_related("lead_municipality").get(name=ambito_name)
        assert ambito.lead_municipality.name == lead
        members = Municipality.objects.filter(ambito=ambito).select_related("district")
        assert sorted(m.name for m in members) == sorted(comuni)
        assert {m.district.name for m in members} == {district_name}
        assert {m.province_code for m in members} == {"MI"}


def test_summary_is_in_italian_and_carries_the_note(real_territory: str) -> None:
    assert "Regioni: 20 create" in real_territory
    assert "Comuni nell'elenco: 7896 — creati 7896" in real_territory
    assert "7 ambiti, 53 Comuni assegnati" in real_territory
    assert "va verificata sull'atto regionale vigente" in real_territory
    note = json.loads(DEMO_TERRITORY_JSON.read_text(encoding="utf-8"))["note"]
    assert "ex ASL Milano 2" in note


def test_second_run_changes_nothing() -> None:
    before = event_count()
    output = run()
    assert "creati 0, aggiornati 0, invariati 7896" in output
    assert "(0 assegnazioni modificate)" in output
    assert Municipality.objects.count() == 7896
    assert Municipality.objects.filter(ambito__isnull=False).count() == 53
    # The history triggers record only real changes: none were made.
    assert event_count() == before


def test_if_empty_is_a_single_query_no_op() -> None:
    Municipality.objects.filter(istat_code="015140").update(population=1)
    with CaptureQueriesContext(connection) as ctx:
        output = run("--if-empty")
    assert "nessuna operazione" in output
    assert len(ctx.captured_queries) == 1
    assert Municipality.objects.get(istat_code="015140").population == 1


def test_a_changed_row_is_restored_from_the_list() -> None:
    Municipality.objects.filter(istat_code="015140").update(name="Melegnano X", population=5)
    output = run("--no-demo")
    assert "creati 0, aggiornati 1, invariati 7895" in output
    melegnano = Municipality.objects.get(istat_code="015140")
    assert (melegnano.name, melegnano.population) == ("Melegnano", 17964)
    # --no-demo leaves the existing assignments alone.
    assert melegnano.ambito.name == "Ambito Sud Est Milano"


def test_population_file_refreshes_and_a_newer_year_survives_a_reload(tmp_path: Path) -> None:
    population = tmp_path / "popolazione.csv"
    # A header, a code that lost its leading zero in a spreadsheet, and a normal row.
    population.write_text("codice;popolazione\n15140;18012\n015142;18400\n", encoding="utf-8")
    output = run("--no-demo", "--population", str(population), "--population-year", "2024")
    assert "Popolazione 2024: 2 righe lette, 2 Comuni aggiornati." in output
    melegnano = Municipality.objects.get(istat_code="015140")
    assert (melegnano.population, melegnano.population_year) == (18012, 2024)
    run("--no-demo")  # the shipped list has 2023 figures: the 2024 one stays
    melegnano.refresh_from_db()
    assert (melegnano.population, melegnano.population_year) == (18012, 2024)


def test_bad_population_file_reports_every_bad_row_and_saves_nothing(tmp_path: Path) -> None:
    population = tmp_path / "popolazione.csv"
    population.write_text(
        "\n".join(
            [
                "codice;popolazione",
                "015140;18012",  # good, but must not be saved
                "01514X;100",  # line 3: bad code
                "999999;100",  # line 4: no such Comune
                "015142;diciottomila",  # line 5: not a number
                "015142;-5",  # line 6: negative
                "015140;18013",  # line 7: repeated code
                "015002",  # line 8: one field only
                "015002;1.234",  # line 9: thousands separator
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        run("--population", str(population), "--population-year", "2024")
    message = str(exc.value)
    assert "nessuna modifica salvata" in message
    assert "Riga 3: codice ISTAT «01514X» non valido" in message
    assert "Riga 4: nessun comune con codice ISTAT 999999" in message
    assert "Riga 5: popolazione «diciottomila» non valida" in message
    assert "Riga 6: popolazione «-5» non valida" in message
    assert "Riga 7: codice ISTAT 015140 ripetuto (già alla riga 2)" in message
    assert "Riga 8: attesi 2 campi" in message
    assert "Riga 9: popolazione «1.234» non valida" in message
    assert "Riga 2" not in message.replace("già alla riga 2", "")
    melegnano = Municipality.objects.get(istat_code="015140")
    assert (melegnano.population, melegnano.population_year) == (17964, 2023)


def test_population_file_needs_its_year(tmp_path: Path) -> None:
    population = tmp_path / "popolazione.csv"
    population.write_text("015140;18012\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--population-year"):
        run("--population", str(population))
    with pytest.raises(CommandError, match="Anno della popolazione 1700 non valido"):
        run("--population", str(population), "--population-year", "1700")


def test_missing_comune_in_demo_file_fails_and_changes_nothing(tmp_path: Path) -> None:
    data = json.loads(DEMO_TERRITORY_JSON.read_text(encoding="utf-8"))
    data["districts"][0]["name"] = "Distretto Adda rinominato"
    alta = next(a for a in data["ambiti"] if a["name"] == "Ambito Alta Martesana")
    alta["municipalities"] = [
        "Cassina de Pecchi" if n == "Cassina de' Pecchi" else n for n in alta["municipalities"]
    ]
    alta["municipalities"].append("Milano Due")
    demo = tmp_path / "demo.json"
    demo.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    Municipality.objects.filter(istat_code="015140").update(population=1)
    before = event_count()

    with pytest.raises(CommandError) as exc:
        run("--demo-file", str(demo))

    message = str(exc.value)
    assert "Comune «Cassina de Pecchi» (ambito «Ambito Alta Martesana») non trovato" in message
    assert "forse: «Cassina de' Pecchi»" in message
    assert "Comune «Milano Due»" in message
    # Nothing changed: not the Comuni list (population still altered), not the demo data.
    assert Municipality.objects.get(istat_code="015140").population == 1
    assert not District.objects.filter(name="Distretto Adda rinominato").exists()
    assert Municipality.objects.get(istat_code="015060").ambito.name == "Ambito Alta Martesana"
    assert event_count() == before
