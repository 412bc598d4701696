"""Why an access was made: the purpose stored with every access-log entry of a request.

A read gets the purpose of the part of the service it was made in, taken from the address of
the request (the page or API path), unless the code that logs the read names a more exact one
(``access_log_record(..., purpose=...)``, e.g. the PUA request a person was opened from). So a
new page or endpoint gets a purpose without anyone remembering to give one, and
``tests/audit/test_purposes.py`` fails for an address of the service that has none here.

The texts are stored and hashed in the log: fixed Italian, not translations of the moment.
"""

from __future__ import annotations

# The purpose of the auditor's own reads of the log.
AUDIT_PURPOSE = "Controllo degli accessi"
PUA_PURPOSE = "Accoglienza al punto unico di accesso (PUA)"
UVM_PURPOSE = "Valutazione multidimensionale (UVM)"
ASSESSMENT_PURPOSE = "Valutazione del bisogno"
MEASURE_PURPOSE = "Verifica dei requisiti delle misure B1/B2"
CARE_PURPOSE = "Presa in carico e gestione dell'anagrafe"
STAFF_PURPOSE = "Gestione degli operatori e dei ruoli"
ORGANIZATION_PURPOSE = "Consultazione di enti, servizi e territorio"
NOTICE_PURPOSE = "Avvisi tra enti"
ACCOUNT_PURPOSE = "Profilo dell'operatore"
DESK_PURPOSE = "Scrivania dell'operatore"
COST_PURPOSE = "Regole di compartecipazione alla spesa"

# Path prefixes, the most specific first (the first that matches wins).
PURPOSE_BY_PATH: tuple[tuple[str, str], ...] = (
    ("/audit/", AUDIT_PURPOSE),
    ("/api/v1/audit", AUDIT_PURPOSE),
    ("/api/v1/access-anomalies", AUDIT_PURPOSE),
    ("/pua/", PUA_PURPOSE),
    ("/api/v1/pua", PUA_PURPOSE),
    ("/valutazioni/uvm/", UVM_PURPOSE),
    ("/api/v1/uvm-sessions", UVM_PURPOSE),
    ("/api/v1/user-classes", UVM_PURPOSE),
    ("/valutazioni/", ASSESSMENT_PURPOSE),
    ("/api/v1/assessments", ASSESSMENT_PURPOSE),
    ("/api/v1/instruments", ASSESSMENT_PURPOSE),
    ("/misure/", MEASURE_PURPOSE),
    ("/api/v1/measures", MEASURE_PURPOSE),
    ("/progetti/", CARE_PURPOSE),
    ("/api/v1/care-plans", CARE_PURPOSE),
    ("/api/v1/tasks", CARE_PURPOSE),
    ("/api/v1/caseloads", CARE_PURPOSE),
    ("/chi-paga/", COST_PURPOSE),
    ("/api/v1/cost-rules", COST_PURPOSE),
    ("/api/v1/copayment-regulations", COST_PURPOSE),
    ("/api/v1/cost-split", COST_PURPOSE),
    ("/persone/", CARE_PURPOSE),
    ("/api/v1/persons", CARE_PURPOSE),
    ("/api/v1/notes", CARE_PURPOSE),
    ("/api/v1/fiscal-codes", CARE_PURPOSE),
    ("/api/v1/permits", CARE_PURPOSE),
    ("/api/v1/merges", CARE_PURPOSE),
    ("/api/v1/emergency-accesses", CARE_PURPOSE),
    ("/account/operatori/", STAFF_PURPOSE),
    ("/api/v1/staff", STAFF_PURPOSE),
    ("/account/", ACCOUNT_PURPOSE),
    ("/api/v1/me", ACCOUNT_PURPOSE),
    ("/enti/", ORGANIZATION_PURPOSE),
    ("/territorio/", ORGANIZATION_PURPOSE),
    ("/api/v1/organizations", ORGANIZATION_PURPOSE),
    ("/api/v1/services", ORGANIZATION_PURPOSE),
    ("/api/v1/territory", ORGANIZATION_PURPOSE),
    ("/avvisi/", NOTICE_PURPOSE),
    ("/api/v1/notices", NOTICE_PURPOSE),
)


def purpose_for_path(path: str) -> str:
    """The purpose of a request to ``path`` (``""`` for an address of no part of the service:
    the admin, the language switch)."""
    for prefix, purpose in PURPOSE_BY_PATH:
        if path.startswith(prefix):
            return purpose
    return DESK_PURPOSE if path == "/" else ""
