"""Turn what an operator types for a place («Milano», «Castro (BG)», «015146», «F205»,
«Marocco», «Z330») into a Comune or a Belfiore code, for the registry's forms."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from integra.core.models import Municipality
from integra.people.identifiers import describe_place, foreign_country_code, normalise

_WITH_PROVINCE = re.compile(r"^(?P<name>.+?)\s*\((?P<province>[A-Za-z]{2})\)$")
_ISTAT = re.compile(r"^[0-9]{6}$")
_BELFIORE = re.compile(r"^[A-Za-z][0-9]{3}$")


class PlaceNotFound(ValueError):
    """No place has that name or code."""


def place_label(municipality: Municipality | None, code: str) -> str:
    """What the form shows for a saved place (and reads back to the same place)."""
    if municipality is not None:
        return f"{municipality.name} ({municipality.province_code})"
    if code:
        place = describe_place(code)
        return place.name.title() if place is not None else code
    return ""


def resolve_municipality(text: str) -> Municipality | None:
    """The current Comune named by ``text`` (name, «name (PR)», ISTAT or Belfiore code);
    ``None`` for an empty text; ``ValueError`` with an Italian message otherwise."""
    text = " ".join((text or "").split())
    if not text:
        return None
    qs = Municipality.objects.all()
    if _ISTAT.fullmatch(text):
        found = list(qs.filter(istat_code=text)[:2])
    elif _BELFIORE.fullmatch(text):
        found = list(qs.filter(belfiore_code=text.upper())[:2])
    else:
        match = _WITH_PROVINCE.fullmatch(text)
        if match:
            qs = qs.filter(province_code__iexact=match["province"])
            text = match["name"]
        found = list(qs.filter(name__iexact=text)[:2])
    if not found:
        raise PlaceNotFound(_("Comune «%(text)s» non trovato.") % {"text": text})
    if len(found) > 1:
        raise ValueError(
            _("Più Comuni si chiamano «%(text)s»: aggiungi la sigla della provincia, es. %(ex)s.")
            % {"text": text, "ex": f"{found[0].name} ({found[0].province_code})"}
        )
    return found[0]


def resolve_birth_place(text: str) -> tuple[int | None, str]:
    """(Comune id or None, Belfiore code) of a birth place: a current Comune, a ceased one or a
    foreign country, by name or code; ``ValueError`` with an Italian message if unknown."""
    text = " ".join((text or "").split())
    if not text:
        return None, ""
    if _BELFIORE.fullmatch(text):
        return None, normalise(text)  # the service checks the code and links the Comune
    try:
        municipality = resolve_municipality(text)
    except PlaceNotFound as exc:
        country = foreign_country_code(text)
        if country:
            return None, country
        raise ValueError(
            _("Luogo «%(text)s» non trovato: indica un Comune, uno Stato estero o il codice.")
            % {"text": text}
        ) from exc
    assert municipality is not None
    return municipality.pk, municipality.belfiore_code
