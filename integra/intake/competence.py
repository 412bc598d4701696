"""Which PUA is competent for a person: the one serving the Comune of residence, else of
domicile (for people without a residence: homeless people, people without a registered
address). A PUA serves single Comuni and/or whole Ambiti; a Comune named one by one wins over
the Ambito that contains it."""

from __future__ import annotations

from integra.core.models import Municipality
from integra.intake.models import PuaPoint
from integra.people.models import Person


def competent_pua_for_municipality(municipality: Municipality | None) -> PuaPoint | None:
    if municipality is None:
        return None
    active = PuaPoint.objects.filter(is_active=True).order_by("pk")
    direct = active.filter(municipalities=municipality).first()
    if direct is not None or municipality.ambito_id is None:
        return direct
    return active.filter(ambiti=municipality.ambito_id).first()


def competent_pua_for_person(person: Person) -> PuaPoint | None:
    """Residence first; the domicile when there is no residence or no PUA serves it."""
    for municipality in (person.residence_municipality, person.domicile_municipality):
        pua = competent_pua_for_municipality(municipality)
        if pua is not None:
            return pua
    return None
