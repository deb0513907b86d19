"""Windows and the conversations a space holds, on SQLite and PostgreSQL, read the way
the engine reads them: another process's writes included."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import FLUSH_EVERY, Engine
from bot.models import ConversationKey, Level
from bot.scoring.rules import RuleScorer
from bot.store import SqlStore, schema
from bot.store.base import StoredMessage
from tests.bot.store.conftest import OpenStore
from tests.bot.test_engine import ADULT, CHILD, GROOMING
from tests.conftest import T0, make_settings, message


async def test_conversation_names_lists_each_space_asked_for(store: SqlStore) -> None:
    """Spaces are told apart by platform too; a space without conversations is left out."""
    for name, platform, space in [
        ("console:s1:dm:a", "console", "s1"),
        ("console:s1:pair:u1|u2", "console", "s1"),
        ("console:s2:dm:b", "console", "s2"),
        ("api:s1:dm:c", "api", "s1"),
        ("console:s3:dm:d", "console", "s3"),
    ]:
        await store.save_conversation(name, platform, space, T0, 0.1, Level.NONE, None)
    spaces = [("console", "s1"), ("console", "s2"), ("api", "s1"), ("api", "s9")]
    assert await store.conversation_names(spaces) == {
        ("console", "s1"): {"console:s1:dm:a", "console:s1:pair:u1|u2"},
        ("console", "s2"): {"console:s2:dm:b"},
        ("api", "s1"): {"api:s1:dm:c"},
    }


async def test_a_space_taken_back_sees_the_conversations_another_process_wrote(
    open_store: OpenStore, tmp_path: Path
) -> None:
    """This process listed the space's conversations; another process then scored the
    space (it took the space over) and started a conversation in it. Once the space
    comes back (``forget_space``, as the inbox calls it), this process rebuilds that
    conversation from the other's window: it scores the next message as the other
    process would have."""
    settings = make_settings(tmp_path)
    first, second = await open_store(), await open_store()
    here, there = Engine(settings, first, RuleScorer()), Engine(settings, second, RuleScorer())
    await here.ingest(message(CHILD, "hi", dm=True, channel="elsewhere"))  # lists s1
    sent = [message(a, t, at=60.0 * n, dm=True, channel="d1") for n, (a, t) in enumerate(GROOMING)]
    for m in sent[:-1]:
        await there.ingest(m)
    await there.flush()
    await there.ingest(sent[-1])

    await here.forget_space("console", "s1")
    await here.ingest(sent[-1])
    key = ConversationKey.dm("console", "s1", "d1")
    rebuilt, live = here._hot[key], there._hot[key]
    assert [o.message_id for o in rebuilt.observations] == [m.message_id for m in sent]
    assert here.scorer.risk(rebuilt) == there.scorer.risk(live)


async def _indexes(store: SqlStore, table: str) -> set[str]:
    if store.driver.dialect == "sqlite":
        rows = await store.driver.fetch(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL",
            (table,),
        )
    else:
        rows = await store.driver.fetch(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ? AND indexname NOT LIKE '%pkey' AND indexname NOT LIKE '%key'",
            (table,),
        )
    return {row[0] for row in rows}


async def test_a_store_written_before_migration_9_reads_the_same_windows(
    open_store: OpenStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 9 drops the indexes the write path paid for and no query needs: a
    store written with them reads back the same windows (the newest, oldest first)
    without them, and takes new messages as before (a redelivery still ignored)."""
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 8)
    old = await open_store()
    assert await _indexes(old, "messages") == {
        "messages_conversation", "messages_ts", "messages_author"
    }  # fmt: skip
    # Interleaved conversations, timestamps out of order: a window is in arrival order.
    written = [
        StoredMessage(f"k{n % 3}", message(ADULT, f"t{n}", at=(n * 7) % 11, message_id=f"m{n}"))
        for n in range(30)
    ]
    await old.append_messages(written)
    await old.close()
    monkeypatch.undo()

    new = await open_store()
    assert await new.schema_version() == schema.SCHEMA_VERSION >= 9
    assert await _indexes(new, "messages") == {"messages_author"}
    assert await _indexes(new, "conversations") == {"conversations_space"}
    later = StoredMessage("k0", message(ADULT, "new", at=1, message_id="m30"))
    await new.append_messages([written[0], later])
    windows = await new.load_windows(["k0", "k1", "k2"], 4)
    texts = {k: [s.message.text for s in w] for k, w in windows.items()}
    assert texts == {
        "k0": ["t21", "t24", "t27", "new"],
        "k1": ["t19", "t22", "t25", "t28"],
        "k2": ["t20", "t23", "t26", "t29"],
    }
    assert [s.message.text for s in await new.load_window("k1", 2)] == ["t25", "t28"]


async def test_a_window_write_behind_that_fails_is_written_by_the_next(
    store: SqlStore, tmp_path: Path
) -> None:
    """The store refuses a batch written behind (a trigger or constraint the test adds
    for a moment): the failure is raised at the next flush, and the flush after it,
    once the store takes writes again, writes every message, in order."""
    engine = Engine(make_settings(tmp_path), store, RuleScorer())
    postgres = store.driver.dialect == "postgresql"
    await store.driver.execute(
        "ALTER TABLE messages ADD CONSTRAINT refused CHECK (id < 0) NOT VALID"
        if postgres
        else "CREATE TRIGGER refused BEFORE INSERT ON messages "
        "BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    sent = [
        message(ADULT, f"ordinary line {n}", at=n, dm=True, channel="d1")
        for n in range(FLUSH_EVERY + 10)
    ]
    for m in sent:
        assert await engine.ingest(m) is None
    with pytest.raises(Exception, match="refused"):
        await engine.flush()
    await store.driver.execute(
        "ALTER TABLE messages DROP CONSTRAINT refused" if postgres else "DROP TRIGGER refused"
    )
    await engine.flush()
    name = str(ConversationKey.dm("console", "s1", "d1"))
    windows = await store.load_windows([name], len(sent))
    assert [s.message.message_id for s in windows[name]] == [m.message_id for m in sent]
