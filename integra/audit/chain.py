"""The hash chains of the access log: one canonical form, used to write and to verify.

The log is written in several chains (``shard``), each linear on its own: a row's hash is the
SHA-256 of a canonical JSON object holding the columns of its format version (the previous
row's hash in the same chain included), so altering, removing or reordering a row breaks its
chain from that row on. The canonical form is chosen so that a value reads back from
PostgreSQL exactly as it was hashed when written:

* ``at`` as UTC with microseconds (``2026-01-31T08:00:00.123456Z``);
* ``client_ip`` as the hex of the address's packed bytes, because the text form of an address is
  not canonical (PostgreSQL and Python print some IPv6 forms differently);
* ``detail`` as JSON with sorted keys (it is stored as ``jsonb``, which reorders keys).

Changing this module is a format change: keep old rows verifiable by versioning the payload
instead of editing it. Version 1 (the single chain, before shards) covers ``FIELDS_V1``; its rows
became chain 0. Version 2 adds the version and the chain number to the hashed payload, so a row
cannot be moved to another chain or read under another format.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64

# The format new rows are written in.
CHAIN_VERSION = 2

FIELDS_V1 = (
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

# The columns covered by the hash, by format version.
FIELDS_BY_VERSION = {1: FIELDS_V1, 2: ("version", "shard", *FIELDS_V1)}

# Every column any version hashes (what a verifier reads).
CHAINED_FIELDS = FIELDS_BY_VERSION[CHAIN_VERSION]


def _normalise(name: str, value: Any) -> Any:
    if name == "at" and isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name == "client_ip" and value is not None:
        return ipaddress.ip_address(str(value)).packed.hex()
    return value


def row_hash(values: dict[str, Any]) -> str:
    """The hash of one row, from the columns of its version (missing ones count as null).

    A row without ``version`` is of version 1. An unknown version cannot be verified: it
    raises ``ValueError``.
    """
    version = values.get("version")
    if version is None:
        version = 1
    try:
        fields = FIELDS_BY_VERSION[version]
    except KeyError:
        raise ValueError(f"unknown access-log format version {version!r}") from None
    payload = {name: _normalise(name, values.get(name)) for name in fields}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# The columns of a new row that only its writer knows, under the chain's lock (the SQL function
# ``audit_access_log_append``, migration audit 0006), in the order they come in the canonical form.
WRITER_FIELDS = ("prev_hash", "seq", "shard")


def canonical_parts(values: dict[str, Any]) -> list[str]:
    """The canonical form of a new row (format ``CHAIN_VERSION``) cut where ``WRITER_FIELDS``
    go: ``parts[0] + prev_hash + parts[1] + seq + parts[2] + shard + parts[3]``, each filled
    in as JSON (the hash as a quoted string, the numbers as digits), is exactly the text that
    ``row_hash`` hashes. The database fills the holes and hashes with its own ``sha256()``."""
    parts = [""]
    for number, name in enumerate(sorted(FIELDS_BY_VERSION[CHAIN_VERSION])):
        key = json.dumps(name, ensure_ascii=False)
        parts[-1] += ("{" if number == 0 else ",") + key + ":"
        if name in WRITER_FIELDS:
            parts.append("")
            continue
        value = _normalise(name, values.get(name))
        parts[-1] += json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    parts[-1] += "}"
    return parts
