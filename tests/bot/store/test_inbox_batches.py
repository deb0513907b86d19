"""The inbox consumer on SQLite and on PostgreSQL: what a batch costs the store,
counted through the database driver itself (asyncpg's query logger, SQLite's trace
callback), and what two processes sharing one store do.

"Another process" is another store opened on the same database, with its own engine
and consumer: nothing is shared between them but the database.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot import engine as engine_module
from bot.clock import utcnow
from bot.engine import Engine
from bot.inbox import InboxConsumer
from bot.messages import decode_message
from bot.models import (
    Action,
    Case,
    CaseState,
    ConversationKey,
    Decision,
    Level,
    Message,
    Participant,
)
from bot.scoring.rules import RuleScorer
from bot.store import SqlStore, sql
from bot.store import inbox as queue
from bot.store.inbox import decode
from bot.store.postgres import PostgresDriver
from bot.store.sqlite import SqliteDriver
from tests.bot.store.conftest import OpenStore
from tests.bot.store.test_backends import new_case
from tests.bot.test_engine import ADULT, CHILD, GROOMING
from tests.conftest import make_settings, message, person

PLATFORM = "api"
MEMBERS = [person(f"member-{n}", "minor") for n in range(4)]
CHAT = ["anyone up for the build contest", "yes whats the theme", "castles, teams of 3"]


def chat(space: str, count: int, start: int = 0) -> list[Message]:
    """Ordinary channel chat among the same four members (no case, ever)."""
    return [
        message(
            MEMBERS[n % len(MEMBERS)],
            CHAT[n % len(CHAT)],
            at=n * 5,
            space=space,
            channel="general",
            platform=PLATFORM,
            message_id=f"{space}-{n}",
        )
        for n in range(start, start + count)
    ]


async def windows_in_order(store: SqlStore, sent: list[Message]) -> None:
    """Every message sent is in a window, each conversation's in the order sent."""
    rows = await store.driver.fetch("SELECT conversation, message_id FROM messages ORDER BY id")
    assert {m for _, m in rows} == {m.message_id for m in sent}
    order = {m.message_id: n for n, m in enumerate(sent)}
    by_conversation: dict[str, list[int]] = {}
    for conversation, message_id in rows:
        by_conversation.setdefault(conversation, []).append(order[message_id])
    assert all(seen == sorted(seen) for seen in by_conversation.values())


async def statement_log(store: SqlStore) -> list[str]:
    """Every statement the store's driver sends from now on, as the driver reports it."""
    log: list[str] = []
    driver = store.driver
    if isinstance(driver, PostgresDriver):
        # Every connection of the pool, each logging what it runs (kept across releases).
        held = [await driver.pool.acquire() for _ in range(driver.max_size)]
        for connection in held:
            connection.add_query_logger(lambda record: log.append(record.query))
        for connection in held:
            await driver.pool.release(connection)
    else:
        assert isinstance(driver, SqliteDriver)
        await driver.db.set_trace_callback(log.append)
    return log


async def test_a_batch_is_taken_in_one_statement_and_written_in_one(
    store: SqlStore, tmp_path: Path
) -> None:
    """After the first batch (leases, windows of new conversations), a batch of known
    conversations costs the store exactly two things: the statement that takes it and
    the write of its results (one statement on PostgreSQL; one transaction on SQLite,
    which has no statement that writes several tables)."""
    now = utcnow()
    engine = Engine(make_settings(tmp_path), store, RuleScorer())
    consumer = InboxConsumer(store, engine, batch=40, clock=lambda: now)  # no renewal due
    spaces = ["north", "south"]
    sent = [m for group in zip(*(chat(space, 60) for space in spaces), strict=True) for m in group]
    await queue.put(store, sent, now)
    consumer.notify((PLATFORM, s) for s in spaces)
    assert await consumer.step() == 40  # takes the leases, reads the (empty) windows
    log = await statement_log(store)
    # asyncpg learns the array types once per connection: a batch on the new one first.
    assert await consumer.step() == 40
    log.clear()

    assert await consumer.step() == 40
    if isinstance(store.driver, PostgresDriver):
        assert len(log) == 2, log
        take, write = log
    else:
        begin = log.index("BEGIN IMMEDIATE")
        assert log[begin + 1 :].count("COMMIT") == 1 and log[-1] == "COMMIT", log
        assert "BEGIN" not in " ".join(log[begin + 1 :]), log
        assert len(log[:begin]) == 1, log
        take, write = log[0], " ".join(log[begin:])
    assert "FROM inbox" in take and "JOIN space_leases" in take
    assert "INSERT INTO messages" in write and "INSERT INTO conversations" in write
    assert "DELETE FROM inbox" in write

    assert await queue.depth(store) == 0
    await windows_in_order(store, sent)


def codec_messages() -> list[Message]:
    """Messages as the HTTP API reads them (the message codec), every field used."""
    fields: list[dict[str, object]] = [
        {"space": "north", "channel": "general", "id": "m1", "author": "u1", "text": "hi 🙂",
         "ts": "2025-03-01T18:02:11.123456Z", "author_name": "Sam", "age_band": "Minor"},
        {"space": "north", "channel": 42, "id": 7, "author": "u2", "text": "how old r u?",
         "ts": 1_740_000_000.123457, "dm": True, "thread": "t1", "reply_to": "m1",
         "mentions": ["u1", 9], "link": "https://example.invalid/m", "bot": False},
        {"space": "south", "channel": "c", "id": "m3", "author": "u3", "text": "a\x00b\tc",
         "ts": "2025-03-01T20:02:11+02:00", "age_band": "adult", "bot": True},
    ]  # fmt: skip
    return [decode_message(f, PLATFORM, utcnow()) for f in fields]


async def test_messages_accepted_here_are_scored_without_decoding_them_again(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process that put a message in the inbox takes back the message it read,
    not a decoding of the stored body; which is the message decoding gives (another
    process, which accepted nothing, decodes it). On PostgreSQL a request's messages
    are put in one statement."""
    sent = codec_messages()
    assert [queue.decode(queue.encode(m)) for m in sent] == sent
    decoded: list[str] = []
    monkeypatch.setattr(queue, "decode", lambda body: decoded.append(body) or decode(body))
    now = utcnow()
    accepted = queue.Accepted()
    log = await statement_log(store)
    await queue.put(store, sent, now, accepted)
    if isinstance(store.driver, PostgresDriver):
        assert len(log) == 1, log
    assert len(accepted) == len(sent)
    for space in ("north", "south"):
        assert await queue.acquire(store, PLATFORM, space, "me", now, 15) == 1

    here = await queue.take(store, "me", now, 1, 10, accepted)
    assert [t.message for t in here.taken] == sent and decoded == [] and len(accepted) == 0
    assert all(t.message is m for t, m in zip(here.taken, sent, strict=True))
    elsewhere = await queue.take(store, "me", now, 1, 10)
    assert [t.message for t in elsewhere.taken] == sent and len(decoded) == len(sent)


def test_what_was_accepted_is_bounded() -> None:
    accepted = queue.Accepted(limit=2)
    sent = codec_messages()
    for m in sent:
        accepted.keep(queue.encode(m), m)
    assert len(accepted) == 2 and accepted.pop(queue.encode(sent[0])) is None
    assert accepted.pop(queue.encode(sent[2])) is sent[2]


async def test_two_consumers_score_every_message_exactly_once(
    open_store: OpenStore, tmp_path: Path
) -> None:
    """Two processes share the spaces, each scoring its own; one shuts down halfway and
    the other takes its spaces over. Every message is taken exactly once (a message
    scored twice would count twice), and each space's window is in arrival order."""
    stores = [await open_store(), await open_store()]
    settings = make_settings(tmp_path)
    consumers = [
        InboxConsumer(s, Engine(settings, s, RuleScorer()), batch=15, orphan_after=0.2)
        for s in stores
    ]
    spaces = [f"space-{n}" for n in range(6)]
    sent = [m for group in zip(*(chat(space, 60) for space in spaces), strict=True) for m in group]
    await queue.put(stores[0], sent, utcnow())
    consumers[0].notify((PLATFORM, s) for s in spaces[:3])
    consumers[1].notify((PLATFORM, s) for s in spaces[3:])
    scored = [0, 0]

    async def first() -> None:
        for _ in range(4):  # part of its spaces' messages, then a clean shutdown
            scored[0] += await consumers[0].step()
            await asyncio.sleep(0)
        await consumers[0].release()

    async def second() -> None:
        while await queue.depth(stores[1]) or not done_first.done():
            scored[1] += await consumers[1].step()
            await asyncio.sleep(0.01)

    done_first = asyncio.ensure_future(first())
    await asyncio.wait_for(asyncio.gather(done_first, second()), timeout=120)

    assert sum(scored) == 6 * 60 and scored[0] > 0 and scored[1] > 0
    owners = await stores[1].driver.fetch("SELECT DISTINCT owner FROM space_leases")
    assert owners == [(consumers[1].owner,)]  # the second took the first's spaces over
    await windows_in_order(stores[1], sent)


def approach(prefix: str, start: float) -> list[Message]:
    """The grooming approach in one DM, with message ids of its own."""
    return [dm(author, text, start + n * 60, f"{prefix}{n}") for n, (author, text) in
            enumerate(GROOMING)]  # fmt: skip


def dm(author: Participant, text: str, at: float, message_id: str | None = None) -> Message:
    return message(author, text, at=at, dm=True, channel="dm-1", space="world",
                   message_id=message_id)  # fmt: skip


def engine_on(store: SqlStore, tmp_path: Path) -> Engine:
    """No cooldown: a closed case may be followed by a new one at once."""
    return Engine(make_settings(tmp_path, alerts={"cooldown_minutes": 0}), store, RuleScorer())


async def test_a_case_opened_by_another_process_is_respected(
    open_store: OpenStore, tmp_path: Path
) -> None:
    """This process remembers the conversation's case as closed; meanwhile another
    process opened a new one for it. Before opening a case, this process reads what
    changed, finds the other's case and goes on with it instead of opening a third."""
    first, second = await open_store(), await open_store()
    here, there = engine_on(first, tmp_path), engine_on(second, tmp_path)
    for m in approach("a", 0):
        await here.ingest(m)
    (case,) = await first.list_cases()
    await here.decide(case.id, Action.CLOSE, "mod-1", "Mod")  # remembered as closed here
    for m in approach("b", 1000):
        await there.ingest(m)  # the closed case, no cooldown: a new one
    assert len(await second.list_cases()) == 2

    for m in approach("c", 2000):
        await here.ingest(m)
    cases = await first.list_cases()
    assert [c.state for c in cases] == [CaseState.CLOSED, CaseState.OPEN]


async def test_a_dismissal_in_another_process_is_respected(
    open_store: OpenStore, tmp_path: Path
) -> None:
    """A moderator dismisses the case through another process. This process remembers
    it open, and a new kind of warning sign would refresh an open case: it reads the
    changes before writing anything, and leaves the dismissed case alone."""
    first, second = await open_store(), await open_store()
    here, there = engine_on(first, tmp_path), engine_on(second, tmp_path)
    for m in approach("a", 0):
        await here.ingest(m)
    (case,) = await first.list_cases()
    await there.decide(case.id, Action.DISMISS, "mod-1", "Mod")
    entries = await first.audit_count()

    assert await here.ingest(dm(ADULT, "i can buy you robux if you want", 2000)) is None
    (after,) = await first.list_cases()
    assert after.state is CaseState.DISMISSED and after.signals == case.signals
    assert await first.audit_count() == entries


async def test_a_case_change_reads_only_what_changed_elsewhere(
    store: SqlStore, tmp_path: Path
) -> None:
    """Once the engine knows a conversation's case, changing it costs one read of the
    changes made elsewhere and the change's own transaction: the engine reads back
    neither the case it just wrote nor the cases its own audit entries name."""
    engine = engine_on(store, tmp_path)
    log = await statement_log(store)
    changes: list[list[str]] = []
    for m in approach("a", 0):
        log.clear()
        if await engine.ingest(m) is not None:
            # What the case change sent, without the window write that follows it.
            changes.append([s for s in log if "INSERT INTO messages" not in s])
    assert len(changes) >= 3  # opened, then refreshed as new signs appear
    for statements in changes[1:]:
        reads = [s for s in statements if s.startswith("SELECT") and "pg_advisory" not in s]
        assert len(reads) == 1 and "FROM audit WHERE id > " in reads[0], statements
        if isinstance(store.driver, PostgresDriver):
            # Begin, the audit lock, the update, the alert's job with the entry, commit.
            assert len(statements) == 6, statements
            assert any(s.startswith("WITH job AS (INSERT INTO outbox") for s in statements)


async def test_concurrent_decisions_and_risk_updates_do_not_deadlock(
    open_store: OpenStore,
) -> None:
    """A risk update (one process) and moderators' notes (another) on one case, at
    once and many times: both take the audit lock before the case's row, so neither
    waits for the other in a cycle (PostgreSQL would abort one with a deadlock)."""
    first, second = await open_store(), await open_store()
    case = (await first.open_case(new_case("s:1"))).case

    async def updates() -> None:
        for n in range(20):
            await first.update_case_risk(case.id, Level.HIGH, 0.5 + n / 100, [], [], [])

    async def notes() -> None:
        for n in range(20):
            note = Decision(case.id, Action.NOTE, "mod-1", "Mod", utcnow(), f"note {n}")
            await second.record_decision(note, hold_days=1)

    await asyncio.wait_for(asyncio.gather(updates(), notes()), timeout=60)
    stored = await first.get_case(case.id)
    assert stored is not None and len(stored.decisions) == 20
    assert (await first.verify_all()).problems == []


async def _a_case_closed_elsewhere(
    open_store: OpenStore, tmp_path: Path
) -> tuple[SqlStore, Engine, Case]:
    """An engine whose conversation opened a case, which a moderator then closed through
    another process's engine: the store, the first engine, and the case as opened."""
    first, second = await open_store(), await open_store()
    here, there = engine_on(first, tmp_path), engine_on(second, tmp_path)
    for m in approach("a", 0):
        await here.ingest(m)
    (case,) = await first.list_cases()
    await there.decide(case.id, Action.CLOSE, "mod-1", "Mod")
    return first, here, case


async def test_a_close_in_another_process_is_seen_within_the_sync_interval(
    open_store: OpenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where nothing would be written (no new warning sign on an open case), the
    remembered case is used as long as it was checked within ``CASE_SYNC_SECONDS``;
    once checked again, the case closed elsewhere lets the next risk open a new one."""
    monkeypatch.setattr(engine_module, "CASE_SYNC_SECONDS", 0.0)
    first, here, case = await _a_case_closed_elsewhere(open_store, tmp_path)

    repeated = dm(ADULT, "dont tell anyone we talk ok, its just between us", 2000)
    opened = await here.ingest(repeated)
    assert opened is not None and opened.id != case.id
    assert [c.state for c in await first.list_cases()] == [CaseState.CLOSED, CaseState.OPEN]


async def test_a_close_in_another_process_is_read_before_anything_is_written(
    open_store: OpenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long within the sync interval, a message that changes nothing is answered from the
    remembered (stale) case; one with a new warning sign reads the case first: the case
    closed elsewhere is left as it is, and a new one is opened."""
    monkeypatch.setattr(engine_module, "CASE_SYNC_SECONDS", 3600.0)
    first, here, case = await _a_case_closed_elsewhere(open_store, tmp_path)

    repeated = dm(ADULT, "dont tell anyone we talk ok, its just between us", 2000)
    assert await here.ingest(repeated) is None
    opened = await here.ingest(dm(ADULT, "i can buy u robux if u want", 2060))
    assert opened is not None and opened.id != case.id
    closed, new = await first.list_cases()
    assert (closed.id, closed.state, closed.signals) == (case.id, CaseState.CLOSED, case.signals)
    assert new.state is CaseState.OPEN and "gifts" in {s.name for s in new.signals}


async def test_a_decision_here_is_read_by_the_next_message(
    open_store: OpenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Repeated messages about an open case change nothing, and the engine stops asking
    the policy about them; a moderator's close (here, no cooldown) must still be acted
    on by the next message."""
    monkeypatch.setattr(engine_module, "CASE_SYNC_SECONDS", 3600.0)
    store = await open_store()
    engine = engine_on(store, tmp_path)
    for m in approach("a", 0):
        await engine.ingest(m)
    (case,) = await store.list_cases()
    repeated = "dont tell anyone we talk ok, its just between us"
    for n in range(3):
        assert await engine.ingest(dm(ADULT, repeated, 2000 + n, f"r{n}")) is None
    await engine.decide(case.id, Action.CLOSE, "mod-1", "Mod")
    opened = await engine.ingest(dm(ADULT, repeated, 2010, "r3"))
    assert opened is not None and opened.id != case.id
    assert [c.state for c in await store.list_cases()] == [CaseState.CLOSED, CaseState.OPEN]


async def test_a_closed_case_is_asked_about_again_once_its_cooldown_is_over(
    open_store: OpenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Of a closed case the policy's answer depends on the time: nothing during the
    cooldown, a new case after it, for the same messages."""
    monkeypatch.setattr(engine_module, "CASE_SYNC_SECONDS", 3600.0)
    store = await open_store()
    now = utcnow()
    settings = make_settings(tmp_path, alerts={"cooldown_minutes": 60})
    engine = Engine(settings, store, RuleScorer(), clock=lambda: now)
    for m in approach("a", 0):
        await engine.ingest(m)
    (case,) = await store.list_cases()
    await engine.decide(case.id, Action.CLOSE, "mod-1", "Mod")
    repeated = "dont tell anyone we talk ok, its just between us"
    for n in range(3):
        assert await engine.ingest(dm(ADULT, repeated, 2000 + n, f"r{n}")) is None
    now += timedelta(minutes=61)
    opened = await engine.ingest(dm(ADULT, repeated, 2010, "r3"))
    assert opened is not None and opened.id != case.id


async def test_a_higher_level_with_the_same_reasons_upgrades(
    open_store: OpenStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The case is open at high; quiet messages change nothing; secrecy asked again
    shows no new reason but raises the level: the case is upgraded."""
    monkeypatch.setattr(engine_module, "CASE_SYNC_SECONDS", 3600.0)
    store = await open_store()
    engine = engine_on(store, tmp_path)
    for m in approach("a", 0)[:4]:
        await engine.ingest(m)
    (case,) = await store.list_cases()
    assert case.level is Level.HIGH
    for n in range(2):
        assert await engine.ingest(dm(CHILD, "ok", 400 + n, f"q{n}")) is None
    upgraded = await engine.ingest(dm(ADULT, "dont tell anyone ok", 460, "q2"))
    assert upgraded is not None and upgraded.id == case.id and upgraded.level is Level.CRITICAL
    assert [s.name for s in upgraded.signals] == [s.name for s in case.signals]


async def test_a_failed_write_loses_nothing(store: SqlStore, tmp_path: Path) -> None:
    """The store refuses the batch's write (a constraint the test adds for a moment):
    the messages stay in the inbox, the round fails, and the next one writes every
    window message, though the engine has already seen them."""
    engine = Engine(make_settings(tmp_path), store, RuleScorer())
    consumer = InboxConsumer(store, engine, orphan_after=0)
    sent = chat("north", 30)
    await queue.put(store, sent, utcnow())
    postgres = isinstance(store.driver, PostgresDriver)
    await store.driver.execute(
        "ALTER TABLE messages ADD CONSTRAINT refused CHECK (id < 0) NOT VALID"
        if postgres
        else "CREATE TRIGGER refused BEFORE INSERT ON messages "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    with pytest.raises(Exception, match="refused"):
        await consumer.step()
    assert await queue.depth(store) == 30
    await store.driver.execute(
        "ALTER TABLE messages DROP CONSTRAINT refused" if postgres else "DROP TRIGGER refused"
    )
    while await consumer.step():
        pass
    assert await queue.depth(store) == 0
    await windows_in_order(store, sent)


async def test_case_changes_name_the_conversations_or_say_any(
    open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What another process reads: the conversations whose cases changed since its
    mark; "any" after a purge, or after more changes than are worth looking up."""
    first, second = await open_store(), await open_store()
    start = await second.case_changes(None)
    keys = [ConversationKey("console", "s:1", "dm", f"d:{n}") for n in range(3)]
    for key in keys[:2]:
        await first.create_case(new_case("s:1", str(key)))
    changed = await second.case_changes(start.mark)
    assert changed.conversations == frozenset(keys[:2]) and changed.mark > start.mark
    assert (await second.case_changes(changed.mark)).conversations == frozenset()

    monkeypatch.setattr(sql, "CHANGES_LOOKED_UP", 2)
    for key in keys:
        await first.create_case(new_case("s:1", str(key)))
    assert (await second.case_changes(changed.mark)).conversations is None
    latest = await second.case_changes(None)
    await first.purge(utcnow(), window_days=1, case_retention_days=1, keep_messages=10,
                      audit_always=True)  # fmt: skip
    assert (await second.case_changes(latest.mark)).conversations is None


async def test_a_space_another_process_holds_is_not_asked_for_on_every_round(
    open_store: OpenStore, tmp_path: Path
) -> None:
    """Behind a round-robin load balancer every process hears of every space. A space
    another process holds is asked for once, then not again for a third of a lease."""
    first, second = await open_store(), await open_store()
    now = utcnow()
    settings = make_settings(tmp_path)
    holder = InboxConsumer(first, Engine(settings, first, RuleScorer()), clock=lambda: now)
    clock = [now]
    other = InboxConsumer(second, Engine(settings, second, RuleScorer()), clock=lambda: clock[0])
    spaces = [(PLATFORM, f"space-{n}") for n in range(3)]
    await queue.put(first, [m for space in spaces for m in chat(space[1], 5)], now)
    holder.notify(spaces)
    assert await holder.step() == 15
    log = await statement_log(second)

    asked = []
    for seconds in (0, 1, 2, 4, 6):  # lease_seconds 15: not again before 5 s
        clock[0] = now + timedelta(seconds=seconds)
        other.notify(spaces)
        assert await other.step() == 0
        asked.append(sum("INSERT INTO space_leases" in statement for statement in log))
    assert asked == [3, 3, 3, 3, 6]
