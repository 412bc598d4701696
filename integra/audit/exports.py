"""The access log as CSV for Excel: UTF-8 with BOM, ``;`` between fields, Italian headers."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from integra.audit.models import AccessLog
from integra.audit.selectors import AUDIT_TIME_ZONE

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object that hands back what is written, for streaming ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def access_log_csv_headers() -> list[str]:
    return [
        _("Catena"),
        _("Progressivo"),
        _("Data e ora"),
        _("Utente"),
        _("Ente dell'operatore"),
        _("Indirizzo client"),
        _("Operazione"),
        _("Esito"),
        _("Tipo di dato"),
        _("Identificativo"),
        _("Oggetto"),
        _("Ente titolare del dato (ID)"),
        _("Persona interessata (ID)"),
        _("Finalità"),
        _("ID richiesta"),
        _("Dettaglio"),
    ]


def _row(entry: AccessLog) -> list[str]:
    return [
        _cell(entry.shard),
        _cell(entry.seq),
        _cell(entry.at.astimezone(AUDIT_TIME_ZONE).strftime("%d/%m/%Y %H:%M:%S")),
        _cell(entry.username),
        _cell(entry.organization.name if entry.organization else ""),
        _cell(entry.client_ip),
        _cell(entry.get_action_display()),
        _cell(entry.get_outcome_display()),
        _cell(entry.subject_type_label),
        _cell(entry.subject_id),
        _cell(entry.subject_label),
        _cell(entry.subject_organization_id),
        _cell(entry.person_id),
        _cell(entry.purpose),
        _cell(entry.request_id),
        _cell(json.dumps(entry.detail, ensure_ascii=False, sort_keys=True) if entry.detail else ""),
    ]


def access_log_csv_lines(rows: Iterable[AccessLog]) -> Iterator[str]:
    """CSV lines, the first one preceded by the byte-order mark Excel needs to read UTF-8."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(access_log_csv_headers())
    for entry in rows:
        yield writer.writerow(_row(entry))
