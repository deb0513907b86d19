"""``watchkeeper check`` for Slack, and the same checks at start, against the fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from adapters.slack.app import SlackStartError, check, serve
from adapters.slack.health import manifest_scopes
from bot.runtime import Runtime
from tests.e2e.fakes.slack_api import DEFAULT_SCOPES, FakeSlack

from .slack_world import CHAT, populate, slack_settings


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        populate(fake)
        yield fake


def test_manifest_asks_for_exactly_the_scopes_the_adapter_uses():
    assert sorted(manifest_scopes()) == sorted([
        "channels:history", "groups:history", "im:history", "mpim:history", "channels:read",
        "groups:read", "chat:write", "commands", "users:read", "usergroups:read",
    ])  # fmt: skip


async def test_check_passes_on_a_complete_setup(fake, tmp_path):
    assert await check(slack_settings(tmp_path, fake)) == []


async def test_check_names_each_missing_scope(fake, tmp_path):
    fake.set_scopes([s for s in DEFAULT_SCOPES if s not in ("usergroups:read", "commands")])
    problems = await check(slack_settings(tmp_path, fake))
    assert len(problems) == 2
    assert problems[0].startswith("slack: the bot token is missing the scope commands:")
    assert problems[1].startswith("slack: the bot token is missing the scope usergroups:read:")


async def test_check_reports_a_refused_bot_token_in_one_line(fake, tmp_path):
    problems = await check(slack_settings(tmp_path, fake, bot_token="xoxb-wrong"))
    assert len(problems) == 1  # nothing else can be checked without it
    assert problems[0].startswith("slack: the bot token was refused (invalid_auth): ")


async def test_check_reports_a_refused_or_wrong_kind_of_app_token(fake, tmp_path):
    refused = await check(slack_settings(tmp_path, fake, app_token="xapp-not-a-real-token"))
    assert refused == [refused[0]]
    assert refused[0].startswith("slack: the app-level token was refused (invalid_auth)")
    wrong_kind = await check(slack_settings(tmp_path, fake, app_token=fake.bot_token))
    assert wrong_kind[0].startswith("slack: slack.app_token is not an app-level token")


async def test_check_flags_a_public_or_unreachable_moderator_channel(fake, tmp_path):
    public = await check(slack_settings(tmp_path, fake, moderator_channel=CHAT))
    assert public == [f"slack: the moderator channel {CHAT} is public: anyone in the workspace "
                      "could read alerts; use a private channel"]  # fmt: skip
    fake.add_channel("G0SECRET", "secret", is_private=True, is_member=False)
    missing = await check(slack_settings(tmp_path, fake, moderator_channel="G0SECRET"))
    assert len(missing) == 1 and "G0SECRET cannot be used (channel_not_found)" in missing[0]


async def test_serve_refuses_to_start_with_a_refused_token(fake, tmp_path):
    settings = slack_settings(tmp_path, fake, bot_token="xoxb-revoked")
    async with Runtime(settings) as runtime:
        with pytest.raises(SlackStartError, match=r"bot token was refused \(invalid_auth\)"):
            await serve(runtime)
    assert fake.connections_opened == 0
