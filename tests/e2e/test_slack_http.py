"""The Slack adapter in HTTP mode: signed requests to ``/slack/events`` on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest_asyncio

from bot.models import CaseKind

from .fake_slack import FakeSlack
from .slack_world import (
    CHAT,
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
