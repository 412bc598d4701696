"""Instrument pages name answers, context values and items in words, not by their codes."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client

from integra.assessments.selectors import instrument_version_words
from integra.core.permissions import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_nurse(client: Client, org_a, make_membership) -> Client:
    client.force_login(make_membership(org_a, Role.NURSE).user)
    return client


def _text(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_barthel_shows_answer_labels_not_codes(client_nurse) -> None:
    page = _text(client_nurse, "/valutazioni/strumenti/barthel/")
    # barthel.yaml, item 1 (feeding): {code: with_help, label: "Ha bisogno di aiuto (per
    # tagliare il cibo, spalmare il burro)", score: 5}
    assert "Ha bisogno di aiuto (per tagliare il cibo, spalmare il burro) 5" in page
    assert "with_help" not in page and "Codice" not in page


def test_spmsq_corrections_name_the_schooling(client_nurse) -> None:
    page = _text(client_nurse, "/valutazioni/strumenti/spmsq/")
    # spmsq.yaml: {context: education, value: primary, adjustment: -1, note: "Un errore in più
    # ammesso"}, the choice "primary" being "Nessun titolo o licenza elementare".
    assert "Scolarità: Nessun titolo o licenza elementare → -1 (Un errore in più ammesso)" in page
    assert "education" not in page and "primary" not in page


def test_gcs_subscores_name_their_items(client_nurse) -> None:
    page = _text(client_nurse, "/valutazioni/strumenti/gcs/")
    # gcs.yaml: subscore "Occhi (E)" sums item 1, "Apertura degli occhi (E)".
    assert "Occhi (E): item 1. Apertura degli occhi (E)" in page
    assert "eyes" not in page


def test_instrument_and_version_in_words() -> None:
    assert instrument_version_words(code="pua_triage", version="2026.1") == (
        "Scheda di pre-valutazione PUA (triage), versione 2026.1"
    )
    assert instrument_version_words(code="gone", version="1") == "gone, versione 1"
    assert instrument_version_words(code="", version="") == ""
