"""The audit chain's key, kept outside the store.

Whoever can write to the database could otherwise rewrite an entry and recompute
every hash after it; with the chain keyed (HMAC-SHA256), they also need this key.
It comes from ``WATCHKEEPER_AUDIT_KEY`` when set (a secret manager), else from the
file ``audit.key`` beside the SQLite file (in ``data_dir`` for PostgreSQL), created
on first start with mode 0600. Back it up apart from the database: without it the
chain cannot be verified.

The file also records ``since``: the first audit entry id that had to be keyed.
Entries before it were written by an older version (plain SHA-256); an entry from
``since`` on that is not keyed is tampering (someone rewrote it without the key).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_ENV = "WATCHKEEPER_AUDIT_KEY"
KEY_FILE = "audit.key"


class AuditKeyError(Exception):
    """The key is missing or unreadable while the chain needs it (one line)."""


@dataclass(frozen=True, slots=True)
class AuditKey:
    secret: bytes
    since: int
    """Entries with this id or higher must be keyed."""
    source: str


def from_environment() -> AuditKey | None:
    value = os.environ.get(KEY_ENV, "")
    return AuditKey(value.encode(), 0, KEY_ENV) if value else None


def read_key(path: Path) -> AuditKey | None:
    """The key in ``path``, None if there is no such file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return AuditKey(bytes.fromhex(data["key"]), int(data["since"]), str(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AuditKeyError(f"{path}: not a readable audit key ({exc})") from None


def create_key(path: Path, since: int) -> AuditKey:
    """A new random key in ``path`` (0600); if another process made one first, that one."""
    body = json.dumps({"key": secrets.token_hex(32), "since": since}).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = read_key(path)
        assert key is not None
        return key
    except OSError as exc:
        raise AuditKeyError(f"{path}: cannot create the audit key ({exc.strerror})") from None
    try:
        os.write(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)
    key = read_key(path)
    assert key is not None
    return key
