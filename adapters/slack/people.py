"""Who people are to watchkeeper on Slack: moderators, minors, adults.

Age bands and moderator rights come from the config (user ids, user groups) and,
for moderator rights, from Slack's own admin/owner flags. User-group membership is
fetched once and cached for a few minutes, so the per-message path costs a dict
lookup, not an API call. Any failure to look someone up counts against them for
moderator rights (fail closed) and as "unknown" for age bands.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackConfig
from bot.models import AgeBand

log = logging.getLogger(__name__)

GROUP_TTL_SECONDS = 300.0
"""How long user-group members are cached; a removed moderator keeps rights this long."""
FAILED_GROUP_TTL_SECONDS = 60.0
"""A failed lookup is not retried on every message: it waits this long."""


class Directory:
    def __init__(
        self, client: AsyncWebClient, config: SlackConfig, ttl: float = GROUP_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.client = client
        self.config = config
        self.ttl = ttl
        self.clock = clock
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def members(self, group_id: str) -> frozenset[str]:
        """The members of a user group (``S…``), cached; empty if it cannot be read."""
        if not group_id:
            return frozenset()
        cached = self._groups.get(group_id)
        if cached is not None and cached[0] > self.clock():
            return cached[1]
        lock = self._locks.setdefault(group_id, asyncio.Lock())
        async with lock:
            cached = self._groups.get(group_id)
            if cached is not None and cached[0] > self.clock():
                return cached[1]
            try:
                response = await self.client.usergroups_users_list(usergroup=group_id)
                users = frozenset(str(u) for u in response.get("users") or [])
                expires = self.clock() + self.ttl
            except SlackApiError as exc:
                log.warning("cannot read user group %s: %s", group_id, exc.response.get("error"))
                users, expires = frozenset(), self.clock() + FAILED_GROUP_TTL_SECONDS
            self._groups[group_id] = (expires, users)
            return users

    async def age_band(self, user_id: str) -> AgeBand:
        """The configured age band. Someone listed as both minor and adult counts as a
        minor: a false alert costs a moderator's minute, a missed one costs a child."""
        config = self.config
        if user_id in config.minor_users or user_id in await self.members(config.minor_usergroup):
            return AgeBand.MINOR
        if user_id in config.adult_users or user_id in await self.members(config.adult_usergroup):
            return AgeBand.ADULT
        return AgeBand.UNKNOWN

    async def is_moderator(self, user_id: str) -> bool:
        """Configured moderators, members of the moderator group, workspace admins/owners."""
        if not user_id:
            return False
        if user_id in self.config.moderator_users:
            return True
        if user_id in await self.members(self.config.moderator_usergroup):
            return True
        try:
            user = (await self.client.users_info(user=user_id)).get("user") or {}
        except SlackApiError as exc:
            log.warning("cannot look up user %s: %s", user_id, exc.response.get("error"))
            return False
        if user.get("deleted") or user.get("is_bot"):
            return False
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


class RecentIds:
    """A bounded set of recently seen ids, oldest forgotten first.

    Slack redelivers an event (same ``event_id``) when it thinks we were too slow,
    and bolt hands every delivery to the listeners: this is how we notice.
    """

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str | None) -> bool:
        """True the first time ``key`` is seen (and for no key at all)."""
        if not key:
            return True
        if key in self._seen:
            self._seen.move_to_end(key)
            return False
        self._seen[key] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True

    def forget(self, key: str | None) -> None:
        """Let a redelivery through again (the first attempt failed)."""
        if key:
            self._seen.pop(key, None)
