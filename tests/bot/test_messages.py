"""The message codec (``bot/messages.py``): one message read through every way in (a
line of message JSONL as the terminal reads it, a payload through the real HTTP API
app, the inbox of a real SQLite store, a line of Conversation JSONL) is the same
message, and the same bad field is the same one-line error in each."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.http.app import build_app
from bot.clock import utcnow
from bot.errors import InputError
from bot.inbox import InboxConsumer
from bot.learning.corpora import parse_conversation
from bot.messages import BadMessage, parse_message
from bot.models import AgeBand, Message, Participant
from bot.runtime import Runtime
from bot.store import SqlStore
from bot.store import inbox as queue
from bot.store.apikeys import API_PLATFORM, create_key
from tests.conftest import make_settings

FIELDS: dict[str, Any] = {
    "space": "s1",
    "channel": "dm-c1",
    "id": "m7",
    "author": "u1",
    "age_band": "adult",
    "text": "just between us\x00 ok",
    "ts": "2025-03-01T19:02:11+01:00",
    "dm": True,
    "reply_to": "m6",
    "mentions": ["u2"],
}
"""One message, in the codec's names (message JSONL's)."""

EXPECTED = Message(
    platform="any",
    space_id="s1",
    channel_id="dm-c1",
    message_id="m7",
    author=Participant("u1", "", AgeBand.ADULT),
    text="just between us ok",
    ts=datetime(2025, 3, 1, 18, 2, 11, tzinfo=UTC),
    is_dm=True,
    reply_to="m6",
    mentions=("u2",),
)


def console_line(fields: dict[str, Any]) -> Message:
    """As ``watchkeeper run --input`` reads one line."""
    return parse_message(json.loads(json.dumps(fields)), 1)


def api_payload(fields: dict[str, Any]) -> dict[str, Any]:
    """The HTTP API's envelope: the author's fields nest in ``author``."""
    author = {"id": fields["author"], "age_band": fields["age_band"]}
    return {
        **{k: v for k, v in fields.items() if k not in ("author", "age_band")},
        "author": author,
    }


def inbox_body(fields: dict[str, Any]) -> str:
    """A body as the inbox keeps it, with the fields' values as they are (good or bad)."""
    body = json.loads(queue.encode(replace(EXPECTED, platform=API_PLATFORM)))
    ts = fields["ts"]
    body |= {
        "space_id": fields["space"],
        "channel_id": fields["channel"],
        "message_id": fields["id"],
        "text": fields["text"],
        "ts": datetime.fromisoformat(ts).timestamp() if ts == FIELDS["ts"] else ts,
        "reply_to": fields["reply_to"],
        "mentions": fields["mentions"],
    }
    body["author"][0], body["author"][2] = fields["author"], fields["age_band"]
    return json.dumps(body)


def conversation_line(fields: dict[str, Any]) -> dict[str, Any]:
    """Conversation JSONL: the channel and the DM come from the conversation, the age
    band from its participants."""
    message = {k: fields[k] for k in ("author", "text", "ts", "id", "reply_to", "mentions")}
    return {
        "id": "c1",
        "context": "dm",
        "participants": {fields["author"]: {"age_band": fields["age_band"]}},
        "messages": [message],
    }


def from_conversation(fields: dict[str, Any]) -> Message:
    (message,) = parse_conversation(conversation_line(fields)).to_messages(space_id="s1")
    return message


Post = Callable[[dict[str, Any]], Awaitable[tuple[int, Any]]]


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[Post, SqlStore]]:
    """The real API app on 127.0.0.1, over a real SQLite store; nothing scores the inbox,
    so what the API accepted can be read back from it."""
    runtime = Runtime(make_settings(tmp_path))
    await runtime.start()
    _, key = await create_key(runtime.store, ["s1"])
    consumer = InboxConsumer(runtime.store, runtime.engine)
    app = build_app(runtime, consumer, runtime.settings.http, {"ready": True})
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession(headers={"Authorization": f"Bearer {key}"})

    async def post(payload: dict[str, Any]) -> tuple[int, Any]:
        async with session.post(server.make_url("/v1/messages"), json=payload) as response:
            return response.status, await response.json()

    yield post, runtime.store
    await session.close()
    await server.close()
    await runtime.close()


async def taken(store: SqlStore, platform: str = API_PLATFORM) -> list[queue.Taken]:
    """What the inbox holds for space s1, taken as the consumer takes it (under a lease)."""
    now = utcnow()
    await queue.acquire(store, platform, "s1", "test", now, 60)
    return (await queue.take(store, "test", now, 0, 10)).taken


async def test_one_message_is_the_same_message_every_way_in(
    api: tuple[Post, SqlStore], store: SqlStore
) -> None:
    post, api_store = api
    console = console_line(FIELDS)
    assert replace(console, platform="any") == EXPECTED
    assert console.platform == "console"

    status, body = await post(api_payload(FIELDS))
    assert status == 202, body
    (accepted,) = await taken(api_store)
    assert accepted.message == replace(EXPECTED, platform=API_PLATFORM)

    await queue.put(store, [console], utcnow())
    (kept,) = await taken(store, "console")
    assert kept.message == console

    assert from_conversation(FIELDS) == replace(EXPECTED, platform="jsonl")


BAD_FIELDS = [
    ("ts", "9999-12-31T23:59:59-23:59", '"ts" must be between 1970 and 2096'),
    ("ts", 253402387139.0, '"ts" must be between 1970 and 2096'),
    ("ts", "tomorrow", "\"ts\" is not an ISO 8601 time: 'tomorrow'"),
    ("ts", True, '"ts" must be an ISO 8601 time or seconds since 1970, not a boolean'),
    ("id", "x" * 201, '"id" must be at most 200 characters'),
    ("author", 7.5, '"author" must be a string or a whole number, not a number'),
    ("age_band", "teen", '"age_band" must be "minor", "adult" or "unknown"'),
    ("text", ["a", "list"], '"text" must be a string, not a list'),
    ("reply_to", False, '"reply_to" must be a string or a whole number, not a boolean'),
    ("mentions", "u2", '"mentions" must be a list of ids, not a string'),
    ("mentions", ["u2", {}], '"mentions" must be a string or a whole number, not an object'),
]


async def test_what_exports_contain_reads_the_same_every_way_in(
    api: tuple[Post, SqlStore],
) -> None:
    """Numeric ids (a script dumping discord.py's ``message.author.id``), an empty
    optional id, an age band in capitals: read as the plain form, not refused."""
    post, api_store = api
    exported = {**FIELDS, "author": 101, "mentions": [102], "age_band": "Adult", "reply_to": ""}
    expected = replace(
        EXPECTED, author=Participant("101", "", AgeBand.ADULT), mentions=("102",), reply_to=None
    )
    assert replace(console_line(exported), platform="any") == expected
    assert replace(from_conversation(exported), platform="any") == expected
    status, body = await post(api_payload(exported))
    assert status == 202, body
    (accepted,) = await taken(api_store)
    assert replace(accepted.message, platform="any") == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("field", "value", "error"), BAD_FIELDS)
async def test_the_same_bad_field_is_the_same_error_every_way_in(
    api: tuple[Post, SqlStore], store: SqlStore, field: str, value: Any, error: str
) -> None:
    post, api_store = api
    bad = {**FIELDS, field: value}

    with pytest.raises(BadMessage) as console:
        console_line(bad)
    line = str(console.value)
    assert line.startswith(error) and "\n" not in line and console.value.field == field

    status, body = await post(api_payload(bad))
    assert status == 422 and body["error"]["code"] == "invalid"
    assert body["error"]["message"] == line
    path = {"author": "author.id", "age_band": "author.age_band"}.get(field, field)
    assert body["error"]["details"] == [{"field": path, "problem": console.value.problem}]
    status, body = await post({"messages": [api_payload(FIELDS), api_payload(bad)]})
    assert status == 422 and body["error"]["message"] == f"messages.1: {line}"
    assert body["error"]["details"][0]["field"] == f"messages.1.{path}"
    assert await taken(api_store) == []  # nothing of a refused batch is kept

    await queue.put(store, [console_line(FIELDS)], utcnow())  # a good one, then the bad
    await store.driver.execute(
        "INSERT INTO inbox (platform, space_id, body, received_at) VALUES (?, ?, ?, ?)",
        ("console", "s1", inbox_body(bad), 0.0),
    )
    good, poison = await taken(store, "console")
    assert good.message is not None and good.problem is None
    assert poison.message is None and poison.problem == f"unreadable: {line}"

    with pytest.raises(InputError) as conversation:
        from_conversation(bad)
    where = "participant 'u1'" if field == "age_band" else "message 1"
    assert str(conversation.value) == f"{where}: {line}"


def test_message_jsonl_fills_what_a_line_leaves_out() -> None:
    before = datetime.now(UTC)
    message = parse_message({"author": "u1", "text": "hi"}, 12)
    assert (message.platform, message.space_id, message.message_id) == (
        "console",
        "console",
        "line-12",
    )
    assert message.channel_id == "general" and not message.is_dm
    assert before <= message.ts <= datetime.now(UTC)
    assert message.author.age_band is AgeBand.UNKNOWN and message.mentions == ()
    assert parse_message({"author": "u1", "text": "hi", "dm": True}, 1).channel_id == "dm"


@pytest.mark.parametrize(
    ("ts", "utc"),
    [
        ("2025-03-01T18:02:11Z", "2025-03-01T18:02:11+00:00"),
        ("2025-03-01t18:02:11z", "2025-03-01T18:02:11+00:00"),  # RFC 3339 allows both
        ("2025-03-01T18:02:11", "2025-03-01T18:02:11+00:00"),  # naive: UTC
        ("2025-03-01T20:02:11+02:00", "2025-03-01T18:02:11+00:00"),
        (1740852131, "2025-03-01T18:02:11+00:00"),
        (0, "1970-01-01T00:00:00+00:00"),
    ],
)
def test_times_are_read_as_instants_in_utc(ts: Any, utc: str) -> None:
    message = parse_message({"author": "u1", "text": "hi", "ts": ts}, 1)
    assert message.ts.isoformat() == utc and message.ts.tzinfo is UTC


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ([1], "expected a JSON object"),
        ({"text": "hi"}, '"author" is required'),
        ({"author": "u1"}, '"text" is required'),
        ({"author": "u1", "text": "hi", "dm": "false"}, '"dm" must be true or false'),
        ({"author": "u1", "text": "hi", "ts": float("nan")}, '"ts" must be between'),
        ({"author": "u1", "text": "hi", "ts": 10**400}, '"ts" must be between'),
        ({"author": "\x00", "text": "hi"}, '"author" must not be empty'),
        ({"author": "u1", "text": "x" * 40_001}, '"text" must be at most 40000 characters'),
        (
            {"author": "u1", "text": "hi", "mentions": ["u"] * 101},
            '"mentions" must list at most 100',
        ),
    ],
)
def test_a_bad_line_is_one_line_naming_the_field(line: Any, error: str) -> None:
    with pytest.raises(BadMessage) as caught:
        parse_message(line, 1)
    assert str(caught.value).startswith(error) and "\n" not in str(caught.value)
