"""Writes of the territory: the ISTAT list of Comuni, the demo configuration, population updates.

Every file is read and checked in full before the database is touched, and all writes happen in
one transaction: a bad file reports every problem it has and changes nothing.
"""

from __future__ import annotations

import csv
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from integra.core.errors import TerritoryError, TerritoryErrorCode
from integra.core.models import (
    Ambito,
    District,
    HealthAuthority,
    HealthAuthorityKind,
    Municipality,
    Region,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
COMUNI_CSV = DATA_DIR / "comuni_istat.csv"
DEMO_TERRITORY_JSON = DATA_DIR / "demo_territory.json"
# The population column of comuni_istat.csv is the ISTAT resident population at 1 January 2023.
COMUNI_CSV_POPULATION_YEAR = 2023

COMUNI_COLUMNS = (
    "istat_code",
    "name",
    "name_other",
    "region_code",
    "region_name",
    "uts_code",
    "uts_name",
    "province_abbr",
    "belfiore_code",
    "population",
)
_ISTAT_RE = re.compile(r"^[0-9]{6}$")
_BELFIORE_RE = re.compile(r"^[A-Z][0-9]{3}$")
_REGION_RE = re.compile(r"^[0-9]{2}$")
_PROVINCE_RE = re.compile(r"^[A-Z]{2}$")
_MUNICIPALITY_FIELDS = (
    "belfiore_code",
    "name",
    "name_other_language",
    "province_code",
    "province_name",
    "region_id",
    "population",
    "population_year",
)


@dataclass(frozen=True)
class ComuneRow:
    istat_code: str
    belfiore_code: str
    name: str
    name_other_language: str
    province_code: str
    province_name: str
    region_code: str
    region_name: str
    population: int | None


@dataclass(frozen=True)
class DemoAuthority:
    code: str
    kind: str
    name: str
    parent_code: str | None


@dataclass(frozen=True)
class DemoDistrict:
    code: str
    name: str
    authority_code: str


@dataclass(frozen=True)
class DemoAmbito:
    code: str
    name: str
    district_code: str
    lead_istat_code: str | None
    istat_codes: tuple[str, ...]


@dataclass(frozen=True)
class DemoTerritory:
    note: str
    region_code: str
    authorities: tuple[DemoAuthority, ...]
    districts: tuple[DemoDistrict, ...]
    ambiti: tuple[DemoAmbito, ...]

    @property
    def municipality_count(self) -> int:
        return sum(len(a.istat_codes) for a in self.ambiti)


@dataclass
class TerritoryLoadResult:
    regions_created: int = 0
    regions_updated: int = 0
    municipalities_in_file: int = 0
    municipalities_created: int = 0
    municipalities_updated: int = 0
    municipalities_unchanged: int = 0
    municipalities_not_in_file: int = 0
    demo: DemoTerritory | None = None
    demo_assignments_changed: int = 0
    population_rows: int = 0
    population_updated: int = 0
    population_year: int | None = None
    skipped: bool = False
    notes: list[str] = field(default_factory=list)


# --- reading and checking files (no database writes) -------------------------------------------


def _open_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TerritoryError(
            TerritoryErrorCode.FILE_UNREADABLE,
            [_("Impossibile leggere il file %(path)s: %(error)s") % {"path": path, "error": exc}],
        ) from exc


def comuni_read(*, path: Path) -> list[ComuneRow]:
    """The Comuni of the ISTAT CSV (header: COMUNI_COLUMNS), every bad row reported at once."""
    reader = csv.DictReader(_open_text(path).splitlines())
    missing = [c for c in COMUNI_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise TerritoryError(
            TerritoryErrorCode.COMUNI_FILE_INVALID,
            [_("Colonne mancanti nell'elenco dei comuni: %s") % ", ".join(missing)],
        )
    rows: list[ComuneRow] = []
    problems: list[str] = []
    seen_istat: dict[str, int] = {}
    seen_belfiore: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        record = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        row_problems = []
        istat, belfiore = record["istat_code"], record["belfiore_code"]
        if not _ISTAT_RE.match(istat):
            row_problems.append(_("codice ISTAT «%s» non valido (servono 6 cifre)") % istat)
        if not _BELFIORE_RE.match(belfiore):
            row_problems.append(_("codice Belfiore «%s» non valido") % belfiore)
        if not _REGION_RE.match(record["region_code"]):
            row_problems.append(_("codice regione «%s» non valido") % record["region_code"])
        if not _PROVINCE_RE.match(record["province_abbr"]):
            row_problems.append(_("sigla provincia «%s» non valida") % record["province_abbr"])
        if not record["name"]:
            row_problems.append(_("nome mancante"))
        population: int | None = None
        if record["population"]:
            if record["population"].isdigit():
                population = int(record["population"])
            else:
                row_problems.append(_("popolazione «%s» non valida") % record["population"])
        if istat in seen_istat:
            row_problems.append(
                _("codice ISTAT %(code)s ripetuto (già alla riga %(line)d)")
                % {"code": istat, "line": seen_istat[istat]}
            )
        if belfiore in seen_belfiore:
            row_problems.append(
                _("codice Belfiore %(code)s ripetuto (già alla riga %(line)d)")
                % {"code": belfiore, "line": seen_belfiore[belfiore]}
            )
        seen_istat.setdefault(istat, line)
        seen_belfiore.setdefault(belfiore, line)
        if row_problems:
            problems.extend(
                _("Riga %(line)d: %(problem)s") % {"line": line, "problem": p} for p in row_problems
            )
            continue
        rows.append(
            ComuneRow(
                istat_code=istat,
                belfiore_code=belfiore,
                name=record["name"],
                name_other_language=record["name_other"],
                province_code=record["province_abbr"],
                province_name=record["uts_name"],
                region_code=record["region_code"],
                region_name=record["region_name"],
                population=population,
            )
        )
    if problems:
        raise TerritoryError(TerritoryErrorCode.COMUNI_FILE_INVALID, problems)
    return rows


def _require_str(obj: Any, key: str, where: str, problems: list[str]) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, str) or not value.strip():
        problems.append(
            _("%(where)s: campo «%(key)s» mancante o vuoto") % {"where": where, "key": key}
        )
        return ""
    return value.strip()


def demo_territory_read(*, path: Path, comuni: list[ComuneRow]) -> DemoTerritory:
    """The demo configuration, with every Comune name resolved to its ISTAT code.

    Comuni are matched by exact name within the file's province; every name that cannot be
    found is reported (with the closest spellings), and nothing is returned.
    """
    try:
        data = json.loads(_open_text(path))
    except json.JSONDecodeError as exc:
        raise TerritoryError(
            TerritoryErrorCode.DEMO_FILE_INVALID,
            [_("Il file %(path)s non è JSON valido: %(error)s") % {"path": path, "error": exc}],
        ) from exc
    if not isinstance(data, dict):
        raise TerritoryError(
            TerritoryErrorCode.DEMO_FILE_INVALID,
            [_("Il file %s non contiene un oggetto JSON") % path],
        )
    problems: list[str] = []
    root = _("configurazione")
    note = _require_str(data, "note", root, problems)
    region_code = _require_str(data, "region", root, problems)
    province = _require_str(data, "province", root, problems)
    if region_code and region_code not in {c.region_code for c in comuni}:
        problems.append(
            _("Regione con codice ISTAT «%s» assente dall'elenco dei comuni") % region_code
        )

    by_name = {c.name: c for c in comuni if c.province_code == province}
    kinds = set(HealthAuthorityKind.values)

    authorities: list[DemoAuthority] = []
    for i, item in enumerate(data.get("health_authorities") or [], start=1):
        where = _("azienda sanitaria n. %d") % i
        code = _require_str(item, "code", where, problems)
        kind = _require_str(item, "kind", where, problems)
        name = _require_str(item, "name", where, problems)
        if kind and kind not in kinds:
            problems.append(
                _("%(where)s: tipo «%(kind)s» non valido") % {"where": where, "kind": kind}
            )
        parent = item.get("parent") if isinstance(item, dict) else None
        authorities.append(DemoAuthority(code, kind, name, parent or None))
    authority_kinds = {a.code: a.kind for a in authorities}
    for a in authorities:
        if (
            a.parent_code is not None
            and authority_kinds.get(a.parent_code) != HealthAuthorityKind.ATS
        ):
            problems.append(
                _("Azienda «%(code)s»: l'ATS di riferimento «%(parent)s» non è un'ATS del file")
                % {"code": a.code, "parent": a.parent_code}
            )
        if a.parent_code is not None and a.kind != HealthAuthorityKind.ASST:
            problems.append(_("Azienda «%s»: solo un'ASST ha un'ATS di riferimento") % a.code)

    districts: list[DemoDistrict] = []
    for i, item in enumerate(data.get("districts") or [], start=1):
        where = _("distretto n. %d") % i
        district = DemoDistrict(
            _require_str(item, "code", where, problems),
            _require_str(item, "name", where, problems),
            _require_str(item, "health_authority", where, problems),
        )
        if district.authority_code and district.authority_code not in authority_kinds:
            problems.append(
                _("Distretto «%(code)s»: azienda sanitaria «%(ha)s» non presente nel file")
                % {"code": district.code, "ha": district.authority_code}
            )
        districts.append(district)
    district_codes = {d.code for d in districts}

    ambiti: list[DemoAmbito] = []
    assigned: dict[str, str] = {}
    any_not_found = False
    for i, item in enumerate(data.get("ambiti") or [], start=1):
        where = _("ambito n. %d") % i
        code = _require_str(item, "code", where, problems)
        name = _require_str(item, "name", where, problems)
        district_code = _require_str(item, "district", where, problems)
        if district_code and district_code not in district_codes:
            problems.append(
                _("Ambito «%(name)s»: distretto «%(district)s» non presente nel file")
                % {"name": name, "district": district_code}
            )
        names = item.get("municipalities") if isinstance(item, dict) else None
        if not isinstance(names, list) or not names:
            problems.append(_("Ambito «%s»: elenco dei comuni mancante o vuoto") % name)
            names = []
        codes: list[str] = []
        for municipality_name in names:
            comune = by_name.get(municipality_name) if isinstance(municipality_name, str) else None
            if comune is None:
                any_not_found = True
                guesses = difflib.get_close_matches(str(municipality_name), list(by_name), n=3)
                message = _(
                    "Comune «%(name)s» (ambito «%(ambito)s») non trovato in provincia %(province)s"
                ) % {"name": municipality_name, "ambito": name, "province": province}
                if guesses:
                    message += " — " + _("forse: %s") % ", ".join(f"«{g}»" for g in guesses)
                problems.append(message)
                continue
            if comune.istat_code in assigned:
                problems.append(
                    _("Comune «%(name)s» assegnato a due ambiti: «%(first)s» e «%(second)s»")
                    % {
                        "name": municipality_name,
                        "first": assigned[comune.istat_code],
                        "second": name,
                    }
                )
                continue
            assigned[comune.istat_code] = name
            codes.append(comune.istat_code)
        lead_name = item.get("lead") if isinstance(item, dict) else None
        lead_code = None
        if lead_name:
            lead = by_name.get(lead_name)
            if lead is None or lead.istat_code not in codes:
                problems.append(
                    _("Ambito «%(name)s»: il Comune capofila «%(lead)s» non è tra i suoi comuni")
                    % {"name": name, "lead": lead_name}
                )
            else:
                lead_code = lead.istat_code
        ambiti.append(DemoAmbito(code, name, district_code, lead_code, tuple(codes)))

    for label, codes_seen in (
        (_("aziende sanitarie"), [a.code for a in authorities]),
        (_("distretti"), [d.code for d in districts]),
        (_("ambiti"), [a.code for a in ambiti]),
    ):
        duplicates = sorted({c for c in codes_seen if codes_seen.count(c) > 1})
        if duplicates:
            problems.append(
                _("Codici ripetuti tra %(what)s: %(codes)s")
                % {"what": label, "codes": ", ".join(duplicates)}
            )

    if problems:
        raise TerritoryError(
            TerritoryErrorCode.MUNICIPALITY_NOT_FOUND
            if any_not_found
            else TerritoryErrorCode.DEMO_FILE_INVALID,
            problems,
        )
    return DemoTerritory(note, region_code, tuple(authorities), tuple(districts), tuple(ambiti))


def population_read(*, path: Path, known_codes: set[str]) -> dict[str, int]:
    """Population per ISTAT code from a ``codice;popolazione`` file, every bad row reported.

    A first line whose first field starts with "cod" is a header. Codes may have lost their
    leading zeros (spreadsheets do that) and are padded back to six digits.
    """
    problems: list[str] = []
    values: dict[str, int] = {}
    first_line: dict[str, int] = {}
    lines = _open_text(path).splitlines()
    for line_no, fields in enumerate(csv.reader(lines, delimiter=";"), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if line_no == 1 and fields[0].strip().lower().startswith("cod"):
            continue
        if len(fields) != 2:
            problems.append(
                _(
                    "Riga %(line)d: attesi 2 campi separati da «;» (codice;popolazione), "
                    "trovati %(n)d"
                )
                % {"line": line_no, "n": len(fields)}
            )
            continue
        raw_code, raw_population = fields[0].strip(), fields[1].strip()
        code = raw_code.zfill(6) if raw_code.isdigit() and len(raw_code) <= 6 else raw_code
        row_problems = []
        if not _ISTAT_RE.match(code):
            row_problems.append(_("codice ISTAT «%s» non valido (servono 6 cifre)") % raw_code)
        elif code not in known_codes:
            row_problems.append(_("nessun comune con codice ISTAT %s") % code)
        elif code in first_line:
            row_problems.append(
                _("codice ISTAT %(code)s ripetuto (già alla riga %(line)d)")
                % {"code": code, "line": first_line[code]}
            )
        if not raw_population.isdigit():
            row_problems.append(
                _(
                    "popolazione «%s» non valida (serve un numero intero non negativo, "
                    "senza separatori)"
                )
                % raw_population
            )
        if row_problems:
            problems.extend(
                _("Riga %(line)d: %(problem)s") % {"line": line_no, "problem": p}
                for p in row_problems
            )
            continue
        first_line[code] = line_no
        values[code] = int(raw_population)
    if not values and not problems:
        problems.append(_("Il file %s non contiene righe di popolazione") % path)
    if problems:
        raise TerritoryError(TerritoryErrorCode.POPULATION_FILE_INVALID, problems)
    return values


def population_year_check(year: int | None) -> int:
    current = timezone.localdate().year
    if year is None or not 1861 <= year <= current:
        raise TerritoryError(
            TerritoryErrorCode.POPULATION_FILE_INVALID,
            [
                _("Indica l'anno di riferimento della popolazione (tra 1861 e %d).") % current
                if year is None
                else _("Anno della popolazione %(year)d non valido (tra 1861 e %(current)d).")
                % {"year": year, "current": current}
            ],
        )
    return year


# --- writes -------------------------------------------------------------------------------------


def _regions_upsert(*, comuni: list[ComuneRow], result: TerritoryLoadResult) -> dict[str, int]:
    wanted = {c.region_code: c.region_name for c in comuni}
    existing = {r.istat_code: r for r in Region.objects.all()}
    to_create = [Region(istat_code=k, name=v) for k, v in wanted.items() if k not in existing]
    to_update = []
    for code, name in wanted.items():
        region = existing.get(code)
        if region is not None and region.name != name:
            region.name = name
            to_update.append(region)
    Region.objects.bulk_create(to_create)
    if to_update:
        Region.objects.bulk_update(to_update, ["name"])
    result.regions_created, result.regions_updated = len(to_create), len(to_update)
    return dict(Region.objects.values_list("istat_code", "id"))


def _municipalities_upsert(
    *, comuni: list[ComuneRow], region_ids: dict[str, int], result: TerritoryLoadResult
) -> None:
    existing = {
        m.istat_code: m for m in Municipality.objects.only("istat_code", *_MUNICIPALITY_FIELDS)
    }
    to_create: list[Municipality] = []
    to_update: list[Municipality] = []
    for row in comuni:
        values: dict[str, Any] = {
            "belfiore_code": row.belfiore_code,
            "name": row.name,
            "name_other_language": row.name_other_language,
            "province_code": row.province_code,
            "province_name": row.province_name,
            "region_id": region_ids[row.region_code],
            "population": row.population,
            "population_year": COMUNI_CSV_POPULATION_YEAR if row.population is not None else None,
        }
        current = existing.get(row.istat_code)
        if current is None:
            to_create.append(Municipality(istat_code=row.istat_code, **values))
            continue
        if (current.population_year or 0) > COMUNI_CSV_POPULATION_YEAR:
            # A newer figure loaded with --population wins over the one shipped with the list.
            values["population"] = current.population
            values["population_year"] = current.population_year
        if any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            to_update.append(current)
    Municipality.objects.bulk_create(to_create, batch_size=2000)
    Municipality.objects.bulk_update(to_update, list(_MUNICIPALITY_FIELDS), batch_size=1000)
    in_file = {row.istat_code for row in comuni}
    result.municipalities_in_file = len(comuni)
    result.municipalities_created = len(to_create)
    result.municipalities_updated = len(to_update)
    result.municipalities_unchanged = len(comuni) - len(to_create) - len(to_update)
    result.municipalities_not_in_file = len(set(existing) - in_file)


def _demo_apply(*, demo: DemoTerritory, region_ids: dict[str, int]) -> int:
    region_id = region_ids[demo.region_code]
    authorities: dict[str, HealthAuthority] = {}
    # ATS first, so that an ASST can point to it.
    for item in sorted(demo.authorities, key=lambda a: a.parent_code is not None):
        parent = authorities[item.parent_code] if item.parent_code else None
        authorities[item.code], _created = HealthAuthority.objects.update_or_create(
            code=item.code,
            defaults={
                "kind": item.kind,
                "name": item.name,
                "region_id": region_id,
                "parent": parent,
            },
        )
    districts: dict[str, District] = {}
    for d in demo.districts:
        districts[d.code], _created = District.objects.update_or_create(
            code=d.code,
            defaults={"name": d.name, "health_authority": authorities[d.authority_code]},
        )
    municipality_ids = dict(
        Municipality.objects.filter(
            istat_code__in=[c for a in demo.ambiti for c in a.istat_codes]
        ).values_list("istat_code", "id")
    )
    changed = 0
    district_members: dict[str, set[str]] = {code: set() for code in districts}
    for a in demo.ambiti:
        ambito, _created = Ambito.objects.update_or_create(
            code=a.code,
            defaults={
                "name": a.name,
                "region_id": region_id,
                "lead_municipality_id": municipality_ids.get(a.lead_istat_code or ""),
            },
        )
        district = districts[a.district_code]
        district_members[a.district_code].update(a.istat_codes)
        changed += (
            Municipality.objects.filter(istat_code__in=a.istat_codes)
            .exclude(ambito=ambito, district=district)
            .update(ambito=ambito, district=district)
        )
        # Comuni this file no longer lists under the ambito leave it.
        changed += (
            Municipality.objects.filter(ambito=ambito)
            .exclude(istat_code__in=a.istat_codes)
            .update(ambito=None)
        )
    for code, members in district_members.items():
        changed += (
            Municipality.objects.filter(district=districts[code])
            .exclude(istat_code__in=members)
            .update(district=None)
        )
    return changed


def _population_apply(*, values: dict[str, int], year: int) -> int:
    current = Municipality.objects.filter(istat_code__in=values).only(
        "istat_code", "population", "population_year"
    )
    changed = []
    for m in current:
        if m.population != values[m.istat_code] or m.population_year != year:
            m.population, m.population_year = values[m.istat_code], year
            changed.append(m)
    Municipality.objects.bulk_update(changed, ["population", "population_year"], batch_size=1000)
    return len(changed)


def territory_load(
    *,
    comuni_path: Path = COMUNI_CSV,
    demo_path: Path | None = DEMO_TERRITORY_JSON,
    population_path: Path | None = None,
    population_year: int | None = None,
    if_empty: bool = False,
) -> TerritoryLoadResult:
    """Upsert the 20 regions and every Comune, then the demo configuration and population.

    Idempotent: rows are matched by ISTAT code and written only when something changed.
    Raises ``TerritoryError`` listing every problem of a bad file; then nothing is saved.
    """
    result = TerritoryLoadResult()
    if if_empty and Municipality.objects.exists():
        result.skipped = True
        return result
    comuni = comuni_read(path=comuni_path)
    demo = demo_territory_read(path=demo_path, comuni=comuni) if demo_path is not None else None
    population: dict[str, int] | None = None
    if population_path is not None:
        population_year = population_year_check(population_year)
        known = {c.istat_code for c in comuni} | set(
            Municipality.objects.values_list("istat_code", flat=True)
        )
        population = population_read(path=population_path, known_codes=known)
    with transaction.atomic():
        region_ids = _regions_upsert(comuni=comuni, result=result)
        _municipalities_upsert(comuni=comuni, region_ids=region_ids, result=result)
        if demo is not None:
            result.demo = demo
            result.demo_assignments_changed = _demo_apply(demo=demo, region_ids=region_ids)
        if population is not None and population_year is not None:
            result.population_rows = len(population)
            result.population_year = population_year
            result.population_updated = _population_apply(values=population, year=population_year)
    return result
