"""``watchkeeper check`` for Discord: the token, the intents, the moderator channels.

It logs in, connects to the gateway just long enough to receive the guilds, prints the
invite link (built from the application's own id, with exactly the permissions the bot
needs), and reports in plain words what an admin must change: a refused token, the
Message Content intent not enabled in the Developer Portal, a guild the bot is not in
or that is not set up, a moderator channel it cannot see or post in, or one that
everyone in the server can read. Every guild counts: the file's, those set up with
``/watchkeeper setup`` (in the store), and those the bot is in.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import discord

from adapters.discord.client import apply_endpoints, explain, invite_url, make_client
from adapters.discord.guilds import PLATFORM, merge
from bot.config import Settings
from bot.spaces import DEFAULTS, SpaceSettings, load_space_settings
from bot.store import store_for

CONNECT_SECONDS = 30.0


async def check(
    settings: Settings,
    *,
    guild_ready_timeout: float = 2.0,
    timeout: float = CONNECT_SECONDS,  # noqa: ASYNC109
) -> list[str]:
    config = settings.discord
    apply_endpoints(config)
    client = make_client(config, guild_ready_timeout=guild_ready_timeout)
    token = config.token.get_secret_value() if config.token else ""
    async with client:
        try:
            await client.login(token)
        except discord.LoginFailure as exc:
            return [explain(exc) or str(exc)]
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            return [f"discord: cannot reach {config.api_base_url}: {exc}"]
        problem = await _connect(client, timeout)
        if problem:
            return [problem]
        print(
            f"discord: connected as {client.user} in {len(client.guilds)} server(s); "
            f"invite link: {invite_url(client.application_id)}"
        )
        try:
            return await _guild_problems(client, settings)
        finally:
            await client.close()


async def _connect(client: discord.Client, timeout: float) -> str | None:  # noqa: ASYNC109
    """Connect until ready; a refusal in words, or None."""
    connecting = asyncio.create_task(client.connect(reconnect=False))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {connecting, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        ready.cancel()
    if ready in done:
        return None
    if connecting in done:
        exc = connecting.exception()
        if exc is None:
            return "discord: the gateway closed the connection"
        return explain(exc) or f"discord: cannot connect to the gateway: {exc}"
    await client.close()
    with contextlib.suppress(Exception):
        await connecting
    return f"discord: no answer from the gateway within {timeout:g} s"


async def _guild_problems(client: discord.Client, settings: Settings) -> list[str]:
    problems: list[str] = []
    stored = await _stored_settings(settings)
    files = {g.id: g for g in settings.discord.guilds}
    present = {guild.id for guild in client.guilds}
    for guild_id in sorted(set(files) | set(stored) | present):
        guild_settings = merge(guild_id, files.get(guild_id), stored.get(guild_id, DEFAULTS))
        guild = client.get_guild(guild_id)
        if guild is None:
            problems.append(
                f"discord: the bot is not in guild {guild_id}: invite it with "
                f"{invite_url(client.application_id)}"
            )
            continue
        channel_id = guild_settings.moderator_channel
        if channel_id is None:
            how = (
                f"add a [[discord.guilds]] table with id = {guild_id}"
                if files
                else "a moderator runs /watchkeeper setup there"
            )
            problems.append(
                f"discord: guild {guild_id} ({guild.name}): not set up, so not watched: {how}"
            )
            continue
        channel = guild.get_channel(channel_id)
        if channel is None:
            problems.append(
                f"discord: guild {guild_id}: moderator channel {channel_id} not found "
                "(run /watchkeeper setup)"
            )
            continue
        problems += _channel_problems(guild, channel)
    return problems


def _channel_problems(guild: discord.Guild, channel: discord.abc.GuildChannel) -> list[str]:
    """The bot must post there; nobody but moderators may read it."""
    problems = []
    me = guild.me
    perms = channel.permissions_for(me) if me is not None else discord.Permissions.none()
    missing = [
        name
        for name, ok in (
            ("View Channel", perms.view_channel),
            ("Send Messages", perms.send_messages),
            ("Embed Links", perms.embed_links),
        )
        if not ok
    ]
    if missing:
        problems.append(
            f"discord: guild {guild.id}: the bot lacks {', '.join(missing)} in the "
            f"moderator channel #{channel.name} ({channel.id})"
        )
    if channel.permissions_for(guild.default_role).view_channel:
        problems.append(
            f"discord: guild {guild.id}: the moderator channel #{channel.name} ({channel.id}) "
            "is visible to @everyone: anyone in the server, a suspect too, could read "
            "alerts; deny View Channel to @everyone there"
        )
    return problems


async def _stored_settings(settings: Settings) -> dict[int, SpaceSettings]:
    """Settings made with ``/watchkeeper setup``, for every guild that has some: they
    win over the file."""
    store = store_for(settings.storage)
    try:
        await store.open()
    except Exception:  # the store's own problem is reported by the generic check
        return {}
    try:
        found: dict[int, SpaceSettings] = {}
        for space_id in await store.spaces_with_settings(PLATFORM):
            if space_id.isdigit():  # a guild id; anything else is not Discord's doing
                found[int(space_id)] = await load_space_settings(store, PLATFORM, space_id)
        return found
    finally:
        await store.close()
