"""The store interface, the same on SQLite and PostgreSQL (see ``conftest.py``).

The concurrency tests open a second (and third) store on the same database: on
PostgreSQL those are separate connection pools, as separate processes would have.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import utcnow
from bot.models import Action, CaseKind, CaseState, Decision, EvidenceRef, Level, Signal
from bot.store import CaseWrite, NewCase, SqlStore
from bot.store.audit import case_digest
from bot.store.base import StoredMessage
from tests.bot.store.conftest import OpenStore
from tests.conftest import T0, message, person

ADULT = person("u1", "adult", "Robin")
CHILD = person("u2", "minor", "Kit")


def new_case(space: str = "s1", conversation: str = "console:s1:dm:d1") -> NewCase:
    return NewCase(
        platform="console",
        space_id=space,
        kind=CaseKind.RISK,
        conversation=conversation,
        suspect_id="u1",
        level=Level.HIGH,
        score=0.87,
        participants=[ADULT, CHILD],
        signals=[Signal("secrecy", 1.0, "m1", "just between us", "u1")],
        evidence=[EvidenceRef("m1", "d1", "u1", T0, "https://example.invalid/m1")],
    )


async def test_opening_twice_keeps_the_schema(open_store: OpenStore) -> None:
    first = await open_store()
    version = await first.schema_version()
    second = await open_store()
    assert await second.schema_version() == version > 0


async def test_processes_starting_together_migrate_once(open_store: OpenStore) -> None:
    stores = await asyncio.gather(*(open_store() for _ in range(3)))
    versions = {await s.schema_version() for s in stores}
    assert len(versions) == 1
    rows = await stores[0].driver.fetch(
        "SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_version"
    )
    assert rows[0][0] == rows[0][1]


async def test_window_round_trip_keeps_every_field(store: SqlStore) -> None:
    items = [
        StoredMessage("k", message(ADULT, "hi 🙂 how old r u?", at=0, dm=True, message_id="a")),
        StoredMessage("k", message(CHILD, "13\x00", at=5, dm=True, reply_to="a", message_id="b")),
    ]
    await store.append_messages(items)
    await store.append_messages(items[:1])  # a redelivery is ignored
    window = await store.load_window("k", 10)
    assert [w.message.message_id for w in window] == ["a", "b"]
    assert window[0].message == items[0].message
    assert window[1].message.text == "13" and window[1].message.reply_to == "a"
    assert window[1].age_band.value == "minor"


async def test_window_limit(store: SqlStore) -> None:
    items = [StoredMessage("k", message(ADULT, f"m{i}", at=i)) for i in range(10)]
    await store.append_messages(items)
    assert [w.message.text for w in await store.load_window("k", 3)] == ["m7", "m8", "m9"]


async def test_save_conversation_upserts(store: SqlStore) -> None:
    await store.save_conversation("k", "console", "s1", T0, 0.2, Level.NONE, None)
    await store.save_conversation("k", "console", "s1", T0, 0.9, Level.HIGH, "u1")
    rows = await store.driver.fetch("SELECT score, level, suspect_id FROM conversations")
    assert rows == [(0.9, "high", "u1")]


async def test_case_round_trip_numbers_per_space(store: SqlStore) -> None:
    first = await store.create_case(new_case("s1"))
    second = await store.create_case(new_case("s1", "console:s1:dm:d2"))
    other = await store.create_case(new_case("s2", "console:s2:dm:d1"))
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.state is CaseState.OPEN and first.level is Level.HIGH
    assert first.signals[0].quote == "just between us"
    assert first.evidence[0].ts == T0
    assert await store.case_by_number("console", "s1", 2) == second
    assert await store.latest_case("console:s1:dm:d1") == first
    assert [c.id for c in await store.list_cases(space_id="s1")] == [first.id, second.id]


async def test_case_numbers_stay_unique_across_processes(open_store: OpenStore) -> None:
    stores = [await open_store() for _ in range(3)]
    cases = await asyncio.gather(
        *(stores[i % 3].create_case(new_case("s1", f"console:s1:dm:d{i}")) for i in range(24))
    )
    assert sorted(c.number for c in cases) == list(range(1, 25))
    assert await stores[0].verify_audit() == (True, None)


async def test_decision_changes_state_and_audits(store: SqlStore) -> None:
    case = await store.create_case(new_case())
    decision = Decision(case.id, Action.ESCALATE, "mod1", "Mod", utcnow(), "reported")
    updated = await store.record_decision(decision, hold_days=365)
    assert updated.state is CaseState.ESCALATED
    assert updated.hold_until is not None and updated.hold_until > utcnow()
    assert updated.decisions[0].reason == "reported"
    kinds = [e.kind for e in await store.audit_entries()]
    assert kinds == ["case_opened", "decision"]
    assert await store.verify_audit() == (True, None)


async def test_upgrade_enqueues_an_update(store: SqlStore) -> None:
    case = await store.create_case(new_case())
    await store.update_case_risk(case.id, Level.CRITICAL, 0.97, [], [], [ADULT])
    refreshed = await store.get_case(case.id)
    assert refreshed is not None and refreshed.level is Level.CRITICAL
    jobs = await store.due_deliveries(utcnow() + timedelta(seconds=1), limit=10)
    assert [j.kind for j in jobs] == ["post", "update"]


async def as_stored(store: SqlStore, written: CaseWrite) -> None:
    """The case returned is the one ``get_case`` reads (but for the suspect's earlier
    cases), and the entry's content hash is that of the case as stored."""
    stored = await store.get_case(written.case.id)
    assert stored is not None
    stored.history = []
    assert written.case == stored
    (entry,) = [e for e in await store.audit_entries() if e.id == written.entry]
    assert entry.detail["case_id"] == written.case.id
    assert entry.detail["case_sha256"] == await case_digest(store.driver, written.case.id)


async def test_a_case_change_is_recorded_as_it_reads_back(store: SqlStore) -> None:
    """Opening and updating a case hash its content from what they write, not from a
    read-back, with and without decisions on the case; ``audit verify`` agrees."""
    opened = await store.open_case(new_case())
    await as_stored(store, opened)
    assert opened.case.number == 1 and opened.case.state is CaseState.OPEN
    signals = [Signal("photo_request", 2.5, "m2", "send me a pic", "u1")]
    updated = await store.update_case_risk(opened.case.id, Level.CRITICAL, 0.97, signals, [], [])
    await as_stored(store, updated)
    assert updated.entry > opened.entry and updated.case.level is Level.CRITICAL
    note = Decision(opened.case.id, Action.NOTE, "mod1", "Mod", utcnow(), "watching")
    await store.record_decision(note, hold_days=365)
    # An integer score is stored, and hashed, as the float it reads back as.
    updated = await store.update_case_risk(opened.case.id, Level.HIGH, 1, [], [], [ADULT])
    await as_stored(store, updated)
    assert [d.reason for d in updated.case.decisions] == ["watching"]
    assert (await store.verify_all()).problems == []


async def test_audit_chain_holds_under_concurrent_writers(open_store: OpenStore) -> None:
    stores = [await open_store() for _ in range(3)]
    await asyncio.gather(*(stores[i % 3].audit("test", f"actor{i}", {"i": i}) for i in range(30)))
    entries = await stores[1].audit_entries()
    assert len(entries) == 30
    assert await stores[2].verify_audit() == (True, None)


async def test_tampering_breaks_the_chain(store: SqlStore) -> None:
    for i in range(3):
        await store.audit("test", "a", {"i": i})
    entries = await store.audit_entries()
    await store.driver.execute("UPDATE audit SET actor = ? WHERE id = ?", ("b", entries[1].id))
    assert await store.verify_audit() == (False, entries[1].id)


async def test_space_settings(store: SqlStore) -> None:
    await store.set_space_setting("console", "s1", "alert_level", "high", "mod1")
    await store.set_space_setting("console", "s1", "alert_level", "critical", "mod1")
    await store.set_space_setting("console", "s1", "excluded", ["c1", "c2"], "mod1")
    assert await store.space_settings("console", "s1") == {
        "alert_level": "critical",
        "excluded": ["c1", "c2"],
    }
    assert await store.space_settings("console", "s2") == {}


async def test_each_job_is_claimed_by_one_process(open_store: OpenStore) -> None:
    stores = [await open_store() for _ in range(3)]
    for i in range(12):
        await stores[0].create_case(new_case(f"s{i % 4}", f"console:s{i % 4}:dm:d{i}"))
    now = utcnow() + timedelta(seconds=1)
    claimed: list[int] = []
    for _ in range(4):  # every round, each space's head goes to exactly one process
        rounds = await asyncio.gather(
            *(s.claim_deliveries(f"w{n}", now, ["console"]) for n, s in enumerate(stores))
        )
        batch = [job.id for claims in rounds for claim in claims for job in claim.jobs]
        assert len(batch) == len(set(batch))
        claimed += batch
        for store, claims in zip(stores, rounds, strict=True):
            for claim in claims:
                await store.mark_delivered(claim, f"msg-{claim.lead.id}", now)
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 12
    assert (await stores[0].outbox_backlog())[0] == 0


async def test_each_reminder_is_queued_by_one_process(open_store: OpenStore) -> None:
    """Every process runs the reminder round: a waiting case is reminded once."""
    stores = [await open_store() for _ in range(3)]
    for i in range(8):
        await stores[0].create_case(new_case(f"s{i % 2}", f"console:s{i % 2}:dm:d{i}"))
    now = utcnow() + timedelta(seconds=1)
    while claims := await stores[0].claim_deliveries("w", now, ["console"]):
        for claim in claims:  # the alerts are posted: reminders reply to them
            await stores[0].mark_delivered(claim, f"msg-{claim.lead.id}", now)
    later = now + timedelta(hours=1)
    queued: list[int] = []
    for _ in range(3):
        rounds = await asyncio.gather(*(s.queue_reminders(later, 1800, 7 * 86400) for s in stores))
        queued += [case_id for ids in rounds for case_id in ids]
    assert sorted(queued) == sorted(set(queued)) and len(queued) == 8


async def test_windows_of_many_conversations_in_one_read(store: SqlStore) -> None:
    items = [
        StoredMessage(f"k{i % 3}", message(ADULT, f"m{i}", at=i, message_id=f"m{i}"))
        for i in range(12)
    ]
    await store.write_windows(items, [("k0", "console", "s1", T0, 0.5, Level.WATCH, "u1")])
    windows = await store.load_windows(["k0", "k1", "k2", "absent"], 3)
    assert sorted(windows) == ["k0", "k1", "k2"]
    for key, window in windows.items():
        assert window == await store.load_window(key, 3)
    assert [w.message.text for w in windows["k1"]] == ["m4", "m7", "m10"]
    rows = await store.driver.fetch("SELECT conversation, score, level FROM conversations")
    assert rows == [("k0", 0.5, "watch")]
