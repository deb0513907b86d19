"""Windows and the conversations a space holds, on SQLite and PostgreSQL, read the way
the engine reads them: another process's writes included."""

from __future__ import annotations

from pathlib import Path

from bot.engine import Engine
from bot.models import ConversationKey, Level
from bot.scoring.rules import RuleScorer
from bot.store import SqlStore
from tests.bot.store.conftest import OpenStore
from tests.bot.test_engine import CHILD, GROOMING
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
    rebuilt, live = here._hot[key].state, there._hot[key].state
    assert [o.message_id for o in rebuilt.observations] == [m.message_id for m in sent]
    assert here.scorer.risk(rebuilt) == there.scorer.risk(live)
