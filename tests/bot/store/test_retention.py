"""Purge and forget remove exactly what they should, and keep what a hold or a case keeps."""

from __future__ import annotations

from datetime import timedelta

from bot.models import Action, CaseKind, ConversationKey, Decision, Level, Participant, Signal
from bot.store import NewCase, SqlStore
from bot.store.base import StoredMessage
from bot.store.retention import REMOVED, user_hash
from tests.conftest import T0, message, person

NOW = T0 + timedelta(days=200)
DAY = 86400.0
ADULT, CHILD, OTHER = person("u1", "adult"), person("u2", "minor"), person("u3", "minor")


async def put(store: SqlStore, conversation: str, author: Participant, days_ago: float, n: int = 1):
    items = [
        StoredMessage(
            conversation,
            message(author, f"hello {i}", at=(200 - days_ago) * DAY + i, space="s1"),
        )
        for i in range(n)
    ]
    await store.append_messages(items)
    await store.save_conversation(
        conversation, "console", "s1", items[-1].message.ts, 0.6, Level.WATCH, author.user_id
    )


async def case_on(store: SqlStore, conversation: str, quote_author: str = "u1") -> int:
    case = await store.create_case(
        NewCase(
            platform="console",
            space_id="s1",
            kind=CaseKind.RISK,
            conversation=conversation,
            suspect_id="u1",
            level=Level.HIGH,
            score=0.9,
            participants=[ADULT, CHILD],
            signals=[Signal("secrecy", 1.0, "m", "just between us", quote_author)],
            evidence=[],
        )
    )
    return case.id


async def decide(store: SqlStore, case_id: int, action: Action, days_ago: float) -> None:
    at = NOW - timedelta(days=days_ago)
    await store.record_decision(Decision(case_id, action, "mod", "Mod", at), hold_days=365)


async def count(store: SqlStore, sql: str, *params: object) -> int:
    return int((await store.driver.fetch(sql, params))[0][0])


async def test_purge_removes_exactly_what_is_past_retention(store: SqlStore) -> None:
    await put(store, "plain", ADULT, 20, 3)  # no case, past the window: goes
    await put(store, "plain", CHILD, 1, 2)  # no case, recent: stays
    await put(store, "gone", CHILD, 30, 2)  # no case, old: messages and score row go
    await put(store, "open", ADULT, 50, 2)  # an open case keeps its conversation
    await case_on(store, "open")
    await put(store, "dismissed-old", ADULT, 120, 2)  # dismissed 100 days ago: all goes
    await decide(store, await case_on(store, "dismissed-old"), Action.DISMISS, 100)
    await put(store, "held", ADULT, 120, 4)  # escalated then closed, on hold: all stays
    held = await case_on(store, "held")
    await decide(store, held, Action.ESCALATE, 101)
    await decide(store, held, Action.CLOSE, 100)
    await put(store, "dismissed-new", ADULT, 20, 2)  # dismissed 10 days ago: case stays,
    await decide(store, await case_on(store, "dismissed-new"), Action.DISMISS, 10)  # text goes
    await put(store, "long", CHILD, 1, 15)  # recent but longer than the window: 5 go

    counts = await store.purge(
        NOW, window_days=14, case_retention_days=90, keep_messages=10, actor="test"
    )

    assert (counts.cases, counts.held_cases) == (1, 1)
    assert counts.messages == 3 + 2 + 2 + 2 + 5
    left = {
        row[0]: int(row[1])
        for row in await store.driver.fetch(
            "SELECT conversation, COUNT(*) FROM messages GROUP BY conversation"
        )
    }
    assert left == {"plain": 2, "open": 2, "held": 4, "long": 10}
    cases = {c.conversation: c for c in await store.list_cases()}
    assert set(cases) == {"open", "held", "dismissed-new"}
    assert await count(store, "SELECT COUNT(*) FROM decisions WHERE case_id NOT IN "
                       "(SELECT id FROM cases)") == 0  # fmt: skip
    assert await count(store, "SELECT COUNT(*) FROM outbox WHERE case_id NOT IN "
                       "(SELECT id FROM cases)") == 0  # fmt: skip
    rows = await store.driver.fetch("SELECT conversation FROM conversations ORDER BY 1")
    assert "gone" not in {r[0] for r in rows} and "plain" in {r[0] for r in rows}
    assert counts.conversations == 3  # gone, dismissed-old, dismissed-new (no messages left)
    (entry,) = await store.audit_entries("purge")
    assert entry.actor == "test" and entry.detail["cases"] == 1
    assert await store.verify_audit() == (True, None)


async def test_a_purge_with_nothing_to_do_is_not_audited_unless_asked(store: SqlStore) -> None:
    await store.purge(NOW, 14, 90, 200)
    assert await store.audit_entries("purge") == []
    await store.purge(NOW, 14, 90, 200, actor="cli:admin", audit_always=True)
    assert len(await store.audit_entries("purge")) == 1


async def test_the_hold_ends(store: SqlStore) -> None:
    await put(store, "held", ADULT, 500, 2)
    case_id = await case_on(store, "held")
    await decide(store, case_id, Action.ESCALATE, 470)
    await decide(store, case_id, Action.CLOSE, 400)  # hold_until = 470 - 365 days ago
    counts = await store.purge(NOW, 14, 90, 200)
    assert (counts.cases, counts.messages) == (1, 2)


async def test_forget_removes_a_person_except_what_a_hold_keeps(store: SqlStore) -> None:
    await put(store, "console:s1:pair:u1|u2", ADULT, 3, 3)  # held below
    await put(store, "console:s1:pair:u1|u2", CHILD, 3, 2)
    await put(store, "console:s1:pair:u1|u3", ADULT, 3, 2)  # a dismissed case, not held
    await put(store, "console:s1:pair:u1|u3", OTHER, 3, 1)
    await put(store, "console:s1:dm:d9", ADULT, 1, 2)  # no case
    await put(store, "console:s1:pair:u2|u3", CHILD, 1, 2)  # not about u1 at all
    held = await case_on(store, "console:s1:pair:u1|u2")
    await decide(store, held, Action.ESCALATE, 1)
    other = await case_on(store, "console:s1:pair:u1|u3")
    await decide(store, other, Action.DISMISS, 1)
    await store.record_decision(  # u1 also moderates somewhere: their decisions stay
        Decision(other, Action.REOPEN, "u1", "U1", NOW), hold_days=365
    )

    counts = await store.forget_user("console", "u1", NOW, "cli:admin")

    assert counts.messages == 4 and counts.conversations == 2 and counts.cases_scrubbed == 1
    assert [(h.id, h.messages_kept) for h in counts.held] == [(held, 3)]
    assert counts.decisions_kept == 1
    by_author = await store.driver.fetch(
        "SELECT conversation, author_id, COUNT(*) FROM messages GROUP BY conversation, author_id "
        "ORDER BY conversation, author_id"
    )
    assert [(c, a, int(n)) for c, a, n in by_author] == [
        ("console:s1:pair:u1|u2", "u1", 3),
        ("console:s1:pair:u1|u2", "u2", 2),
        ("console:s1:pair:u1|u3", "u3", 1),
        ("console:s1:pair:u2|u3", "u2", 2),
    ]
    conversations = {
        r[0] for r in await store.driver.fetch("SELECT conversation FROM conversations")
    }
    assert conversations == {"console:s1:pair:u1|u2", "console:s1:pair:u2|u3"}
    scrubbed, kept = await store.get_case(other), await store.get_case(held)
    assert scrubbed is not None and kept is not None
    assert scrubbed.signals[0].quote == REMOVED
    assert next(p for p in scrubbed.participants if p.user_id == "u1").display_name == ""
    assert kept.signals[0].quote == "just between us"
    (entry,) = await store.audit_entries("forget")
    assert entry.detail["user_hash"] == user_hash("console", "u1")
    assert "u1" not in str(entry.detail.values())
    assert await store.verify_audit() == (True, None)


async def test_forget_takes_ids_literally(store: SqlStore) -> None:
    await put(store, "console:s1:pair:a_b|x", person("a_b"), 1, 1)
    await put(store, "console:s1:pair:axb|y", person("axb"), 1, 1)
    counts = await store.forget_user("console", "a_b", NOW, "cli:admin")
    assert (counts.messages, counts.conversations) == (1, 1)
    rows = await store.driver.fetch("SELECT conversation FROM conversations")
    assert rows == [("console:s1:pair:axb|y",)]


async def test_forget_finds_the_pairs_of_ids_with_a_bar_and_only_those(store: SqlStore) -> None:
    def pair(a: str, b: str) -> str:
        return str(ConversationKey.pair("console", "s1", a, b))

    for a, b in [("a|b", "c"), ("a", "b|c"), ("a", "c")]:
        await put(store, pair(a, b), person("c" if a == "a" else "z"), 1, 1)
    await put(store, "console:s1:pair:q|r|s", person("z"), 1, 1)  # stored before escaping
    await store.forget_user("console", "a", NOW, "cli:admin")
    rows = await store.driver.fetch("SELECT conversation FROM conversations")
    assert sorted(r[0] for r in rows) == sorted([pair("a|b", "c"), "console:s1:pair:q|r|s"])
    await store.forget_user("console", "a|b", NOW, "cli:admin")
    await store.forget_user("console", "q", NOW, "cli:admin")
    assert await store.driver.fetch("SELECT conversation FROM conversations") == []
