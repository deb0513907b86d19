"""The outbox worker: order per space, retries that delay and never drop, digests, claims.

The sink here is a fake platform (it keeps what it was sent and fails on cue), not a
stand-in for our code: the worker, the store and its SQL are the real ones.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path

from adapters.console import ConsoleSink
from bot.clock import utcnow
from bot.engine import Engine
from bot.models import Action, Case, CaseKind, Decision, Level, Participant
from bot.outbox import DeliveryError, OutboxWorker
from bot.scoring.rules import RuleScorer
from bot.store import NewCase, SqlStore
from bot.store.sqlite import sqlite_store
from tests.conftest import T0, make_settings, message, person


class FakePlatform:
    """A moderator channel: keeps posts by idempotency key (like Discord's enforce_nonce
    when ``dedupe``), and fails the next calls listed in ``failures``."""

    platform = "console"

    def __init__(self, dedupe: bool = True) -> None:
        self.dedupe = dedupe
        self.messages: list[tuple[str, str, list[int]]] = []  # (id, space, case numbers)
        self.by_key: dict[str, str] = {}
        self.edits: list[tuple[str, int]] = []
        self.failures: list[DeliveryError | Exception] = []
        self.calls = 0
        self._ids = count(1)

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)

    def _create(self, space: str, numbers: list[int], key: str) -> str:
        if self.dedupe and key in self.by_key:
            return self.by_key[key]
        message_id = f"msg-{next(self._ids)}"
        self.by_key[key] = message_id
        self.messages.append((message_id, space, numbers))
        return message_id

    async def post(self, case: Case, idempotency_key: str) -> str:
        self._maybe_fail()
        return self._create(case.space_id, [case.number], idempotency_key)

    async def update(self, case: Case, platform_message_id: str) -> None:
        self._maybe_fail()
        self.edits.append((platform_message_id, case.number))

    async def post_digest(self, space_id: str, cases: list[Case], idempotency_key: str) -> str:
        self._maybe_fail()
        return self._create(space_id, [c.number for c in cases], idempotency_key)

    def numbers(self, space: str) -> list[int]:
        return [n for _, s, numbers in self.messages if s == space for n in numbers]


class LookupPlatform(FakePlatform):
    """A platform without idempotency keys, whose sink can search what it posted."""

    def __init__(self) -> None:
        super().__init__(dedupe=False)

    async def find_posted(self, space_id: str, idempotency_key: str) -> str | None:
        return self.by_key.get(idempotency_key)


class Clock:
    """Starts now (jobs are stamped with the real time) and moves only when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()
        self.start = self.now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def new_case(space: str = "s1", n: int = 0, platform: str = "console") -> NewCase:
    return NewCase(
        platform=platform,
        space_id=space,
        kind=CaseKind.RISK,
        conversation=f"{platform}:{space}:pair:a{n}|b{n}",
        suspect_id=f"a{n}",
        level=Level.HIGH,
        score=0.9,
        participants=[Participant(f"a{n}"), Participant(f"b{n}")],
        signals=[],
        evidence=[],
    )


def worker(store: SqlStore, sink: FakePlatform, clock: Clock | None = None, **kw) -> OutboxWorker:
    options = {"base_backoff": 0.5, "max_backoff": 8.0, "digest_delay": 0.0, **kw}
    return OutboxWorker(store, {"console": sink}, clock=clock or Clock(), **options)


async def test_alerts_go_out_once_in_case_order_per_space(store: SqlStore) -> None:
    for n in range(4):
        for space in ("s1", "s2"):
            await store.create_case(new_case(space, n))
    sink = FakePlatform()
    assert await worker(store, sink).deliver_due() == 8
    assert sink.numbers("s1") == [1, 2, 3, 4] and sink.numbers("s2") == [1, 2, 3, 4]
    assert await worker(store, sink).deliver_due() == 0  # nothing twice
    case = await store.case_by_number("console", "s1", 1)
    assert case is not None and case.platform_message_id == sink.messages[0][0]


async def test_a_429_and_500_storm_delays_but_never_drops(store: SqlStore) -> None:
    for n in range(3):
        await store.create_case(new_case("s1", n))
    await store.create_case(new_case("s2", 9))
    sink, clock = FakePlatform(), Clock()
    storm = [DeliveryError("429", retry_after=2.0), DeliveryError("500"), OSError("reset")] * 4
    sink.failures = list(storm)
    w = worker(store, sink, clock)
    rounds = 0
    while sink.failures or (await store.outbox_backlog())[0]:
        await w.deliver_due()
        clock.advance(1.0)
        rounds += 1
        assert rounds < 200
    assert sink.numbers("s1") == [1, 2, 3] and sink.numbers("s2") == [1]
    assert sink.calls == len(storm) + 4
    assert clock.now - clock.start >= timedelta(seconds=15)  # the retries waited their backoff
    assert (await store.outbox_backlog())[0] == 0


async def test_a_backing_off_job_holds_back_its_space_only(store: SqlStore) -> None:
    await store.create_case(new_case("s1", 1))
    await store.create_case(new_case("s1", 2))
    await store.create_case(new_case("s2", 3))
    sink, clock = FakePlatform(), Clock()
    sink.failures = [DeliveryError("500")]
    w = worker(store, sink, clock)
    await w.deliver_due()
    assert sink.numbers("s1") == [] and sink.numbers("s2") == [1]
    clock.advance(1.0)
    await w.deliver_due()
    assert sink.numbers("s1") == [1, 2]


async def test_permanent_errors_are_retried_and_reported_once(store: SqlStore, caplog) -> None:
    await store.create_case(new_case("s1", 1))
    sink, clock = FakePlatform(), Clock()
    sink.failures = [DeliveryError("403 missing access", retryable=False)] * 3
    w = worker(store, sink, clock, max_backoff=600.0)
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        for _ in range(3):
            await w.deliver_due()
            clock.advance(61.0)
    attention = [r for r in caplog.records if "needs attention" in r.getMessage()]
    assert len(attention) == 1
    await w.deliver_due()
    assert sink.numbers("s1") == [1]


async def test_a_sink_bug_does_not_stop_delivery(store: SqlStore) -> None:
    await store.create_case(new_case("s1", 1))
    sink, clock = FakePlatform(), Clock()
    sink.failures = [KeyError("embed")]
    w = worker(store, sink, clock)
    assert await w.deliver_due() == 0
    clock.advance(120.0)
    assert await w.deliver_due() == 1


async def test_a_job_pending_too_long_is_logged_once(store: SqlStore, caplog) -> None:
    await store.create_case(new_case("s1", 1))
    clock = Clock(utcnow() + timedelta(minutes=31))
    w = OutboxWorker(store, {}, clock=clock)  # no sink for the platform: it cannot go out
    with caplog.at_level(logging.ERROR, logger="bot.outbox"):
        assert await w.report_stale() == 1
        clock.advance(120)
        assert await w.report_stale() == 0
    waited = [r for r in caplog.records if "waited" in r.getMessage()]
    assert len(waited) == 1 and "case 1" in waited[0].getMessage()


async def test_interrupted_send_is_rechecked_not_duplicated(store: SqlStore) -> None:
    await store.create_case(new_case("s1", 1))
    await store.create_case(new_case("s1", 2))
    sink = LookupPlatform()  # no dedupe by key: the worker must look before resending
    clock = Clock()
    # A process claimed case 1's job, posted it, and died before recording success.
    (claim,) = await store.claim_deliveries("dead", clock(), ["console"])
    case = await store.get_case(claim.lead.case_id)
    assert case is not None
    await sink.post(case, claim.key)
    w = worker(store, sink, clock)
    assert await w.recover() == 1
    assert await w.deliver_due() == 2
    assert sink.numbers("s1") == [1, 2]
    (case,) = await store.cases_numbered(1)
    assert case.platform_message_id == sink.messages[0][0]


async def test_a_claim_is_held_until_its_lease_ends(tmp_path: Path) -> None:
    first, second = sqlite_store(tmp_path / "wk.db"), sqlite_store(tmp_path / "wk.db")
    await first.open()
    await second.open()
    try:
        await first.create_case(new_case("s1", 1))
        clock = Clock()
        (held,) = await first.claim_deliveries("a", clock(), ["console"], lease_seconds=30)
        assert await second.claim_deliveries("b", clock(), ["console"]) == []
        clock.advance(31)
        (taken,) = await second.claim_deliveries("b", clock(), ["console"])
        assert taken.lead.id == held.lead.id and taken.maybe_sent and taken.key == held.key
        await first.mark_delivered(held, "late", clock())  # the old claim no longer counts
        await second.mark_delivered(taken, "m1", clock())
        (job,) = await second.deliveries_of(taken.lead.case_id)
        assert job["state"] == "sent" and job["platform_message_id"] == "m1"
    finally:
        await first.close()
        await second.close()


async def test_digest_lists_the_flood_in_one_message(store: SqlStore) -> None:
    await store.create_case(new_case("s1", 0))
    for n in range(1, 6):
        await store.create_case(new_case("s1", n), delivery_kind="digest")
    await store.create_case(new_case("s2", 7), delivery_kind="digest")
    sink, clock = FakePlatform(), Clock()
    w = worker(store, sink, clock, digest_delay=60.0)
    assert await w.deliver_due() == 1  # the regular alert; the digests collect company
    assert sink.numbers("s1") == [1]
    clock.advance(61)
    assert await w.deliver_due() == 2  # one digest per space
    assert [m[2] for m in sink.messages if m[1] == "s1"] == [[1], [2, 3, 4, 5, 6]]
    assert [m[2] for m in sink.messages if m[1] == "s2"] == [[1]]
    assert (await store.outbox_backlog())[0] == 0


async def test_a_retried_digest_lists_the_same_cases(store: SqlStore) -> None:
    for n in range(3):
        await store.create_case(new_case("s1", n), delivery_kind="digest")
    sink, clock = FakePlatform(), Clock()
    sink.failures = [DeliveryError("500")]
    w = worker(store, sink, clock)
    await w.deliver_due()
    await store.create_case(new_case("s1", 3), delivery_kind="digest")  # arrives meanwhile
    clock.advance(1)
    await w.deliver_due()
    assert [m[2] for m in sink.messages] == [[1, 2, 3], [4]]


async def test_updates_edit_posted_alerts_and_skip_digest_entries(store: SqlStore) -> None:
    posted = await store.create_case(new_case("s1", 1))
    listed = await store.create_case(new_case("s1", 2), delivery_kind="digest")
    for case in (posted, listed):
        await store.record_decision(Decision(case.id, Action.ACKNOWLEDGE, "mod", "Mod", T0), 365)
    sink = FakePlatform()
    await worker(store, sink).deliver_due()
    assert sink.edits == [(sink.messages[0][0], 1)]


async def test_updates_waiting_together_edit_the_alert_once(store: SqlStore) -> None:
    case = await store.create_case(new_case("s1", 1))
    sink = FakePlatform()
    await worker(store, sink).deliver_due()  # the post
    for level in (Level.HIGH, Level.CRITICAL):
        await store.update_case_risk(case.id, level, 0.95, [], [], [])
    await store.record_decision(Decision(case.id, Action.ACKNOWLEDGE, "mod", "Mod", T0), 365)
    jobs = [j for j in await store.deliveries_of(case.id) if j["kind"] == "update"]
    assert len(jobs) == 1  # changes made before the edit is sent share one edit
    await worker(store, sink).deliver_due()
    assert sink.edits == [(sink.messages[0][0], 1)]


async def test_an_update_with_nothing_new_is_not_sent_again(store: SqlStore) -> None:
    case = await store.create_case(new_case("s1", 1))
    sink = FakePlatform()
    await store.update_case_risk(case.id, Level.CRITICAL, 0.95, [], [], [])
    await worker(store, sink).deliver_due()
    assert len(sink.edits) == 1
    # A second edit job for the same version (queued while the first was being sent).
    rows = await store.driver.fetch("SELECT platform, space_id FROM cases WHERE id = ?", (case.id,))
    async with store.driver.transaction() as tx:
        await tx.insert(
            "INSERT INTO outbox (case_id, platform, space_id, kind, next_attempt_at, created_at) "
            "VALUES (?, ?, ?, 'update', 0, 0)",
            (case.id, *rows[0]),
        )
    await worker(store, sink).deliver_due()
    assert len(sink.edits) == 1
    assert all(j["state"] == "sent" for j in await store.deliveries_of(case.id))


async def test_flood_in_the_engine_becomes_one_digest_on_the_console(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, alerts={"flood_limit": 2})
    store = sqlite_store(tmp_path / "wk.db")
    await store.open()
    engine = Engine(settings, store, RuleScorer())
    for n in range(5):
        adult, child = person(f"adult{n}", "adult"), person(f"kid{n}", "minor")
        lines = [
            (adult, "you're really good at this game for your age. how old r u?"),
            (child, "im 13"),
            (adult, "wow ur so mature for 13, just dont tell anyone ok, this is between us"),
            (adult, "add me on snap instead, its more private there"),
        ]
        for i, (who, text) in enumerate(lines):
            await engine.ingest(message(who, text, at=n * 100 + i, dm=True, channel=f"dm{n}"))
    out = io.StringIO()
    w = OutboxWorker(store, {"console": ConsoleSink(out, colour=False)}, digest_delay=3600)
    await w.deliver_due()
    assert "digest" not in out.getvalue()  # still collecting
    await w.drain()
    await store.close()
    text = out.getvalue()
    assert text.count("possible grooming") >= 2 and text.count("== digest for s1") == 1
    assert "3 more case(s)" in text
    assert [line.split()[1] for line in text.splitlines() if line.startswith("   case ")] == [
        "3:",
        "4:",
        "5:",
    ]
