"""A Discord guild message to ``bot.models.Message``: no API calls, it runs for every message.

Threads are their own ``thread_id`` under their parent channel's ``channel_id``, so an
exclusion of the parent channel (or of its category) covers its threads too. Without
the privileged members intent, a guild message still carries its author as a
``Member`` with role ids, which is all the age bands need.
"""

from __future__ import annotations

import discord

from adapters.discord.guilds import PLATFORM, GuildSettings
from bot.models import Message, Participant

WATCHED_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})
"""Things a person wrote; joins, pins, boosts and command responses are not."""


def is_from_a_person(message: discord.Message, own_id: int | None) -> bool:
    author = message.author
    if author.bot or author.system or author.id == own_id or message.webhook_id:
        return False
    return message.type in WATCHED_TYPES


def channel_ids(message: discord.Message) -> set[str]:
    """The message's channel and everything above it: thread, parent, category."""
    channel = message.channel
    ids = {str(channel.id)}
    if isinstance(channel, discord.Thread):
        ids.add(str(channel.parent_id))
        parent = channel.parent
        if parent is not None and parent.category_id:
            ids.add(str(parent.category_id))
    elif isinstance(channel, discord.abc.GuildChannel) and channel.category_id:
        ids.add(str(channel.category_id))
    return ids


def role_ids(user: discord.abc.User) -> list[int]:
    """The role ids of a member (an empty list for a user seen outside a guild)."""
    if isinstance(user, discord.Member):
        return [role.id for role in user.roles]
    return []


def reply_target(message: discord.Message) -> str | None:
    reference = message.reference
    if reference is None or reference.message_id is None:
        return None
    if reference.type is not discord.MessageReferenceType.reply:
        return None  # a forward quotes someone; it does not answer them
    return str(reference.message_id)


def participant(user: discord.abc.User, settings: GuildSettings) -> Participant:
    return Participant(
        str(user.id), user.display_name, settings.age_band(role_ids(user)), is_bot=user.bot
    )


def to_message(message: discord.Message, settings: GuildSettings) -> Message | None:
    """The platform-neutral message, or None when there is no text to read."""
    if message.guild is None or not message.content.strip():
        return None
    channel = message.channel
    if isinstance(channel, discord.Thread):
        channel_id, thread_id = str(channel.parent_id), str(channel.id)
    else:
        channel_id, thread_id = str(channel.id), None
    return Message(
        platform=PLATFORM,
        space_id=str(message.guild.id),
        channel_id=channel_id,
        message_id=str(message.id),
        author=participant(message.author, settings),
        text=message.content,
        ts=message.created_at,
        thread_id=thread_id,
        reply_to=reply_target(message),
        mentions=tuple(dict.fromkeys(str(u.id) for u in message.mentions if not u.bot)),
        link=jump_link(message.guild.id, channel.id, message.id),
    )


def jump_link(guild_id: int, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
