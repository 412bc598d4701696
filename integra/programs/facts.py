"""The kinds of evidence used to screen a person for a measure (``EligibilityFact.kind``).

Each kind says what its value is (yes/no, a number, a grade) and whether it is *health* data:
clinical findings and scores (GCS, CDRS, ASIA grade, EDSS…) are shown only to roles holding
``Permission.HEALTH_DATA_VIEW`` and written with ``HEALTH_DATA_EDIT``. The administrative
status of a person (indennità di accompagnamento, L. 104/92 art. 3 c. 3, non-self-sufficiency
per DPCM 159/2013) and the services already received (incompatibilities) are handled by the
social side, which runs Misura B2 and the ISEE (``SOCIAL_RECORD_EDIT``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.db import models
from django.utils.translation import gettext_lazy as _

ValueType = Literal["flag", "number", "grade"]


class FactKind(models.TextChoices):
    # prerequisites (administrative status)
    ACCOMPAGNAMENTO = "indennita_accompagnamento", _("Indennità di accompagnamento (L. 18/1980)")
    NON_SELF_SUFFICIENT = (
        "non_autosufficienza_dpcm159",
        _("Non autosufficienza (DPCM 159/2013, allegato 3)"),
    )
    L104_SEVERE = "l104_art3c3", _("Handicap grave (L. 104/1992, art. 3 c. 3)")
    # B1 conditions a)–i) (DM 26/9/2016 art. 3 c. 2)
    GCS = "gcs", _("Glasgow Coma Scale (punteggio)")
    VENTILATION_24H = "ventilazione_24h", _("Ventilazione meccanica 24 ore su 24")
    CDRS = "cdrs", _("Clinical Dementia Rating Scale (punteggio)")
    SPINAL_LESION_ASIA = (
        "lesione_midollare_asia",
        _("Lesione spinale C0–C5: grado ASIA/AIS"),
    )
    MRC_FOUR_LIMBS = "mrc_quattro_arti", _("Forza muscolare MRC sui quattro arti (massimo)")
    EDSS = "edss", _("Expanded Disability Status Scale (punteggio)")
    HOEHN_YAHR = "hoehn_yahr", _("Stadio di Hoehn e Yahr")
    SEVERE_VISION_LOSS = (
        "deficit_visivo_grave",
        _("Visus ≤ 1/20 o residuo perimetrico binoculare sotto soglia"),
    )
    HEARING_LOSS_DB = "ipoacusia_db", _("Ipoacusia (perdita uditiva media, dB)")
    AUTISM_LEVEL = "autismo_livello", _("Disturbo dello spettro autistico: livello DSM-5")
    IQ = "qi", _("Quoziente intellettivo (QI)")
    LAPMER = "lapmer", _("LAPMER (punteggio)")
    VITAL_DEPENDENCY_24H = (
        "dipendenza_vitale_24h",
        _("Altra dipendenza vitale con assistenza continua 24 ore su 24"),
    )
    # incompatibilities and current benefits
    RESIDENTIAL_PLACEMENT = (
        "ricovero_residenziale",
        _("Ricovero definitivo in RSA, RSD, CSS, hospice o misura residenzialità minori"),
    )
    RSA_APERTA = "rsa_aperta", _("Misura RSA Aperta (DGR 7769/2018)")
    HOME_CARE_PREMIUM = "home_care_premium", _("Home Care Premium INPS")
    RESPITE_SSR = "sollievo_fsr", _("Ricovero di sollievo a totale carico del Fondo sanitario")
    SEMI_RESIDENTIAL_HOURS = (
        "semiresidenziale_ore",
        _("Frequenza di unità semiresidenziali (ore alla settimana)"),
    )
    PRO_VI = "pro_vi", _("Progetto di vita indipendente PRO.VI")
    B1_RECIPIENT = "beneficiario_b1", _("Beneficiario della Misura B1")
    B2_RECIPIENT = "beneficiario_b2", _("Beneficiario della Misura B2")
    OUT_OF_REGION = "residenza_fuori_regione", _("Residenza trasferita in un'altra Regione")


@dataclass(frozen=True)
class FactSpec:
    value_type: ValueType
    health: bool


_F: ValueType = "flag"
_N: ValueType = "number"
_G: ValueType = "grade"
FACT_KINDS: dict[str, FactSpec] = {
    FactKind.ACCOMPAGNAMENTO: FactSpec(_F, False),
    FactKind.NON_SELF_SUFFICIENT: FactSpec(_F, False),
    FactKind.L104_SEVERE: FactSpec(_F, False),
    FactKind.GCS: FactSpec(_N, True),
    FactKind.VENTILATION_24H: FactSpec(_F, True),
    FactKind.CDRS: FactSpec(_N, True),
    FactKind.SPINAL_LESION_ASIA: FactSpec(_G, True),
    FactKind.MRC_FOUR_LIMBS: FactSpec(_N, True),
    FactKind.EDSS: FactSpec(_N, True),
    FactKind.HOEHN_YAHR: FactSpec(_N, True),
    FactKind.SEVERE_VISION_LOSS: FactSpec(_F, True),
    FactKind.HEARING_LOSS_DB: FactSpec(_N, True),
    FactKind.AUTISM_LEVEL: FactSpec(_N, True),
    FactKind.IQ: FactSpec(_N, True),
    FactKind.LAPMER: FactSpec(_N, True),
    FactKind.VITAL_DEPENDENCY_24H: FactSpec(_F, True),
    FactKind.RESIDENTIAL_PLACEMENT: FactSpec(_F, False),
    FactKind.RSA_APERTA: FactSpec(_F, False),
    FactKind.HOME_CARE_PREMIUM: FactSpec(_F, False),
    FactKind.RESPITE_SSR: FactSpec(_F, False),
    FactKind.SEMI_RESIDENTIAL_HOURS: FactSpec(_N, False),
    FactKind.PRO_VI: FactSpec(_F, False),
    FactKind.B1_RECIPIENT: FactSpec(_F, False),
    FactKind.B2_RECIPIENT: FactSpec(_F, False),
    FactKind.OUT_OF_REGION: FactSpec(_F, False),
}

HEALTH_KINDS: frozenset[str] = frozenset(k for k, s in FACT_KINDS.items() if s.health)
