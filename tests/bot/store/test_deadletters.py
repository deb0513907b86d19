"""Poison in the inbox: a message that cannot be scored is set aside with its reason,
and the messages behind it (another space's grooming conversation) still alert. On
SQLite and on PostgreSQL; the poison is written into the inbox directly, as a client
that bypassed the API's validation (or an older version) would have left it."""

from __future__ import annotations

import json
from pathlib import Path

from bot.clock import to_epoch, utcnow
from bot.engine import Engine
from bot.inbox import InboxConsumer
from bot.models import Message
from bot.scoring.rules import RuleScorer
from bot.store import SqlStore, deadletters
from bot.store import inbox as queue
from tests.bot.test_engine import ADULT, CHILD, GROOMING
from tests.conftest import make_settings, message

GOOD = queue.encode(message(ADULT, "hi", space="poisoned", dm=True, platform="api"))


def poison_bodies() -> dict[str, str]:
    fields = json.loads(GOOD)
    return {
        "year 10000": json.dumps({**fields, "ts": 253402387139.0}),
        "before 1970": json.dumps({**fields, "ts": -62135683140.0}),
        "text is a list": json.dumps({**fields, "text": ["a", "list"]}),
        "no author": json.dumps({k: v for k, v in fields.items() if k != "author"}),
        "not json": "{not json",
        "ts is a string": json.dumps({**fields, "ts": "tomorrow"}),
    }


async def put_raw(store: SqlStore, body: str, space: str = "poisoned") -> None:
    await store.driver.execute(
        "INSERT INTO inbox (platform, space_id, body, received_at) VALUES (?, ?, ?, ?)",
        ("api", space, body, to_epoch(utcnow())),
    )


async def test_poison_is_set_aside_and_another_space_still_alerts(
    store: SqlStore, tmp_path: Path
) -> None:
    engine = Engine(make_settings(tmp_path), store, RuleScorer())
    consumer = InboxConsumer(store, engine, orphan_after=0)
    bodies = poison_bodies()
    for body in bodies.values():
        await put_raw(store, body)
    grooming: list[Message] = [
        message(author, text, at=i * 60, space="clean", dm=True, platform="api")
        for i, (author, text) in enumerate(GROOMING)
    ]
    await queue.put(store, grooming, utcnow())
    for _ in range(20):
        if await consumer.step() == 0:
            break
    await consumer.release()

    assert await queue.depth(store) == 0
    cases = await store.list_cases(platform="api", space_id="clean")
    assert len(cases) == 1 and cases[0].suspect_id == ADULT.user_id
    letters = await deadletters.newest(store)
    assert len(letters) == len(bodies) == await deadletters.count(store)
    assert {letter.space_id for letter in letters} == {"poisoned"}
    assert sorted(letter.body for letter in letters) == sorted(bodies.values())
    assert all(letter.reason.startswith("unreadable: ") for letter in letters)
    by_body = {letter.body: letter for letter in letters}
    assert "1970 and 2096" in by_body[bodies["year 10000"]].reason
    assert by_body[bodies["year 10000"]].author_id == ADULT.user_id
    assert by_body[bodies["not json"]].author_id is None
    assert CHILD.user_id not in {letter.author_id for letter in letters}


async def test_a_poisoned_space_goes_on_being_scored(store: SqlStore, tmp_path: Path) -> None:
    """The messages after the poison, in the same space, are scored too."""
    engine = Engine(make_settings(tmp_path), store, RuleScorer())
    consumer = InboxConsumer(store, engine, orphan_after=0)
    await put_raw(store, poison_bodies()["year 10000"], space="clean")
    grooming = [
        message(author, text, at=i * 60, space="clean", dm=True, platform="api")
        for i, (author, text) in enumerate(GROOMING)
    ]
    await queue.put(store, grooming, utcnow())
    while await consumer.step():
        pass
    assert len(await store.list_cases(platform="api", space_id="clean")) == 1
    assert await deadletters.count(store) == 1


async def test_dead_letters_go_with_their_author_and_age_out(
    store: SqlStore, tmp_path: Path
) -> None:
    engine = Engine(make_settings(tmp_path), store, RuleScorer())
    consumer = InboxConsumer(store, engine, orphan_after=0)
    for body in poison_bodies().values():
        await put_raw(store, body)
    await consumer.step()
    total = await deadletters.count(store)
    await store.forget_user("api", ADULT.user_id, utcnow(), "admin")
    # Those whose author could be read went; the others stay until they age out.
    assert await deadletters.count(store) == 2  # no author to be read: 'no author', 'not json'
    await store.purge(utcnow(), window_days=-1, case_retention_days=30, keep_messages=200)
    assert await deadletters.count(store) == 0 < total
