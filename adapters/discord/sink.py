"""The outbox's ``AlertSink`` for Discord: alerts go to the guild's moderator channel, only there.

Idempotency: every post carries the outbox's key as Discord's message ``nonce`` (with
``enforce_nonce``), so a post retried after a lost response returns the message
already created instead of a second alert. Discord keeps nonces for a few minutes
only, so the key is also written in small print under the alert's first line, and
``find_posted`` looks for it before the outbox re-sends a job that may have gone out.

Errors: discord.py already waits out 429s and retries 5xx a few times; what still
fails is a ``DeliveryError`` the outbox retries with backoff (429, 5xx, network). A
403 or 404 (missing permissions, deleted channel) cannot heal by retrying alone: it
is non-retryable (the outbox still tries again, slowly) and reported once, to the log
and to the guild's owner, while every other guild keeps getting its alerts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

import aiohttp
import discord

from adapters.discord.buttons import alert_view
from adapters.discord.guilds import PLATFORM, GuildDirectory
from adapters.discord.render import NO_PINGS, alert_embed, alert_text, digest_embed, ref_line
from bot.models import Case
from bot.outbox import DeliveryError

log = logging.getLogger(__name__)

T = TypeVar("T")
NONCE_CHARS = 25
"""Discord's limit for a message nonce."""
UNKNOWN_MESSAGE = 10008
HISTORY_LIMIT = 100
"""How far back ``find_posted`` looks; alerts are rare, retries come within hours."""


def delivery_error(exc: Exception) -> DeliveryError:
    """A failed Discord call as the outbox understands it."""
    if isinstance(exc, discord.HTTPException):
        retry_after = None
        if exc.response is not None:
            try:
                retry_after = float(exc.response.headers.get("Retry-After", ""))
            except ValueError:
                retry_after = None
        retryable = exc.status == 429 or exc.status >= 500
        return DeliveryError(f"discord: HTTP {exc.status} {exc.text}", retryable, retry_after)
    return DeliveryError(f"discord: network error: {exc}", retryable=True)


def _message_gone(exc: BaseException | None) -> bool:
    """A 404 for the message itself (a moderator deleted the alert), not the channel."""
    return isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_MESSAGE


class Troubles:
    """Problems an admin must fix, each reported once per process: log, then the owner."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._seen: set[tuple[int, str]] = set()

    async def report(self, guild_id: int, key: str, text: str) -> None:
        if (guild_id, key) in self._seen:
            return
        self._seen.add((guild_id, key))
        log.error("guild %s: %s", guild_id, text)
        guild = self.client.get_guild(guild_id)
        if guild is None or guild.owner_id is None:
            return
        notice = f"**watchkeeper in {discord.utils.escape_markdown(guild.name)}**: {text}"
        try:
            owner = self.client.get_user(guild.owner_id) or await self.client.fetch_user(
                guild.owner_id
            )
            await owner.send(notice, allowed_mentions=NO_PINGS)
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.warning("guild %s: could not tell the owner either: %s", guild_id, exc)


class DiscordAlertSink:
    platform = PLATFORM

    def __init__(self, client: discord.Client, guilds: GuildDirectory, troubles: Troubles):
        self.client = client
        self.guilds = guilds
        self.troubles = troubles

    async def post(self, case: Case, idempotency_key: str) -> str:
        channel_id = await self._moderator_channel(case.space_id)
        channel = self._channel(channel_id, case.space_id)
        nonce = idempotency_key[:NONCE_CHARS]
        message = await self._call(
            case.space_id,
            channel_id,
            channel.send(
                alert_text(case, idempotency_key),
                embed=alert_embed(case),
                view=alert_view(case),
                nonce=nonce,
                allowed_mentions=NO_PINGS,
            ),
        )
        return f"{channel_id}:{message.id}"

    async def update(self, case: Case, platform_message_id: str) -> None:
        channel_text, _, message_text = platform_message_id.rpartition(":")
        channel_id = (
            int(channel_text) if channel_text else await self._moderator_channel(case.space_id)
        )
        message = self._channel(channel_id, case.space_id).get_partial_message(int(message_text))
        try:
            await self._call(
                case.space_id,
                channel_id,
                message.edit(embed=alert_embed(case), view=alert_view(case)),
            )
        except DeliveryError as exc:
            if not _message_gone(exc.__cause__):
                raise
            log.warning("the alert of case %d was deleted: not re-rendered", case.number)

    async def remind(self, case: Case, platform_message_id: str, text: str, key: str) -> str:
        """A reply to the alert that pings the moderator roles, and only them."""
        channel_text, _, message_text = platform_message_id.rpartition(":")
        settings = await self.guilds.get(int(case.space_id))
        channel_id = int(channel_text) if channel_text else await self._moderator_channel(
            case.space_id
        )  # fmt: skip
        channel = self._channel(channel_id, case.space_id)
        alert = channel.get_partial_message(int(message_text))
        roles = sorted(settings.moderator_roles)
        pings = " ".join(f"<@&{role}>" for role in roles)
        message = await self._call(
            case.space_id,
            channel_id,
            channel.send(
                f"{pings} {text}".strip(),
                reference=alert.to_reference(fail_if_not_exists=False),
                nonce=key[:NONCE_CHARS],
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, users=False, replied_user=False,
                    roles=[discord.Object(role) for role in roles],
                ),
            ),
        )  # fmt: skip
        return f"{channel_id}:{message.id}"

    async def post_digest(self, space_id: str, cases: list[Case], idempotency_key: str) -> str:
        channel_id = await self._moderator_channel(space_id)
        nonce = idempotency_key[:NONCE_CHARS]
        message = await self._call(
            space_id,
            channel_id,
            self._channel(channel_id, space_id).send(
                f"New watchkeeper alerts\n{ref_line(idempotency_key)}",
                embed=digest_embed(cases),
                nonce=nonce,
                allowed_mentions=NO_PINGS,
            ),
        )
        return f"{channel_id}:{message.id}"

    async def find_posted(self, space_id: str, idempotency_key: str) -> str | None:
        """An alert posted under this key by an attempt whose result was lost (a crash),
        found in the moderator channel's recent history. Needs Read Message History;
        without it the nonce alone guards against a duplicate (for a few minutes)."""
        channel_id = await self._moderator_channel(space_id)
        channel = self._channel(channel_id, space_id)
        own = self.client.user
        marker = ref_line(idempotency_key)
        try:
            async for message in channel.history(limit=HISTORY_LIMIT):
                mine = own is not None and message.author.id == own.id
                if mine and marker in message.content.splitlines():
                    return f"{channel_id}:{message.id}"
        except discord.Forbidden:
            log.warning("guild %s: no Read Message History in the moderator channel", space_id)
        except discord.HTTPException as exc:
            raise delivery_error(exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise delivery_error(exc) from exc
        return None

    # -- internals ---------------------------------------------------------------------

    async def _moderator_channel(self, space_id: str) -> int:
        settings = await self.guilds.get(int(space_id))
        if settings.moderator_channel is None:
            await self.troubles.report(
                int(space_id),
                "no-channel",
                "alerts are waiting but no moderator channel is set: "
                "run `/watchkeeper setup` in the server.",
            )
            raise DeliveryError(f"discord: guild {space_id} has no moderator channel", False)
        return settings.moderator_channel

    def _channel(self, channel_id: int, space_id: str) -> discord.PartialMessageable:
        known = self.client.get_channel(channel_id)
        if isinstance(known, discord.abc.GuildChannel) and known.guild.id != int(space_id):
            raise DeliveryError(
                f"discord: channel {channel_id} is not in guild {space_id}: refusing to post",
                retryable=False,
            )
        return self.client.get_partial_messageable(channel_id, guild_id=int(space_id))

    async def _call(self, space_id: str, channel_id: int, call: Awaitable[T]) -> T:
        try:
            return await call
        except (discord.Forbidden, discord.NotFound) as exc:
            if not _message_gone(exc):
                await self.troubles.report(
                    int(space_id),
                    f"post:{channel_id}",
                    f"cannot post alerts in <#{channel_id}> ({exc.text or exc.status}). Give "
                    "watchkeeper View Channel, Send Messages and Embed Links there, or "
                    "choose another channel with `/watchkeeper setup`. Alerts wait meanwhile.",
                )
            raise delivery_error(exc) from exc
        except discord.HTTPException as exc:
            raise delivery_error(exc) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise delivery_error(exc) from exc
