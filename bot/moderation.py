"""What the moderators' commands do, once for every platform.

Adapters parse ``/watchkeeper status | exclude | include | threshold | privacy |
report`` in their own way, check that the caller may use them, and call these
functions; the answers are plain text that each adapter shows privately.
Settings changed here are stored per space and win over the config file.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.engine import Engine
from bot.models import Case, Participant
from bot.spaces import ALERT_LEVELS, load_space_settings, save_space_settings

PRIVACY_NOTICE = """\
**About watchkeeper on this {space_word}**
This community uses watchkeeper, an open-source safety bot, to help its moderators \
protect young members from grooming.
- **What it reads:** messages in the channels it has been added to{dm_clause}. \
It cannot see private messages between two members: no bot can.
- **What it does:** it looks for warning signs (for example an adult asking a child to keep \
secrets or move to another app) and privately alerts this community's moderators. \
People decide what happens next; the bot never punishes anyone on its own.
- **What it keeps:** recent messages of each conversation for a limited time \
({window_days:g} days), and longer only for conversations moderators are reviewing \
or have reported to the authorities.
- **Worried about someone?** Send the bot a direct message, or use `{report_command}`: \
only the moderators will see it.
- **In danger right now?** Call your local emergency number."""


def privacy_notice(
    space_word: str,
    window_days: float,
    dms_watched: bool,
    report_command: str = "/watchkeeper report",
) -> str:
    dm_clause = " and messages sent directly to the bot" if dms_watched else ""
    return PRIVACY_NOTICE.format(
        space_word=space_word,
        dm_clause=dm_clause,
        window_days=window_days,
        report_command=report_command,
    )


class Moderation:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store
        self.policy = engine.policy

    async def load_space(
        self, platform: str, space_id: str, configured_excluded: Iterable[str]
    ) -> None:
        """Apply a space's stored settings (they win over the file) to the policy."""
        space = await load_space_settings(self.store, platform, space_id)
        excluded = frozenset(space.excluded(configured_excluded))
        self.policy.set_space(
            platform, space_id, space.model_copy(update={"excluded_channels": excluded})
        )

    async def status(self, platform: str, space_id: str) -> str:
        cases = await self.store.list_cases(platform, space_id, open_only=True)
        excluded = sorted(self.policy.excluded_channels(platform, space_id))
        level = self.policy.alert_level_for(platform, space_id)
        lines = [
            f"Watching this space: alerts from level **{level.value}** up.",
            f"Excluded channels: {', '.join(excluded) if excluded else 'none'}.",
            f"Open cases: {len(cases)}.",
        ]
        lines += [f"- case {c.number}: {c.level.value}, {c.state.value}" for c in cases[:10]]
        return "\n".join(lines)

    async def exclude(self, platform: str, space_id: str, channel_id: str, actor: str) -> str:
        excluded = self.policy.excluded_channels(platform, space_id) | {channel_id}
        await self._save_excluded(platform, space_id, excluded, actor)
        return f"Channel {channel_id} is no longer watched."

    async def include(self, platform: str, space_id: str, channel_id: str, actor: str) -> str:
        excluded = self.policy.excluded_channels(platform, space_id) - {channel_id}
        await self._save_excluded(platform, space_id, excluded, actor)
        return f"Channel {channel_id} is watched again."

    async def _save_excluded(
        self, platform: str, space_id: str, excluded: set[str], actor: str
    ) -> None:
        await self._save(platform, space_id, actor, excluded_channels=excluded)

    async def set_threshold(self, platform: str, space_id: str, level: str, actor: str) -> str:
        level = level.strip().lower()
        if level not in ALERT_LEVELS:
            return f"Unknown level {level!r}: use one of {', '.join(ALERT_LEVELS)}."
        await self._save(platform, space_id, actor, alert_level=level)
        return f"Alerts now start at level **{level}**."

    async def _save(self, platform: str, space_id: str, actor: str, **changes: object) -> None:
        """Store a space's changed settings (they win over the file from now on) and
        apply them to the policy at once."""
        stored = await save_space_settings(self.store, platform, space_id, actor, **changes)
        typed = {key: getattr(stored, key) for key in changes}
        current = self.policy.space(platform, space_id)
        self.policy.set_space(platform, space_id, current.model_copy(update=typed))

    async def report(
        self,
        platform: str,
        space_id: str,
        reporter: Participant,
        text: str,
        about: Participant | None = None,
    ) -> Case:
        return await self.engine.report(platform, space_id, reporter, text, about)


REPORT_THANKS = (
    "Thank you. Your report went privately to this community's moderators; nobody else "
    "can see it. If someone is in danger right now, call your local emergency number."
)
