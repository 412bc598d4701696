"""The hash chain of the access log: one canonical form, used to write and to verify."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

# The columns covered by the hash, in this order. Adding one is a format change: keep old rows
# verifiable by versioning the payload instead of editing this tuple.
CHAINED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "membership_id",
    "organization_id",
    "client_ip",
    "request_id",
    "action",
    "outcome",
    "subject_type",
    "subject_id",
    "subject_label",
    "subject_organization_id",
    "person_id",
    "detail",
    "purpose",
    "prev_hash",
)


def _normalise(name: str, value: Any) -> Any:
    if name == "at" and isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def row_hash(values: dict[str, Any]) -> str:
    payload = {name: _normalise(name, values.get(name)) for name in CHAINED_FIELDS}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
