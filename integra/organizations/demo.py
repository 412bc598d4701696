"""Deterministic demo data: organisations, units, services and one operator for every role.

Everything here is fictitious apart from the territory (loaded by ``load_territory``) and the
names of public bodies. Addresses, phone numbers and e-mail addresses are made up (e-mail
domains end in ``.example``, reserved by RFC 2606). The same seed gives the same data; running
again converges to it (records are keyed by code, name or username).

THE PASSWORD BELOW IS PUBLISHED ON PURPOSE AND IS FOR THE DEMO ONLY.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import pghistory
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from integra.accounts.models import Membership, User
from integra.core.models import Ambito, HealthAuthority, HealthAuthorityKind, Municipality
from integra.core.permissions import Role
from integra.organizations.models import (
    Organization,
    OrganizationKind,
    Service,
    ServiceArea,
    Unit,
)

DEMO_PASSWORD = "Integra-demo-2026!"  # noqa: S105 - demo accounts only, printed on purpose
DEMO_TOTP_DEVICE_NAME = "Autenticatore dimostrativo"
DEMO_VALID_FROM = date(2025, 1, 1)
DEMO_PROVINCE = "MI"

ATS_NAME = "ATS della Città Metropolitana di Milano"
ASST_NAME = "ASST Melegnano e della Martesana"
AMBITO_NAME = "Ambito Sud Est Milano"
REQUIRED_COMUNI = (
    "Melegnano",
    "San Giuliano Milanese",
    "San Donato Milanese",
    "Pioltello",
    "Vizzolo Predabissi",
    "Cerro al Lambro",
    "Carpiano",
)


class DemoSeedError(Exception):
    """The demo data cannot be created (the territory is missing); ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class DemoTerritory:
    ats: HealthAuthority
    asst: HealthAuthority
    ambito: Ambito
    comuni: dict[str, Municipality]
    ambito_comuni: list[Municipality]
    asst_comuni: list[Municipality]
    ats_comuni: list[Municipality]


@dataclass
class SeedResult:
    seed: int
    skipped: bool = False
    organizations: int = 0
    units: int = 0
    services: int = 0
    operators: int = 0
    memberships: int = 0
    usernames: list[str] = field(default_factory=list)


# --- the data ------------------------------------------------------------------------------

# Territory keys used below: a Comune name, or "ambito" / "asst" / "ats" for whole territories.
_ORGS: list[dict] = [
    {
        "code": "comune-san-giuliano-milanese",
        "kind": OrganizationKind.MUNICIPALITY,
        "name": "Comune di San Giuliano Milanese",
        "municipality": "San Giuliano Milanese",
        "address": "Via Enrico De Nicola 2, San Giuliano Milanese",
        "email": "servizi.sociali@sangiulianomilanese.comune.example",
        "served": ["San Giuliano Milanese"],
    },
    {
        "code": "comune-melegnano",
        "kind": OrganizationKind.MUNICIPALITY,
        "name": "Comune di Melegnano",
        "municipality": "Melegnano",
        "address": "Piazza Risorgimento 1, Melegnano",
        "email": "servizisociali@melegnano.comune.example",
        "served": ["Melegnano"],
    },
    {
        "code": "comune-pioltello",
        "kind": OrganizationKind.MUNICIPALITY,
        "name": "Comune di Pioltello",
        "municipality": "Pioltello",
        "address": "Via Carlo Cattaneo 1, Pioltello",
        "email": "politiche.sociali@pioltello.comune.example",
        "served": ["Pioltello"],
    },
    {
        "code": "udp-sud-est-milano",
        "kind": OrganizationKind.AMBITO,
        "name": "Ufficio di Piano Ambito Sud Est Milano",
        "ambito": True,
        "address": "c/o Comune di San Giuliano Milanese, Via Enrico De Nicola 2",
        "email": "ufficiodipiano@sudestmilano.example",
        "served": ["ambito"],
    },
    {
        "code": "asst-melegnano-martesana",
        "kind": OrganizationKind.HEALTH_AUTHORITY,
        "name": "ASST Melegnano e della Martesana",
        "health_authority": "asst",
        "address": "Via Pandina 1, Vizzolo Predabissi",
        "email": "urp@asst-melegnano-martesana.example",
        "served": ["asst"],
    },
    {
        "code": "ats-citta-metropolitana-milano",
        "kind": OrganizationKind.HEALTH_AGENCY,
        "name": "ATS Città Metropolitana di Milano",
        "health_authority": "ats",
        "address": "Corso Italia 52, Milano",
        "email": "protocollo@ats-milano.example",
        "served": ["ats"],
    },
    {
        "code": "po-vizzolo-predabissi",
        "kind": OrganizationKind.HOSPITAL,
        "name": "Presidio ospedaliero di Vizzolo Predabissi",
        "parent": "asst-melegnano-martesana",
        "municipality_of_site": "Vizzolo Predabissi",
        "address": "Via Pandina 1, Vizzolo Predabissi",
        "email": "ospedale.vizzolo@asst-melegnano-martesana.example",
        "served": ["asst"],
    },
    {
        "code": "coop-lambro-solidale",
        "kind": OrganizationKind.THIRD_SECTOR,
        "name": "Cooperativa sociale Lambro Solidale",
        "address": "Via Emilia 45, San Giuliano Milanese",
        "email": "info@lambrosolidale.example",
        "served": ["ambito"],
    },
    {
        "code": "ic-fermi-san-giuliano",
        "kind": OrganizationKind.SCHOOL,
        "name": "Istituto comprensivo «Enrico Fermi» di San Giuliano Milanese",
        "address": "Via Gorky 6, San Giuliano Milanese",
        "email": "segreteria@icfermi-sangiuliano.example",
        "served": ["San Giuliano Milanese"],
    },
    {
        "code": "tribunale-minorenni-milano",
        "kind": OrganizationKind.COURT,
        "name": "Tribunale per i minorenni di Milano",
        "address": "Via Leopardi 18, Milano",
        "email": "cancelleria.civile@tribmin-milano.example",
        "served": ["ats"],
    },
    {
        "code": "cpi-san-donato-milanese",
        "kind": OrganizationKind.EMPLOYMENT_CENTRE,
        "name": "Centro per l'impiego di San Donato Milanese",
        "address": "Via Unica Bolgiano 2, San Donato Milanese",
        "email": "cpi.sandonato@afol.example",
        "served": ["ambito"],
    },
    {
        "code": "prefettura-milano-sui",
        "kind": OrganizationKind.PREFECTURE,
        "name": "Prefettura di Milano – Sportello unico immigrazione",
        "address": "Corso Monforte 31, Milano",
        "email": "sui.milano@prefettura.example",
        "served": ["ats"],
    },
    {
        "code": "mmg-medicina-gruppo-melegnano",
        "kind": OrganizationKind.GENERAL_PRACTICE,
        "name": "Medicina di gruppo Melegnano – Medici di medicina generale associati",
        "address": "Via Giuseppe Dezza 12, Melegnano",
        "email": "studio@mdg-melegnano.example",
        "served": ["Melegnano", "Vizzolo Predabissi", "Cerro al Lambro", "Carpiano"],
    },
]

# (organisation code, unit name, uses the Sud Est district)
_UNITS: list[tuple[str, str, bool]] = [
    ("comune-san-giuliano-milanese", "Servizio sociale professionale", False),
    ("comune-san-giuliano-milanese", "Servizio tutela minori", False),
    ("comune-san-giuliano-milanese", "Segretariato sociale", False),
    ("comune-melegnano", "Servizio sociale professionale", False),
    ("comune-melegnano", "Servizi per anziani e disabili", False),
    ("comune-pioltello", "Servizio sociale professionale", False),
    ("udp-sud-est-milano", "Ufficio di Piano", False),
    ("udp-sud-est-milano", "Servizio inserimenti lavorativi (SIL)", False),
    ("asst-melegnano-martesana", "PUA Casa di Comunità San Giuliano Milanese", True),
    ("asst-melegnano-martesana", "Cure domiciliari (ADI)", True),
    ("asst-melegnano-martesana", "CPS San Giuliano Milanese", True),
    ("asst-melegnano-martesana", "UONPIA Melegnano", True),
    ("asst-melegnano-martesana", "Ser.D Melegnano", True),
    ("asst-melegnano-martesana", "Consultorio familiare San Donato Milanese", True),
    ("asst-melegnano-martesana", "Ufficio protesi e ausili", True),
    ("asst-melegnano-martesana", "Direzione sociosanitaria", False),
    ("ats-citta-metropolitana-milano", "Dipartimento PIPSS", False),
    ("po-vizzolo-predabissi", "Servizio sociale ospedaliero – dimissioni protette", False),
    ("coop-lambro-solidale", "Servizi domiciliari ed educativi", False),
    ("tribunale-minorenni-milano", "Cancelleria civile", False),
    ("cpi-san-donato-milanese", "Sportello orientamento al lavoro", False),
    ("prefettura-milano-sui", "Sportello unico immigrazione", False),
]


class DemoService(NamedTuple):
    provider: str  # organisation code
    unit: str  # unit name, "" for none
    name: str
    area: ServiceArea
    site: str  # Comune of the premises, "" for none
    served: list[str]  # Comune names or "ambito" / "asst" / "ats"
    opening_hours: str
    access_notes: str
    description: str


_SERVICES: list[DemoService] = [
    DemoService(
        provider="comune-san-giuliano-milanese",
        unit="Servizio sociale professionale",
        name="Servizio di assistenza domiciliare (SAD)",
        area=ServiceArea.ELDERLY,
        site="San Giuliano Milanese",
        served=["San Giuliano Milanese"],
        opening_hours="lunedì–venerdì 9:00–12:30; martedì anche 14:00–16:30",
        access_notes="Su richiesta al servizio sociale, dopo la valutazione dell'assistente.",
        description="Aiuto nella cura della persona e della casa per anziani soli o fragili.",
    ),
    DemoService(
        provider="asst-melegnano-martesana",
        unit="Cure domiciliari (ADI)",
        name="Assistenza domiciliare integrata (ADI)",
        area=ServiceArea.ELDERLY,
        site="San Giuliano Milanese",
        served=["asst"],
        opening_hours="lunedì–domenica 8:00–20:00 (centrale operativa)",
        access_notes="Su prescrizione del medico di famiglia o alla dimissione ospedaliera.",
        description="Prestazioni infermieristiche, riabilitative e mediche a domicilio.",
    ),
    DemoService(
        provider="comune-melegnano",
        unit="Servizi per anziani e disabili",
        name="Pasti a domicilio",
        area=ServiceArea.ELDERLY,
        site="Melegnano",
        served=["Melegnano"],
        opening_hours="lunedì–venerdì 9:00–12:30",
        access_notes="Domanda allo sportello dei servizi sociali.",
        description="Consegna del pasto caldo al domicilio di anziani non autosufficienti.",
    ),
    DemoService(
        provider="coop-lambro-solidale",
        unit="Servizi domiciliari ed educativi",
        name="Centro diurno integrato per anziani",
        area=ServiceArea.ELDERLY,
        site="San Giuliano Milanese",
        served=["ambito"],
        opening_hours="lunedì–venerdì 8:30–17:30",
        access_notes="Su valutazione multidimensionale (UVM).",
        description="Accoglienza diurna con assistenza, animazione e attività riabilitative.",
    ),
    DemoService(
        provider="asst-melegnano-martesana",
        unit="PUA Casa di Comunità San Giuliano Milanese",
        name="Valutazione multidimensionale per l'accesso ai servizi sociosanitari",
        area=ServiceArea.ELDERLY,
        site="San Giuliano Milanese",
        served=["asst"],
        opening_hours="lunedì–venerdì 9:00–12:30; giovedì anche 14:00–16:00",
        access_notes="Accesso libero al Punto unico di accesso o su segnalazione.",
        description="Valutazione congiunta sociale e sanitaria del bisogno (UVM).",
    ),
    DemoService(
        provider="udp-sud-est-milano",
        unit="Ufficio di Piano",
        name="Misura B2 – buoni e voucher per la non autosufficienza",
        area=ServiceArea.ELDERLY,
        site="",
        served=["ambito"],
        opening_hours="Domande secondo il bando annuale",
        access_notes="Domanda al servizio sociale del Comune di residenza.",
        description="Buoni per il caregiver familiare e voucher per interventi a domicilio.",
    ),
    DemoService(
        provider="po-vizzolo-predabissi",
        unit="Servizio sociale ospedaliero – dimissioni protette",
        name="Dimissioni protette",
        area=ServiceArea.ELDERLY,
        site="Vizzolo Predabissi",
        served=["asst"],
        opening_hours="lunedì–venerdì 9:00–12:30",
        access_notes="Attivazione da parte del reparto di degenza.",
        description="Continuità dell'assistenza tra ospedale e domicilio per pazienti fragili.",
    ),
    DemoService(
        provider="mmg-medicina-gruppo-melegnano",
        unit="",
        name="Presa in carico dei pazienti cronici",
        area=ServiceArea.ELDERLY,
        site="Melegnano",
        served=["Melegnano", "Vizzolo Predabissi", "Cerro al Lambro", "Carpiano"],
        opening_hours="lunedì–venerdì 8:00–19:00 su appuntamento",
        access_notes="Per gli assistiti dei medici del gruppo.",
        description="Piano assistenziale individuale per pazienti con malattie croniche.",
    ),
    DemoService(
        provider="coop-lambro-solidale",
        unit="Servizi domiciliari ed educativi",
        name="Servizio di formazione all'autonomia (SFA)",
        area=ServiceArea.DISABILITY,
        site="San Giuliano Milanese",
        served=["ambito"],
        opening_hours="lunedì–venerdì 9:00–16:00",
        access_notes="Su progetto del servizio sociale comunale.",
        description="Percorsi educativi per l'autonomia di giovani adulti con disabilità.",
    ),
    DemoService(
        provider="comune-melegnano",
        unit="Servizi per anziani e disabili",
        name="Centro socio educativo (CSE)",
        area=ServiceArea.DISABILITY,
        site="Melegnano",
        served=["Melegnano", "Vizzolo Predabissi", "Cerro al Lambro"],
        opening_hours="lunedì–venerdì 9:00–16:00",
        access_notes="Su progetto individuale concordato con la famiglia.",
        description="Attività educative diurne per persone con disabilità.",
    ),
    DemoService(
        provider="comune-san-giuliano-milanese",
        unit="Servizio sociale professionale",
        name="Trasporto sociale per persone con disabilità",
        area=ServiceArea.DISABILITY,
        site="San Giuliano Milanese",
        served=["San Giuliano Milanese"],
        opening_hours="Prenotazione lunedì–venerdì 9:00–12:00",
        access_notes="Prenotazione telefonica con almeno tre giorni di anticipo.",
        description="Accompagnamento a visite, terapie e centri diurni.",
    ),
    DemoService(
        provider="asst-melegnano-martesana",
        unit="Ufficio protesi e ausili",
        name="Fornitura di protesi e ausili",
        area=ServiceArea.DISABILITY,
        site="Melegnano",
        served=["asst"],
        opening_hours="martedì e giovedì 9:00–12:00",
        access_notes="Con prescrizione dello specialista.",
        description="Autorizzazione e consegna di ausili e protesi.",
    ),
    DemoService(
        provider="udp-sud-est-milano",
        unit="Ufficio di Piano",
        name="Progetti di vita indipendente e Dopo di noi",
        area=ServiceArea.DISABILITY,
        site="",
        served=["ambito"],
        opening_hours="Domande secondo l'avviso dell'Ambito",
        access_notes="Domanda al servizio sociale del Comune di residenza.",
        description="Sostegni per l'abitare autonomo delle persone con disabilità grave.",
    ),
    DemoService(
        provider="comune-san-giuliano-milanese",
        unit="Servizio tutela minori",
        name="Servizio tutela minori",
        area=ServiceArea.CHILDREN_FAMILIES,
        site="San Giuliano Milanese",
        served=["San Giuliano Milanese"],
        opening_hours="lunedì–venerdì 9:00–12:30",
        access_notes="Su mandato dell'autorità giudiziaria o segnalazione dei servizi.",
        description="Indagini psicosociali e progetti a tutela di minori in pregiudizio.",
    ),
    DemoService(
        provider="asst-melegnano-martesana",
        unit="Consultorio familiare San Donato Milanese",
        name="Consultorio familiare",
        area=ServiceArea.CHILDREN_FAMILIES,
        site="San Donato Milanese",
        served=["asst"],
        opening_hours="lunedì–venerdì 8:30–16:00",
        access_notes="Accesso diretto, senza impegnativa.",
        description="Sostegno alla genitorialità, percorso nascita, consulenza psicosociale.",
    ),
    DemoService(
        provider="asst-melegnano-martesana",
        unit="UONPIA Melegnano",
        name="Neuropsichiatria dell'infanzia e dell'adolescenza (UONPIA)",
        area=ServiceArea.CHILDREN_FAMILIES,
        site="Melegnano",
        served=["asst"],
        opening_hours="lunedì–venerdì 8:30–16:30",
        access_notes="Con impegnativa del pediatra o del medico di medicina generale.",
        description="Disturbi neurologici, psichici e del neurosviluppo da 0 a 18 anni.",
    ),
    DemoService(
        provider="ic-fermi-san-giuliano",
        unit="",
        name="Sportello di ascolto psicopedagogico",
        area=ServiceArea.CHILDREN_FAMILIES,
        site="San Giuliano Milanese",
        served=["San Giuliano Milanese"],
        opening_hours="mercoledì 14:00–17:00 su appuntamento",
        access_notes="Per studenti, famiglie e docenti dell'istituto.",
        description="Consulenza psicopedagogica per il benessere scolastico.",
    ),
    DemoService(
        provider="udp-sud-est-milano",
        unit="Ufficio di Piano",
        name="Servizio affidi familiari",
        area=ServiceArea.CHILDREN_FAMILIES,
        site="San Giuliano Milanese",
        served=["ambito"],
        opening_hours="giovedì 9:00–13:00",
        access_notes="Colloquio informativo su appuntamento.",
        description="Promozione, formazione e accompagnamento delle famiglie affidatarie.",
    ),
    DemoService(
        provider="tribunale-minorenni-milano",
        unit="Cancelleria civile",
        name="Procedimenti civili a tutela dei minori",
        area=ServiceArea.CHILDREN_FAMILIES,
        site="",
        served=["ats"],
        opening_hours="lunedì–venerdì 9:00–12:00",
        access_notes="Ricorsi depositati in cancelleria o telematicamente.",
        description="Responsabilità genitoriale, adozioni, provvedimenti di protezione.",
    ),
    DemoService(
        provider="asst-melegnano-martesana",
        unit="CPS San Giuliano Milanese",
        name="Centro psicosociale (CPS)",
        area=ServiceArea.MENTAL_HEALTH,
        site="San Giuliano Milanese",
        served=["ambito"],
        opening_hours="lunedì–venerdì 8:00–18:00",
        access_notes="Accesso diretto o con impegnativa del medico di medicina generale.",
        description="Presa in carico territoriale dei disturbi psichiatrici degli adulti.",
    ),
    DemoService(
        provider="asst-melegnano-martesana",
        unit="CPS San Giuliano Milanese",
        name="Centro diurno psichiatrico",
        area=ServiceArea.MENTAL_HEALTH,
        site="Melegnano",
        served=["ambito"],
        opening_hours="lunedì–venerdì 9:00–16:00",
        access_notes="Su progetto del CPS.",
        description="Attività riabilitative e risocializzanti diurne.",
    ),
    DemoService(
        provider="coop-lambro-solidale",
        unit="Servizi domiciliari ed educativi",
        name="Residenzialità leggera in salute mentale",
        area=ServiceArea.MENTAL_HEALTH,
        site="San Donato Milanese",
        served=["ambito"],
        opening_hours="Reperibilità 24 ore su 24",
        access_notes="Su progetto concordato con il CPS.",
        description="Appartamenti con supporto educativo per persone in percorso di autonomia.",
    ),
    DemoService(
        provider="asst-melegnano-martesana",
        unit="Ser.D Melegnano",
        name="Servizio per le dipendenze (Ser.D)",
        area=ServiceArea.ADDICTION,
        site="Melegnano",
        served=["asst"],
        opening_hours="lunedì–venerdì 8:00–15:00",
        access_notes="Accesso diretto e gratuito, anche in forma anonima.",
        description="Cura di dipendenze da sostanze, alcol e comportamenti.",
    ),
    DemoService(
        provider="asst-melegnano-martesana",
        unit="Ser.D Melegnano",
        name="Trattamento del gioco d'azzardo patologico",
        area=ServiceArea.ADDICTION,
        site="Melegnano",
        served=["asst"],
        opening_hours="martedì 14:00–18:00",
        access_notes="Accesso diretto, su appuntamento.",
        description="Percorsi di cura individuali e di gruppo per giocatori e familiari.",
    ),
    DemoService(
        provider="coop-lambro-solidale",
        unit="Servizi domiciliari ed educativi",
        name="Unità di strada e riduzione del danno",
        area=ServiceArea.ADDICTION,
        site="San Donato Milanese",
        served=["ambito"],
        opening_hours="venerdì e sabato 20:00–1:00",
        access_notes="Contatto diretto in strada.",
        description="Prevenzione e riduzione dei rischi nei luoghi del divertimento.",
    ),
    DemoService(
        provider="udp-sud-est-milano",
        unit="Servizio inserimenti lavorativi (SIL)",
        name="Servizio per l'inclusione sociale e lavorativa",
        area=ServiceArea.POVERTY_INCLUSION,
        site="San Giuliano Milanese",
        served=["ambito"],
        opening_hours="lunedì–venerdì 9:00–12:30",
        access_notes="Su invio del servizio sociale comunale.",
        description="Progetti personalizzati per chi riceve l'Assegno di inclusione; tirocini.",
    ),
    DemoService(
        provider="comune-pioltello",
        unit="Servizio sociale professionale",
        name="Segretariato sociale",
        area=ServiceArea.POVERTY_INCLUSION,
        site="Pioltello",
        served=["Pioltello"],
        opening_hours="lunedì, mercoledì e venerdì 9:00–12:00",
        access_notes="Accesso libero.",
        description="Informazione, orientamento e primo ascolto.",
    ),
    DemoService(
        provider="comune-melegnano",
        unit="Servizio sociale professionale",
        name="Contributi economici e fondo affitti",
        area=ServiceArea.POVERTY_INCLUSION,
        site="Melegnano",
        served=["Melegnano"],
        opening_hours="lunedì–venerdì 9:00–12:30",
        access_notes="Domanda con ISEE in corso di validità.",
        description="Sostegni economici temporanei e contributi per l'affitto.",
    ),
    DemoService(
        provider="cpi-san-donato-milanese",
        unit="Sportello orientamento al lavoro",
        name="Orientamento e politiche attive del lavoro (GOL)",
        area=ServiceArea.POVERTY_INCLUSION,
        site="San Donato Milanese",
        served=["ambito"],
        opening_hours="lunedì–giovedì 9:00–13:00",
        access_notes="Su appuntamento, con la dichiarazione di immediata disponibilità.",
        description="Patto di servizio, orientamento, formazione e accompagnamento al lavoro.",
    ),
    DemoService(
        provider="coop-lambro-solidale",
        unit="Servizi domiciliari ed educativi",
        name="Emporio solidale",
        area=ServiceArea.POVERTY_INCLUSION,
        site="San Giuliano Milanese",
        served=["ambito"],
        opening_hours="martedì e sabato 9:00–12:00",
        access_notes="Con tessera rilasciata dal servizio sociale.",
        description="Spesa gratuita per famiglie in difficoltà.",
    ),
    DemoService(
        provider="prefettura-milano-sui",
        unit="Sportello unico immigrazione",
        name="Sportello unico per l'immigrazione – ricongiungimenti familiari",
        area=ServiceArea.IMMIGRATION,
        site="",
        served=["ats"],
        opening_hours="su appuntamento",
        access_notes="Domanda telematica e convocazione.",
        description="Nulla osta al ricongiungimento familiare e al lavoro subordinato.",
    ),
    DemoService(
        provider="comune-san-giuliano-milanese",
        unit="Segretariato sociale",
        name="Sportello stranieri e mediazione linguistico-culturale",
        area=ServiceArea.IMMIGRATION,
        site="San Giuliano Milanese",
        served=["San Giuliano Milanese"],
        opening_hours="giovedì 14:00–17:00",
        access_notes="Accesso libero.",
        description="Orientamento ai servizi e mediatori linguistico-culturali.",
    ),
    DemoService(
        provider="coop-lambro-solidale",
        unit="Servizi domiciliari ed educativi",
        name="Corsi di italiano per adulti stranieri",
        area=ServiceArea.IMMIGRATION,
        site="San Donato Milanese",
        served=["ambito"],
        opening_hours="lunedì e mercoledì 18:00–20:00",
        access_notes="Iscrizione in sede.",
        description="Corsi di lingua italiana di livello A1–B1.",
    ),
]

# username → list of (organisation code, roles, unit name or "", job title)
_OPERATORS: dict[str, list[tuple[str, list[Role], str, str]]] = {
    "operatore.pua": [
        (
            "asst-melegnano-martesana",
            [Role.PUA_OPERATOR],
            "PUA Casa di Comunità San Giuliano Milanese",
            "Operatrice PUA",
        ),
        (
            "comune-san-giuliano-milanese",
            [Role.PUA_OPERATOR],
            "Segretariato sociale",
            "Operatrice PUA",
        ),
    ],
    "assistente.sociale": [
        (
            "comune-san-giuliano-milanese",
            [Role.SOCIAL_WORKER],
            "Servizio sociale professionale",
            "Assistente sociale",
        )
    ],
    "infermiere": [
        (
            "asst-melegnano-martesana",
            [Role.NURSE],
            "Cure domiciliari (ADI)",
            "Infermiere di famiglia e comunità",
        )
    ],
    "medico": [
        (
            "asst-melegnano-martesana",
            [Role.DOCTOR],
            "PUA Casa di Comunità San Giuliano Milanese",
            "Medico di distretto",
        )
    ],
    "case.manager": [
        ("comune-melegnano", [Role.CASE_MANAGER], "Servizio sociale professionale", "Case manager")
    ],
    "uvm": [
        (
            "asst-melegnano-martesana",
            [Role.UVM_MEMBER],
            "PUA Casa di Comunità San Giuliano Milanese",
            "Componente dell'équipe UVM",
        )
    ],
    "coordinatore.udp": [
        (
            "udp-sud-est-milano",
            [Role.PLANNING_COORDINATOR],
            "Ufficio di Piano",
            "Coordinatrice dell'Ufficio di Piano",
        )
    ],
    "cabina.regia": [
        (
            "ats-citta-metropolitana-milano",
            [Role.STEERING_MEMBER],
            "Dipartimento PIPSS",
            "Componente della Cabina di regia",
        )
    ],
    "auditor": [
        (
            "asst-melegnano-martesana",
            [Role.AUDITOR],
            "Direzione sociosanitaria",
            "Responsabile privacy",
        )
    ],
    "terzo.settore": [
        (
            "coop-lambro-solidale",
            [Role.SOCIAL_WORKER],
            "Servizi domiciliari ed educativi",
            "Assistente sociale",
        )
    ],
    "admin.ente": [
        ("comune-san-giuliano-milanese", [Role.ORG_ADMIN], "", "Amministratore dell'ente")
    ],
    "admin": [("asst-melegnano-martesana", [Role.SYSTEM_ADMIN], "", "Amministratore di sistema")],
}
DEMO_USERNAMES: tuple[str, ...] = tuple(_OPERATORS)
DEMO_ADMIN_USERNAMES: tuple[str, ...] = ("admin.ente", "admin")

_FIRST_NAMES = (
    "Giulia",
    "Marco",
    "Francesca",
    "Luca",
    "Chiara",
    "Davide",
    "Sara",
    "Alessandro",
    "Elena",
    "Matteo",
    "Valentina",
    "Andrea",
    "Silvia",
    "Paolo",
    "Federica",
    "Stefano",
)
_LAST_NAMES = (
    "Colombo",
    "Brambilla",
    "Fumagalli",
    "Galli",
    "Villa",
    "Ferrari",
    "Bianchi",
    "Sala",
    "Cattaneo",
    "Riva",
    "Mauri",
    "Locatelli",
    "Ricci",
    "Pozzi",
    "Longoni",
    "Mariani",
)


def totp_key_for(*, seed: int, username: str) -> str:
    """The demo TOTP secret of ``username``: 20 bytes, hex, derived from the seed."""
    return hashlib.sha256(f"integra-demo-totp:{seed}:{username}".encode()).digest()[:20].hex()


# --- the territory -------------------------------------------------------------------------


def demo_territory_find() -> DemoTerritory:
    """The territory the demo data hangs on, looked up by name; every missing piece reported."""
    problems: list[str] = []
    ats = HealthAuthority.objects.filter(name=ATS_NAME, kind=HealthAuthorityKind.ATS).first()
    if ats is None:
        problems.append(_("manca l'azienda sanitaria «%(name)s»") % {"name": ATS_NAME})
    asst = HealthAuthority.objects.filter(name=ASST_NAME, kind=HealthAuthorityKind.ASST).first()
    if asst is None:
        problems.append(_("manca l'azienda sanitaria «%(name)s»") % {"name": ASST_NAME})
    ambito = Ambito.objects.filter(name=AMBITO_NAME).first()
    if ambito is None:
        problems.append(_("manca l'ambito «%(name)s»") % {"name": AMBITO_NAME})
    comuni = {
        m.name: m
        for m in Municipality.objects.filter(name__in=REQUIRED_COMUNI, province_code=DEMO_PROVINCE)
    }
    problems.extend(
        _("manca il Comune di %(name)s") % {"name": name}
        for name in REQUIRED_COMUNI
        if name not in comuni
    )
    if problems:
        raise DemoSeedError(problems)
    assert ats is not None and asst is not None and ambito is not None
    ordering = ("name", "istat_code")
    ambito_comuni = list(Municipality.objects.filter(ambito=ambito).order_by(*ordering))
    asst_comuni = list(
        Municipality.objects.filter(district__health_authority=asst).order_by(*ordering)
    )
    ats_comuni = list(
        Municipality.objects.filter(
            Q(district__health_authority=ats) | Q(district__health_authority__parent=ats)
        ).order_by(*ordering)
    )
    if not ambito_comuni:
        raise DemoSeedError([_("l'ambito «%(name)s» non ha Comuni") % {"name": AMBITO_NAME}])
    return DemoTerritory(
        ats=ats,
        asst=asst,
        ambito=ambito,
        comuni=comuni,
        ambito_comuni=ambito_comuni,
        asst_comuni=asst_comuni or ambito_comuni,
        ats_comuni=ats_comuni or asst_comuni or ambito_comuni,
    )


def _territory(territory: DemoTerritory, keys: Iterable[str]) -> list[Municipality]:
    chosen: dict[int, Municipality] = {}
    for key in keys:
        group = {
            "ambito": territory.ambito_comuni,
            "asst": territory.asst_comuni,
            "ats": territory.ats_comuni,
        }.get(key)
        for municipality in group if group is not None else [territory.comuni[key]]:
            chosen[municipality.pk] = municipality
    return list(chosen.values())


# --- the seed ------------------------------------------------------------------------------


def _phone(rng: random.Random) -> str:
    return f"02 9{rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def demo_operators_exist() -> bool:
    return User.objects.filter(username__in=DEMO_USERNAMES).exists()


def demo_seed(
    *,
    seed: int,
    if_empty: bool = False,
    ensure_territory: Callable[[], None] | None = None,
) -> SeedResult:
    """Create or bring up to date the demo organisations, catalogue and operators.

    ``ensure_territory`` runs first (the command passes ``load_territory --if-empty``); the
    territory is then looked up by name and its absence is a ``DemoSeedError``.
    """
    result = SeedResult(seed=seed)
    if if_empty and demo_operators_exist():
        result.skipped = True
        return result
    if ensure_territory is not None:
        ensure_territory()
    territory = demo_territory_find()
    rng = random.Random(seed)
    with transaction.atomic(), pghistory.context(reason="seed_demo"):
        orgs = _seed_organizations(territory, rng)
        units = _seed_units(territory, orgs, rng)
        services = _seed_services(territory, orgs, units, rng)
        memberships = _seed_operators(seed, orgs, units, rng)
    result.organizations = len(orgs)
    result.units = len(units)
    result.services = len(services)
    result.operators = len(DEMO_USERNAMES)
    result.memberships = memberships
    result.usernames = list(DEMO_USERNAMES)
    return result


def _seed_organizations(territory: DemoTerritory, rng: random.Random) -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    for spec in _ORGS:
        parent = orgs.get(spec.get("parent", ""))
        authority = {"asst": territory.asst, "ats": territory.ats}.get(
            spec.get("health_authority", "")
        )
        organization, _created = Organization.objects.update_or_create(
            code=spec["code"],
            defaults={
                "kind": spec["kind"],
                "name": spec["name"],
                "parent": parent,
                "municipality": territory.comuni.get(spec.get("municipality", "")),
                "ambito": territory.ambito if spec.get("ambito") else None,
                "health_authority": authority,
                "address": spec["address"],
                "email": spec["email"],
                "phone": _phone(rng),
                "is_active": True,
            },
        )
        organization.served_municipalities.set(_territory(territory, spec["served"]))
        orgs[spec["code"]] = organization
    return orgs


def _seed_units(
    territory: DemoTerritory, orgs: dict[str, Organization], rng: random.Random
) -> dict[tuple[str, str], Unit]:
    district = territory.comuni["San Giuliano Milanese"].district
    units: dict[tuple[str, str], Unit] = {}
    for org_code, name, in_district in _UNITS:
        unit, _created = Unit.objects.update_or_create(
            organization=orgs[org_code],
            name=name,
            defaults={
                "district": district if in_district else None,
                "phone": _phone(rng),
                "email": "",
            },
        )
        units[(org_code, name)] = unit
    return units


def _seed_services(
    territory: DemoTerritory,
    orgs: dict[str, Organization],
    units: dict[tuple[str, str], Unit],
    rng: random.Random,
) -> list[Service]:
    services = []
    for number, row in enumerate(_SERVICES, start=1):
        provider = row.provider
        site_municipality = territory.comuni.get(row.site) if row.site else None
        address = ""
        if site_municipality is not None:
            address = _street(rng)
        service, _created = Service.objects.update_or_create(
            code=f"DEMO-{number:03d}",
            defaults={
                "name": row.name,
                "description": row.description,
                "area": row.area,
                "provider": orgs[provider],
                "unit": units.get((provider, row.unit)),
                "address": address,
                "municipality": site_municipality,
                "phone": _phone(rng),
                "email": orgs[provider].email,
                "website": "",
                "opening_hours": row.opening_hours,
                "access_notes": row.access_notes,
                "is_active": True,
            },
        )
        service.served_municipalities.set(_territory(territory, row.served))
        services.append(service)
    return services


_STREETS = (
    "Via Roma",
    "Via Giuseppe Garibaldi",
    "Via Giuseppe Mazzini",
    "Via Emilia",
    "Via Milano",
    "Piazza della Vittoria",
    "Via Cavour",
    "Via Matteotti",
    "Via Manzoni",
    "Via Dante Alighieri",
)


def _street(rng: random.Random) -> str:
    return f"{rng.choice(_STREETS)} {rng.randint(1, 120)}"


def _seed_operators(
    seed: int,
    orgs: dict[str, Organization],
    units: dict[tuple[str, str], Unit],
    rng: random.Random,
) -> int:
    password_hash = make_password(DEMO_PASSWORD)  # one hash: same public password for all
    memberships = 0
    for username, places in _OPERATORS.items():
        first_name = rng.choice(_FIRST_NAMES)
        last_name = rng.choice(_LAST_NAMES)
        is_system_admin = username == "admin"
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@demo.integra.example",
                "is_active": True,
                "is_staff": is_system_admin,
                "is_superuser": is_system_admin,
                "password": password_hash,
            },
        )
        for org_code, roles, unit_name, job_title in places:
            Membership.objects.update_or_create(
                user=user,
                organization=orgs[org_code],
                defaults={
                    "roles": [str(r) for r in roles],
                    "unit": units.get((org_code, unit_name)),
                    "job_title": job_title,
                    "is_active": True,
                    "valid_from": DEMO_VALID_FROM,
                    "valid_until": None,
                },
            )
            memberships += 1
        if username in DEMO_ADMIN_USERNAMES:
            TOTPDevice.objects.update_or_create(
                user=user,
                name=DEMO_TOTP_DEVICE_NAME,
                defaults={"key": totp_key_for(seed=seed, username=username), "confirmed": True},
            )
    return memberships
