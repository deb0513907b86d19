"""Per-guild settings: the config file's ``[[discord.guilds]]``, overridden by the store.

``/watchkeeper setup`` writes the moderator channel and the role lists to the store
(as ``bot.spaces.SpaceSettings``); a stored value wins over the file. Excluded channels and the
alert threshold belong to ``bot.moderation`` and are applied to the policy when a
guild is first loaded. Loading is lazy and cached, so the per-message path is a dict
lookup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from bot.config import DiscordConfig, DiscordGuildConfig
from bot.models import AgeBand
from bot.moderation import Moderation
from bot.spaces import SpaceSettings, load_space_settings, save_space_settings

PLATFORM = "discord"


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    moderator_channel: int | None = None
    moderator_roles: frozenset[int] = frozenset()
    minor_roles: frozenset[int] = frozenset()
    adult_roles: frozenset[int] = frozenset()
    regions: tuple[str, ...] = ()

    @property
    def space_id(self) -> str:
        return str(self.guild_id)

    @property
    def is_set_up(self) -> bool:
        """Watching needs somewhere to send alerts: without a moderator channel, nothing."""
        return self.moderator_channel is not None

    def age_band(self, role_ids: Iterable[int]) -> AgeBand:
        """A member with both a minor and an adult role counts as a minor: a false alert
        costs a moderator a minute, a missed one costs a child."""
        roles = set(role_ids)
        if roles & self.minor_roles:
            return AgeBand.MINOR
        if roles & self.adult_roles:
            return AgeBand.ADULT
        return AgeBand.UNKNOWN

    def is_moderator(self, role_ids: Iterable[int], manage_guild: bool) -> bool:
        """Manage Server (or Administrator) always qualifies, so a fresh guild can run
        ``/watchkeeper setup`` before any moderator role is configured."""
        return manage_guild or bool(set(role_ids) & self.moderator_roles)


def _ids(values: Iterable[Any]) -> frozenset[int]:
    return frozenset(int(v) for v in values)


def merge(guild_id: int, file: DiscordGuildConfig | None, stored: SpaceSettings) -> GuildSettings:
    """The file's settings for a guild with the stored ones laid over them."""
    base = GuildSettings(guild_id)
    if file is not None:
        base = GuildSettings(
            guild_id,
            file.moderator_channel,
            _ids(file.moderator_roles),
            _ids(file.minor_roles),
            _ids(file.adult_roles),
            tuple(file.regions),
        )
    changes: dict[str, Any] = {}
    if stored.moderator_channel is not None:
        changes["moderator_channel"] = int(stored.moderator_channel)
    for key in ("moderator_roles", "minor_roles", "adult_roles"):
        roles = getattr(stored, key)
        if roles is not None:
            changes[key] = _ids(roles)
    return replace(base, **changes)


class GuildDirectory:
    def __init__(self, config: DiscordConfig, moderation: Moderation) -> None:
        self.config = config
        self.moderation = moderation
        self.store = moderation.store
        self._files = {g.id: g for g in config.guilds}
        self._cache: dict[int, GuildSettings] = {}
        self._lock = asyncio.Lock()

    @property
    def configured_ids(self) -> list[int]:
        return list(self._files)

    def cached(self, guild_id: int) -> GuildSettings | None:
        return self._cache.get(guild_id)

    async def get(self, guild_id: int) -> GuildSettings:
        settings = self._cache.get(guild_id)
        if settings is not None:
            return settings
        async with self._lock:
            settings = self._cache.get(guild_id)
            if settings is None:
                settings = await self._load(guild_id)
        return settings

    async def _load(self, guild_id: int) -> GuildSettings:
        file = self._files.get(guild_id)
        stored = await load_space_settings(self.store, PLATFORM, str(guild_id))
        excluded = [str(c) for c in file.excluded_channels] if file else []
        await self.moderation.load_space(PLATFORM, str(guild_id), excluded)
        settings = merge(guild_id, file, stored)
        self._cache[guild_id] = settings
        return settings

    async def save(self, guild_id: int, actor: str, **changes: Any) -> GuildSettings:
        """Store settings from ``/watchkeeper setup`` (fields of ``SpaceSettings``); they
        win over the file from now on."""
        await save_space_settings(self.store, PLATFORM, str(guild_id), actor, **changes)
        async with self._lock:
            self._cache.pop(guild_id, None)
            return await self._load(guild_id)

    def excluded(self, guild_id: int, global_excluded: Iterable[str]) -> set[str]:
        """Channel and category ids not watched in a guild (stored, file and global)."""
        policy = self.moderation.policy
        return policy.excluded_channels(PLATFORM, str(guild_id)) | set(global_excluded)
