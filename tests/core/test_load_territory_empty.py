"""manage.py load_territory on an empty territory: --if-empty loads, errors save nothing."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from integra.core.models import Ambito, HealthAuthority, Municipality, Region
from integra.core.services import DEMO_TERRITORY_JSON

pytestmark = pytest.mark.django_db


def test_if_empty_loads_an_empty_territory_then_does_nothing() -> None:
    out = StringIO()
    call_command("load_territory", "--if-empty", "--no-demo", stdout=out)
    assert "creati 7896" in out.getvalue()
    assert Municipality.objects.count() == 7896
    assert Region.objects.count() == 20
    assert HealthAuthority.objects.count() == 0  # --no-demo

    out = StringIO()
    call_command("load_territory", "--if-empty", stdout=out)
    assert "nessuna operazione" in out.getvalue()
    assert HealthAuthority.objects.count() == 0


def test_missing_comune_saves_nothing_at_all(tmp_path: Path) -> None:
    data = json.loads(DEMO_TERRITORY_JSON.read_text(encoding="utf-8"))
    data["ambiti"][0]["municipalities"][0] = "Comune Inesistente"
    demo = tmp_path / "demo.json"
    demo.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="«Comune Inesistente»"):
        call_command("load_territory", "--demo-file", str(demo), stdout=StringIO())
    assert Region.objects.count() == 0
    assert Municipality.objects.count() == 0
    assert Ambito.objects.count() == 0


def test_bad_population_on_empty_territory_saves_nothing(tmp_path: Path) -> None:
    population = tmp_path / "pop.csv"
    population.write_text("015140;18012\n015140;x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Riga 2"):
        call_command(
            "load_territory",
            "--population",
            str(population),
            "--population-year",
            "2024",
            stdout=StringIO(),
        )
    assert Municipality.objects.count() == 0


def test_demo_file_with_wrong_structure_is_refused(tmp_path: Path) -> None:
    demo = tmp_path / "demo.json"
    demo.write_text(
        json.dumps(
            {
                "note": "prova",
                "region": "03",
                "province": "MI",
                "health_authorities": [
                    {"code": "X", "kind": "asst", "name": "ASST X", "parent": "NESSUNA"}
                ],
                "districts": [{"code": "D", "name": "D", "health_authority": "Y"}],
                "ambiti": [
                    {
                        "code": "A",
                        "name": "Ambito A",
                        "district": "D",
                        "lead": "Melzo",
                        "municipalities": ["Melegnano"],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        call_command("load_territory", "--demo-file", str(demo), stdout=StringIO())
    message = str(exc.value)
    assert "l'ATS di riferimento «NESSUNA» non è un'ATS del file" in message
    assert "azienda sanitaria «Y» non presente nel file" in message
    assert "il Comune capofila «Melzo» non è tra i suoi comuni" in message
    assert Municipality.objects.count() == 0
    demo.write_text("{non è json", encoding="utf-8")
    with pytest.raises(CommandError, match="non è JSON valido"):
        call_command("load_territory", "--demo-file", str(demo), stdout=StringIO())
