"""The webhook signature as a receiver checks it: a replayed old request is refused."""

from __future__ import annotations

import time

from adapters.http.webhook import signature, verify

SECRET = b"receiver-secret"
BODY = b'{"type":"case.opened"}'


def test_a_fresh_signed_request_passes() -> None:
    now = str(int(time.time()))
    assert verify(SECRET, now, BODY, signature(SECRET, now, BODY))


def test_an_old_request_is_refused_even_with_its_valid_signature() -> None:
    nine_minutes_ago = str(int(time.time()) - 9 * 60)
    header = signature(SECRET, nine_minutes_ago, BODY)
    assert not verify(SECRET, nine_minutes_ago, BODY, header)
    future = str(int(time.time()) + 9 * 60)
    assert not verify(SECRET, future, BODY, signature(SECRET, future, BODY))


def test_a_tampered_or_malformed_request_is_refused() -> None:
    now = str(int(time.time()))
    header = signature(SECRET, now, BODY)
    assert not verify(SECRET, now, BODY + b" ", header)
    assert not verify(b"other", now, BODY, header)
    for stamp in ("abc", "", "-1", "1e9"):
        assert not verify(SECRET, stamp, BODY, signature(SECRET, stamp, BODY))
