"""Starting up: a refused token or Message Content intent is one clear line (in ``check``,
in ``serve`` and through the real ``watchkeeper`` command), ``check`` names a moderator
channel the bot cannot post in, and shards share the work."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.discord import app as discord_app
from adapters.discord.client import INTENT_REFUSED
from bot.commands.common import UsageError
from bot.config import DiscordGuildConfig, Settings
from bot.runtime import Runtime
from bot.store.sqlite import sqlite_store
from tests.e2e.fakes.discord_api import FakeDiscord, Intents, Perm, overwrite, text_channel

from .discord_world import (
    GUILD2,
    KIT,
    LOBBY2,
    MODS,
    MODS2,
    OWNER2,
    TIMEOUT,
    discord_settings,
    populate,
    restored_endpoints,
    running,
    settle,
)

ROOT = Path(__file__).parents[2]
FAST = {"guild_ready_timeout": 0.05}


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    with restored_endpoints():
        async with FakeDiscord() as server:
            populate(server)
            yield server


@pytest.fixture
async def strict_fake() -> AsyncIterator[FakeDiscord]:
    """A Discord where the Message Content intent was not enabled for the application."""
    with restored_endpoints():
        async with FakeDiscord(allowed_privileged_intents=Intents.GUILD_MEMBERS) as server:
            populate(server)
            yield server


async def serve_once(settings: Settings) -> None:
    async with Runtime(settings) as runtime:
        await asyncio.wait_for(
            discord_app.serve(runtime, identify_delay=False, **FAST), timeout=TIMEOUT
        )


async def test_a_refused_token_is_one_line(fake: FakeDiscord, tmp_path: Path) -> None:
    settings = discord_settings(tmp_path, fake, token="not-the-token")
    assert await discord_app.check(settings, **FAST) == [
        "discord: the bot token was refused: Improper token has been passed."
    ]
    with pytest.raises(UsageError, match=r"^discord: the bot token was refused: "):
        await serve_once(settings)


async def test_a_refused_message_content_intent_is_one_line(
    strict_fake: FakeDiscord, tmp_path: Path
) -> None:
    settings = discord_settings(tmp_path, strict_fake)
    assert await discord_app.check(settings, **FAST) == [INTENT_REFUSED]
    with pytest.raises(UsageError) as raised:
        await serve_once(settings)
    assert str(raised.value) == INTENT_REFUSED
    assert "Developer Portal > Bot > Privileged Gateway Intents" in INTENT_REFUSED


async def test_check_names_a_moderator_channel_the_bot_cannot_post_in(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    settings = discord_settings(tmp_path, fake)
    assert await discord_app.check(settings, **FAST) == []

    fake.channels[MODS2]["permission_overwrites"] = [
        overwrite(GUILD2, deny=Perm.VIEW_CHANNEL),
        overwrite(fake.bot_id, allow=Perm.VIEW_CHANNEL,
                  deny=Perm.SEND_MESSAGES | Perm.EMBED_LINKS, member=True),
    ]  # fmt: skip
    assert await discord_app.check(settings, **FAST) == [
        f"discord: guild {GUILD2}: the bot lacks Send Messages, Embed Links in the "
        f"moderator channel #mods ({MODS2})"
    ]


INVITE = (
    "https://discord.com/oauth2/authorize?client_id={}"
    "&scope=bot+applications.commands&permissions=84992"
)
"""View Channels, Send Messages, Embed Links, Read Message History: nothing more."""


async def test_check_prints_the_invite_link_of_this_application(
    fake: FakeDiscord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.application_id = 555_000_000_000_000_001  # not the bot user's id
    assert await discord_app.check(discord_settings(tmp_path, fake), **FAST) == []
    out = capsys.readouterr().out
    assert f"invite link: {INVITE.format(fake.application_id)}" in out


async def test_run_logs_the_invite_link(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="adapters.discord.adapter")
    async with running(discord_settings(tmp_path, fake)):
        pass
    assert f"invite link: {INVITE.format(fake.application_id)}" in caplog.text


async def test_check_covers_guilds_set_up_from_discord_and_public_channels(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    settings = discord_settings(tmp_path, fake)
    settings.discord.guilds = settings.discord.guilds[:1]  # GUILD2 is not in the file...
    async with sqlite_store(settings.storage.sqlite_path) as store:  # ...but set up there
        await store.set_space_setting("discord", str(GUILD2), "moderator_channel", LOBBY2, "o")
    assert await discord_app.check(settings, **FAST) == [
        f"discord: guild {GUILD2}: the moderator channel #lobby ({LOBBY2}) is visible to "
        "@everyone: anyone in the server, a suspect too, could read alerts; deny View "
        "Channel to @everyone there"
    ]
    async with sqlite_store(settings.storage.sqlite_path) as store:
        await store.set_space_setting("discord", str(GUILD2), "moderator_channel", MODS2, "o")
    assert await discord_app.check(settings, **FAST) == []


async def test_check_names_a_guild_the_bot_is_in_that_is_not_set_up(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    settings = discord_settings(tmp_path, fake)
    settings.discord.guilds = settings.discord.guilds[:1]
    assert await discord_app.check(settings, **FAST) == [
        f"discord: guild {GUILD2} (Speedrunners): not set up, so not watched: add a "
        f"[[discord.guilds]] table with id = {GUILD2}"
    ]
    settings.discord.guilds = []  # commands everywhere: each server sets itself up
    problems = await discord_app.check(settings, **FAST)
    assert (
        f"discord: guild {GUILD2} (Speedrunners): not set up, so not watched: a "
        "moderator runs /watchkeeper setup there" in problems
    )
    assert len(problems) == 2  # GUILD too


async def test_the_watchkeeper_command_prints_one_line_not_a_traceback(
    strict_fake: FakeDiscord, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(  # the rule scorer: this is about the error, not the model
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n\n[detection]\nscorer = "rules"\n\n'
        f'[discord]\ntoken = "{strict_fake.token}"\n'
        f'api_base_url = "{strict_fake.api_base}"\ngateway_url = "{strict_fake.gateway_url}"\n'
    )
    status, _, stderr = await watchkeeper("--config", str(config), "run", cwd=tmp_path)
    assert status == 2, stderr
    assert "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if line.startswith("watchkeeper:")] == [
        f"watchkeeper: {INTENT_REFUSED}"
    ]


async def watchkeeper(*args: str, cwd: Path) -> tuple[int, str, str]:
    """The real command in a child process (the fake keeps serving in this loop)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHKEEPER_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_shards_share_the_guilds(fake: FakeDiscord, tmp_path: Path) -> None:
    settings = discord_settings(tmp_path, fake, shard_count=2)
    async with running(settings) as bot:
        await fake.wait_until_ready(sessions=2)
        assert sorted(p["shard"] for p in fake.identify_payloads) == [[0, 2], [1, 2]]
        await fake.send_dm(KIT, "someone asked me to keep a secret")
        report = await fake.send_slash_command(
            GUILD2, LOBBY2, OWNER2, "report",
            options={"concern": "a new member asks kids for their age"},
        )  # fmt: skip
        await fake.wait_for_interaction_response(report.id)
        await fake.wait_for_posted(MODS, timeout=TIMEOUT)
        await fake.wait_for_posted(MODS2, timeout=TIMEOUT)
        await settle(bot)
    assert len(fake.posted(MODS)) == len(fake.posted(MODS2)) == 1


async def test_a_configured_guild_that_invites_the_bot_later_gets_its_commands(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    later, general = 720_000_000_000_000_001, 720_000_000_000_000_011
    settings = discord_settings(tmp_path, fake)
    settings.discord.guilds.append(
        DiscordGuildConfig(id=later, moderator_channel=general, moderator_roles=[])
    )
    async with running(settings):
        assert later not in fake.commands  # not in it yet: registering there failed
        fake.add_guild(later, owner_id=OWNER2, channels=[text_channel(general, "general")])
        await fake.send_guild_create(later)
        await fake.wait_for(lambda: fake.commands.get(later), timeout=TIMEOUT)
    assert {c["name"] for c in fake.commands[later]} == {
        "watchkeeper", "report", "privacy", "Report to moderators"
    }  # fmt: skip
