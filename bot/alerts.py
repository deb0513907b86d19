"""What an alert says, independent of how a platform draws it.

Adapters render an ``AlertContent`` in their own UI (a Discord embed, Slack blocks,
terminal text); the wording, the order of reasons and the escalation links live
here, once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from bot import lifecycle
from bot.config import Settings
from bot.models import Case, CaseKind, Decision, Level
from bot.scoring.signals import SEXUAL_CONTENT, TACTICS_BY_NAME, WORDING

LEVEL_LABELS = {
    Level.NONE: "No risk",
    Level.WATCH: "Watch",
    Level.HIGH: "High risk",
    Level.CRITICAL: "Critical",
}

SIGNAL_LABELS = {name: tactic.description for name, tactic in TACTICS_BY_NAME.items()}
SIGNAL_LABELS[SEXUAL_CONTENT] = "sexualised language"
SIGNAL_LABELS[WORDING] = "wording like grooming conversations (text model)"


@dataclass(frozen=True, slots=True)
class Reason:
    label: str
    quote: str
    author_id: str
    message_id: str
    link: str | None


@dataclass(frozen=True, slots=True)
class EscalationLink:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class AlertContent:
    title: str
    level: Level
    summary: str
    reasons: tuple[Reason, ...]
    state_line: str
    history: tuple[str, ...] = ()
    """The suspect's earlier cases in this space, one line each, newest first."""
    claimed_by: Decision | None = None
    """Who said "I'm on it" (another moderator can still act)."""


def content(case: Case, max_reasons: int = 5) -> AlertContent:
    links = {e.message_id: e.link for e in case.evidence}
    reasons = tuple(
        Reason(
            SIGNAL_LABELS.get(s.name, s.name),
            s.quote,
            s.author_id,
            s.message_id,
            links.get(s.message_id),
        )
        for s in case.signals[:max_reasons]
    )
    if case.kind is CaseKind.REPORT:
        title = f"Case {case.number}: a member reported a concern"
        summary = case.summary or "(no details given)"
    else:
        title = f"Case {case.number}: {LEVEL_LABELS[case.level]}, possible grooming"
        summary = (
            f"Risk score {case.score:.2f} in a conversation of {len(case.participants)} people."
        )
    return AlertContent(
        title,
        case.level,
        summary,
        reasons,
        state_line(case),
        history_lines(case),
        lifecycle.claimed_by(case.decisions),
    )


def history_lines(case: Case, limit: int = 5) -> tuple[str, ...]:
    """``case 3 (report): dismissed, opened 2026-11-02``, newest first; older ones counted."""
    earlier = list(reversed(case.history))
    lines = [
        f"case {p.number}"
        + (" (report)" if p.kind is CaseKind.REPORT else f" ({LEVEL_LABELS[p.level].lower()})")
        + f": {p.state.value}, opened {p.created_at:%Y-%m-%d}"
        for p in earlier[:limit]
    ]
    if len(earlier) > limit:
        lines.append(f"and {len(earlier) - limit} earlier")
    return tuple(lines)


def state_line(case: Case) -> str:
    if not case.decisions:
        return f"State: {case.state.value}"
    last = case.decisions[-1]
    when = last.at.strftime("%Y-%m-%d %H:%M UTC")
    who = last.actor_name or last.actor_id
    return f"State: {case.state.value} (by {who}, {when})"


@cache
def _default_links() -> dict[str, Any]:
    return json.loads(resources.files("bot").joinpath("data/escalation.json").read_text())


def load_links(path: Path | None) -> dict[str, Any]:
    """The escalation directory: the admin's file if configured, else the shipped one."""
    if path is None:
        return _default_links()
    return json.loads(path.read_text(encoding="utf-8"))


def links_problem(path: Path | None) -> str | None:
    """Why the configured escalation directory cannot be used, in one line, or None.

    Checked by ``check`` and when the bot starts, so that a moderator's Escalate never
    finds it missing or malformed."""
    if path is None:
        return None
    where = f"escalation.links_file {path}"
    try:
        directory = load_links(path)
    except FileNotFoundError:
        return f"{where}: no such file"
    except OSError as exc:
        return f"{where}: cannot read ({exc.strerror})"
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"{where}: not valid JSON ({exc})"
    if not isinstance(directory, dict):
        return f"{where}: must be a JSON object with 'regions' and 'platforms'"
    regions = directory.get("regions", {})
    platforms = directory.get("platforms", {})
    if not isinstance(regions, dict) or not isinstance(platforms, dict):
        return f"{where}: 'regions' and 'platforms' must be objects"
    for region, items in regions.items():
        if not isinstance(items, list) or not all(_is_link(item) for item in items):
            return f"{where}: region {region!r} must list objects with 'name' and 'url'"
    for platform, entry in platforms.items():
        if not isinstance(entry, dict) or (entry.get("url") and not _is_link(entry)):
            return f"{where}: platform {platform!r} must have 'name' and 'url'"
    return None


def _is_link(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("name"), str)
        and isinstance(item.get("url"), str)
    )


def escalation_links(
    platform: str, regions: list[str], directory: dict[str, Any]
) -> tuple[list[EscalationLink], str]:
    """Where to report, for a platform and regions, and the emergency advice."""
    found: list[EscalationLink] = []
    entry = directory.get("platforms", {}).get(platform)
    if entry and entry.get("url"):
        found.append(EscalationLink(entry["name"], entry["url"]))
    for region in regions or ["GLOBAL"]:
        for item in directory.get("regions", {}).get(region.upper(), []):
            link = EscalationLink(item["name"], item["url"])
            if link not in found:
                found.append(link)
    return found, directory.get("emergency", "")


@dataclass(frozen=True, slots=True)
class Escalation:
    """Everything a moderator needs when escalating one case."""

    links: tuple[EscalationLink, ...]
    emergency: str
    hold_until: datetime | None
    """Until when the case's data is kept (set by the escalate decision)."""


def escalation_for(
    case: Case,
    settings: Settings,
    regions: Sequence[str] | None = None,
    directory: dict[str, Any] | None = None,
) -> Escalation:
    """Where to report ``case``: the platform's trust & safety page, the hotline(s) of the
    space's regions, and the emergency advice. Adapters pass the space's own regions
    (``[[discord.guilds]] regions``, ``slack.regions``); otherwise ``escalation.regions``."""
    chosen = list(regions or settings.escalation.regions)
    links, emergency = escalation_links(
        case.platform, chosen, directory or load_links(settings.escalation.links_file)
    )
    return Escalation(tuple(links), emergency, case.hold_until)
