"""The access log as CSV for Excel: UTF-8 with BOM, ``;`` between fields, Italian headers,
readable columns (date and time in Rome, the operator's name, roles and the person concerned
as the auditor may see them, what was seen in words); the chain position last, to cite a row."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from integra.audit.rows import AccessLogRow
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
        _("Data e ora"),
        _("Operatore"),
        _("Utente"),
        _("Ente dell'operatore"),
        _("Ruolo"),
        _("Operazione"),
        _("Tipo di dato"),
        _("Oggetto"),
        _("Persona interessata"),
        _("Finalità"),
        _("Esito"),
        _("Dettaglio"),
        _("Indirizzo client"),
        _("ID richiesta"),
        _("Catena"),
        _("Progressivo"),
    ]


def _words(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_words(item)}" for key, item in sorted(value.items()))
    if isinstance(value, list):
        return ", ".join(_words(item) for item in value)
    return str(value)


def detail_in_words(row: AccessLogRow) -> str:
    """What was seen, in words: a role change as before → after, anything else as
    "key: value" pairs (filters, number of rows, the view)."""
    if row.grant_change:
        return row.grant_change
    detail = row.entry.detail if isinstance(row.entry.detail, dict) else {}
    return "; ".join(f"{key}: {_words(value)}" for key, value in sorted(detail.items()))


def _row(row: AccessLogRow) -> list[str]:
    entry = row.entry
    return [
        _cell(entry.at.astimezone(AUDIT_TIME_ZONE).strftime("%d/%m/%Y %H:%M:%S")),
        _cell(row.operator_name),
        _cell(entry.username),
        _cell(entry.organization.name if entry.organization else ""),
        _cell(row.roles),
        _cell(entry.get_action_display()),
        _cell(entry.subject_type_label),
        _cell(entry.subject_label),
        _cell(row.person),
        _cell(entry.purpose),
        _cell(entry.get_outcome_display()),
        _cell(detail_in_words(row)),
        _cell(entry.client_ip),
        _cell(entry.request_id),
        _cell(entry.shard),
        _cell(entry.seq),
    ]


def access_log_csv_lines(rows: Iterable[AccessLogRow]) -> Iterator[str]:
    """CSV lines, the first one preceded by the byte-order mark Excel needs to read UTF-8."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(access_log_csv_headers())
    for row in rows:
        yield writer.writerow(_row(row))
