"""Citizenships and languages: chosen from lists of names, stored as ISO codes, shown by name
(integra/core/iso_names.py)."""

from __future__ import annotations

import pytest

from integra.people.models import Person
from tests.people.test_views import (  # noqa: F401 (fixtures)
    client_a,
    person_form,
    private_root,
    worker_a,
)

pytestmark = pytest.mark.django_db


def test_the_form_offers_names(client_a) -> None:  # noqa: F811
    page = client_a.get("/persone/nuova/").content.decode()
    assert '<option value="MA">Marocco</option>' in page
    assert '<option value="ar">arabo</option>' in page
    assert '<option value="FR">Francia</option>' in page  # the state that issued a TEAM card
    assert "Codici ISO" not in page


def test_codes_are_stored_and_names_shown(client_a) -> None:  # noqa: F811
    data = person_form()
    data.update({"citizenships": ["IT", "MA"], "languages": ["it", "ar"]})
    response = client_a.post("/persone/nuova/", data)
    assert response.status_code == 302
    person = Person.objects.get()
    assert (person.citizenships, person.languages) == (["IT", "MA"], ["it", "ar"])
    page = client_a.get(response["Location"]).content.decode()
    assert "Italia, Marocco" in page and "italiano, arabo" in page
    edit = client_a.get(f"/persone/{person.pk}/modifica/").content.decode()
    assert '<option value="MA" selected>Marocco</option>' in edit
    assert '<option value="ar" selected>arabo</option>' in edit


def test_an_unknown_code_is_refused(client_a) -> None:  # noqa: F811
    response = client_a.post("/persone/nuova/", person_form(citizenships="XX"))
    assert response.status_code == 400
    assert "XX non è tra quelle disponibili" in response.content.decode()
    assert not Person.objects.exists()
