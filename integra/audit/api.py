"""API of the audit app: the access log for auditors and the verification of its chain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from integra.api.auth import actor_of
from integra.audit.models import AccessAction, AccessLog, AccessOutcome
from integra.audit.rows import AccessLogRow, access_log_rows
from integra.audit.selectors import (
    AccessLogFilters,
    ChainBreak,
    access_log_list,
    audit_verify,
)
from integra.audit.services import ACCESS_LOG_SUBJECT, AUDIT_PURPOSE, access_log_record
from integra.core.access import PermissionRequired
from integra.core.permissions import Permission

router = Router(tags=["audit"])

_NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL: refuse it as invalid input


class AccessLogQuery(Schema):
    date_from: date | None = Field(None, description="Dal giorno (incluso, ora di Roma)")
    date_to: date | None = Field(None, description="Al giorno (incluso, ora di Roma)")
    username: str = Field(
        "", max_length=150, pattern=_NO_NUL, description="Nome utente dell'operatore"
    )
    subject_type: str = Field(
        "",
        max_length=80,
        pattern=_NO_NUL,
        description="Tipo di dato, come `app.modello` (es. `people.person`)",
    )
    subject_id: str = Field(
        "", max_length=64, pattern=_NO_NUL, description="Identificativo del dato"
    )
    outcome: AccessOutcome | None = Field(None, description="Esito: consentito o negato")
    action: AccessAction | None = Field(None, description="Operazione")
    person_query: str = Field(
        "",
        max_length=100,
        pattern=_NO_NUL,
        description="Persona interessata: numero, codice fiscale o nome e cognome (il nome "
        "trova solo le persone di cui si legge la scheda; il codice anche quelle registrate "
        "dal proprio ente)",
    )
    limit: int = Field(50, ge=1, le=500, description="Righe per pagina (massimo 500)")
    offset: int = Field(0, ge=0, le=1_000_000_000, description="Righe da saltare")

    def filters(self) -> AccessLogFilters:
        return AccessLogFilters(
            date_from=self.date_from,
            date_to=self.date_to,
            username=self.username,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
            outcome=self.outcome.value if self.outcome else "",
            action=self.action.value if self.action else "",
            person=self.person_query,
        )


class AccessLogOut(Schema):
    shard: int = Field(description="Catena")
    seq: int = Field(description="Progressivo nella catena")
    at: datetime = Field(description="Data e ora dell'accesso")
    username: str = Field(description="Nome utente dell'operatore")
    operator_name: str = Field("", description="Nome e cognome dell'operatore")
    roles: str = Field("", description="Ruoli dell'operatore al momento dell'accesso")
    organization_id: int | None = Field(description="Ente per cui operava l'operatore")
    organization_name: str = Field(description="Denominazione dell'ente dell'operatore")
    client_ip: str | None = Field(description="Indirizzo del client")
    request_id: str = Field(description="Identificativo della richiesta")
    action: str = Field(description="Operazione")
    outcome: str = Field(description="Esito")
    subject_type: str = Field(description="Tipo di dato")
    subject_id: str = Field(description="Identificativo del dato")
    subject_label: str = Field(description="Dato consultato")
    subject_organization_id: int | None = Field(description="Ente titolare del dato")
    person_id: int | None = Field(description="Persona interessata")
    person_label: str = Field(
        "", description="La persona come la vede chi consulta (nome, o solo il numero)"
    )
    detail: dict[str, Any] = Field(description="Cosa è stato visto")
    purpose: str = Field(description="Finalità")
    hash: str = Field(description="Hash della riga nella catena")

    @staticmethod
    def resolve_organization_name(obj: AccessLog) -> str:
        return obj.organization.name if obj.organization else ""


class AccessLogPage(Schema):
    count: int = Field(description="Numero totale di accessi che corrispondono ai filtri")
    items: list[AccessLogOut]


class ChainBreakOut(Schema):
    shard: int = Field(description="Catena")
    seq: int = Field(description="Progressivo della prima riga non integra (o mancante)")
    row_id: int | None = Field(description="Riga in cui l'interruzione è stata rilevata")
    reason: str = Field(
        description="altered_row, missing_row, broken_link, bad_seq, cut_tail o rewritten"
    )
    message: str = Field(description="La causa, in parole")


class ChainHeadOut(Schema):
    shard: int = Field(description="Catena")
    rows_checked: int = Field(description="Righe esaminate")
    head_seq: int = Field(description="Progressivo dell'ultima riga integra")
    head_hash: str = Field(description="Hash dell'ultima riga integra")


class CheckpointProblemOut(Schema):
    line: int = Field(description="Riga del file dei punti di controllo")
    reason: str = Field(description="no_key, unreadable, bad_mac, broken_link o went_back")
    message: str = Field(description="La causa, in parole")


class HistoryProblemOut(Schema):
    table: str = Field(description="Tabella dello storico")
    reason: str = Field(
        description="trigger_missing, trigger_disabled, table_missing, cut_tail o rows_missing"
    )
    message: str = Field(description="La causa, in parole")


class AuditReportOut(Schema):
    ok: bool = Field(description="Vero se la traccia di audit è integra")
    rows_checked: int = Field(description="Righe del registro degli accessi esaminate")
    chains: list[ChainHeadOut] = Field(description="Le catene del registro degli accessi")
    first_break: ChainBreakOut | None = Field(description="Prima riga non integra, se c'è")
    breaks: list[ChainBreakOut] = Field(description="La prima riga non integra di ogni catena")
    checkpoints_verified: int = Field(description="Punti di controllo con firma valida")
    last_checkpoint_at: str | None = Field(description="Data e ora (UTC) dell'ultimo")
    checkpoint_problems: list[CheckpointProblemOut]
    history_tables: int = Field(description="Tabelle dello storico delle modifiche")
    history_problems: list[HistoryProblemOut]


def _break_out(broken: ChainBreak) -> dict[str, Any]:
    return {
        "shard": broken.shard,
        "seq": broken.seq,
        "row_id": broken.row_id,
        "reason": broken.reason.value,
        "message": broken.reason_label,
    }


def _item(row: AccessLogRow) -> AccessLog:
    """The entry, with what the auditor reads beside it (``AccessLogOut``'s extra fields)."""
    entry = row.entry
    entry.operator_name = row.operator_name  # type: ignore[attr-defined]
    entry.roles = row.roles  # type: ignore[attr-defined]
    entry.person_label = row.person  # type: ignore[attr-defined]
    return entry


@router.get(
    "/access-log",
    response=AccessLogPage,
    summary="Registro degli accessi (solo auditor)",
    description=(
        "Gli accessi fatti dagli operatori del proprio ente e quelli ai dati di cui l'ente è "
        "titolare, dal più recente. La consultazione è a sua volta registrata."
    ),
)
def access_log(request: HttpRequest, query: Query[AccessLogQuery]) -> dict[str, Any]:
    actor = actor_of(request)
    filters = query.filters()
    rows = access_log_list(actor=actor, filters=filters)
    items = [
        _item(row)
        for row in access_log_rows(
            actor=actor, entries=rows[query.offset : query.offset + query.limit]
        )
    ]
    access_log_record(
        actor=actor,
        subject=ACCESS_LOG_SUBJECT,
        action=AccessAction.LIST,
        detail={
            "filters": filters.as_detail(),
            "offset": query.offset,
            "rows": len(items),
            "via": "api",
        },
        purpose=AUDIT_PURPOSE,
    )
    return {"count": rows.count(), "items": items}


@router.get(
    "/verify",
    response=AuditReportOut,
    summary="Verifica l'integrità della traccia di audit",
    description=(
        "Per amministratori di sistema e auditor. Ricalcola ogni catena di hash del registro "
        "degli accessi, la confronta con i punti di controllo conservati fuori dal database e "
        "controlla le tabelle dello storico delle modifiche."
    ),
)
def verify(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    if not (actor.has(Permission.SYSTEM_ADMIN) or actor.has(Permission.AUDIT_VIEW)):
        raise PermissionRequired(Permission.AUDIT_VIEW)
    report = audit_verify()
    chains, log = report.access_log, report.checkpoints
    return {
        "ok": report.ok,
        "rows_checked": chains.rows_checked,
        "chains": [
            {
                "shard": head.shard,
                "rows_checked": head.rows_checked,
                "head_seq": head.seq,
                "head_hash": head.hash,
            }
            for head in chains.chains
        ],
        "first_break": _break_out(chains.first_break) if chains.first_break else None,
        "breaks": [_break_out(broken) for broken in chains.breaks],
        "checkpoints_verified": len(log.checkpoints),
        "last_checkpoint_at": log.last.at if log.last else None,
        "checkpoint_problems": [
            {"line": p.line, "reason": p.reason.value, "message": p.reason_label}
            for p in log.problems
        ],
        "history_tables": report.history.tables,
        "history_problems": [
            {"table": p.table, "reason": p.reason.value, "message": p.reason_label}
            for p in report.history.problems
        ],
    }
