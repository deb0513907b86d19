"""What is watched, and when a risk becomes an alert.

Moderators must never be flooded: one conversation has at most one open case (a
higher level upgrades it in place), nothing alerts before a minimum of evidence, a
closed case is not reopened during a cooldown, and a space that produces more new
cases than its flood limit gets the rest in a digest.
"""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import datetime, timedelta
from enum import StrEnum

from bot.config import Settings
from bot.models import Case, CaseState, Level, Message, Score
from bot.spaces import DEFAULTS, SpaceSettings


class Verdict(StrEnum):
    NOTHING = "nothing"
    NEW = "new"
    """Open a case and alert the moderators."""
    NEW_IN_DIGEST = "new_in_digest"
    """Open a case, but the space is over its flood limit: list it in a digest."""
    UPGRADE = "upgrade"
    """The open case reached a higher level: update its alert in place."""
    REFRESH = "refresh"
    """The open case shows a new kind of warning sign at the same level: the alert is
    edited in place to show it (no new message)."""


class Policy:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.thresholds = settings.detection.thresholds
        self.alert_level = Level(settings.detection.alert_level)
        self.min_messages = settings.detection.min_messages
        self.cooldown = timedelta(minutes=settings.alerts.cooldown_minutes)
        self.flood_limit = settings.alerts.flood_limit
        self.flood_window = timedelta(minutes=settings.alerts.flood_window_minutes)
        self._recent_cases: dict[tuple[str, str], deque[datetime]] = defaultdict(deque)
        self._spaces: dict[tuple[str, str], SpaceSettings] = {}

    # -- per-space settings ------------------------------------------------------------

    def set_space(self, platform: str, space_id: str, settings: SpaceSettings) -> None:
        """A space's settings (stored by its moderators, or from the config file)."""
        self._spaces[(platform, space_id)] = settings

    def space(self, platform: str, space_id: str) -> SpaceSettings:
        return self._spaces.get((platform, space_id), DEFAULTS)

    def excluded_channels(self, platform: str, space_id: str) -> set[str]:
        return self.space(platform, space_id).excluded()

    def alert_level_for(self, platform: str, space_id: str) -> Level:
        return self.space(platform, space_id).alert_level or self.alert_level

    # -- what is watched ---------------------------------------------------------------

    def watching(self, message: Message) -> bool:
        watch = self.settings.watch
        if message.author.is_bot or message.space_id in watch.disabled_spaces:
            return False
        if message.is_dm:
            return watch.watch_dms
        # Asked of every message: no sets built for it.
        channel, thread = message.channel_id, message.thread_id
        for excluded in (
            watch.excluded_channels,
            self.space(message.platform, message.space_id).excluded_channels,
        ):
            if excluded and (channel in excluded or (thread is not None and thread in excluded)):
                return False
        return True

    def forget_space(self, platform: str, space_id: str) -> None:
        """Forget a space's recent case count (another process took the space over)."""
        self._recent_cases.pop((platform, space_id), None)

    # -- when to alert -----------------------------------------------------------------

    def level(self, probability: float) -> Level:
        return self.thresholds.level_for(probability)

    def alerts_at(self, score: Score, space: tuple[str, str]) -> bool:
        """Whether a score is enough to alert, regardless of cases and flood limits."""
        level = self.alert_level_for(*space)
        return score.level.rank >= level.rank and score.message_count >= self.min_messages

    def decide(
        self, score: Score, existing: Case | None, space: tuple[str, str], now: datetime
    ) -> Verdict:
        """What to do, counting a new case against the space's flood limit."""
        verdict = self.assess(score, existing, space, now)
        return self._count_new_case(space, now) if verdict is Verdict.NEW else verdict

    def assess(
        self, score: Score, existing: Case | None, space: tuple[str, str], now: datetime
    ) -> Verdict:
        """``decide`` without counting anything: whether a score would act at all (the
        engine then makes sure its view of the case is current before it decides)."""
        if not self.alerts_at(score, space):
            return Verdict.NOTHING
        if existing is not None:
            if existing.is_open:
                if score.level.rank > existing.level.rank:
                    return Verdict.UPGRADE
                known = {signal.name for signal in existing.signals}
                new_evidence = any(signal.name not in known for signal in score.signals)
                return Verdict.REFRESH if new_evidence else Verdict.NOTHING
            if now - existing.updated_at < self.cooldown:
                return Verdict.NOTHING
            if existing.state is CaseState.DISMISSED and score.level.rank <= existing.level.rank:
                # Moderators said this conversation was a false positive at this level.
                return Verdict.NOTHING
        return Verdict.NEW

    def _count_new_case(self, space: tuple[str, str], now: datetime) -> Verdict:
        recent = self._recent_cases[space]
        while recent and now - recent[0] > self.flood_window:
            recent.popleft()
        recent.append(now)
        return Verdict.NEW if len(recent) <= self.flood_limit else Verdict.NEW_IN_DIGEST
