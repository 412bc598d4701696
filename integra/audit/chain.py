"""The hash chain of the access log: one canonical form, used to write and to verify.

Each row's hash is the SHA-256 of a canonical JSON object holding the columns in
``CHAINED_FIELDS`` (the previous row's hash included), so altering, removing or reordering a row
breaks the chain from that row on. The canonical form is chosen so that a value reads back from
PostgreSQL exactly as it was hashed when written:

* ``at`` as UTC with microseconds (``2026-01-31T08:00:00.123456Z``);
* ``client_ip`` as the hex of the address's packed bytes, because the text form of an address is
  not canonical (PostgreSQL and Python print some IPv6 forms differently);
* ``detail`` as JSON with sorted keys (it is stored as ``jsonb``, which reorders keys).

Changing this module is a format change: keep old rows verifiable by versioning the payload
instead of editing it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

# The columns covered by the hash.
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
    if name == "client_ip" and value is not None:
        return ipaddress.ip_address(str(value)).packed.hex()
    return value


def row_hash(values: dict[str, Any]) -> str:
    """The hash of one row, from its chained columns (missing ones count as null)."""
    payload = {name: _normalise(name, values.get(name)) for name in CHAINED_FIELDS}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
