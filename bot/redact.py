"""Credentials out of URLs, wherever a URL is printed, logged or audited.

A storage URL can carry a password (``user:pass@``, ``?password=``), and a webhook URL
a token (``?token=``, or a secret path segment as in ``/hooks/T0/B0/abcdef...``).
``redact_url`` keeps what identifies the endpoint (scheme, host, port, the readable
path) and replaces the rest with ``***``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
SECRET_KEYS = re.compile(r"pass|pwd|secret|token|key|sig|auth|cred|session|code", re.I)
"""Query parameters whose value is a credential (``password``, ``access_token``...)."""
SECRET_SEGMENT = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-.~=+]{16,}$")
"""A path segment long and random-looking enough to be a token."""


def redact_url(url: str) -> str:
    """``url`` without credentials; a string that is not a URL is returned unchanged."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return MASK if "@" in url else url
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{port}" if port is not None else "")
    if parts.username is not None or parts.password is not None:
        netloc = f"{parts.username or ''}{':' + MASK if parts.password is not None else ''}@" + (
            netloc
        )
    path = "/".join(
        MASK if SECRET_SEGMENT.match(segment) else segment for segment in parts.path.split("/")
    )
    query = urlencode(
        [
            (key, MASK if SECRET_KEYS.search(key) else value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def redact_urls(value: Any) -> Any:
    """``value`` (JSON-like) with every URL-looking string redacted."""
    if isinstance(value, dict):
        return {key: redact_urls(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [redact_urls(inner) for inner in value]
    if isinstance(value, str) and "://" in value:
        return redact_url(value)
    return value
