"""Checkpoints of the audit trail, kept outside the database.

A hash chain shows a row altered or removed in the middle, but not its last rows removed: what
is left is still a valid chain. So the heads of the access log's chains, and how far each
history (pghistory event) table reaches, are written every so often to an append-only file
outside the database, each line signed with an HMAC whose key the database administrators do
not have (``AUDIT_CHECKPOINT_KEY``). ``manage.py verify_audit`` then checks that every row a
checkpoint recorded is still there, unchanged.

One line per checkpoint (JSON)::

    {"v": 1, "at": "2026-11-24T10:00:00.123456Z", "database": "integra",
     "chains": [[0, 1234, "<hash of row 1234 of chain 0>"], ...],
     "history": {"people_personevent": [<max pgh_id>, <rows with pgh_id <= max>], ...},
     "prev": "<sha256 of the previous line>", "mac": "<HMAC-SHA256 of the rest>"}

``prev`` chains the lines, so a line removed from the middle of the file or moved shows. The
row counts of the history tables are incremental (the previous checkpoint's count plus the rows
added since), so a checkpoint costs a few index lookups: the count it records is what the table
must hold at least, and rows removed since an earlier checkpoint are not counted back in.

Written by ``manage.py audit_checkpoint`` (run it from a scheduler) and, every
``AUDIT_CHECKPOINT_INTERVAL`` seconds, by a process that has just written to the access log
(``checkpoint_if_due``). Writers take an exclusive ``flock`` on the file.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from psycopg import sql

from integra.audit.chain import GENESIS_HASH
from integra.audit.history import history_event_models

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
_MIN_KEY_LENGTH = 32


class CheckpointProblemReason(models.TextChoices):
    NO_KEY = "no_key", _("manca la chiave dei punti di controllo (AUDIT_CHECKPOINT_KEY)")
    UNREADABLE = "unreadable", _("riga illeggibile")
    BAD_MAC = "bad_mac", _("firma non valida: punto di controllo falsificato o alterato")
    BROKEN_LINK = (
        "broken_link",
        _("non segue la riga precedente: righe del file rimosse, inserite o riordinate"),
    )
    WENT_BACK = (
        "went_back",
        _("registra meno di un punto di controllo precedente: righe rimosse nel frattempo"),
    )


@dataclass(frozen=True)
class CheckpointProblem:
    line: int
    reason: CheckpointProblemReason
    detail: str = ""

    @property
    def reason_label(self) -> str:
        return str(self.reason.label)


@dataclass(frozen=True)
class Checkpoint:
    """``line``: its line in the file (1 for the first; 0 for one just written)."""

    line: int
    at: str
    chains: dict[int, tuple[int, str]]
    history: dict[str, tuple[int, int]]


@dataclass(frozen=True)
class CheckpointLog:
    """The checkpoints of a file whose signature is valid, and what is wrong with the others."""

    path: Path
    checkpoints: tuple[Checkpoint, ...] = ()
    problems: tuple[CheckpointProblem, ...] = ()
    lines: int = 0

    @property
    def last(self) -> Checkpoint | None:
        return self.checkpoints[-1] if self.checkpoints else None

    def expected_chains(self) -> dict[int, dict[int, str]]:
        """For each chain, the hash every checkpoint recorded at each position (the first
        recorded wins: a later different one is itself the sign of a rewrite)."""
        expected: dict[int, dict[int, str]] = {}
        for checkpoint in self.checkpoints:
            for shard, (seq, row_hash) in checkpoint.chains.items():
                if seq > 0:
                    expected.setdefault(shard, {}).setdefault(seq, row_hash)
        return expected


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_written: float | None = None


_state = _State()
_clock = time.monotonic  # replaced in tests


# --- the key and the file ------------------------------------------------------------------------


def checkpoint_path() -> Path:
    configured = settings.AUDIT_CHECKPOINT_FILE
    if configured:
        return Path(configured)
    name = connection.settings_dict["NAME"]
    return Path(settings.BASE_DIR) / "var" / "audit" / f"checkpoints-{name}.jsonl"


def checkpoint_key(*, create: bool = False) -> bytes | None:
    """The HMAC key: ``AUDIT_CHECKPOINT_KEY``, else the key file (generated once when
    ``create``; demo and development only)."""
    if settings.AUDIT_CHECKPOINT_KEY:
        return str(settings.AUDIT_CHECKPOINT_KEY).encode()
    path = Path(settings.AUDIT_CHECKPOINT_KEY_FILE)
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it meanwhile
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(_MIN_KEY_LENGTH) + "\n")
    return path.read_text().strip().encode()


def _mac(key: bytes, record: dict[str, Any]) -> str:
    body = {name: value for name, value in record.items() if name != "mac"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def _line_digest(raw: bytes) -> str:
    return hashlib.sha256(raw.rstrip(b"\n")).hexdigest()


def _last_line(handle: IO[bytes]) -> bytes | None:
    handle.seek(0, os.SEEK_END)
    end = handle.tell()
    if end == 0:
        return None
    block, data = 4096, b""
    position = end
    while position > 0:
        step = min(block, position)
        position -= step
        handle.seek(position)
        data = handle.read(step) + data
        stripped = data.rstrip(b"\n")
        if b"\n" in stripped:
            return stripped.rsplit(b"\n", 1)[1]
    return data.rstrip(b"\n")


def _parse(raw: bytes, key: bytes) -> dict[str, Any] | None:
    """The record of a line whose signature is valid, else None."""
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("mac"), str):
        return None
    if not hmac.compare_digest(_mac(key, record), record["mac"]):
        return None
    return record


# --- what a checkpoint records ------------------------------------------------------------------

# The head of each chain, one index probe per chain (a loose scan of the (shard, seq) index).
_HEADS_SQL = """
WITH RECURSIVE chains(shard) AS (
    SELECT min(shard) FROM audit_accesslog
    UNION ALL
    SELECT (SELECT min(shard) FROM audit_accesslog a WHERE a.shard > chains.shard)
      FROM chains WHERE chains.shard IS NOT NULL
)
SELECT head.shard, head.seq, head.hash
  FROM chains,
       LATERAL (SELECT shard, seq, hash FROM audit_accesslog a
                 WHERE a.shard = chains.shard ORDER BY seq DESC LIMIT 1) AS head
 WHERE chains.shard IS NOT NULL
 ORDER BY head.shard
"""


def chain_heads() -> dict[int, tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_HEADS_SQL)
        return {shard: (seq, row_hash) for shard, seq, row_hash in cursor.fetchall()}


def history_reach(previous: dict[str, tuple[int, int]] | None = None) -> dict[str, tuple[int, int]]:
    """For each history table: its highest ``pgh_id`` and how many rows reach up to it.

    With ``previous`` (the last checkpoint's figures) only the rows added since are counted.
    """
    previous = previous or {}
    tables = [model._meta.db_table for model in history_event_models()]
    if not tables:
        return {}
    parts, params = [], []
    for table in tables:
        since = previous.get(table, (0, 0))[0]
        parts.append(
            sql.SQL("SELECT {name}, max(pgh_id), count(*) FROM {table} WHERE pgh_id > %s").format(
                name=sql.Literal(table), table=sql.Identifier(table)
            )
        )
        params.append(since)
    query = sql.SQL(" UNION ALL ").join(parts)
    connection.ensure_connection()
    reach: dict[str, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(connection.connection), params)
        for table, top, added in cursor.fetchall():
            since, counted = previous.get(table, (0, 0))
            reach[table] = (max(top or 0, since), counted + added)
    return reach


# --- writing ------------------------------------------------------------------------------------


def checkpoint_write(*, full: bool = False) -> Checkpoint:
    """Append a signed checkpoint of the current heads and history reach.

    ``full`` counts the history tables' rows from scratch instead of from the last checkpoint.
    Read outside any transaction that could still roll back: a checkpoint must name committed
    rows only.
    """
    key = checkpoint_key(create=True)
    assert key is not None
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        last = _last_line(handle)
        previous = _parse(last, key) if last is not None else None
        counts_from = None
        if previous is not None and not full:
            counts_from = {
                table: (int(top), int(count)) for table, (top, count) in previous["history"].items()
            }
        chains = chain_heads()
        history = history_reach(counts_from)
        record: dict[str, Any] = {
            "v": FORMAT_VERSION,
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "database": connection.settings_dict["NAME"],
            "chains": [[shard, seq, row_hash] for shard, (seq, row_hash) in chains.items()],
            "history": {table: list(values) for table, values in history.items()},
            "prev": _line_digest(last) if last is not None else GENESIS_HASH,
        }
        record["mac"] = _mac(key, record)
        line = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        handle.seek(0, os.SEEK_END)
        handle.write(line.encode() + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return Checkpoint(0, record["at"], chains, history)


def checkpoint_if_due() -> None:
    """Write a checkpoint if this process wrote none for ``AUDIT_CHECKPOINT_INTERVAL`` seconds.

    Called after access-log writes outside a transaction; a failure is logged, not raised: the
    accesses are recorded already, and the next write retries.
    """
    interval = settings.AUDIT_CHECKPOINT_INTERVAL
    if interval <= 0:
        return
    now = _clock()
    with _state.lock:
        if _state.last_written is not None and now - _state.last_written < interval:
            return
        _state.last_written = now
    try:
        checkpoint_write()
    except Exception:
        logger.exception("Audit checkpoint not written")


# --- reading ------------------------------------------------------------------------------------


def _went_back(earlier: Checkpoint, later: Checkpoint) -> Iterable[str]:
    for shard, (seq, row_hash) in earlier.chains.items():
        now_seq, now_hash = later.chains.get(shard, (0, GENESIS_HASH))
        if now_seq < seq or (now_seq == seq and now_hash != row_hash):
            yield gettext("catena %(shard)s: %(before)s → %(after)s") % {
                "shard": shard,
                "before": seq,
                "after": now_seq,
            }
    for table, (top, count) in earlier.history.items():
        if table in later.history:
            now_top, now_count = later.history[table]
            if now_top < top or now_count < count:
                yield f"{table}: {top}/{count} → {now_top}/{now_count}"


def checkpoints_read() -> CheckpointLog:
    """Every checkpoint of the file, verified: signature, link to the line before, and no
    going back from one checkpoint to the next."""
    path = checkpoint_path()
    if not path.exists():
        return CheckpointLog(path)
    raw_lines = path.read_bytes().splitlines()
    key = checkpoint_key()
    if key is None:
        problem = CheckpointProblem(0, CheckpointProblemReason.NO_KEY)
        return CheckpointLog(path, problems=(problem,), lines=len(raw_lines))
    checkpoints: list[Checkpoint] = []
    problems: list[CheckpointProblem] = []
    previous_digest = GENESIS_HASH
    for number, raw in enumerate(raw_lines, start=1):
        digest, expected_prev = _line_digest(raw), previous_digest
        previous_digest = digest
        try:
            record = json.loads(raw)
        except ValueError:
            problems.append(CheckpointProblem(number, CheckpointProblemReason.UNREADABLE))
            continue
        if _parse(raw, key) is None:
            problems.append(CheckpointProblem(number, CheckpointProblemReason.BAD_MAC))
            continue
        if record.get("prev") != expected_prev:
            problems.append(CheckpointProblem(number, CheckpointProblemReason.BROKEN_LINK))
        try:
            checkpoint = Checkpoint(
                number,
                str(record["at"]),
                {int(s): (int(q), str(h)) for s, q, h in record["chains"]},
                {str(t): (int(v[0]), int(v[1])) for t, v in record["history"].items()},
            )
        except (KeyError, TypeError, ValueError):
            problems.append(CheckpointProblem(number, CheckpointProblemReason.UNREADABLE))
            continue
        if checkpoints:
            back = list(_went_back(checkpoints[-1], checkpoint))
            if back:
                problems.append(
                    CheckpointProblem(number, CheckpointProblemReason.WENT_BACK, "; ".join(back))
                )
        checkpoints.append(checkpoint)
    return CheckpointLog(path, tuple(checkpoints), tuple(problems), len(raw_lines))
