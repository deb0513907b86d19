"""The discord.py client watchkeeper runs: intents, endpoints, shards, fatal errors.

Endpoints: discord.py keeps the REST base and the gateway URL in class attributes
(``Route.BASE``, ``DiscordWebSocket.DEFAULT_GATEWAY``), and a plain ``Client``
connects straight to ``DEFAULT_GATEWAY`` without asking ``/gateway/bot``; so both are
set from ``[discord] api_base_url`` / ``gateway_url`` before a client is made. That
is how a REST/gateway proxy (and the tests' fake Discord) is used.

Intents: guilds, guild messages, DMs and Message Content (privileged: without it
Discord blanks every message's text). Not members: a guild message carries its
author's roles, which is all watchkeeper needs.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord
import discord.gateway
import discord.http
import yarl

from bot.config import DiscordConfig

INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, embed_links=True, read_message_history=True
)
"""Exactly what the bot needs: see channels, post alerts, draw them as embeds, and look
back in the moderator channel for an alert posted just before a crash."""

TOKEN_REFUSED = "discord: the bot token was refused: {reason}"
INTENT_REFUSED = (
    "discord: Discord refused the Message Content intent: enable it in the Developer "
    "Portal > Bot > Privileged Gateway Intents"
)
GATEWAY_CODES = {
    4004: "the bot token was refused by the gateway",
    4010: "invalid shard: check [discord] shard_count and shard_ids",
    4011: "this bot is in too many guilds for one shard: set [discord] shard_count",
    4013: "invalid gateway intents",
}


# watchkeeper never joins voice: discord.py's warnings about voice libraries are noise.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True
    return wanted


def apply_endpoints(config: DiscordConfig) -> None:
    """Point discord.py at the configured REST API and gateway (process-wide)."""
    discord.http.Route.BASE = config.api_base_url.rstrip("/")
    if config.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def invite_url(application_id: int | None) -> str:
    return discord.utils.oauth_url(
        application_id or 0,
        permissions=INVITE_PERMISSIONS,
        scopes=("bot", "applications.commands"),
    )


def explain(exc: BaseException) -> str | None:
    """A fatal start-up error as one line for the admin, or None if it is not one."""
    if isinstance(exc, discord.LoginFailure):
        return TOKEN_REFUSED.format(reason=exc)
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return INTENT_REFUSED
    if isinstance(exc, discord.ConnectionClosed):
        if exc.code == 4014:
            return INTENT_REFUSED
        if exc.code in GATEWAY_CODES:
            return f"discord: {GATEWAY_CODES[exc.code]} (gateway close code {exc.code})"
    return None


class Events(Protocol):
    """What the adapter handles; the client forwards discord.py's events to it."""

    async def setup_hook(self) -> None: ...
    async def on_ready(self) -> None: ...
    async def on_message(self, message: discord.Message) -> None: ...
    async def on_guild_available(self, guild: discord.Guild) -> None: ...
    async def on_guild_join(self, guild: discord.Guild) -> None: ...


class _Forwarding:
    """Forwards events to ``self.adapter``; mixed into both client classes."""

    adapter: Events
    identify_delay: bool

    async def setup_hook(self) -> None:
        await self.adapter.setup_hook()

    async def on_ready(self) -> None:
        await self.adapter.on_ready()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.adapter.on_guild_available(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.adapter.on_guild_join(guild)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if self.identify_delay:
            await super().before_identify_hook(shard_id, initial=initial)  # type: ignore[misc]


class WatchkeeperClient(_Forwarding, discord.Client):
    pass


class ShardedWatchkeeperClient(_Forwarding, discord.AutoShardedClient):
    pass


def make_client(
    config: DiscordConfig,
    adapter: Events | None = None,
    *,
    guild_ready_timeout: float = 2.0,
    identify_delay: bool = True,
) -> discord.Client:
    """A client for ``config``: sharded when ``shard_count``/``shard_ids`` are set.

    ``identify_delay=False`` skips discord.py's 5 s pause between shard IDENTIFYs
    (Discord's identify rate limit): only for tests against a local fake.
    """
    options: dict[str, Any] = {
        "intents": intents(),
        "guild_ready_timeout": guild_ready_timeout,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    sharded = config.shard_count is not None or config.shard_ids is not None
    if sharded:
        options.update(shard_count=config.shard_count, shard_ids=config.shard_ids)
    if adapter is None:  # ``watchkeeper check``: connect as the bot will, handle nothing
        return discord.AutoShardedClient(**options) if sharded else discord.Client(**options)
    client: WatchkeeperClient | ShardedWatchkeeperClient = (
        ShardedWatchkeeperClient(**options) if sharded else WatchkeeperClient(**options)
    )
    client.adapter = adapter
    client.identify_delay = identify_delay
    return client
