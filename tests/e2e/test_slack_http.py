"""The Slack adapter in HTTP mode: signed requests to ``/slack/events`` on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from adapters.slack.app import submits_through_inbox
from bot.config import Settings
from bot.models import CaseKind
from bot.runtime import Runtime
from bot.store import inbox
from tests.e2e.fakes.slack_api import FakeSlack
from tests.pg import fresh_schema, schema_url

from .slack_world import (
    ADULT,
    CHAT,
    GROOMING,
    KID,
    MOD,
    MODERATOR,
    SIGNING_SECRET,
    free_port,
    populate,
    running,
    settled,
    slack_cases,
    slack_settings,
)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        populate(fake)
        fake.add_channel("D0KID", "", is_im=True, user=KID)
        yield fake


async def test_http_mode_rejects_bad_and_stale_signatures_and_accepts_good_ones(fake, tmp_path):
    port = free_port()
    settings = slack_settings(tmp_path, fake, mode="http", signing_secret=SIGNING_SECRET,
                              http_host="127.0.0.1", http_port=port)  # fmt: skip
    url = f"http://127.0.0.1:{port}/slack/events"
    event = {"type": "message", "channel": "D0KID", "user": KID,
             "text": "someone in #general keeps asking me for pics"}  # fmt: skip
    body = fake.build_event_callback(event, event_id="Ev0HTTP")
    async with running(settings) as runtime:
        bad = await fake.post_to_app(url, "event", body, SIGNING_SECRET, signature="v0=deadbeef")
        wrong_secret = await fake.post_to_app(url, "event", body, "not-the-secret")
        stale = await fake.post_to_app(url, "event", body, SIGNING_SECRET,
                                       timestamp=int(time.time()) - 6 * 60)  # fmt: skip
        assert [bad[0], wrong_secret[0], stale[0]] == [401, 401, 401]
        assert await slack_cases(runtime, fake) == []

        assert (await fake.post_to_app(url, "event", body, SIGNING_SECRET))[0] == 200
        retried = await fake.post_to_app(url, "event", body, SIGNING_SECRET, retry_num=1)
        assert retried[0] == 200  # acknowledged, and recognised as a redelivery

        command = fake.build_slash_command(text="status", user_id=MODERATOR, channel_id=CHAT)
        assert (await fake.post_to_app(url, "command", command, SIGNING_SECRET))[0] == 200
        await fake.wait_for(lambda: fake.responses)
        await settled(runtime)
        cases = await slack_cases(runtime, fake)

    assert [c.kind for c in cases] == [CaseKind.REPORT]
    assert len(fake.posted(MOD)) == 1 and len(fake.posted("D0KID")) == 1
    assert "Open cases: 1" in fake.responses[0]["body"]["text"]


def http_worker(tmp_path: Path, fake: FakeSlack, store_url: str) -> Settings:
    port = free_port()
    settings = slack_settings(tmp_path / str(port), fake, mode="http",
                              signing_secret=SIGNING_SECRET, http_host="127.0.0.1",
                              http_port=port)  # fmt: skip
    storage = settings.storage.model_copy(update={"url": store_url})
    return settings.model_copy(update={"storage": storage})


async def scored(runtimes: list[Runtime], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Until the inbox is empty and every alert is delivered."""
    deadline = asyncio.get_running_loop().time() + timeout
    store = runtimes[0].store
    while await inbox.depth(store) or (await store.outbox_backlog())[0]:
        assert asyncio.get_running_loop().time() < deadline, "messages still waiting"
        await asyncio.sleep(0.05)


async def test_http_workers_on_postgresql_score_a_workspace_in_one_process(fake, tmp_path):
    """Slack spreads a workspace's events over its HTTP workers; through the inbox, the
    worker holding the workspace's lease scores all of them, as one process would."""
    async with fresh_schema() as (server, schema):
        url = schema_url(server, schema)
        first, second = http_worker(tmp_path, fake, url), http_worker(tmp_path, fake, url)
        assert submits_through_inbox(first)
        async with running(first) as one, running(second) as two:
            bodies, sent_to = [], {0: set(), 1: set()}
            for i, (user, text) in enumerate(GROOMING):
                message = fake.add_message(CHAT, text, user)
                event = {k: v for k, v in message.items() if not k.startswith("_")}
                bodies.append(fake.build_event_callback(event))
                worker = (first, second)[i % 2].slack.http_port
                status, _ = await fake.post_to_app(f"http://127.0.0.1:{worker}/slack/events",
                                                   "event", bodies[-1], SIGNING_SECRET)  # fmt: skip
                assert status == 200
                sent_to[i % 2].add(message["ts"])
            # Slack retries an event on another worker: scored once all the same.
            other = second.slack.http_port
            retried = await fake.post_to_app(f"http://127.0.0.1:{other}/slack/events", "event",
                                             bodies[2], SIGNING_SECRET, retry_num=1)  # fmt: skip
            assert retried[0] == 200
            await scored([one, two])
            [case] = await slack_cases(one, fake)
            window = await one.store.conversation_messages(case.conversation)
            leases = await one.store.driver.fetch(
                "SELECT owner FROM space_leases WHERE platform = ? AND space_id = ?",
                ("slack", fake.team_id),
            )

    assert case.kind is CaseKind.RISK and case.suspect_id == ADULT
    ids = [stored.message.message_id for stored in window]
    assert sorted(ids) == sorted(sent_to[0] | sent_to[1])  # each message once
    cited = {e.message_id for e in case.evidence}
    assert cited & sent_to[0] and cited & sent_to[1]  # one scorer saw both workers' messages
    assert len(leases) == 1
    assert len(fake.posted(MOD)) == 1


async def test_a_replayed_button_press_is_applied_once(fake, tmp_path):
    """A captured, validly signed press sent again within the signature's five minutes
    changes nothing: one decision per press, and a Reopen replayed after a later
    Dismiss does not reopen the case. Malformed headers and ids are 4xx, never 500."""
    port = free_port()
    settings = slack_settings(tmp_path, fake, mode="http", signing_secret=SIGNING_SECRET,
                              http_host="127.0.0.1", http_port=port)  # fmt: skip
    url = f"http://127.0.0.1:{port}/slack/events"
    async with running(settings) as runtime:
        for user, text in GROOMING:
            message = fake.add_message(CHAT, text, user)
            event = {k: v for k, v in message.items() if not k.startswith("_")}
            body = fake.build_event_callback(event)
            assert (await fake.post_to_app(url, "event", body, SIGNING_SECRET))[0] == 200
        await settled(runtime)
        [case] = await slack_cases(runtime, fake)
        [alert] = fake.posted(MOD)

        def press(code: str, case_id: int = case.id) -> dict:
            return fake.build_block_actions(f"wk_{code}:{case_id}", user_id=MODERATOR,
                                            channel_id=MOD, message_ts=alert["ts"])  # fmt: skip

        async def send(payload: dict) -> int:
            return (await fake.post_to_app(url, "interactive", payload, SIGNING_SECRET))[0]

        claim = press("claim")  # allowed again and again: only the replay check stops it
        assert [await send(claim) for _ in range(4)] == [200] * 4  # a press, three replays
        reopen = press("reopen")
        for payload in (press("dismiss"), reopen, press("dismiss")):
            assert await send(payload) == 200
        assert await send(reopen) == 200  # replayed after a later Dismiss
        decided = await runtime.store.get_case(case.id)
        assert decided is not None
        actions = [d.action.value for d in decided.decisions]
        assert actions == ["claim", "dismiss", "reopen", "dismiss"]
        assert decided.state.value == "dismissed"

        huge = press("acknowledge", case_id=10**29)
        assert (await fake.post_to_app(url, "interactive", huge, SIGNING_SECRET))[0] < 500
        for stamp in ("abc", "1e9", "-5", "9" * 40):
            status, _ = await fake.post_to_app(url, "interactive", press("escalate"),
                                               SIGNING_SECRET, timestamp=stamp)  # fmt: skip
            assert status == 401, stamp
        after = await runtime.store.get_case(case.id)
        assert after is not None and len(after.decisions) == len(actions)
