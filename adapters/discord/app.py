"""The Discord adapter's entry points, as ``watchkeeper run`` and ``check`` call them.

The adapter itself is the rest of this package (see its ``__init__`` for the map).
Setup for admins: ``docs/discord.md``.
"""

from __future__ import annotations

from adapters.discord import health
from adapters.discord.adapter import DiscordAdapter
from bot.config import Settings
from bot.runtime import Runtime

__all__ = ["DiscordAdapter", "check", "serve"]


async def serve(runtime: Runtime, **options: float | bool) -> None:
    """Watch the configured Discord bot's guilds until cancelled.

    A refused token or Message Content intent raises ``UsageError`` with one line for
    the admin. ``options`` are ``DiscordAdapter``'s (tests shorten its waits).
    """
    await DiscordAdapter(runtime, **options).run()  # type: ignore[arg-type]


async def check(settings: Settings, **options: float) -> list[str]:
    """One line per problem with the token, the intents or the moderator channels."""
    return await health.check(settings, **options)
