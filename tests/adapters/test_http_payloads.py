"""The API reads a plain message envelope without building a model per message; it
must read every body exactly as the pydantic models do: the same messages, or the same
error naming the same field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.http import payloads
from adapters.http.errors import ApiError
from bot import loadtest
from bot.clock import utcnow

MESSAGE = {"space": "a", "channel": "c", "id": "m1", "author": {"id": "u1"}, "text": "hi"}
FULL = {
    **MESSAGE,
    "author": {"id": 7, "name": "Sam", "age_band": "MINOR"},
    "ts": "2025-03-01T18:02:11.5+01:00",
    "dm": True,
    "thread": "t",
    "reply_to": 3,
    "mentions": ["u2", 4],
    "link": "https://example.invalid/m1",
}
PLAIN: list[Any] = [
    MESSAGE,
    FULL,
    {**MESSAGE, "ts": None, "thread": "", "mentions": None},
    {"messages": [MESSAGE, FULL]},
    {"messages": [m for space in loadtest.generate(60, 3).values() for m in space]},
]
NOT_PLAIN: list[Any] = [
    {"space": "a"},
    {**MESSAGE, "text": 5},
    {**MESSAGE, "id": ""},
    {**MESSAGE, "colour": "blue"},
    {**MESSAGE, "author": {"id": "u1", "colour": "blue"}},
    {**MESSAGE, "author": {"name": "Sam"}},
    {**MESSAGE, "author": ["u1"]},
    {**MESSAGE, "author": None},
    {**MESSAGE, "ts": "yesterday"},
    {**MESSAGE, "mentions": "u2"},
    {"messages": []},
    {"messages": {"not": "a list"}},
    {"messages": [MESSAGE], "colour": "blue"},
    {"messages": [MESSAGE, {**MESSAGE, "dm": "yes"}]},
    {"messages": [MESSAGE, [MESSAGE]]},
    {"messages": [MESSAGE] * 4},
    [MESSAGE],
    "a message",
    None,
]


def outcome(body: bytes) -> Any:
    try:
        return payloads.parse_messages(body, batch_max=3 if b'"messages"' in body else 500)
    except ApiError as exc:
        return (exc.status, exc.code, str(exc), exc.details)


@pytest.mark.parametrize("payload", PLAIN + NOT_PLAIN)
def test_a_body_reads_as_the_models_read_it(payload: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    now = utcnow()
    monkeypatch.setattr(payloads, "utcnow", lambda: now)
    body = json.dumps(payload).encode()
    fast = outcome(body)
    monkeypatch.setattr(payloads, "_plain_batch", lambda data, batched: None)
    assert fast == outcome(body)


@pytest.mark.parametrize("payload", PLAIN)
def test_a_plain_body_builds_no_model(payload: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(data: Any, batched: bool) -> None:
        raise AssertionError("read through the models")

    monkeypatch.setattr(payloads, "_validated", refuse)
    messages = payloads.parse_messages(json.dumps(payload).encode(), batch_max=500)
    assert len(messages) == len(payload.get("messages", [payload]))
