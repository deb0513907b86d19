"""Per-space settings, typed, with their defaults declared once.

A space (a Discord guild, a Slack workspace, an API tenant) overrides some of the
config file's settings with moderators' commands (``/watchkeeper setup``,
``exclude``, ``include``, ``threshold``). They are stored one key per row in the
store's ``space_settings`` table with JSON values; this model is the only place
that reads or writes those keys. ``None`` means "not set for this space": the config
file (or its default) applies.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_serializer, field_validator

from bot.models import Level

if TYPE_CHECKING:
    from bot.store import SqlStore

log = logging.getLogger(__name__)

ALERT_LEVELS = (Level.WATCH, Level.HIGH, Level.CRITICAL)
"""The levels a space may choose to alert from."""


class SpaceSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)

    alert_level: Level | None = None
    """Alerts start at this level here (default: ``[detection] alert_level``)."""
    excluded_channels: frozenset[str] | None = None
    """Channels (or categories, threads) not watched here (default: the config file's)."""
    moderator_channel: str | None = None
    """Where alerts go (Discord; default: the ``[[discord.guilds]]`` entry's)."""
    moderator_roles: frozenset[str] | None = None
    minor_roles: frozenset[str] | None = None
    adult_roles: frozenset[str] | None = None

    @field_validator("alert_level")
    @classmethod
    def _an_alerting_level(cls, level: Level | None) -> Level | None:
        if level is not None and level not in ALERT_LEVELS:
            raise ValueError(f"use one of {', '.join(ALERT_LEVELS)}")
        return level

    @field_validator("moderator_channel")
    @classmethod
    def _blank_is_unset(cls, channel: str | None) -> str | None:
        return channel or None

    @field_serializer("excluded_channels", "moderator_roles", "minor_roles", "adult_roles")
    def _sorted(self, ids: frozenset[str] | None) -> list[str] | None:
        return None if ids is None else sorted(ids)

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> SpaceSettings:
        """The settings from the store's rows. A key this version does not know, or a
        value that does not validate (edited by hand), is left out, as if unset."""
        values: dict[str, Any] = {}
        for key, value in stored.items():
            if key not in cls.model_fields:
                continue
            try:
                cls.model_validate({key: value})
            except ValidationError:
                log.warning("stored space setting %r ignored: not a valid value", key)
                continue
            values[key] = value
        return cls.model_validate(values)

    def excluded(self, configured: Iterable[str] = ()) -> set[str]:
        """The channels not watched: this space's list, else the configured one."""
        return set(configured if self.excluded_channels is None else self.excluded_channels)


DEFAULTS = SpaceSettings()


async def load_space_settings(store: SqlStore, platform: str, space_id: str) -> SpaceSettings:
    return SpaceSettings.from_stored(await store.space_settings(platform, space_id))


async def save_space_settings(
    store: SqlStore, platform: str, space_id: str, actor: str, **changes: Any
) -> SpaceSettings:
    """Validate ``changes`` (field names of ``SpaceSettings``), then store each one
    (audited as a configuration change). Raises ``ValueError`` on an invalid value,
    before anything is written. Returns the space's settings after the change."""
    try:
        validated = SpaceSettings.model_validate(changes)
    except ValidationError as exc:
        raise ValueError(str(exc.errors()[0]["msg"])) from None
    stored = validated.model_dump(mode="json", include=set(changes))
    for key, value in stored.items():
        await store.set_space_setting(platform, space_id, key, value, actor)
    return await load_space_settings(store, platform, space_id)
