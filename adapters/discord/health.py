"""``watchkeeper check`` for Discord: the token, the intents, the moderator channels.

It logs in, connects to the gateway just long enough to receive the guilds, and
reports in plain words what an admin must change: a refused token, the Message
Content intent not enabled in the Developer Portal, a guild the bot is not in, a
moderator channel it cannot see or post in.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import discord

from adapters.discord.client import apply_endpoints, explain, invite_url, make_client
from adapters.discord.guilds import PLATFORM, merge
from bot.config import Settings
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
    for guild_id in sorted(set(files) | set(stored)):
        guild_settings = merge(guild_id, files.get(guild_id), stored.get(guild_id, {}))
        guild = client.get_guild(guild_id)
        if guild is None:
            problems.append(
                f"discord: the bot is not in guild {guild_id}: invite it with "
                f"{invite_url(client.application_id)}"
            )
            continue
        channel_id = guild_settings.moderator_channel
        channel = guild.get_channel(channel_id) if channel_id else None
        if channel is None:
            problems.append(
                f"discord: guild {guild_id}: moderator channel {channel_id} not found "
                "(run /watchkeeper setup)"
            )
            continue
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
                f"discord: guild {guild_id}: the bot lacks {', '.join(missing)} in the "
                f"moderator channel #{channel.name} ({channel_id})"
            )
    return problems


async def _stored_settings(settings: Settings) -> dict[int, dict]:
    """Settings made with ``/watchkeeper setup``: they win over the file."""
    store = store_for(settings.storage)
    try:
        await store.open()
    except Exception:  # the store's own problem is reported by the generic check
        return {}
    try:
        found: dict[int, dict] = {}
        for guild in settings.discord.guilds:
            found[guild.id] = await store.space_settings(PLATFORM, str(guild.id))
        return found
    finally:
        await store.close()
