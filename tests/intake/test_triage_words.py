"""The request page names the triage instrument and its version in words, not by its code."""

from __future__ import annotations

import pytest

from integra.intake.services import request_create
from tests.intake.test_views import _data, logged  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_request_page_names_the_triage_instrument(logged, pua_setting) -> None:  # noqa: F811
    request = request_create(actor=pua_setting.operator, data=_data(pua_setting))
    answers = {
        "health_need": "none",
        "social_need": "simple",
        "autonomy": "autonomous",
        "support_network": "adequate",
        "urgency": "none",
        "row_version": "1",
    }
    assert logged.post(f"/pua/richieste/{request.pk}/pre-valutazione/", answers).status_code == 302
    page = logged.get(f"/pua/richieste/{request.pk}/").content.decode()
    # pua_triage.yaml: title "Scheda di pre-valutazione PUA (triage)", version "2026.2".
    assert "Scheda di pre-valutazione PUA (triage), versione 2026.2" in page
    assert "pua_triage" not in page
